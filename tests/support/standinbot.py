"""A tiny real Agents SDK bot for testing the Teams stand-ins (FakeConnector, TeamsClient).

Built with the Microsoft 365 Agents SDK in anonymous mode and served by waitress through a minimal
WSGI bridge written here, so the stand-ins are checked without depending on the bot package.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Coroutine, Iterable
from concurrent.futures import Future
from typing import Any

import pydantic
from microsoft_agents.activity import (
    Activity,
    load_configuration_from_env,
)
from microsoft_agents.hosting.core import (
    AgentApplication,
    AgentAuthConfiguration,
    AnonymousTokenProvider,
    CardFactory,
    ClaimsIdentity,
    ConnectionManager,
    HttpAdapterBase,
    JwtTokenValidator,
    MemoryStorage,
    MessageFactory,
    TurnContext,
    TurnState,
)

ENV = {"CONNECTIONS__SERVICE_CONNECTION__SETTINGS__ANONYMOUS_ALLOWED": "true"}
TOKEN = "offline-test-token"


def card(text: str, *, verb: str = "ack") -> dict[str, Any]:
    """A valid card with an input and a submit button."""
    return {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [
            {"type": "TextBlock", "text": text, "wrap": True},
            {"type": "Input.Text", "id": "comment", "label": "Comment"},
        ],
        "actions": [{"type": "Action.Submit", "title": "Send", "data": {"verb": verb}}],
    }


class StaticTokenProvider(AnonymousTokenProvider):
    """Hands out a fixed token for the turns that are not anonymous (proactive sends), without Entra ID."""

    async def get_access_token(self, resource_url: str, scopes: list[str], force_refresh: bool = False) -> str:
        return TOKEN


class StandInBot:
    """An AgentApplication on its own event loop thread, with a WSGI entry point for /api/messages."""

    def __init__(self) -> None:
        config = load_configuration_from_env(ENV)
        manager = ConnectionManager(provider_factory=lambda _cfg: StaticTokenProvider(), **config)
        self.auth: AgentAuthConfiguration = manager.get_default_connection_configuration()
        # host_validator=None: the default OutboundHostValidator(enabled=False); http://127.0.0.1 never passes it.
        self.adapter = HttpAdapterBase(connection_manager=manager, host_validator=None)
        self.app = AgentApplication[TurnState](
            storage=MemoryStorage(), connection_manager=manager, start_typing_timer=False, **config
        )
        self.errors: list[BaseException] = []
        self.references: dict[str, str] = {}
        self.seen: list[Activity] = []
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="stand-in-bot", daemon=True)
        self._thread.start()
        self._register()

    def _register(self) -> None:
        app = self.app

        @app.conversation_update("membersAdded")
        async def on_added(context: TurnContext, state: TurnState) -> None:
            await context.send_activity("Welcome to techcommit")

        @app.adaptive_card.action_submit("ack")
        async def on_ack(context: TurnContext, state: TurnState, data: Any) -> None:
            self.seen.append(context.activity)
            await context.send_activity(f"Thanks: {data.get('comment')}")
            updated = MessageFactory.attachment(CardFactory.adaptive_card(card("Done", verb="done")))
            updated.id = context.activity.reply_to_id
            await context.update_activity(updated)

        @app.message()
        async def on_message(context: TurnContext, state: TurnState) -> None:
            activity = context.activity
            self.seen.append(activity)
            reference = activity.get_conversation_reference()
            self.references[activity.from_property.aad_object_id or ""] = reference.model_dump_json(
                by_alias=True, exclude_none=True
            )
            await context.send_activity(f"Hi {activity.from_property.name}, you said: {activity.text}")
            content = card("What do you think?")
            if activity.text == "bad card":
                content["body"].append({"type": "Input.Text", "label": "No id <!here>"})
            await context.send_activity(MessageFactory.attachment(CardFactory.adaptive_card(content)))

        @app.error
        async def on_error(context: TurnContext, error: Exception) -> None:
            self.errors.append(error)

    def run(self, coro: Coroutine[Any, Any, Any], timeout: float = 10) -> Any:
        """Run a coroutine on the bot's loop from another thread."""
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result(timeout)

    async def _authorize(self, authorization: str | None) -> ClaimsIdentity | tuple[int, dict[str, str]]:
        """The SDK's rules: no header is anonymous when allowed; any header must be a valid Bearer JWT."""
        validator = JwtTokenValidator(self.auth)
        if not authorization:
            if self.auth.ANONYMOUS_ALLOWED:
                return validator.get_anonymous_claims()
            return 401, {"error": "Authorization header not found"}
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token or " " in token:
            return 401, {"error": "Invalid authorization header format"}
        try:
            return await validator.validate_token(token)
        except Exception:  # PyJWTError, ValueError, or no network for the JWKS
            return 401, {"error": "Invalid token or authentication failed."}

    async def _process(self, body: bytes, authorization: str | None) -> tuple[int, Any]:
        claims = await self._authorize(authorization)
        if isinstance(claims, tuple):
            return claims
        request = _Request(body, claims)
        try:
            response = await self.adapter.process_request(request, self.app)
        except pydantic.ValidationError:
            return 400, {"error": "Malformed activity"}
        return response.status_code, response.body

    def wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """POST /api/messages."""
        if environ.get("PATH_INFO") != "/api/messages" or environ.get("REQUEST_METHOD") != "POST":
            start_response("404 Not Found", [("Content-Length", "0")])
            return [b""]
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        status, payload = self.run(self._process(body, environ.get("HTTP_AUTHORIZATION")))
        data = b"" if payload is None else json.dumps(payload).encode()
        start_response(f"{status} X", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]

    def close(self) -> None:
        """Stop the event loop thread."""
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
        self.loop.close()


class _Request:
    """The SDK's HttpRequestProtocol for a body already read from WSGI."""

    method = "POST"
    headers: dict[str, str] = {}  # noqa: RUF012 - read only

    def __init__(self, body: bytes, claims: ClaimsIdentity) -> None:
        self._body, self._claims = body, claims

    async def json(self) -> Any:
        return json.loads(self._body)

    def get_claims_identity(self) -> ClaimsIdentity:
        return self._claims

    def get_path_param(self, name: str) -> str:
        raise KeyError(name)
