"""FakeConnector: a fake of the Bot Framework Connector REST API (a Teams ``serviceUrl``) over real local HTTP.

Put ``fake.service_url`` into the ``serviceUrl`` of the activities sent to the bot (TeamsClient does);
the bot then sends its replies here. Every call is recorded in ``fake.calls`` and every misuse (an
activity without a type, an invalid Adaptive Card, leaked Slack markup, ...) is appended to
``fake.problems`` so that a fixture can assert ``fake.problems == []`` after each test. As the real
service does, the fake still answers such calls with success.

    POST   /v3/conversations                                   create_conversation
    POST   /v3/conversations/{conversationId}/activities       send_to_conversation
    POST   /v3/conversations/{conversationId}/activities/{id}  reply_to_activity
    PUT    /v3/conversations/{conversationId}/activities/{id}  update_activity
    DELETE /v3/conversations/{conversationId}/activities/{id}  delete_activity
    GET    /v3/conversations/{conversationId}/members          get_members
    GET    /v3/conversations/{conversationId}/members/{id}     get_member
"""

from __future__ import annotations

import itertools
import json
import re
import time
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from .adaptivecards import ADAPTIVE_CARD, MAX_CARD_BYTES, check_attachments, markup_problems, mention_texts
from .localfake import FakeHandler, LocalFake

T = TypeVar("T")
ACTIVITY_OPS = ("send_to_conversation", "reply_to_activity", "update_activity")
_CONV = r"/v3/conversations/(?P<cid>[^/]+)"
ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("POST", re.compile(r"^/v3/conversations/?$"), "create_conversation"),
    ("POST", re.compile(_CONV + r"/activities/?$"), "send_to_conversation"),
    ("POST", re.compile(_CONV + r"/activities/(?P<aid>[^/]+)$"), "reply_to_activity"),
    ("PUT", re.compile(_CONV + r"/activities/(?P<aid>[^/]+)$"), "update_activity"),
    ("DELETE", re.compile(_CONV + r"/activities/(?P<aid>[^/]+)$"), "delete_activity"),
    ("GET", re.compile(_CONV + r"/members/?$"), "get_members"),
    ("GET", re.compile(_CONV + r"/members/(?P<mid>[^/]+)$"), "get_member"),
]


@dataclass
class ConnectorCall:
    """One recorded Connector API call and the answer the fake gave (for get_member, activity_id is the member id)."""

    op: str
    conversation_id: str | None
    activity_id: str | None
    body: Any
    authorization: str | None
    method: str = ""
    path: str = ""
    status: int = 200
    response: Any = None

    @property
    def ok(self) -> bool:
        """Whether the fake answered with a 2xx status."""
        return 200 <= self.status < 300

    @property
    def resource_id(self) -> str | None:
        """The activity (or conversation) id the fake handed back, if any."""
        return self.response.get("id") if isinstance(self.response, dict) else None

    @property
    def activity_type(self) -> str | None:
        """The ``type`` of the activity in the body, if the body is an activity."""
        return self.body.get("type") if isinstance(self.body, dict) else None

    @property
    def text(self) -> str | None:
        """The ``text`` of the activity in the body, if any."""
        return self.body.get("text") if isinstance(self.body, dict) else None


@dataclass
class _Fault:
    status: int
    retry_after: int | None
    times: int


class _Handler(FakeHandler["FakeConnector"]):
    """Passes every request to the FakeConnector instance."""

    server_version = "FakeConnector/1.0"
    protocol_version = "HTTP/1.1"

    def _handle(self) -> None:
        status, extra, payload = self.fake.handle(
            self.command, self.path, self.body(), self.headers.get("Authorization")
        )
        data = b"" if payload is None else json.dumps(payload).encode("utf-8")
        self.reply(status, data, "application/json; charset=utf-8" if data else None, extra)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle


