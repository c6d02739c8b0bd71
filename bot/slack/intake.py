"""What a request to /slack/events must be before Bolt reads it: signed first, then well-formed.

Bolt parses a body before it checks its signature, and trusts its shape: a payload that was not a
JSON object, JSON nested too deep for Python's parser, or a view without its state made Bolt (or
our listeners) raise, and the server answered 500 — to forged requests too. So, in this order:

1. the signature (slack_sdk's verifier; Bolt checks it again): otherwise 401;
2. the body reads as Slack's do — UTF-8; JSON for the Events API; form fields for a slash command;
   a form whose `payload` is JSON for an interaction — into a JSON object: otherwise 400;
3. it carries, with the right types, what Bolt and our listeners read: a command and who typed it;
   the pressed action's id; the submitted view's id, callback id, state and metadata; an event's
   type: otherwise 400.

A refusal answers a short plain-text reason and logs one line. Slack's `ssl_check` ping, which Bolt
answers before it verifies anything, is passed on to Bolt as it is.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.request.internals import build_context
from slack_sdk.signature import SignatureVerifier

from bot.logs import fields

log = logging.getLogger("techcommit.slack.intake")

COMMAND_RE = re.compile(r"/\S+")
SSL_CHECK_FIELDS = frozenset({"ssl_check", "token"})
# What Bolt's own reading of a body can raise when its fields have unexpected types.
UNREADABLE = (AttributeError, TypeError, KeyError, IndexError, ValueError, RecursionError)


class Refused(Exception):
    """A request answered without Bolt: its status and a short reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class CheckedRequestHandler(SlackRequestHandler):
    """Bolt's WSGI handler, with each POST checked (signature, then shape) before Bolt sees it."""

    def __init__(self, app: App, *, path: str, signing_secret: str) -> None:
        super().__init__(app, path=path)
        if not signing_secret:
            raise ValueError("Slack's requests cannot be verified without SLACK_SIGNING_SECRET")
        self.verifier = SignatureVerifier(signing_secret)

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        try:
            checked = self.checked(request)
        except Refused as refused:
            level = logging.INFO if refused.status == 401 else logging.WARNING
            peer = request.environ.get("REMOTE_ADDR", "")
            log.log(level, "Slack request refused %s", fields(status=refused.status, reason=refused.reason, peer=peer))
            return BoltResponse(
                status=refused.status,
                body=refused.reason + "\n",
                headers={"content-type": "text/plain; charset=utf-8"},
            )
        return self.app.dispatch(checked)

    def checked(self, request: WsgiHttpRequest) -> BoltRequest:
        """The request as Bolt reads it, once it is known to be signed and well-formed; else Refused."""
        raw = _raw_body(request)
        headers = {name: str(value) for name, value in request.get_headers().items()}
        if not self.signed(raw, headers):
            if _is_ssl_check(raw):
                return BoltRequest(body=raw.decode("ascii"), query=request.query_string, headers=dict(headers))
            raise Refused(401, "invalid request signature")
        text = _text(raw)
        kind, body = read_body(text, (headers.get("content-type") or "").split(";")[0])
        try:
            bolt = BoltRequest(body=text, query=request.query_string, headers=dict(headers))
        except UNREADABLE as exc:  # e.g. `team` or `authorizations` of an unexpected type
            raise Refused(400, f"unexpected field types ({type(exc).__name__})") from None
        if bolt.body != body:
            # Bolt takes any form body that contains the word "payload" (a command's text, say) for an
            # interaction and, finding no payload field, reads it as empty; use the fields it has.
            bolt.body = body
            bolt.context = build_context(BoltContext(), body)
        problem = shape_problem(kind, body, bolt.context)
        if problem is not None:
            raise Refused(400, problem)
        return bolt

    def signed(self, raw: bytes, headers: dict[str, str]) -> bool:
        """Slack's v0 signature, at most five minutes old (slack_sdk's verifier).

        The verifier raises rather than answers False on a timestamp that is not a number, a
        signature that is not ASCII or a body that is not UTF-8: those are unsigned here.
        """
        timestamp, signature = headers.get("x-slack-request-timestamp"), headers.get("x-slack-signature")
        if not (timestamp and signature and timestamp.isascii() and timestamp.isdigit() and len(timestamp) < 20):
            return False
        try:
            return self.verifier.is_valid(body=raw.decode("utf-8"), timestamp=timestamp, signature=signature)
        except (UnicodeError, TypeError, ValueError):
            return False


def _raw_body(request: WsgiHttpRequest) -> bytes:
    try:
        length = int(request.environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise Refused(400, "invalid Content-Length") from None
    stream = request.environ.get("wsgi.input")
    return bytes(stream.read(length)) if stream is not None and length > 0 else b""


def _text(raw: bytes) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "the body is not UTF-8") from None
    if not text:
        raise Refused(400, "the body is empty")
    return text


