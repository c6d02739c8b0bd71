"""Every button and every form, pressed by someone else against another person's things.

A click or a submission is only a signed request: whoever sends it chooses the action id, the
value, and the view's private_metadata. Here an attacker (an ordinary member: no admin, no
organiser role) sends, through the real HTTP path, crafted payloads naming the victim's CPD
entries, Undo revisions, plan action, registration, events they organise, their data to erase,
their pages and exports — and the forms the victim (or the organiser) opened, replayed as-is.

For each attempt: the answer is HTTP 200 (a form is kept open with its error), nothing the
fake Slack received carries the victim's private text, nothing was sent to the victim (no
message, no DM, no file, no Home tab, no edit of their messages), and every table's rows are
exactly as before (bookkeeping — claimed interactions, pacing, leases, the audit log — aside).
Buttons whose effect is rightly the clicker's own (open an empty Log CPD form, RSVP to an
announced event, the event list, an export, forget-me) are checked to have changed only rows of
the attacker's, and none of the victim's or the organiser's.

The cases are keyed by action and form id, and the keys must equal routes.ACTIONS and
routes.FORMS: a new button or form without a case here fails this module.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.composition import Deps
from bot.runtime import Runtime
from handlers import routes
from handlers.clock import FixedClock
from handlers.ids import ActionId, FormId
from storage import roles
from storage.models import Base, CpdEntryRevision, Delivery
from tests.plan_data import csv_plan, load_plan
from tests.support.fakeslack import FakeSlack
from tests.support.slackclient import Sent, SignedClient
from tests.support.slackforms import fill
from tests.support.slackmessages import button
from tests.support.waiting import wait_until

VICTIM = "U0VICTIM"
ORGANISER = "U0ORGVIC"  # organises the events: the victim of the event cases
ATTACKER = "U0MALLORY"
VICTIMS = (VICTIM, ORGANISER)
SECRET = "VICTIMSECRET"  # in every private text of the victim's; must never reach the attacker
ATTACKER_TITLE = "Mallory own notes"
BOOKKEEPING = frozenset({"handled_interaction", "post_pace", "lease", "audit_log"})
AFTER_THE_FIRST_EVENT = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


# -- what the database holds ------------------------------------------------------------------


def table_rows(engine: Engine) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table (bookkeeping aside), each as the reprs of its values, sorted."""
    with engine.connect() as conn:
        return {
            table.name: sorted(tuple(repr(v) for v in row) for row in conn.execute(select(table)))
            for table in Base.metadata.sorted_tables
            if table.name not in BOOKKEEPING
        }


def changed_rows(before: dict[str, list[tuple[str, ...]]], after: dict[str, list[tuple[str, ...]]]) -> list[str]:
    """The rows that appeared, disappeared or changed (as `table: values`), in both directions."""
    changed: list[str] = []
    for name in sorted(set(before) | set(after)):
        old, new = Counter(before.get(name, [])), Counter(after.get(name, []))
        changed += [f"{name} -{row}" for row in (old - new).elements()]
        changed += [f"{name} +{row}" for row in (new - old).elements()]
    return changed


def settled(engine: Engine) -> bool:
    """Whether every queued message has been dealt with."""
    with Session(engine) as session:
        waiting = select(Delivery.id).where(Delivery.status.not_in(("sent", "failed", "skipped")))
        return not session.scalars(waiting).all()


# -- the world: the victim's things, the organiser's events, the attacker's own entry ---------


@dataclass
class World:
    logged: int  # the victim's entry, as logged (its Undo value is the id alone)
    edited: int  # the victim's entry, edited once
    undo_edit: str  # the Undo value of that edit, "<entry>:r<revision>"
    past_event: int  # over; the victim went
    next_event: int  # still to come; the victim is going
    victim_forms: dict[str, dict[str, Any]] = field(default_factory=dict)  # form id -> a view they opened
    attacker_cpd_form: dict[str, Any] = field(default_factory=dict)


def create_event(slack: SignedClient, fake: FakeSlack, title: str, day: str) -> tuple[int, dict[str, Any]]:
    """The organiser creates an event through the form; its id, and the create view (for replays)."""
    seen = len(fake.calls_to("chat.postMessage"))
    view = slack.command("/event", "create", user=ORGANISER, channel="C0TECHNET").modal()
    answers: dict[str, object] = {
        "event-title": title,
        "event-description": "Open to all.",
        "event-start-date": day,
        "event-start-time": "12:30",
        "event-end-time": "14:00",
        "event-location": "John Dalton E0.12",
        "event-capacity": "1",
        "event-cpd-type": "professional",
    }
    values = fill(view, answers)
    values["event-channel"]["event-channel"]["selected_conversation"] = "C0TECHNET"
    assert slack.view_submission(view, values, user=ORGANISER).status == 200
    post = fake.wait_for(
        lambda: next(
            (c for c in fake.calls_to("chat.postMessage")[seen:] if c.args.get("channel") == "C0TECHNET" and c.ok),
            None,
        )
    )
    return int(button(post.args, "Going")["value"]), view