class FakeConnector(LocalFake[ConnectorCall]):
    """A fake Bot Framework Connector on 127.0.0.1 that validates and records what the bot sends."""

    handler = _Handler

    def __init__(self) -> None:
        super().__init__()
        self.members: dict[str, dict[str, dict[str, Any]]] = {}
        self.personal: dict[str, str] = {}
        self._faults: dict[str, list[_Fault]] = {}
        self._ids = itertools.count(int(time.time() * 1000))  # Teams activity ids are millisecond stamps
        self._conversations = itertools.count(1)
        self.service_url = ""

    # -- lifecycle ----------------------------------------------------------------------------

    def started(self, port: int) -> None:
        self.service_url = f"http://127.0.0.1:{port}/"

    def reset(self) -> None:
        """Forget recorded calls, problems and injected faults (members and conversations are kept)."""
        with self._cond:
            self.calls.clear()
            self.problems.clear()
            self._faults.clear()
            self._cond.notify_all()

    # -- directory ----------------------------------------------------------------------------

    def add_member(self, conversation_id: str, member: dict[str, Any], *, personal: bool = False) -> None:
        """Make `member` (a TeamsChannelAccount dict) known in a conversation; `personal` marks its 1:1 chat."""
        with self._cond:
            self.members.setdefault(conversation_id, {})[member["id"]] = member
            if personal:
                self.personal[member["id"]] = conversation_id

    def next_id(self) -> str:
        """A fresh activity id, shaped like Teams' (a millisecond timestamp)."""
        return str(next(self._ids))

    # -- recording and waiting ----------------------------------------------------------------

    def calls_of(self, op: str) -> list[ConnectorCall]:
        """All recorded calls of one operation, oldest first."""
        with self._lock:
            return [c for c in self.calls if c.op == op]

    def sent_to(self, conversation_id: str, *, include_failed: bool = False) -> list[ConnectorCall]:
        """The calls about one conversation, oldest first (only those answered with success, by default)."""
        with self._lock:
            return [c for c in self.calls if c.conversation_id == conversation_id and (include_failed or c.ok)]

    @staticmethod
    def cards(call: ConnectorCall) -> list[dict[str, Any]]:
        """The Adaptive Cards among the attachments of a recorded call's body."""
        body = call.body if isinstance(call.body, dict) else {}
        if call.op == "create_conversation" and isinstance(body.get("activity"), dict):
            body = body["activity"]
        attachments = body.get("attachments")
        return [
            a["content"]
            for a in (attachments if isinstance(attachments, list) else [])
            if isinstance(a, dict) and a.get("contentType") == ADAPTIVE_CARD and isinstance(a.get("content"), dict)
        ]

    def describe(self, last: int = 15) -> str:
        """A short account of recent calls and the problems, for failure messages."""
        with self._lock:
            lines = [f"recent connector calls ({len(self.calls)} in all):"]
            for c in self.calls[-last:]:
                body = json.dumps(c.body, default=str)
                lines.append(f"  {c.method} {c.path} [{c.op}] {body[:300]} -> {c.status}")
            lines.append(f"problems: {self.problems}")
        return "\n".join(lines)

    # -- fault injection ----------------------------------------------------------------------

    def fail(self, op: str, *, status: int = 429, times: int = 1, retry_after: int | None = 1) -> None:
        """Make the next `times` calls of `op` fail with `status` (429 carries Retry-After)."""
        with self._cond:
            self._faults.setdefault(op, []).append(_Fault(status, retry_after, times))

    def _take_fault(self, op: str) -> _Fault | None:
        with self._cond:
            queue = self._faults.get(op)
            if not queue:
                return None
            fault = queue[0]
            fault.times -= 1
            if fault.times <= 0:
                queue.pop(0)
            return fault

    # -- validation ---------------------------------------------------------------------------

    def check_activity(self, op: str, cid: str | None, body: Any) -> list[str]:
        """Problems with one outgoing activity (send, reply, update, or the initial activity of a create)."""
        if not isinstance(body, dict):
            return [f"{op}: body must be a JSON object (an Activity), got {type(body).__name__}"]
        found: list[str] = []
        kind = body.get("type")
        if not isinstance(kind, str) or not kind:
            found.append(f"{op}: activity has no 'type'")
        conversation = body.get("conversation")
        body_cid = conversation.get("id") if isinstance(conversation, dict) else None
        if cid is not None and body_cid is not None and body_cid != cid:
            found.append(f"{op}: activity is addressed to conversation {body_cid!r} but sent to {cid!r}")
        if kind == "message" and not (body.get("text") or body.get("attachments") or body.get("suggestedActions")):
            found.append(f"{op}: message activity with neither text nor attachments")
        size = len(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        if size > MAX_CARD_BYTES:
            found.append(f"{op}: activity is {size} bytes, Teams' message limit is {MAX_CARD_BYTES}")
        mentions = mention_texts(body.get("entities"))
        for key in ("text", "summary"):
            if isinstance(body.get(key), str):
                found.extend(f"{op}: {p}" for p in markup_problems(key, body[key], mentions))
        found.extend(f"{op}: {p}" for p in check_attachments(body.get("attachments")))
        return found

    def check_create(self, body: Any) -> list[str]:
        """Problems with a ConversationParameters body (Teams wants a tenant and, for 1:1, one member)."""
        if not isinstance(body, dict):
            return [f"create_conversation: body must be a JSON object, got {type(body).__name__}"]
        found: list[str] = []
        members = body.get("members")
        if not isinstance(members, list) or not all(isinstance(m, dict) and m.get("id") for m in members or [None]):
            found.append("create_conversation: 'members' must list at least one account with an id")
        elif not body.get("isGroup") and len(members) != 1:
            found.append(f"create_conversation: a 1:1 conversation takes exactly one member, got {len(members)}")
        channel_data: dict[str, Any] = body["channelData"] if isinstance(body.get("channelData"), dict) else {}
        tenant: dict[str, Any] = channel_data["tenant"] if isinstance(channel_data.get("tenant"), dict) else {}
        if not (body.get("tenantId") or tenant.get("id")):
            found.append("create_conversation: Teams needs the tenant (tenantId or channelData.tenant.id)")
        if body.get("activity") is not None:
            found.extend(self.check_activity("create_conversation.activity", None, body["activity"]))
        return found

    # -- request handling ---------------------------------------------------------------------

    def handle(self, method: str, path: str, raw: bytes, authorization: str | None) -> tuple[int, dict[str, str], Any]:
        """Answer one request: (HTTP status, extra headers, JSON body or None); records it."""
        path = urlsplit(path).path
        op, params = "unknown", {}
        for verb, pattern, name in ROUTES:
            match = pattern.match(path)
            if match and verb == method:
                op, params = name, {k: unquote(v) for k, v in match.groupdict().items()}
                break
        cid, aid = params.get("cid"), params.get("aid") or params.get("mid")
        body: Any = None
        if raw:
            try:
                body = json.loads(raw.decode("utf-8"))
            except ValueError:
                body = raw.decode("utf-8", "replace")
                self.problem(f"{op}: body is not JSON: {raw[:200]!r}")
        call = ConnectorCall(op, cid, aid, body, authorization, method, unquote(path))
        status, extra, response = self._answer(call)
        call.status, call.response = status, response
        self.record(call)
        return status, extra, response

    def _answer(self, call: ConnectorCall) -> tuple[int, dict[str, str], Any]:
        if call.op == "unknown":
            self.problem(f"http: no such Connector endpoint {call.method} {call.path}")
            return 404, {}, _error("NotFound", f"no route for {call.method} {call.path}")
        if call.op in ACTIVITY_OPS and not isinstance(call.body, str):
            for p in self.check_activity(call.op, call.conversation_id, call.body):
                self.problem(p)
        elif call.op == "create_conversation" and not isinstance(call.body, str):
            for p in self.check_create(call.body):
                self.problem(p)
        fault = self._take_fault(call.op)
        if fault is not None:
            extra = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            code = "Throttled" if fault.status == 429 else "ServiceError"
            return fault.status, extra, _error(code, f"injected {fault.status}")
        return self._success(call)

    def _success(self, call: ConnectorCall) -> tuple[int, dict[str, str], Any]:
        if call.op == "create_conversation":
            body = call.body if isinstance(call.body, dict) else {}
            members = body.get("members") if isinstance(body.get("members"), list) else []
            first = members[0].get("id") if members and isinstance(members[0], dict) else None
            with self._lock:
                cid = self.personal.get(first or "") if not body.get("isGroup") else None
            cid = cid or f"a:fake-conversation-{next(self._conversations)}"
            return 201, {}, {"id": cid, "activityId": self.next_id(), "serviceUrl": self.service_url}
        if call.op in ("send_to_conversation", "reply_to_activity"):
            return 201, {}, {"id": self.next_id()}
        if call.op == "update_activity":
            return 200, {}, {"id": call.activity_id}
        if call.op == "delete_activity":
            return 200, {}, None
        with self._lock:
            known = dict(self.members.get(call.conversation_id or "", {}))
        if call.op == "get_members":
            return 200, {}, list(known.values())
        if call.activity_id in known:
            return 200, {}, known[call.activity_id]
        return 404, {}, _error("MemberNotFoundInConversation", "The member is not part of the conversation")


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}
