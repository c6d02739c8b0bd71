"""TeamsClient: plays the Bot Framework channel for Microsoft Teams, POSTing Teams-shaped activities to the bot.

Activities look like what Teams sends for a personal (1:1) chat: ``29:`` user ids, an ``a:`` conversation id
that stays the same for each user, the tenant in ``conversation`` and ``channelData``, and a ``serviceUrl``
that points to a FakeConnector, so the bot's replies can be awaited with ``Posted.replies()``.
By default nothing is signed (no Authorization header): the bot must run with anonymous access allowed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from .fakeconnector import ConnectorCall, FakeConnector

MESSAGES_PATH = "/api/messages"
BOT_APP_ID = "b07c0ffe-7ec4-4c0a-8e11-000000000001"
BOT_NAME = "techcommit"
_NAMESPACE = uuid.UUID("6f1f3c2e-2b7a-4d0e-9a51-7ec4c0aa1b07")
_LOCAL_TZ = ZoneInfo("Europe/London")  # the user's Teams client reports its local time


def _opaque(prefix: str, seed: str) -> str:
    """A stable, Teams-looking opaque id such as 29:1XJKJMvc5G…"""
    digest = hashlib.sha256(seed.encode("utf-8")).digest() * 2
    return prefix + "1" + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")[:80]


@dataclass(frozen=True)
class TeamsUser:
    """A Teams user: display name and Entra ID (AAD) object id."""

    name: str
    aad_object_id: str

    @classmethod
    def make(cls, name: str) -> TeamsUser:
        """A user whose AAD object id is a GUID derived from `name` (the same name gives the same id)."""
        return cls(name, str(uuid.uuid5(_NAMESPACE, name)))

    @property
    def teams_id(self) -> str:
        """The user's Teams id (``29:…``), stable for the AAD object id."""
        return _opaque("29:", "user:" + self.aad_object_id)

    @property
    def email(self) -> str:
        """A made-up work address for the user."""
        return ".".join(self.name.lower().split()) + "@example.ac.uk"

    def account(self, tenant_id: str) -> dict[str, Any]:
        """The user as a TeamsChannelAccount, as the Connector returns it from the members endpoints."""
        given, _, surname = self.name.partition(" ")
        return {
            "id": self.teams_id,
            "name": self.name,
            "aadObjectId": self.aad_object_id,
            "givenName": given,
            "surname": surname,
            "email": self.email,
            "userPrincipalName": self.email,
            "tenantId": tenant_id,
            "userRole": "user",
        }


@dataclass
class Posted:
    """What the bot answered to one activity, plus the hook to await its replies."""

    status: int
    body: Any
    activity_id: str | None
    conversation_id: str | None = None
    activity: dict[str, Any] = field(default_factory=dict, repr=False)
    connector: FakeConnector | None = field(default=None, repr=False)
    since: int = field(default=0, repr=False)

    def replies(self, n: int = 1, timeout: float = 5.0) -> list[ConnectorCall]:
        """The first `n` messages the bot sent into this conversation after the post (typing indicators skipped)."""
        if self.connector is None or self.conversation_id is None:
            raise AssertionError("this Posted has no conversation or connector to wait on")
        connector, cid, since = self.connector, self.conversation_id, self.since

        def found() -> list[ConnectorCall] | None:
            calls = [
                c
                for c in connector.calls[since:]
                if c.ok
                and c.conversation_id == cid
                and c.op in ("reply_to_activity", "send_to_conversation")
                and c.activity_type != "typing"
            ]
            return calls[:n] if len(calls) >= n else None

        return connector.wait_for(found, timeout)

    def no_replies(self, wait: float = 0.5) -> None:
        """Assert that the bot sends nothing into this conversation within `wait` seconds."""
        try:
            calls = self.replies(1, wait)
        except TimeoutError:
            return
        raise AssertionError(f"expected no reply, got {calls[0].body}")


