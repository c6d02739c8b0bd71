"""Teams through the Microsoft 365 Agents SDK, behind the same WSGI server as Slack.

The SDK is asynchronous and our server is threaded: activities are handed to one event loop
in a background thread, and the blocking work (the dispatcher, the database) runs in worker
threads so the loop stays free. Incoming requests are authenticated as the SDK does (a Bot
Framework JWT); anonymous requests only when TEAMS_ALLOW_ANONYMOUS is set, for local testing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Any

import pydantic
from jwt import PyJWTError
from microsoft_agents.activity import ConversationReference, load_configuration_from_env
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.core import (
    AgentApplication,
    CardFactory,
    ClaimsIdentity,
    HttpAdapterBase,
    JwtTokenValidator,
    MemoryStorage,
    MessageFactory,
    TurnContext,
    TurnState,
)

from bot.dispatch import Dispatcher
from bot.settings import Settings
from bot.teams.conversation import TeamsConversation
from bot.teams.loop import LoopThread
from handlers import ui

log = logging.getLogger("techcommit.teams")


def sdk_configuration(settings: Settings) -> dict[str, Any]:
    """The SDK's configuration, from our settings (its keys use `__` as the nesting separator)."""
    prefix = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"
    values = {
        f"{prefix}ANONYMOUS_ALLOWED": "true" if settings.teams_allow_anonymous else "false",
        f"{prefix}CLIENTID": settings.teams_app_id,
        f"{prefix}CLIENTSECRET": settings.secret("teams_app_password"),
        f"{prefix}TENANTID": settings.teams_tenant_id,
    }
    if settings.teams_app_id:
        values[f"{prefix}AUTHTYPE"] = "ClientSecret"
    return load_configuration_from_env({k: v for k, v in values.items() if v})


class _Request:
    """The SDK's request protocol over a body we already read."""

    def __init__(self, body: bytes, headers: Mapping[str, str], claims: ClaimsIdentity) -> None:
        self._body, self._headers, self._claims = body, dict(headers), claims

    @property
    def method(self) -> str:
        return "POST"

    @property
    def headers(self) -> Mapping[str, str]:
        return self._headers

    async def json(self) -> Any:
        return json.loads(self._body)

    def get_claims_identity(self) -> ClaimsIdentity:
        return self._claims

    def get_path_param(self, name: str) -> str:
        raise KeyError(name)


class TeamsRuntime:
    """The agent, its adapter and loop; `wsgi` answers POST /api/messages, `send` reaches people proactively."""

    def __init__(self, settings: Settings, dispatcher: Dispatcher, conversations: TeamsConversation) -> None:
        self.settings = settings
        self.app_id = settings.teams_app_id
        config = sdk_configuration(settings)
        self.connections = MsalConnectionManager(**config)
        # The SDK's service-URL host check is off (its default): the URL comes from authenticated activities.
        self.adapter = HttpAdapterBase(connection_manager=self.connections)
        self.agent = AgentApplication[TurnState](storage=MemoryStorage(), connection_manager=self.connections, **config)
        self.auth = self.connections.get_default_connection_configuration()
        self.loop = LoopThread()
        conversations.register(self.agent, dispatcher)

    async def _authorise(self, authorization: str | None) -> ClaimsIdentity | None:
        """The caller's claims, or None: a Bot Framework JWT, or nothing when anonymous use is allowed."""
        validator = JwtTokenValidator(self.auth)
        if not authorization:
            return validator.get_anonymous_claims() if self.auth.ANONYMOUS_ALLOWED else None
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        try:
            return await validator.validate_token(token)
        except (PyJWTError, ValueError):
            return None
        except Exception:  # e.g. the signing keys could not be fetched
            log.warning("could not validate a Teams token", exc_info=True)
            return None

    async def _process(self, body: bytes, authorization: str | None) -> tuple[int, Any]:
        claims = await self._authorise(authorization)
        if claims is None:
            return 401, {"error": "unauthorised"}
        try:
            response = await self.adapter.process_request(_Request(body, {}, claims), self.agent)
        except (pydantic.ValidationError, ValueError):
            return 400, {"error": "not an activity"}
        return response.status_code, response.body

    def wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """Answer the Bot Framework's POST /api/messages."""
        if environ.get("REQUEST_METHOD") != "POST":
            start_response("405 Method Not Allowed", [("Allow", "POST"), ("Content-Length", "0")])
            return [b""]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        try:
            status, payload = self.loop.run(self._process(body, environ.get("HTTP_AUTHORIZATION")))
        except Exception:
            log.exception("a Teams activity could not be processed")
            status, payload = 500, {"error": "internal error"}
        data = b"" if payload is None else json.dumps(payload).encode()
        headers = [("Content-Length", str(len(data)))] + ([("Content-Type", "application/json")] if data else [])
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [data]

    def send(self, reference_json: str, reply: ui.Reply, card: dict[str, Any]) -> str:
        """Post a card into a stored conversation (a proactive message); return the new activity's id."""
        reference = ConversationReference.model_validate_json(reference_json)
        continuation = reference.get_continuation_activity()
        continuation.id = None  # a new message, not a reply
        sent: list[str] = []

        async def post(context: TurnContext) -> None:
            message = MessageFactory.attachment(CardFactory.adaptive_card(card))
            message.summary = reply.text[:200]
            result = await context.send_activity(message)
            sent.append(result.id if result else "")

        async def proactive() -> None:
            if self.app_id:
                await self.adapter.continue_conversation(self.app_id, continuation, post)
            else:  # anonymous (local testing): no token on the outgoing call
                await self.adapter.continue_conversation_with_claims(ClaimsIdentity(), continuation, post)

        self.loop.run(proactive())
        return sent[0] if sent else ""

    def close(self) -> None:
        self.loop.stop()