@pytest.fixture
def world(
    slack: SignedClient, fake_slack: FakeSlack, deps: Deps, runtime: Runtime, clock: FixedClock, engine: Engine
) -> World:
    with deps.uow(write=True) as uow:
        roles.grant_role(uow, platform="slack", user_id=ORGANISER, role="organiser", now=clock.now())
        uow.commit()
    load_plan(deps.uow, csv_plan([("A1", 2026, "Lab induction", VICTIM, "Q1 Q2", "visibility")]), now=clock.now())

    card = slack.command("/cpd", f"add 1h {SECRET} workshop type:formal", user=VICTIM).reply()
    logged = int(button(card, "Edit")["value"])
    card = slack.command("/cpd", f"add 30m {SECRET} reading", user=VICTIM).reply()
    edited = int(button(card, "Edit")["value"])
    edit_view = slack.block_action(ActionId.CPD_ENTRY_EDIT, str(edited), user=VICTIM).modal()
    values = fill(edit_view, {"cpd-title": f"{SECRET} reading, edited", "cpd-reflection": f"{SECRET} reflection"})
    assert slack.view_submission(edit_view, values, user=VICTIM).status == 200
    with Session(engine) as session:
        revision = session.scalars(select(CpdEntryRevision.id).where(CpdEntryRevision.entry_id == edited)).one()
    undo_edit = f"{edited}:r{revision}"  # as the Updated card's Undo button says
    slack.command("/reg", "start RSciTech", user=VICTIM).reply()
    slack.command("/reg", f"evidence A {edited}", user=VICTIM).reply()
    slack.command("/techcommit", "forget-me", user=VICTIM).reply()  # the confirm buttons say "me"

    past_event, create_view = create_event(slack, fake_slack, "Tech Net soldering", "2026-11-23")
    next_event, _ = create_event(slack, fake_slack, "Tech Net 3D printing", "2026-12-03")
    for event in (past_event, next_event):
        slack.block_action(ActionId.EVENT_RSVP_GOING, str(event), user=VICTIM, channel="C0TECHNET").reply()

    runtime.sweep()  # the victim's plan DM: its Add note button opens the form replayed below
    dm = fake_slack.wait_call("chat.postMessage", lambda c: c.response.get("channel") == f"D{VICTIM}" and c.ok)
    message = {"ts": dm.response["ts"], "blocks": dm.args["blocks"], "text": dm.args["text"]}
    note = button(message, "Add note")
    note_view = slack.block_action(
        note["action_id"], note["value"], user=VICTIM, message=message, channel=f"D{VICTIM}"
    ).modal()

    slack.command("/cpd", f"add 15m {ATTACKER_TITLE}", user=ATTACKER).reply()
    attacker_form = slack.block_action(ActionId.CPD_FORM_OPEN, "", user=ATTACKER).modal()

    clock.set(AFTER_THE_FIRST_EVENT)  # the first event is over; offers to log it go out now
    runtime.sweep()
    wait_until(lambda: settled(engine), "everything queued during set-up is sent")
    rows = table_rows(engine)  # the world is as described: something of the victim's in every kind of table
    assert len(rows["cpd_entry_revision"]) == len(rows["reg_journey"]) == len(rows["reg_evidence"]) == 1
    assert sum(VICTIM in str(r) and "'going'" in str(r) for r in rows["event_rsvp"]) == 2
    return World(
        logged=logged,
        edited=edited,
        undo_edit=undo_edit,
        past_event=past_event,
        next_event=next_event,
        victim_forms={
            FormId.CPD_ENTRY_SAVE: edit_view,
            FormId.PLAN_NOTE_SAVE: note_view,
            FormId.EVENT_CREATE_SAVE: create_view,
        },
        attacker_cpd_form=attacker_form,
    )


# -- the attempts -----------------------------------------------------------------------------

REFUSED = "refused"  # nothing may change at all
OWN = "own"  # only the attacker's own rows may change

ActionCase = tuple[str, Callable[[World], list[str]]]


