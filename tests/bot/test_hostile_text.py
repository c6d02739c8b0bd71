"""Hostile command text, fuzzed with hypothesis through the real HTTP path, for every command.

Each example is a signed slash command sent to the real Bolt app behind waitress; replies arrive
at the fake Slack. Whatever the text — arbitrary unicode, 4,000 characters, control and
bidirectional characters, mrkdwn, real and typed Slack mentions, SQL, HTML — the bot must:

- answer the request with HTTP 200;
- reply at the response URL or open a modal (never silence, never the internal-error apology);
- send only valid Block Kit with no live broadcast mention (the fake records no problems), nor one
  in a file's comment;
- log no error;
- write nothing when it refuses (a reply starting with "⚠️").

Examples share one database per test (and each test runs on SQLite and on PostgreSQL), set up
with a person who has data: CPD entries, a registration journey, plan actions and events.
"""

from __future__ import annotations

import json
import logging
import time
import traceback
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, and_, func, or_, select

from bot.composition import Deps
from handlers.clock import FixedClock
from storage import roles
from storage.models import Base, Delivery
from tests.bot.conftest import slack_escaped
from tests.conftest import NOW
from tests.plan_data import csv_plan, load_plan
from tests.support.blockkit_rules import BROADCAST_RE
from tests.support.fakeslack import ApiCall, FakeSlack
from tests.support.hostile import build, hostile_text, longs
from tests.support.slackclient import SignedClient
from tests.support.slackforms import fill
from tests.support.slackmessages import button, texts

pytestmark = pytest.mark.slow

OWNER = "U0OWNER1"  # a technician with data: CPD entries, a /reg journey, plan actions, events they organise
STRANGER = "U0STRANGER"  # someone else, who RSVPs and owns one action but must not touch the owner's things
ADMIN = "UADMIN"  # an admin in the test settings
ORGANISER = "U0ORG1"  # another organiser, whose event the owner may not manage
ANNOUNCE_IN = "C0TECHNET"
EVENT_TITLE = "Tech Net <!channel> & friends"  # typed into the form by an organiser

SORRY = "something went wrong on our side"
PROJECT = str(Path(__file__).resolve().parents[2])
REPLY_TIMEOUT = 10.0

FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- the world the examples run in -------------------------------------------------------------


def reply_of(slack: SignedClient, command: str, text: str, user: str = OWNER) -> dict[str, Any]:
    reply = slack.command(command, text, user=user).reply(timeout=REPLY_TIMEOUT)
    assert not is_refusal(reply), texts(reply)
    return reply


def announce(slack: SignedClient, fake: FakeSlack, organiser: str, title: str) -> tuple[int, ApiCall]:
    """Create an event through the form; its id and the announcement."""
    view = slack.command("/event", "create", user=organiser, channel=ANNOUNCE_IN).modal()
    answers: dict[str, object] = {
        "event-title": title,
        "event-description": "Bring a part <!here> you designed & a friend.",
        "event-start-date": "2026-12-03",
        "event-start-time": "12:30",
        "event-end-time": "14:00",
        "event-location": "John Dalton E0.12",
        "event-capacity": "",
        "event-cpd-type": "professional",
    }
    values = fill(view, answers)
    values["event-channel"]["event-channel"]["selected_conversation"] = ANNOUNCE_IN
    before = len(fake.calls_to("chat.postMessage"))
    assert slack.view_submission(view, values, user=organiser).status == 200
    post = fake.wait_for(
        lambda: next(
            (c for c in fake.calls_to("chat.postMessage")[before:] if c.args.get("channel") == ANNOUNCE_IN and c.ok),
            None,
        )
    )
    return int(button(post.args, "Going")["value"]), post