class TeamsClient:
    """Sends Teams-shaped activities to the bot at `app_url + /api/messages`."""

    def __init__(
        self,
        app_url: str,
        connector: FakeConnector,
        tenant_id: str = "72f988bf-0000-0000-0000-000000000000",
        *,
        bot_app_id: str = BOT_APP_ID,
        authorization: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.url = app_url.rstrip("/") + MESSAGES_PATH
        self.connector = connector
        self.tenant_id = tenant_id
        self.bot_app_id = bot_app_id
        self.authorization = authorization
        self.timeout = timeout

    # -- identities ---------------------------------------------------------------------------

    @property
    def bot(self) -> dict[str, str]:
        """The bot as a channel account (``28:<app id>``)."""
        return {"id": f"28:{self.bot_app_id}", "name": BOT_NAME}

    def personal_conversation_id(self, user: TeamsUser) -> str:
        """The id of the user's 1:1 chat with the bot (``a:…``, stable per user and bot)."""
        return _opaque("a:", f"personal:{self.bot_app_id}:{user.aad_object_id}")

    # -- low level ----------------------------------------------------------------------------

    def post_raw(self, body: bytes, headers: dict[str, str]) -> Posted:
        """POST `body` with exactly `headers`; nothing is filled in."""
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as err:
            status, raw = err.code, err.read()
        text = raw.decode("utf-8", "replace")
        try:
            parsed: Any = json.loads(text) if text else None
        except ValueError:
            parsed = text
        return Posted(status, parsed, None)

    def post_activity(self, activity: dict[str, Any], *, authorization: str | None = None) -> Posted:
        """POST one activity as the Bot Framework channel does (JSON, Authorization only if given)."""
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Microsoft-SkypeBotApi (Microsoft-BotFramework/3.0)",
        }
        token = authorization or self.authorization
        if token:
            headers["Authorization"] = token
        since = len(self.connector.calls)
        posted = self.post_raw(json.dumps(activity).encode("utf-8"), headers)
        posted.activity_id = activity.get("id")
        posted.conversation_id = (activity.get("conversation") or {}).get("id")
        posted.activity, posted.connector, posted.since = activity, self.connector, since
        return posted

    def base_activity(self, kind: str, user: TeamsUser, conversation_id: str | None = None) -> dict[str, Any]:
        """The fields every activity from a personal chat carries (and registers the user with the connector)."""
        personal = self.personal_conversation_id(user)
        cid = conversation_id or personal
        self.connector.add_member(cid, user.account(self.tenant_id), personal=cid == personal)
        now = datetime.now(UTC)
        return {
            "type": kind,
            "id": self.connector.next_id(),
            "timestamp": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "localTimestamp": now.astimezone(_LOCAL_TZ).isoformat(timespec="milliseconds"),
            "localTimezone": "Europe/London",
            "serviceUrl": self.connector.service_url,
            "channelId": "msteams",
            "from": {"id": user.teams_id, "name": user.name, "aadObjectId": user.aad_object_id},
            "conversation": {"conversationType": "personal", "tenantId": self.tenant_id, "id": cid},
            "recipient": dict(self.bot),
            "entities": [
                {
                    "locale": "en-GB",
                    "country": "GB",
                    "platform": "Web",
                    "timezone": "Europe/London",
                    "type": "clientInfo",
                }
            ],
            "channelData": {"tenant": {"id": self.tenant_id}},
            "locale": "en-GB",
        }

    # -- Teams activities ---------------------------------------------------------------------

    def message(
        self,
        text: str,
        *,
        user: TeamsUser,
        conversation_id: str | None = None,
        authorization: str | None = None,
        mentioning: list[dict[str, str]] | None = None,
    ) -> Posted:
        """A plain-text message the user typed in their chat with the bot.

        `mentioning` lists the accounts (``{"id", "name"}``) @mentioned in it: the text carries
        ``<at>name</at>`` for each, and the activity a mention entity, as Teams sends them.
        """
        activity = self.base_activity("message", user, conversation_id)
        for account in mentioning or ():
            tag = f"<at>{account['name']}</at>"
            assert tag in text, f"the text should contain {tag}"
            activity["entities"].append({"type": "mention", "text": tag, "mentioned": dict(account)})
        activity.update(
            textFormat="plain",
            text=text,
            attachments=[{"contentType": "text/html", "content": f"<p>{_html(text)}</p>"}],
        )
        return self.post_activity(activity, authorization=authorization)

    def submit(
        self,
        value: dict[str, Any],
        *,
        user: TeamsUser,
        reply_to_id: str | None = None,
        conversation_id: str | None = None,
        authorization: str | None = None,
    ) -> Posted:
        """An Action.Submit click: a message with `value` (button data merged with the inputs) and no text.

        `reply_to_id` is the id of the card's message; by default, the last card the bot sent to the chat.
        """
        activity = self.base_activity("message", user, conversation_id)
        cid = activity["conversation"]["id"]
        card_id = reply_to_id or self.last_card_id(cid)
        activity.update(replyToId=card_id, value=value)
        activity["channelData"].update(source={"name": "message"}, legacy={"replyToId": card_id})
        return self.post_activity(activity, authorization=authorization)

    def install(self, user: TeamsUser, *, authorization: str | None = None) -> list[Posted]:
        """A personal install of the app: Teams sends an installationUpdate and a conversationUpdate adding the bot."""
        install = self.base_activity("installationUpdate", user)
        install.update(action="add")
        update = self.base_activity("conversationUpdate", user)
        update["id"] = "f:" + uuid.uuid4().hex
        update["membersAdded"] = [{"id": self.bot["id"]}]
        for activity in (install, update):
            activity.pop("entities")
            activity.pop("locale")
        return [self.post_activity(a, authorization=authorization) for a in (install, update)]

    def last_card_id(self, conversation_id: str) -> str:
        """The activity id of the last message with an Adaptive Card that the bot sent into a conversation."""
        for call in reversed(self.connector.sent_to(conversation_id)):
            sent = call.op in ("send_to_conversation", "reply_to_activity")
            if sent and call.resource_id and self.connector.cards(call):
                return call.resource_id
            if call.op == "update_activity" and self.connector.cards(call) and call.activity_id:
                return call.activity_id
        raise AssertionError(f"the bot has sent no card to {conversation_id}; pass reply_to_id")


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