def _victim_entries(w: World) -> list[str]:
    return [str(w.logged), str(w.edited), f"{w.edited}:{VICTIM}", f" {w.logged} "]


def _plan(w: World) -> list[str]:
    return ["A1|2026Q1|dm", "A1|2026Q1|home", "A1|2026Q1|mine", "A1|2026Q2|dm", "a1|2026Q1|dm"]


def _events(w: World) -> list[str]:
    return [str(w.past_event), str(w.next_event)]


# Per button: whether its effect may be the attacker's own, and the values the attacker sends.
ACTION_CASES: dict[str, ActionCase] = {
    # Opens an empty form for the attacker whatever the value says (nothing is stored).
    ActionId.CPD_FORM_OPEN: (OWN, lambda w: ["", str(w.logged), str(w.edited)]),
    ActionId.CPD_ENTRY_EDIT: (REFUSED, _victim_entries),
    ActionId.CPD_ENTRY_REFLECT: (REFUSED, _victim_entries),
    ActionId.CPD_ENTRY_UNDO: (
        REFUSED,
        lambda w: [str(w.logged), w.undo_edit, f"{w.logged}:{w.undo_edit.partition(':')[2]}", f"{w.edited}:r1"],
    ),
    ActionId.CPD_ENTRY_DELETE: (REFUSED, _victim_entries),
    ActionId.CPD_ENTRY_KEEP: (REFUSED, lambda w: [str(w.logged)]),
    # Pages of the attacker's own list, whatever period or page the value names.
    ActionId.CPD_LIST_NEWER: (OWN, lambda w: ["all:1", "year:1", "all:2", f"all:1:{VICTIM}", f"{VICTIM}:1"]),
    ActionId.CPD_LIST_OLDER: (OWN, lambda w: ["all:2", "all:1", f"all:0:{VICTIM}"]),
    # An export is of the attacker's own record, to the attacker's own DM.
    ActionId.CPD_EXPORT_PDF: (OWN, lambda w: ["pdf:all", "pdf:year", f"pdf:all:{VICTIM}", f"pdf:{VICTIM}"]),
    ActionId.CPD_EXPORT_CSV: (OWN, lambda w: ["csv:all", "csv:12m", f"csv:all:{VICTIM}", f"csv:<@{VICTIM}>"]),
    ActionId.PLAN_STATUS_ON_TRACK: (REFUSED, _plan),
    ActionId.PLAN_STATUS_AT_RISK: (REFUSED, _plan),
    ActionId.PLAN_STATUS_BLOCKED: (REFUSED, _plan),
    ActionId.PLAN_STATUS_DONE: (REFUSED, _plan),
    ActionId.PLAN_NOTE_OPEN: (REFUSED, _plan),
    # A role check: the attacker is no organiser.
    ActionId.EVENT_FORM_OPEN: (REFUSED, lambda w: ["", *_events(w)]),
    # The attacker's own answer to an announced event (the past one is refused); the organiser's
    # event and the victim's answer stay as they were.
    ActionId.EVENT_RSVP_GOING: (OWN, _events),
    ActionId.EVENT_RSVP_MAYBE: (OWN, _events),
    ActionId.EVENT_RSVP_DECLINE: (OWN, _events),
    # An announced event's calendar file, to the attacker's own DM.
    ActionId.EVENT_ICS_SEND: (OWN, _events),
    # The victim went; the attacker did not: nothing is logged for anyone.
    ActionId.EVENT_CREDIT_LOG: (REFUSED, _events),
    ActionId.EVENT_LIST_SHOW: (OWN, lambda w: ["", *_events(w)]),
    # Cancelling is for the event's organiser or admins, whatever reason the value carries.
    ActionId.EVENT_CANCEL_CONFIRM: (REFUSED, lambda w: [*_events(w), f"{w.next_event}:{HIJACK}", f"{w.next_event}:"]),
    ActionId.EVENT_CANCEL_KEEP: (REFUSED, _events),
    # Whatever it names, forget-me erases only the clicker's own data.
    ActionId.PRIVACY_FORGET_CONFIRM: (OWN, lambda w: [VICTIM, f"slack:T0TEST:{VICTIM}", f"<@{VICTIM}>", "me"]),
    ActionId.PRIVACY_FORGET_CANCEL: (REFUSED, lambda w: [VICTIM, "me"]),
}


def replayed(view: dict[str, Any], state: dict[str, str] | None = None) -> dict[str, Any]:
    """A view as the attacker sends it: someone's form, its private_metadata rewritten if `state`."""
    sent = dict(view)
    if state is not None:
        meta = json.loads(view.get("private_metadata") or "{}")
        sent["private_metadata"] = json.dumps({**meta, "state": state})
    return sent


