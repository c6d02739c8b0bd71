"""SignedClient: plays Slack's side of the conversation, sending signed requests to the bot.

Slash commands, block actions, view submissions and events are shaped like Slack's own
payloads and signed with the app's signing secret (v0 HMAC-SHA256, computed here with hmac).
Response URLs and trigger IDs come from a FakeSlack, so replies and modals can be awaited.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from .fakeslack import FakeSlack
from .slackforms import fill

EVENTS_PATH = "/slack/events"
_counter = itertools.count(1)


@dataclass
class Sent:
    """What the bot answered to one request, plus the hooks to await its follow-ups."""

    status: int
    body: str
    response_url: str | None = None
    trigger_id: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    fake: FakeSlack | None = field(default=None, repr=False)

    def json(self) -> Any | None:
        """The body parsed as JSON, or None if it is not JSON."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None

    def _fake(self) -> FakeSlack:
        if self.fake is None:
            raise RuntimeError("this Sent has no FakeSlack attached")
        return self.fake

    def reply(self, n: int = 1, timeout: float = 5.0) -> dict[str, Any]:
        """The n-th message the bot POSTed to this request's response_url."""
        if self.response_url is None:
            raise AssertionError("this request carried no response_url")
        return self._fake().wait_response(self.response_url, n, timeout)

    def modal(self, timeout: float = 5.0) -> dict[str, Any]:
        """The view (as issued by the fake, with its id) opened or pushed with this request's trigger_id."""
        if self.trigger_id is None:
            raise AssertionError("this request carried no trigger_id")
        fake = self._fake()
        call = fake.wait_for(
            lambda: next(
                (
                    c
                    for c in fake.calls
                    if c.method in ("views.open", "views.push") and c.args.get("trigger_id") == self.trigger_id
                ),
                None,
            ),
            timeout,
        )
        if not call.ok:
            raise AssertionError(f"{call.method} failed: {call.response}")
        view: dict[str, Any] = call.response["view"]
        return view

    def no_reply(self, wait: float = 0.5) -> None:
        """Assert that nothing is POSTed to this request's response_url within `wait` seconds."""
        if self.response_url is None:
            return
        try:
            body = self._fake().wait_response(self.response_url, 1, wait)
        except TimeoutError:
            return
        raise AssertionError(f"expected no reply, got {body}")


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Slack's v0 request signature for `body` sent at `timestamp`."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class SignedClient:
    """Sends Slack-shaped, signed requests to the bot at `app_url + /slack/events`."""

    def __init__(
        self,
        app_url: str,
        signing_secret: str,
        fake: FakeSlack,
        team_id: str = "T0TEST",
        *,
        api_app_id: str = "A0TEST",
        verification_token: str = "verification-token",
        timeout: float = 10.0,
    ) -> None:
        self.url = app_url.rstrip("/") + EVENTS_PATH
        self.signing_secret = signing_secret
        self.fake = fake
        self.team_id = team_id
        self.team_domain = "techcommit-test"
        self.api_app_id = api_app_id
        self.verification_token = verification_token
        self.timeout = timeout

    fill = staticmethod(fill)

    # -- low level ----------------------------------------------------------------------------

    def signed_headers(
        self,
        body: bytes,
        secret: str | None = None,
        timestamp: int | str | None = None,
    ) -> dict[str, str]:
        """X-Slack-Request-Timestamp and X-Slack-Signature for `body` (now, with our secret, by default)."""
        ts = str(int(time.time()) if timestamp is None else timestamp)
        sig = sign(self.signing_secret if secret is None else secret, ts, body)
        return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig}

    def post(self, body: bytes, headers: dict[str, str]) -> Sent:
        """POST `body` with exactly `headers` (no automatic signing)."""
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as resp:
                return Sent(
                    resp.status, resp.read().decode("utf-8"), headers=dict(resp.headers.items()), fake=self.fake
                )
        except urllib.error.HTTPError as err:
            text = err.read().decode("utf-8")
            return Sent(err.code, text, headers=dict(err.headers.items()), fake=self.fake)

    def _send(
        self,
        body: bytes,
        content_type: str,
        *,
        secret: str | None = None,
        timestamp: int | str | None = None,
        extra: dict[str, str] | None = None,
    ) -> Sent:
        headers = {"Content-Type": content_type, **self.signed_headers(body, secret, timestamp)}
        headers.update(extra or {})
        return self.post(body, headers)

    def _form(self, fields: dict[str, str], **kwargs: Any) -> Sent:
        return self._send(urlencode(fields).encode(), "application/x-www-form-urlencoded", **kwargs)

    def _interaction(self, payload: dict[str, Any], **kwargs: Any) -> Sent:
        return self._form({"payload": json.dumps(payload)}, **kwargs)

    @staticmethod
    def new_trigger_id() -> str:
        """A unique trigger ID shaped like Slack's."""
        return f"{1000000000 + next(_counter)}.{secrets.randbelow(10**12)}.{secrets.token_hex(16)}"

    def _user(self, user: str, user_name: str) -> dict[str, str]:
        return {"id": user, "username": user_name, "name": user_name, "team_id": self.team_id}

    def _team(self) -> dict[str, str]:
        return {"id": self.team_id, "domain": self.team_domain}

    # -- Slack payloads -----------------------------------------------------------------------

    def command(
        self,
        command: str,
        text: str,
        *,
        user: str = "U1",
        user_name: str = "alice",
        channel: str = "C1",
        secret: str | None = None,
        timestamp: int | str | None = None,
        response_url: str | None = None,
    ) -> Sent:
        """A slash command, e.g. command("/cpd", "log 2h workshop") (with a fresh response URL unless given)."""
        response_url, trigger_id = response_url or self.fake.new_response_url(), self.new_trigger_id()
        fields = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "team_domain": self.team_domain,
            "channel_id": channel,
            "channel_name": "directmessage" if channel[:1] == "D" else "general",
            "user_id": user,
            "user_name": user_name,
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
        sent = self._form(fields, secret=secret, timestamp=timestamp)
        sent.response_url, sent.trigger_id = response_url, trigger_id
        return sent

    def block_action(
        self,
        action_id: str,
        value: str = "",
        *,
        user: str = "U1",
        user_name: str = "alice",
        block_id: str = "b1",
        response_url: bool = True,
        container: dict[str, Any] | None = None,
        message: dict[str, Any] | None = None,
        view: dict[str, Any] | None = None,
        channel: str = "C1",
        action_type: str = "button",
        selected_option: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Sent:
        """A block_actions interaction (a button click, a menu choice, ...), from a message or a view."""
        trigger_id = self.new_trigger_id()
        action: dict[str, Any] = {
            "action_id": action_id,
            "block_id": block_id,
            "type": action_type,
            "action_ts": f"{time.time():.6f}",
        }
        if selected_option is not None:
            action["selected_option"] = selected_option
        else:
            action["value"] = value
        action.update(extra or {})
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": self._user(user, user_name),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "trigger_id": trigger_id,
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
            "actions": [action],
        }
        url = None
        if view is not None:
            payload["container"] = container or {"type": "view", "view_id": view.get("id")}
            payload["view"] = {"state": {"values": {}}, **view}
        else:
            ts = (message or {}).get("ts") or self.fake.next_ts()
            payload["container"] = container or {
                "type": "message",
                "message_ts": ts,
                "channel_id": channel,
                "is_ephemeral": message is None,
            }
            payload["channel"] = {"id": channel, "name": "general"}
            if message is not None:
                payload["message"] = message
            if response_url:
                url = payload["response_url"] = self.fake.new_response_url()
        payload["state"] = {"values": {}}
        sent = self._interaction(payload)
        sent.response_url, sent.trigger_id = url, trigger_id
        return sent

    def view_submission(
        self,
        view: dict[str, Any],
        values: dict[str, dict[str, dict[str, Any]]],
        *,
        user: str = "U1",
        user_name: str = "alice",
    ) -> Sent:
        """A view_submission of `view` (as returned by Sent.modal()) with state `values` (see fill())."""
        if not view.get("id"):
            raise ValueError("view has no id: pass the view the fake issued (Sent.modal()), not the request")
        trigger_id = self.new_trigger_id()
        submitted = copy.deepcopy(view)
        submitted.setdefault("hash", f"{int(time.time())}.{secrets.token_hex(4)}")
        submitted.setdefault("callback_id", "")
        submitted.setdefault("private_metadata", "")
        submitted["state"] = {"values": values}
        payload: dict[str, Any] = {
            "type": "view_submission",
            "team": self._team(),
            "user": self._user(user, user_name),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "trigger_id": trigger_id,
            "view": submitted,
            "response_urls": [],
            "enterprise": None,
            "is_enterprise_install": False,
        }
        sent = self._interaction(payload)
        sent.trigger_id = trigger_id
        return sent

    def view_closed(self, view: dict[str, Any], *, user: str = "U1", user_name: str = "alice") -> Sent:
        """A view_closed interaction (sent only for views with notify_on_close)."""
        payload = {
            "type": "view_closed",
            "team": self._team(),
            "user": self._user(user, user_name),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "view": view,
            "is_cleared": False,
            "enterprise": None,
            "is_enterprise_install": False,
        }
        return self._interaction(payload)

    def event(
        self,
        event: dict[str, Any],
        *,
        retry_num: int | None = None,
        event_id: str | None = None,
        retry_reason: str = "http_timeout",
    ) -> Sent:
        """An Events API event_callback wrapping `event`, optionally marked as a retry."""
        body = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "api_app_id": self.api_app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_counter):08d}{secrets.token_hex(3).upper()}",
            "event_time": int(time.time()),
            "is_ext_shared_channel": False,
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": "U0BOT",
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
        }
        extra = {}
        if retry_num is not None:
            extra = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        return self._send(json.dumps(body).encode(), "application/json", extra=extra)

    def url_verification(self, challenge: str = "challenge-token") -> Sent:
        """The url_verification handshake Slack sends when the Request URL is configured."""
        body = {"token": self.verification_token, "challenge": challenge, "type": "url_verification"}
        return self._send(json.dumps(body).encode(), "application/json")