@pytest.fixture
def world(slack: SignedClient, fake_slack: FakeSlack, deps: Deps, clock: FixedClock) -> dict[str, Any]:
    """The owner with CPD entries, a journey, plan actions and events; the stranger going to their events."""
    with deps.uow(write=True) as uow:
        for user in (OWNER, ORGANISER):
            roles.grant_role(uow, platform="slack", user_id=user, role="organiser", now=clock.now())
        uow.commit()
    rows = [
        ("A1", 2026, "Calibrate the pipettes", OWNER, "Q1 Q2", "visibility"),
        ("A2", 2026, "Tech Net talks", OWNER, "Q1", "recognition"),
        ("A3", 2026, "Mentoring scheme", STRANGER, "Q1 Q3", "career-development"),
        ("A4", 2026, "Nobody owns this yet", "", "Q1", "sustainability"),
    ]
    load_plan(deps.uow, csv_plan(rows), now=clock.now())

    first = reply_of(slack, "/cpd", "add 1h30m Soldering course type:formal date:2026-11-20 #career-development")
    second = reply_of(slack, "/cpd", slack_escaped("add 2h <!channel> R&D <b>talk</b> type:professional #visibility"))
    entry, other_entry = int(button(first, "Edit")["value"]), int(button(second, "Edit")["value"])
    reply_of(slack, "/reg", "start RSciTech")
    reply_of(slack, "/reg", f"evidence A {entry}")
    reply_of(slack, "/reg", "body IST")
    reply_of(slack, "/plan", "update A1 on-track going well")

    own_events = []
    for n in range(3):
        event_id, post = announce(slack, fake_slack, OWNER, f"{EVENT_TITLE} {n}")
        going = button(post.args, "Going")
        message = {"ts": post.response["ts"], "blocks": post.args["blocks"], "text": post.args["text"]}
        slack.block_action(
            going["action_id"], going["value"], user=STRANGER, message=message, channel=ANNOUNCE_IN
        ).reply(timeout=REPLY_TIMEOUT)
        own_events.append(event_id)
    other_event, _ = announce(slack, fake_slack, ORGANISER, "Someone else's event")
    # Open everyone's DM once now, so no background write lands in the middle of an example.
    for user in (OWNER, STRANGER, ADMIN):
        reply_of(slack, "/techcommit", "my-data", user=user)
    fake_slack.wait_for(lambda: len(fake_slack.files) >= 3 or None, timeout=REPLY_TIMEOUT)
    assert fake_slack.problems == [], fake_slack.describe()
    return {
        "entry": entry,
        "other_entry": other_entry,
        "event": own_events[0],
        "event2": own_events[1],
        "event3": own_events[2],
        "other_event": other_event,
    }


# --- what every example must satisfy -----------------------------------------------------------

COUNTED = [t for t in Base.metadata.sorted_tables if t.name != "handled_interaction"]


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows in every table but handled_interaction, in one query."""
    stmt = select(*(select(func.count()).select_from(t).scalar_subquery().label(t.name) for t in COUNTED))
    with engine.connect() as conn:
        return dict(conn.execute(stmt).one()._mapping)


SENDING_NOW = select(func.count()).where(
    or_(
        Delivery.status.in_(("claimed", "sending")),
        and_(Delivery.status == "pending", Delivery.attempts == 0, Delivery.next_attempt_at <= NOW),
    )
)


def settle(engine: Engine, timeout: float = 5.0) -> None:
    """Wait until messages queued by the command (e.g. DMs about a cancelled event) have been tried once."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            if conn.execute(SENDING_NOW).scalar_one() == 0:
                return
        time.sleep(0.02)


def is_refusal(reply: dict[str, Any]) -> bool:
    blocks = reply.get("blocks") or []
    first = (blocks[0].get("text") or {}).get("text", "") if blocks else ""
    return str(reply.get("text", "")).startswith("⚠️") or str(first).startswith("⚠️")