Attempt = tuple[dict[str, Any], dict[str, Any]]
HIJACK = "Hijacked by Mallory"


def _cpd_saves(w: World) -> list[Attempt]:
    cpd, own = w.victim_forms[FormId.CPD_ENTRY_SAVE], w.attacker_cpd_form
    return [
        (cpd, fill(cpd, {"cpd-title": HIJACK})),  # the victim's own edit form, replayed
        (replayed(own, {"entry": str(w.edited)}), fill(own, {"cpd-title": HIJACK})),
        (replayed(own, {"entry": str(w.logged), "user": VICTIM}), fill(own, {"cpd-title": HIJACK})),
    ]


def _note_saves(w: World) -> list[Attempt]:
    note = w.victim_forms[FormId.PLAN_NOTE_SAVE]
    values = fill(note, {"plan-status": "done", "plan-note": HIJACK})
    state = json.loads(note["private_metadata"])["state"]
    return [
        (note, values),  # the victim's own note form, replayed
        (replayed(note, {**state, "view": "home"}), values),
        (replayed(note, {"ref": "A1", "quarter": "2026Q2", "view": "mine"}), values),
    ]


def _event_saves(w: World) -> list[Attempt]:
    create = w.victim_forms[FormId.EVENT_CREATE_SAVE]
    values = fill(create, {"event-title": HIJACK})
    values["event-channel"]["event-channel"]["selected_conversation"] = "C0TECHNET"
    return [
        (create, values),  # the organiser's create form, replayed: a role check
        (replayed(create, {"event": str(w.next_event)}), values),
    ]


# Per form: the (view, values) the attacker submits; every one must be refused.
FORM_CASES: dict[str, Callable[[World], list[Attempt]]] = {
    FormId.CPD_ENTRY_SAVE: _cpd_saves,
    FormId.PLAN_NOTE_SAVE: _note_saves,
    FormId.EVENT_CREATE_SAVE: _event_saves,
}


# -- watching the fake Slack ------------------------------------------------------------------


@dataclass
class Mark:
    calls: int
    files: int
    responses: dict[str, int]


def mark(fake: FakeSlack) -> Mark:
    with fake._lock:
        return Mark(len(fake.calls), len(fake.files), {u: len(b) for u, b in fake.responses.items()})


def seen_since(fake: FakeSlack, since: Mark) -> tuple[list[Any], list[Any], dict[str, list[dict[str, Any]]]]:
    """The API calls, files and response-URL posts the fake received after `since`."""
    with fake._lock:
        calls = list(fake.calls[since.calls :])
        files = list(fake.files[since.files :])
        posts = {u: list(b[since.responses.get(u, 0) :]) for u, b in fake.responses.items()}
    return calls, files, {u: b for u, b in posts.items() if b}


def to_victims(calls: list[Any], files: list[Any]) -> list[str]:
    """Whatever of these reached (or was about) a victim: messages, DMs, Home tabs, edits, files."""
    found: list[str] = []
    for c in calls:
        args = c.args
        channel, user = str(args.get("channel") or ""), str(args.get("user") or args.get("user_id") or "")
        users = str(args.get("users") or "")
        if any(channel in (v, f"D{v}") for v in VICTIMS) or user in VICTIMS:
            found.append(f"{c.method} {json.dumps(args, default=str)[:300]}")
        elif any(v in users for v in VICTIMS):
            found.append(f"{c.method} {users}")
    found += [f"file {f.filename} to {f.channel_id}" for f in files if f.channel_id in {f"D{v}" for v in VICTIMS}]
    return found


def answered(fake: FakeSlack, sent: Sent, since: Mark) -> str:
    """What the attacker was shown for one click: its reply, the modal opened, or their Home tab."""

    def found() -> str | None:
        calls, _, posts = seen_since(fake, since)
        if sent.response_url and sent.response_url in posts:
            return json.dumps(posts[sent.response_url])
        for c in calls:
            if c.args.get("trigger_id") == sent.trigger_id or (
                c.method in ("views.publish", "chat.postEphemeral", "chat.postMessage")
                and ATTACKER in (c.args.get("user_id"), c.args.get("user"), c.args.get("channel"))
            ):
                return json.dumps(c.args)
        return None

    return fake.wait_for(found, timeout=5.0)


# -- the tally --------------------------------------------------------------------------------

TALLY: dict[str, Counter[str]] = {}


