"""Teams through the Microsoft 365 Agents SDK, behind the same WSGI server as Slack.

The SDK is asynchronous and our server is threaded: activities are handed to one event loop
in a background thread, and the blocking work (the dispatcher, the database) runs in worker
threads so the loop stays free. Incoming requests are let in by bot/teams/auth.py (a Bot Framework
JWT from an accepted issuer, and a serviceUrl the token was issued for on an allowed host) before
the SDK sees them; anonymous requests only when TEAMS_ALLOW_ANONYMOUS is set, for local testing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Any

import pydantic
from microsoft_agents.activity import ConversationReference, load_configuration_from_env
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.core import (
    AgentApplication,
    CardFactory,
    ClaimsIdentity,
    HttpAdapterBase,
    MemoryStorage,
    MessageFactory,
    TurnContext,
    TurnState,
)

from bot.dispatch import Dispatcher
from bot.settings import Settings
from bot.teams.auth import IssuerDirectory, Refused, TokenValidator, service_url_refusal
from bot.teams.conversation import TeamsConversation
from bot.teams.loop import LoopThread
from handlers import ui
from scheduler.sender import DeliveryFailed

log = logging.getLogger("techcommit.teams")


def sdk_configuration(settings: Settings) -> dict[str, Any]:
    """The SDK's configuration, from our settings (its keys use `__` as the nesting separator)."""
    prefix = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"
    values = {
        f"{prefix}ANONYMOUS_ALLOWED": "true" if settings.teams_allow_anonymous else "false",
        f"{prefix}CLIENTID": settings.teams_app_id,
        f"{prefix}CLIENTSECRET": settings.secret("teams_app_password"),
        f"{prefix}TENANTID": settings.teams_tenant_id,
        f"{prefix}AUTHORITY": settings.teams_authority,
    }
    if settings.teams_app_id:
        values[f"{prefix}AUTHTYPE"] = "ClientSecret"
    return load_configuration_from_env({k: v for k, v in values.items() if v})


class _Answer(Exception):
    """The request is answered here, without the SDK: `status` and a JSON `body`."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(status)
        self.status, self.body = status, body


class _Request:
    """The SDK's request protocol over a body we already read."""

    def __init__(self, activity: Any, headers: Mapping[str, str], claims: ClaimsIdentity) -> None:
        self._activity, self._headers, self._claims = activity, dict(headers), claims

    @property
    def method(self) -> str:
        return "POST"

    @property
    def headers(self) -> Mapping[str, str]:
        return self._headers

    async def json(self) -> Any:
        return self._activity

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
        # The SDK's own service-URL host validator stays off: it compares hosts only, trusts Graph,
        # SharePoint and blob storage hosts as well, and cannot be pointed at a local connector.
        # `_admit` checks the URL against the token and TEAMS_SERVICE_URL_HOSTS before the SDK runs.
        self.adapter = HttpAdapterBase(connection_manager=self.connections)
        self.agent = AgentApplication[TurnState](storage=MemoryStorage(), connection_manager=self.connections, **config)
        self.tokens = TokenValidator(self.app_id, IssuerDirectory(settings.teams_metadata_urls))
        self.service_hosts = settings.teams_service_url_hosts
        self.anonymous = settings.teams_allow_anonymous
        self.loop = LoopThread()
        conversations.register(self.agent, dispatcher)

    def _admit(self, body: bytes, authorization: str | None) -> tuple[dict[str, Any], ClaimsIdentity]:
        """The activity and the caller's claims, if the request may be handed to the SDK; else _Answer."""
        try:
            claims = None if self.anonymous and not authorization else self.tokens.claims(authorization)
        except Refused as exc:
            log.warning("a Teams request was refused: %s", exc)
            raise _Answer(401, {"error": "unauthorised"}) from None
        try:
            activity = json.loads(body)
        except ValueError:
            activity = None
        if not isinstance(activity, dict):
            raise _Answer(400, {"error": "not an activity"})
        refusal = service_url_refusal(
            activity.get("serviceUrl"), claims, self.service_hosts, allow_loopback=self.anonymous
        )
        if refusal:
            log.warning("a Teams request was refused: %s", refusal)
            raise _Answer(401, {"error": "unauthorised"})
        if claims is None:
            return activity, ClaimsIdentity()
        return activity, ClaimsIdentity(claims, "Bearer", (authorization or "").partition(" ")[2].strip())

    async def _process(self, activity: Any, claims: ClaimsIdentity) -> tuple[int, Any]:
        try:
            response = await self.adapter.process_request(_Request(activity, {}, claims), self.agent)
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
            activity, claims = self._admit(body, environ.get("HTTP_AUTHORIZATION"))
            status, payload = self.loop.run(self._process(activity, claims))
        except _Answer as answer:
            status, payload = answer.status, answer.body
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
        refusal = service_url_refusal(reference.service_url, None, self.service_hosts, allow_loopback=self.anonymous)
        if refusal:  # a reference stored before the host was dropped from the list, or written by hand
            raise DeliveryFailed(f"not sent: {refusal}", permanent=True)
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