def errors_logged(caplog: pytest.LogCaptureFixture, since: int = 0) -> list[str]:
    """Errors in the server's log (from record `since` on), each with where its exception was raised."""
    found = []
    for r in caplog.records[since:]:
        if r.levelno >= logging.ERROR or (r.exc_info and r.levelno >= logging.WARNING):
            line = f"{r.name} {r.levelname}: {r.getMessage()}"
            if r.exc_info and r.exc_info[1] is not None:
                exc = r.exc_info[1]
                frames = traceback.extract_tb(exc.__traceback__)
                ours = [f for f in frames if f.filename.startswith(PROJECT) and "/.venv/" not in f.filename] or frames
                where = f"{ours[-1].filename}:{ours[-1].lineno} `{ours[-1].line}`" if ours else "?"
                first_line = (str(exc).splitlines() or [""])[0][:200]
                line += f" — {type(exc).__name__}: {first_line} at {where}"
            found.append(line)
    return found


def problems(fake: FakeSlack, since: int = 0) -> list[str]:
    """The problems the fake recorded (from problem `since` on)."""
    with fake.lock:
        return list(fake.problems[since:])


def comments_that_ping(fake: FakeSlack, since: int = 0) -> list[str]:
    """File comments (which the fake does not check) with a live broadcast mention, from call `since` on."""
    with fake.lock:
        comments = [(c.method, c.args.get("initial_comment")) for c in fake.calls[since:]]
    return [f"{method}: {text!r}" for method, text in comments if isinstance(text, str) and BROADCAST_RE.search(text)]


def quiet(fake: FakeSlack, period: float = 0.5, timeout: float = 10.0) -> None:
    """Wait until the fake has had no call for `period` s (the bot tries other routes after a refused reply)."""
    deadline = time.monotonic() + timeout
    seen = -1
    while time.monotonic() < deadline and len(fake.calls) != seen:
        seen = len(fake.calls)
        time.sleep(period)


def recent_calls(fake: FakeSlack) -> str:
    with fake.lock:
        return "last calls:\n" + "\n".join(
            f"  {c.method} {json.dumps(c.args, default=str)[:400]}" for c in fake.calls[-4:]
        )


def survives(
    slack: SignedClient,
    fake: FakeSlack,
    engine: Engine,
    caplog: pytest.LogCaptureFixture,
    command: str,
    text: str,
    user: str,
) -> str:
    """Send one hostile command and check everything the bot did; 'reply', 'refusal' or 'modal'.

    Problems and logged errors are checked per example (those of earlier examples already failed
    the test), so that hypothesis shrinks to the input that causes them; the fake_slack fixture
    still checks that no problem was recorded at all.
    """
    note(f"{command} {text!r} from {user}")
    first_problem, first_record, first_call = len(fake.problems), len(caplog.records), len(fake.calls)
    before = row_counts(engine)
    sent = slack.command(command, text, user=user)
    assert sent.status == 200, f"HTTP {sent.status}: {sent.body[:300]}"
    url, trigger = sent.response_url, sent.trigger_id

    def outcome() -> tuple[str, Any] | None:
        if fake.responses.get(url or ""):
            return "reply", fake.responses[url or ""][0]
        opened = [
            c for c in fake.calls if c.method in ("views.open", "views.push") and c.args.get("trigger_id") == trigger
        ]
        return ("modal", opened[0]) if opened else None

    try:
        kind, answer = fake.wait_for(outcome, timeout=REPLY_TIMEOUT)
    except TimeoutError:
        raise AssertionError(f"silence: no reply and no modal for {command} {text!r}\n{recent_calls(fake)}") from None

    if problems(fake, first_problem):
        quiet(fake)  # so that what follows from them is this example's, not the next one's
    assert problems(fake, first_problem) == [], recent_calls(fake)
    assert errors_logged(caplog, first_record) == []
    if kind == "modal":
        assert answer.ok, answer.response
        event("modal")
        return "modal"
    shown = texts(answer)
    assert SORRY not in shown, shown
    assert "Traceback" not in shown
    for live in ("<https://evil.example", "<#C1|", "<script"):
        assert live not in shown, f"typed text shown as live markup: {live!r} in {shown[:500]!r}"
    if is_refusal(answer):
        after = row_counts(engine)
        changed = {name: (before[name], after[name]) for name in before if before[name] != after[name]}
        assert changed == {}, f"refused, yet rows changed: {changed}"
        event("refusal")
        return "refusal"
    settle(engine)
    if problems(fake, first_problem):
        quiet(fake)
    assert problems(fake, first_problem) == [], recent_calls(fake)  # what it queued (DMs, announcements) too
    assert comments_that_ping(fake, first_call) == []
    assert errors_logged(caplog, first_record) == []
    event("reply")
    return "reply"


