"""Correctly signed but malformed requests are refused with 400, never a 500; unsigned ones with 401.

Slack signs whatever it sends, and so can anyone holding the signing secret; a body the bot cannot
read is the sender's mistake, not the bot's. Every kind below is sent through the real HTTP path,
signed with the app's secret: each must be answered 400 with a short reason, logged once, change
nothing in the database and reach Slack's API not at all; the server then still serves a good
command. The same bodies unsigned, or signed with another secret, are 401 whatever they hold.
"""

from __future__ import annotations

import copy
import json
import logging
import time
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import Engine, func, select

from storage.models import Base
from tests.support.fakeslack import FakeSlack
from tests.support.slackclient import SignedClient
from tests.support.slackmessages import texts

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
DEEP = 100_000  # nested lists: Python's json gives up with RecursionError long before this

Body = tuple[str, bytes]  # (Content-Type, body)


def form(**fields: str) -> Body:
    return FORM, urlencode(fields).encode()


def payload(value: Any) -> Body:
    return form(payload=value if isinstance(value, str) else json.dumps(value))


def submission(opened: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A view_submission of `view` as Slack sends it (like SignedClient.view_submission), then changed."""
    submitted = copy.deepcopy(opened)
    submitted["state"] = {"values": {}}
    body: dict[str, Any] = {
        "type": "view_submission",
        "team": {"id": "T0TEST", "domain": "techcommit-test"},
        "user": {"id": "U1", "username": "alice", "name": "alice", "team_id": "T0TEST"},
        "api_app_id": "A0TEST",
        "token": "verification-token",
        "trigger_id": SignedClient.new_trigger_id(),
        "view": submitted,
        "response_urls": [],
        "is_enterprise_install": False,
    }
    for path, value in changes.items():
        *parents, last = path.split("__")
        place = body
        for key in parents:
            place = place[key]
        if value is DELETE:
            del place[last]
        else:
            place[last] = value
    return body


def action(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": "U1", "username": "alice", "team_id": "T0TEST"},
        "team": {"id": "T0TEST", "domain": "techcommit-test"},
        "trigger_id": SignedClient.new_trigger_id(),
        "container": {"type": "message", "message_ts": "1700000000.000100", "channel_id": "C1"},
        "channel": {"id": "C1", "name": "general"},
        "actions": [{"action_id": "cpd-list-more", "block_id": "b1", "type": "button", "value": "1"}],
    }
    body.update(changes)
    return body


def command_without(field: str) -> Body:
    fields = {"team_id": "T0TEST", "channel_id": "C1", "user_id": "U1", "command": "/cpd", "text": "add 1h Sneaky"}
    del fields[field]
    return form(**fields)


def event(value: Any) -> Body:
    return JSON, json.dumps({"type": "event_callback", "team_id": "T0TEST", "event_id": "Ev1", "event": value}).encode()


DELETE = object()
TABLES = Base.metadata.sorted_tables
NESTED = "[" * DEEP + "]" * DEEP

NOT_UTF8 = "body is not UTF-8"
MALFORMED: dict[str, Callable[[dict[str, Any]], Body]] = {
    "interaction payload is not JSON": lambda _: payload("{not json"),
    "interaction payload is empty": lambda _: payload(""),
    "interaction payload is a JSON list": lambda _: payload([{"type": "block_actions"}]),
    "interaction payload is a JSON string": lambda _: payload('"view_submission"'),
    "interaction payload is a JSON number": lambda _: payload("42"),
    "interaction payload has no type": lambda _: payload({"user": {"id": "U1"}, "team": {"id": "T0TEST"}}),
    "interaction payload nests 100,000 lists": lambda _: payload(NESTED),
    "view_submission without view.state": lambda v: payload(submission(v, view__state=DELETE)),
    "view_submission whose state.values is a list": lambda v: payload(submission(v, view__state={"values": []})),
    "view_submission whose view is a string": lambda v: payload(submission(v, view="cpd-add")),
    "view_submission without callback_id": lambda v: payload(submission(v, view__callback_id=DELETE)),
    "view_submission whose private_metadata is not JSON": lambda v: payload(
        submission(v, view__private_metadata="{not json")
    ),
    "view_submission whose private_metadata nests 100,000 lists": lambda v: payload(
        submission(v, view__private_metadata=NESTED)
    ),
    "view_submission without a user": lambda v: payload(submission(v, user=DELETE)),
    "view_submission whose user is a string": lambda v: payload(submission(v, user="U1")),
    "block_actions without actions": lambda _: payload({k: v for k, v in action().items() if k != "actions"}),
    "block_actions with an empty actions list": lambda _: payload(action(actions=[])),
    "block_actions whose action has no action_id": lambda _: payload(action(actions=[{"value": "1"}])),
    "block_actions whose action is a string": lambda _: payload(action(actions=["cpd-list-more"])),
    "Events API body is not JSON": lambda _: (JSON, b"garbage{"),
    "Events API body is a JSON list": lambda _: (JSON, b"[]"),
    "Events API body nests 100,000 lists": lambda _: (JSON, NESTED.encode()),
    "event_callback whose event is a string": lambda _: event("app_home_opened"),
    "event_callback whose event has no type": lambda _: event({"user": "U1", "tab": "home"}),
    "app_home_opened without a user": lambda _: event({"type": "app_home_opened", "tab": "home"}),
    "slash command without command": lambda _: command_without("command"),
    "slash command without user_id": lambda _: command_without("user_id"),
    NOT_UTF8: lambda _: (FORM, b"command=%2Fcpd&user_id=U1&text=add+1h+\xff\xfe"),
    "empty body": lambda _: (FORM, b""),
}


def rows(engine: Engine) -> dict[str, int]:
    """How many rows every table holds."""
    with engine.connect() as conn:
        counted = {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in TABLES}
    return {name: int(n) for name, n in counted.items()}


def opened_form(slack: SignedClient) -> dict[str, Any]:
    """A real form the fake issued (its id and private metadata are the bot's own)."""
    return slack.command("/cpd", "add").modal()


def send(slack: SignedClient, body: Body, **signing: Any) -> Any:
    content_type, raw = body
    headers = {"Content-Type": content_type, **slack.signed_headers(raw, **signing)}
    return slack.post(raw, headers)


def test_signed_malformed_requests_are_answered_400_and_change_nothing(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    view = opened_form(slack)
    time.sleep(0.2)  # the command that opened it has finished its work
    before, calls = rows(engine), len(fake_slack.calls)
    statuses: dict[str, int] = {}
    reasons: dict[str, str] = {}
    logged: dict[str, list[str]] = {}
    for kind, make in MALFORMED.items():
        caplog.clear()
        with caplog.at_level(logging.INFO):
            sent = send(slack, make(view))
        statuses[kind], reasons[kind] = sent.status, sent.body
        logged[kind] = [r.getMessage()[:200] for r in caplog.records if r.levelno >= logging.WARNING]
    tally = Counter(f"{s // 100}xx" if s != 400 else "400" for s in statuses.values())
    print(f"\nmalformed signed requests: tried {len(statuses)}, answered {dict(tally)}")
    print("\n".join(f"  {status} {kind}" for kind, status in statuses.items()))
    # slack_sdk's verifier checks the signature over the body as text: one that is not UTF-8 cannot
    # carry a valid signature, and is refused as unsigned (401, logged at INFO).
    expected = {**dict.fromkeys(MALFORMED, 400), NOT_UTF8: 401}
    assert statuses == expected, tally
    assert all(0 < len(reason) <= 200 and "Traceback" not in reason for reason in reasons.values()), reasons
    assert {kind: len(lines) for kind, lines in logged.items()} == {**dict.fromkeys(MALFORMED, 1), NOT_UTF8: 0}, logged
    time.sleep(0.3)  # anything a listener might have started
    assert rows(engine) == before
    assert len(fake_slack.calls) == calls, fake_slack.describe()
    assert "After the storm" in texts(slack.command("/cpd", "add 1h After the storm").reply())


FORGERIES = [
    "unsigned",
    "signed with another secret",
    "stale timestamp",
    "signature not ASCII",
    "timestamp of 5,000 digits",
]


@pytest.mark.parametrize("how", FORGERIES)
def test_unsigned_malformed_requests_stay_401(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine, how: str
) -> None:
    view = opened_form(slack)
    time.sleep(0.2)
    before, calls = rows(engine), len(fake_slack.calls)
    statuses: dict[str, int] = {}
    for kind, make in MALFORMED.items():
        content_type, raw = make(view)
        headers = {"Content-Type": content_type, **slack.signed_headers(raw)}
        if how == "unsigned":
            del headers["X-Slack-Signature"], headers["X-Slack-Request-Timestamp"]
        elif how == "stale timestamp":
            headers.update(slack.signed_headers(raw, timestamp=int(time.time()) - 600))
        elif how == "signature not ASCII":
            headers["X-Slack-Signature"] = "v0=é" + headers["X-Slack-Signature"][4:]
        elif how == "timestamp of 5,000 digits":
            headers.update(slack.signed_headers(raw, timestamp="9" * 5000))
        else:
            headers.update(slack.signed_headers(raw, secret="not-the-secret"))
        statuses[kind] = slack.post(raw, headers).status
    print(f"\nforged ({how}): tried {len(statuses)}, answered {dict(Counter(statuses.values()))}")
    print("\n".join(f"  {status} {kind}" for kind, status in statuses.items() if status != 401))
    assert statuses == dict.fromkeys(MALFORMED, 401)
    assert rows(engine) == before
    assert len(fake_slack.calls) == calls


def test_a_command_whose_text_mentions_payload_is_served(slack: SignedClient, engine: Engine) -> None:
    """Bolt reads a form body containing the word "payload" anywhere as an interaction without one."""
    sent = slack.command("/cpd", "add 1h Payload testing for the payload bay")
    assert sent.status == 200
    assert "Payload testing" in texts(sent.reply())