def _is_ssl_check(raw: bytes) -> bool:
    """Slack's ssl_check ping (`ssl_check=1&token=...`), which Bolt answers without verifying it."""
    if not raw.isascii() or b"payload" in raw or raw.startswith(b"{"):
        return False
    form = dict(parse_qsl(raw.decode("ascii"), keep_blank_values=True))
    return form.get("ssl_check") == "1" and set(form) <= SSL_CHECK_FIELDS


def read_body(text: str, content_type: str) -> tuple[str, dict[str, Any]]:
    """The kind of request ("event", "interaction" or "command") and its fields, read as Bolt reads them."""
    if content_type == "application/json" or text.startswith("{"):
        return "event", _json_object(text, "the body")
    form = dict(parse_qsl(text, keep_blank_values=True))
    if "payload" in form:
        return "interaction", _json_object(form["payload"], "the payload")
    return "command", form


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than Python's parser goes
        raise Refused(400, f"{what} is not JSON") from None
    if not isinstance(value, dict):
        raise Refused(400, f"{what} is not a JSON object")
    return value


def shape_problem(kind: str, body: dict[str, Any], context: BoltContext) -> str | None:
    """What is missing or of the wrong type among the fields Bolt and the listeners read; None if nothing."""
    if kind == "command":
        if body.get("ssl_check") == "1" and "command" not in body:
            return None  # a signed ssl_check: Bolt answers it
        if not COMMAND_RE.fullmatch(body.get("command", "")):
            return "a slash command without a command"
        if not body.get("user_id"):
            return "a slash command without user_id"
        return None if context.team_id or context.enterprise_id else "a slash command without team_id"
    if not _text_field(body, "type"):
        return f"{'an event' if kind == 'event' else 'an interaction'} without a type"
    if kind == "event":
        event = body.get("event")
        if body["type"] != "event_callback":
            return None
        if not (isinstance(event, dict) and _text_field(event, "type")):
            return "an event_callback without an event type"
        if event["type"] == "app_home_opened" and not _text_field(event, "user"):
            return "app_home_opened without a user"  # the Home tab would be drawn for nobody
        return None
    user = body.get("user")
    if not (isinstance(user, dict) and _text_field(user, "id")):
        return "an interaction without a user"
    if not (context.team_id or context.enterprise_id):
        return "an interaction without a team"
    for name in ("container", "channel", "message", "view", "team"):
        if body.get(name) is not None and not isinstance(body[name], dict):
            return f"{name} is not an object"
    for name in ("response_url", "trigger_id"):
        if body.get(name) is not None and not isinstance(body[name], str):
            return f"{name} is not a string"
    if body["type"] == "block_actions":
        return _actions_problem(body.get("actions"))
    if body["type"] == "view_submission":
        return _view_problem(body.get("view"))
    return None


def _text_field(value: dict[str, Any], name: str) -> bool:
    return isinstance(value.get(name), str) and bool(value[name])


def _actions_problem(actions: object) -> str | None:
    if not (isinstance(actions, list) and actions):
        return "block_actions without actions"
    for action in actions:
        if not (isinstance(action, dict) and _text_field(action, "action_id")):
            return "an action without an action_id"
        if action.get("value") is not None and not isinstance(action["value"], str):
            return "an action's value is not a string"
        option = action.get("selected_option")
        if option is not None and not (isinstance(option, dict) and isinstance(option.get("value", ""), str)):
            return "an action's selected_option is not an option"
    return None


def _view_problem(view: object) -> str | None:
    if not isinstance(view, dict):
        return "view_submission without a view"
    if not (_text_field(view, "id") and _text_field(view, "callback_id")):
        return "a view without its id or callback_id"
    state = view.get("state")
    values = state.get("values") if isinstance(state, dict) else None
    if not isinstance(values, dict):
        return "a view without state.values"
    for inputs in values.values():
        if not (isinstance(inputs, dict) and all(isinstance(element, dict) for element in inputs.values())):
            return "a view's state.values are not objects"
    blocks = view.get("blocks", [])
    if not (isinstance(blocks, list) and all(isinstance(block, dict) for block in blocks)):
        return "a view's blocks are not objects"
    if any(block.get("type") == "input" and not _text_field(block, "block_id") for block in blocks):
        return "an input block without a block_id"
    meta = view.get("private_metadata", "")
    if not isinstance(meta, str):
        return "a view's private_metadata is not a string"
    if meta:
        try:
            parsed = json.loads(meta)
        except (ValueError, RecursionError):
            return "a view's private_metadata is not JSON"
        if not isinstance(parsed, dict):
            return "a view's private_metadata is not a JSON object"
    return None