# --- one test per command ------------------------------------------------------------------------

CPD_PREFIXES = (
    "",
    "add ",
    "add 1h ",
    "add 90m Soldering ",
    "list ",
    "list all ",
    "summary ",
    "edit ",
    "edit {entry} ",
    "edit {other_entry}",
    "delete ",
    "delete {entry} ",
    "delete {other_entry}",
    "export ",
    "export pdf ",
    "export csv all ",
    "help ",
)

REG_PREFIXES = (
    "",
    "start ",
    "start RSciTech ",
    "start CEng",
    "stage ",
    "stage evidence ",
    "evidence ",
    "evidence A ",
    "evidence B {entry} ",
    "evidence C {other_entry}",
    "target ",
    "target 2027-06-30 ",
    "body ",
    "body IST ",
    "stats ",
    "help ",
)

EVENT_PREFIXES = (
    "",
    "list ",
    "create ",
    "attendees ",
    "attendees {event} ",
    "attendees {other_event} ",
    "cancel ",
    "cancel {event} ",
    "cancel {event2} ",
    "cancel {event3}",
    "cancel {other_event} ",
    "help ",
)

PLAN_PREFIXES = (
    "",
    "mine ",
    "update ",
    "update A1 ",
    "update A1 done ",
    "update A2 at-risk ",
    "update A3 blocked ",
    "show ",
    "show A1 ",
    "report ",
    "report 2026Q1 ",
    "assign ",
    "assign A4 ",
    "assign A2 <@U0STRANGER|bob> ",
    "help ",
)

TECHCOMMIT_PREFIXES = ("", "help ", "my-data ", "my-data", "mydata ", "forget-me ")


# What each command is fuzzed with: the words that reach its parsers, what may follow the hostile part, who types it.
FUZZED: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "/cpd": (CPD_PREFIXES, ("", " type:formal", " #visibility", " date:yesterday", " 12m"), (OWNER, OWNER, STRANGER)),
    "/reg": (REG_PREFIXES, ("", " RSciTech", " ceng", " registered"), (OWNER, OWNER, ADMIN, STRANGER)),
    "/event": (EVENT_PREFIXES, ("", " csv"), (OWNER, OWNER, ADMIN, STRANGER)),
    "/plan": (PLAN_PREFIXES, ("", " done", " <@U123|x>", " U0OTHER"), (OWNER, OWNER, ADMIN, STRANGER)),
    "/techcommit": (TECHCOMMIT_PREFIXES, ("",), (OWNER, STRANGER)),
}


@pytest.mark.parametrize("command", list(FUZZED))
@FUZZ
@given(data=st.data(), hostile=hostile_text, long=longs)
def test_command_survives_hostile_text(
    slack: SignedClient,
    fake_slack: FakeSlack,
    engine: Engine,
    caplog: pytest.LogCaptureFixture,
    world: dict[str, Any],
    command: str,
    data: st.DataObject,
    hostile: str,
    long: bool,
) -> None:
    prefixes, suffixes, users = FUZZED[command]
    prefix = data.draw(st.sampled_from(prefixes), label="prefix")
    suffix = data.draw(st.sampled_from(suffixes), label="suffix")
    user = data.draw(st.sampled_from(users), label="user")
    survives(slack, fake_slack, engine, caplog, command, build(prefix, hostile, suffix, long, world), user)