@pytest.fixture(scope="module", autouse=True)
def tally() -> Iterator[None]:
    yield
    for database, counts in sorted(TALLY.items()):
        print(
            f"\ncross-user attempts on {database}: tried {counts['tried']}, accepted {counts['accepted']}, "
            f"rows changed {counts['rows changed']}, victims messaged {counts['victims messaged']}, "
            f"leaks {counts['leaks']}"
        )


def check(
    kind: str,
    what: str,
    *,
    engine: Engine,
    fake: FakeSlack,
    runtime: Runtime,
    before: dict[str, list[tuple[str, ...]]],
    since: Mark,
    shown: str,
) -> None:
    """After one attempt: nothing of the victims' changed, reached them, or reached the attacker."""
    runtime.sweep()  # anything the attempt queued is sent now, so a message to a victim shows below
    wait_until(lambda: settled(engine), "the queue is settled")
    time.sleep(0.2)  # a redraw of a shared message follows the reply
    calls, files, posts = seen_since(fake, since)
    after = table_rows(engine)
    changes = changed_rows(before, after)
    if kind == OWN:  # only rows of the attacker's, and none that names a victim
        changes = [c for c in changes if ATTACKER not in c or any(v in c for v in VICTIMS)]
    victims = to_victims(calls, files)
    everything = json.dumps([c.args for c in calls], default=str) + json.dumps(posts) + shown
    everything += "".join(f.content.decode("utf-8", "replace") + (f.title or "") for f in files)
    leaked = SECRET in everything
    counts = TALLY.setdefault(engine.dialect.name, Counter())
    counts["tried"] += 1
    counts["accepted"] += bool(changes or victims or leaked)
    counts["rows changed"] += len(changes)
    counts["victims messaged"] += len(victims)
    counts["leaks"] += leaked
    assert changes == [], what
    assert victims == [], what
    assert not leaked, (what, everything[:2000])
    assert all(f.channel_id == f"D{ATTACKER}" for f in files), what  # an own export or calendar: own DM only
    if kind == REFUSED:
        assert not [c for c in calls if c.method in ("views.open", "views.push")], what
        assert not files, what


ACTION_IDS = sorted(str(a) for a in routes.ACTIONS)
FORM_IDS = sorted(str(f) for f in routes.FORMS)


@pytest.mark.parametrize("action_id", ACTION_IDS)
def test_an_attackers_click_on_any_button_touches_nobody_elses_data(
    action_id: str, world: World, slack: SignedClient, fake_slack: FakeSlack, engine: Engine, runtime: Runtime
) -> None:
    kind, values = ACTION_CASES[action_id]
    for value in values(world):
        before, since = table_rows(engine), mark(fake_slack)
        for channel in ("C0TECHNET", f"D{VICTIM}"):  # also "from" the victim's DM, as a forged payload can say
            since = mark(fake_slack)
            sent = slack.block_action(action_id, value, user=ATTACKER, user_name="mallory", channel=channel)
            assert sent.status == 200, (action_id, value, sent.body)
            shown = answered(fake_slack, sent, since)
            what = f"{action_id} value={value!r} channel={channel}"
            check(kind, what, engine=engine, fake=fake_slack, runtime=runtime, before=before, since=since, shown=shown)
            before = table_rows(engine)  # an own effect (an RSVP, an erasure) is the new baseline


@pytest.mark.parametrize("form_id", FORM_IDS)
def test_an_attackers_submission_of_any_form_touches_nobody_elses_data(
    form_id: str, world: World, slack: SignedClient, fake_slack: FakeSlack, engine: Engine, runtime: Runtime
) -> None:
    for n, (view, values) in enumerate(FORM_CASES[form_id](world)):
        before, since = table_rows(engine), mark(fake_slack)
        submitted = {**view, "id": f"{view['id']}X{n}"}  # a fresh view id: not a redelivery of the victim's
        sent = slack.view_submission(submitted, values, user=ATTACKER, user_name="mallory")
        assert sent.status == 200, (form_id, n, sent.body)
        body = sent.json() or {}
        assert body.get("response_action") == "errors", (form_id, n, sent.body)  # kept open with the refusal
        what = f"{form_id} attempt {n}: {sent.body[:300]}"
        check(
            REFUSED, what, engine=engine, fake=fake_slack, runtime=runtime, before=before, since=since, shown=sent.body
        )


def test_every_button_and_form_has_a_case() -> None:
    assert set(ACTION_CASES) == set(routes.ACTIONS)
    assert set(FORM_CASES) == set(routes.FORMS)
