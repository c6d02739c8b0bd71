"""Load and latency, end to end: many people at once, a busy database, slow work in flight, retried deliveries.

No wall-clock assertions here (timing targets belong in the benchmarks): these tests prove *ordering*
instead — an acknowledgement or a modal that arrives while the database's write lock is still held
cannot have waited for that lock — and they prove that nothing is lost, doubled or over-booked.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any, TypeVar
from urllib.parse import urlencode

import pytest
from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.orm import Session

from bot.composition import Deps
from handlers.clock import FixedClock
from storage import cpd
from storage.db import is_sqlite
from storage.models import CpdEntry, EventRsvp
from storage.people import PersonId
from tests.bot.conftest import POOL_THREADS
from tests.bot.test_slack_cpd import texts
from tests.bot.test_slack_events import announced, button, create_event
from tests.bot.test_slack_events import organiser as organiser  # a fixture, requested by name
from tests.support.fakeslack import ApiCall, FakeSlack
from tests.support.slackclient import Sent, SignedClient
from tests.support.waiting import logged, wait_until

WAIT = 30.0  # generous: slow CI machines must not flake
T = TypeVar("T")


# -- helpers -------------------------------------------------------------------------------------


def all_at_once(work: Callable[[int], T], n: int, *, timeout: float = 120.0) -> list[T]:
    """Run work(0) … work(n-1) in n threads released together by a barrier; every thread is joined."""
    barrier = threading.Barrier(n)
    results: dict[int, T] = {}
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=WAIT)
            results[i] = work(i)
        except BaseException as exc:  # reported below, with the others
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,), name=f"load-{i}") for i in range(n)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    stuck = [t.name for t in threads if t.is_alive()]
    assert not stuck, f"threads still running after {timeout}s: {stuck}"
    assert not errors, f"{len(errors)} of {n} requests failed, first: {errors[0]!r}"
    return [results[i] for i in range(n)]


def assert_not_an_apology(shown: str) -> None:
    assert "database is locked" not in shown, shown
    assert "Sorry" not in shown, shown


def entries(engine: Engine) -> list[CpdEntry]:
    with Session(engine) as session:
        return list(session.scalars(select(CpdEntry).order_by(CpdEntry.id)))


def rsvp_rows(engine: Engine) -> list[EventRsvp]:
    with Session(engine) as session:
        return list(session.scalars(select(EventRsvp).order_by(EventRsvp.id)))


def call_index(fake: FakeSlack, predicate: Callable[[ApiCall], bool]) -> list[int]:
    with fake.lock:
        return [i for i, c in enumerate(fake.calls) if predicate(c)]


def replies_so_far(fake: FakeSlack, sent: Sent) -> int:
    with fake.lock:
        return len(fake.responses.get(sent.response_url or "", []))


def click_sent(slack: SignedClient, post: ApiCall, label: str, user: str) -> Sent:
    """Press a button of a posted message (as test_slack_events.click, but return the request)."""
    message = {"ts": post.response["ts"], "blocks": post.args["blocks"], "text": post.args["text"]}
    target = button(message, label)
    return slack.block_action(target["action_id"], target["value"], user=user, message=message, channel="C0TECHNET")


def captured(slack: SignedClient, send: Callable[[], Sent]) -> tuple[Sent, bytes, dict[str, str]]:
    """Send one request through `send` and keep the exact body and headers that went on the wire."""
    wire: list[tuple[bytes, dict[str, str]]] = []
    original = slack.post

    def post(body: bytes, headers: dict[str, str]) -> Sent:
        wire.append((body, dict(headers)))
        return original(body, headers)

    slack.post = post  # type: ignore[method-assign]
    try:
        sent = send()
    finally:
        del slack.post
    [(body, headers)] = wire
    return sent, body, headers


@contextmanager
def writers_shut_out(engine: Engine) -> Iterator[Connection]:
    """Hold what a writer of CPD entries needs, from another connection, until the block ends.

    SQLite: the database's write lock (BEGIN IMMEDIATE plus an uncommitted INSERT).
    PostgreSQL: an EXCLUSIVE lock on cpd_entry (plain reads go on; INSERT/UPDATE/DELETE wait).
    """
    with engine.connect() as conn:
        if is_sqlite(engine):
            conn.execution_options(write=True)
            conn.begin()  # the engine's "begin" hook emits BEGIN IMMEDIATE for write=True
            conn.execute(
                text("INSERT INTO handled_interaction (key, handled_at) VALUES ('lock-holder', CURRENT_TIMESTAMP)")
            )
        else:
            conn.begin()
            conn.execute(text("LOCK TABLE cpd_entry IN EXCLUSIVE MODE"))
        try:
            yield conn
        finally:
            conn.rollback()


def postgres_writer_waiting(engine: Engine) -> bool:
    """Whether some session is waiting for a lock on cpd_entry (PostgreSQL only)."""
    with engine.connect() as conn:
        waiting = conn.execute(
            text(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE NOT l.granted AND c.relname = 'cpd_entry'"
            )
        ).scalar_one()
    return int(waiting) > 0


# -- 1. many people logging CPD at the same moment ------------------------------------------------


@pytest.mark.slow
def test_fifty_simultaneous_quick_adds_are_each_stored_once(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine
) -> None:
    n = 50
    # half from 25 different people, half from the same person (U1): writers of one person's rows collide too
    users = [f"U0LOAD{i:02d}" if i % 2 else "U1" for i in range(n)]
    titles = [f"Load test entry {i:02d}" for i in range(n)]

    sent = all_at_once(lambda i: slack.command("/cpd", f"add 1h {titles[i]}", user=users[i]), n)

    assert [s.status for s in sent] == [200] * n, [(i, s.status, s.body[:80]) for i, s in enumerate(sent)]
    for i, s in enumerate(sent):
        shown = texts(s.reply(timeout=WAIT))
        assert_not_an_apology(shown)
        assert titles[i] in shown, (i, shown)
    stored = entries(engine)
    assert len(stored) == n
    assert Counter(e.title for e in stored) == Counter(titles)
    assert {(e.title, e.user_id) for e in stored} == set(zip(titles, users, strict=True))
    assert fake_slack.problems == [], fake_slack.describe()


# -- 2. many people pressing Going on a small event ----------------------------------------------


@pytest.mark.slow
@pytest.mark.usefixtures("organiser")
def test_fifty_simultaneous_going_clicks_fill_twenty_places_and_queue_thirty(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine
) -> None:
    n, capacity = 50, 20
    event_id, post = create_event(slack, fake_slack, capacity=str(capacity))
    wait_until(lambda: announced(engine, event_id), "the announcement is on record")
    updates_before = len(fake_slack.calls_to("chat.update"))
    people = [f"U0RSVP{i:02d}" for i in range(n)]

    sent = all_at_once(lambda i: click_sent(slack, post, "Going", people[i]), n)

    assert [s.status for s in sent] == [200] * n
    told = {people[i]: texts(s.reply(timeout=WAIT)) for i, s in enumerate(sent)}
    rows = rsvp_rows(engine)
    assert Counter(r.user_id for r in rows) == Counter(people)  # one row each: nobody double-counted
    going = sorted(r.user_id for r in rows if r.response == "going")
    with Session(engine) as session:
        queue = session.scalars(
            select(EventRsvp).where(EventRsvp.response == "waitlist").order_by(EventRsvp.waitlisted_at, EventRsvp.id)
        ).all()
        queue_users = [r.user_id for r in queue]
    assert len(going) == capacity
    assert len(queue_users) == n - capacity
    for user in going:
        assert "You're going" in told[user], (user, told[user])
    positions = {}
    for user in queue_users:
        found = set(re.findall(r"number (\d+) on the waitlist", told[user]))  # (said in text and in blocks)
        assert len(found) == 1, (user, told[user])
        positions[user] = int(found.pop())
    assert sorted(positions.values()) == list(range(1, n - capacity + 1))  # each position told to one person
    assert [positions[u] for u in queue_users] == list(range(1, n - capacity + 1))  # in the order of the queue
    # every click redraws the announcement; the last redraw reads the final state
    fake_slack.wait_for(lambda: len(fake_slack.calls_to("chat.update")) >= updates_before + n or None, WAIT)
    updates = fake_slack.calls_to("chat.update")
    assert len(updates) == updates_before + n
    assert all(u.ok for u in updates)
    final = texts(updates[-1].args)
    assert "✅ 20 going" in final, final
    assert "⏳ 30 waitlisted" in final, final
    assert "full" in final, final
    assert fake_slack.problems == [], fake_slack.describe()


# -- 3. the three-second rule when the database is busy or slow work is in flight ----------------


@pytest.mark.slow
def test_acks_modals_and_reads_do_not_wait_for_a_held_write_lock(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="techcommit")
    slack.command("/cpd", "add 2h Before the lock", user="U0LOCK").reply(timeout=WAIT)

    with writers_shut_out(engine):
        # a form: acknowledged and opened while the lock is held
        form = slack.command("/cpd", "add", user="U0LOCK")
        assert form.status == 200
        view = form.modal(timeout=WAIT)  # would time out if opening it waited for the lock
        assert view["callback_id"] == "cpd-entry-save"

        # a read: answered while the lock is held
        listing = slack.command("/cpd", "list", user="U0LOCK")
        assert listing.status == 200
        shown = texts(listing.reply(timeout=WAIT))
        assert "Before the lock" in shown, shown

        # a write: acknowledged while the lock is held; its work has to wait for the lock
        write = slack.command("/cpd", "add 1h During the lock", user="U0LOCK")
        assert write.status == 200
        wait_until(lambda: logged(caplog, "command", f"delivery=command:{write.trigger_id}"), "the write is dispatched")
        if not is_sqlite(engine):
            wait_until(lambda: postgres_writer_waiting(engine), "the write waits for the table lock")
        write.no_reply(wait=1.0)
        assert replies_so_far(fake_slack, write) == 0
        assert [e.title for e in entries(engine)] == ["Before the lock"]
    # released
    shown = texts(write.reply(timeout=WAIT))
    assert "During the lock" in shown, shown
    assert_not_an_apology(shown)
    assert Counter(e.title for e in entries(engine)) == Counter({"Before the lock": 1, "During the lock": 1})
    assert not logged(caplog, "internal error")
    assert fake_slack.problems == [], fake_slack.describe()


@pytest.mark.slow
def test_a_form_opens_while_slow_exports_are_in_flight(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine, deps: Deps, clock: FixedClock
) -> None:
    exporter = PersonId("slack", "T0TEST", "U0EXP")
    with deps.uow(write=True) as uow:
        for i in range(300):
            fields = cpd.CpdFields(
                occurred_on=date(2026, 11, 20) - timedelta(days=i),
                minutes=30 + i % 90,
                activity_type=("work", "professional", "formal", "self", "other")[i % 5],
                title=f"Export load entry {i:03d} — workshop on instrument calibration",
                reflection="What I learnt and how I will apply it in the lab. " * 3,
                benefit="Colleagues reuse the method.",
                tags=("career-development",) if i % 3 == 0 else (),
            )
            cpd.add_entry(uow, person=exporter, fields=fields, now=clock.now())
        uow.commit()

    n = 12  # more slow exports than listener threads
    started = threading.Semaphore(0)
    exports: dict[int, Sent] = {}

    def export(i: int) -> Sent:
        sent = slack.command("/cpd", "export pdf all", user="U0EXP", user_name="exporter")
        exports[i] = sent
        started.release()
        return sent

    def uploads_done() -> list[int]:
        return call_index(fake_slack, lambda c: c.method == "files.completeUploadExternal" and c.ok)

    failures: list[BaseException] = []

    def run_exports() -> None:
        try:
            all_at_once(export, n)
        except BaseException as exc:  # reported in the test's thread below
            failures.append(exc)

    runner = threading.Thread(target=run_exports, name="exports")
    runner.start()
    try:
        for _ in range(POOL_THREADS):  # acknowledged, so a listener thread is working on each: in flight
            assert started.acquire(timeout=WAIT), "the exports were not acknowledged"
        form = slack.command("/cpd", "add", user="U0OTHER", user_name="other")
        uploads_before_ack = len(uploads_done())
        form.modal(timeout=WAIT)
    finally:
        runner.join(timeout=120)
    assert not runner.is_alive()
    assert not failures, failures
    assert sorted(exports) == list(range(n))
    for s in exports.values():
        assert "is in your DM" in texts(s.reply(timeout=60))
    fake_slack.wait_for(lambda: len(fake_slack.files) >= n or None, 60)
    assert len(fake_slack.files) == n
    assert all(f.channel_id == "DU0EXP" and f.filename.endswith(".pdf") for f in fake_slack.files)

    opened = call_index(
        fake_slack, lambda c: c.method == "views.open" and c.args.get("trigger_id") == form.trigger_id and c.ok
    )
    completed = uploads_done()
    assert len(opened) == 1
    assert len(completed) == n
    assert opened[0] < completed[-1], "the form waited for every export to finish"
    # The acknowledgement itself must not wait for somebody else's export to finish.
    assert uploads_before_ack == 0, (
        f"/cpd add was acknowledged only after {uploads_before_ack} export(s) had finished "
        f"(HTTP {form.status}: every listener thread was busy exporting)"
    )
    assert form.status == 200, form.body
    statuses = {i: s.status for i, s in sorted(exports.items())}
    assert set(statuses.values()) == {200}, statuses
    assert fake_slack.problems == [], fake_slack.describe()


@pytest.mark.slow
def test_a_form_opens_while_a_full_pool_of_writes_waits_for_the_lock(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine
) -> None:
    """As many writes as there are listener threads, all waiting for the lock: a form must still open."""
    writers = [f"U0WAIT{i}" for i in range(POOL_THREADS)]
    titles = [f"Waiting write {i}" for i in range(POOL_THREADS)]
    with writers_shut_out(engine):
        writes = all_at_once(lambda i: slack.command("/cpd", f"add 1h {titles[i]}", user=writers[i]), len(writers))
        if not is_sqlite(engine):
            wait_until(lambda: postgres_writer_waiting(engine), "the writes wait for the table lock")
        form = slack.command("/cpd", "add", user="U0FORM")
        try:
            form.modal(timeout=10)  # Slack's trigger ids last 3 s; 10 s is generous
            opened_while_held = True
        except TimeoutError:
            opened_while_held = False
        assert entries(engine) == []
    # released: everything queued drains
    assert [w.status for w in writes] == [200] * len(writes)
    for w in writes:
        shown = texts(w.reply(timeout=WAIT))
        assert_not_an_apology(shown)
    assert Counter(e.title for e in entries(engine)) == Counter(titles)
    form.modal(timeout=WAIT)
    assert opened_while_held, (
        f"the form opened only after the lock was released (its ack: HTTP {form.status} {form.body!r}): "
        f"{POOL_THREADS} writes waiting for the lock held every listener thread"
    )
    assert form.status == 200, form.body
    assert fake_slack.problems == [], fake_slack.describe()


# -- 4. deliveries that arrive twice --------------------------------------------------------------


def test_a_retried_app_home_opened_event_is_answered_and_publishes_the_home(
    slack: SignedClient, fake_slack: FakeSlack
) -> None:
    event = {"type": "app_home_opened", "user": "U0HOME", "channel": "DU0HOME", "tab": "home"}
    first = slack.event(event, event_id="Ev0RETRY0001")
    second = slack.event(event, event_id="Ev0RETRY0001", retry_num=1)
    assert (first.status, second.status) == (200, 200)
    published = fake_slack.wait_call("views.publish", lambda c: c.args.get("user_id") == "U0HOME", timeout=WAIT)
    assert published.ok
    assert "of 30 h target" in texts(published.args["view"])
    assert fake_slack.problems == [], fake_slack.describe()


def deliver_a_going_click_twice(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine, caplog: pytest.LogCaptureFixture
) -> tuple[Sent, int]:
    """Press Going once, then post the very same request body again; wait until both are handled.

    Returns the first request and the number of chat.update calls before the click.
    """
    caplog.set_level(logging.INFO, logger="techcommit")
    event_id, post = create_event(slack, fake_slack, capacity="5")
    wait_until(lambda: announced(engine, event_id), "the announcement is on record")
    updates_before = len(fake_slack.calls_to("chat.update"))
    first, body, headers = captured(slack, lambda: click_sent(slack, post, "Going", "U0TWICE"))
    assert first.status == 200
    assert "You're going" in texts(first.reply(timeout=WAIT))
    fake_slack.wait_for(lambda: len(fake_slack.calls_to("chat.update")) > updates_before or None, WAIT)

    again = slack.post(body, headers)  # same body, same signature: Slack's retry of the same delivery
    assert again.status == 200

    def handled() -> bool:
        ignored = logged(caplog, "duplicate delivery ignored", f"delivery=action:{first.trigger_id}")
        acted_again = (
            replies_so_far(fake_slack, first) >= 2 and len(fake_slack.calls_to("chat.update")) >= updates_before + 2
        )
        return bool(ignored) or acted_again

    wait_until(handled, "the second delivery is handled")
    return first, updates_before


@pytest.mark.usefixtures("organiser")
def test_a_retried_going_click_stores_one_rsvp(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    deliver_a_going_click_twice(slack, fake_slack, engine, caplog)
    assert [(r.user_id, r.response) for r in rsvp_rows(engine)] == [("U0TWICE", "going")]
    assert fake_slack.problems == [], fake_slack.describe()


@pytest.mark.usefixtures("organiser")
def test_a_retried_going_click_is_answered_once(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """Dispatcher: "a delivery seen before does nothing" — no second reply, no second redraw."""
    first, updates_before = deliver_a_going_click_twice(slack, fake_slack, engine, caplog)
    with fake_slack.lock:
        answers = [texts(r) for r in fake_slack.responses[first.response_url or ""]]
    redraws = len(fake_slack.calls_to("chat.update")) - updates_before
    assert len(answers) == 1, f"the repeated delivery was answered again: {answers}"
    assert redraws == 1, f"the announcement was redrawn {redraws} times"
    assert fake_slack.problems == [], fake_slack.describe()


def test_a_command_delivered_twice_at_once_logs_one_entry(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="techcommit")
    # deliver one `/cpd add 1h …` normally, keeping its exact body and headers, then deliver that twice more at once
    first, body, headers = captured(slack, lambda: slack.command("/cpd", "add 1h Twice delivered", user="U0DUP"))
    assert first.status == 200
    first.reply(timeout=WAIT)
    resent = all_at_once(lambda i: slack.post(body, headers), 2)
    assert [s.status for s in resent] == [200, 200]
    wait_until(
        lambda: len(logged(caplog, "duplicate delivery ignored", f"delivery=command:{first.trigger_id}")) >= 2,
        "both repeats are recognised",
    )
    assert [(e.user_id, e.title) for e in entries(engine)] == [("U0DUP", "Twice delivered")]
    assert replies_so_far(fake_slack, first) == 1
    assert fake_slack.problems == [], fake_slack.describe()


def test_a_command_whose_two_deliveries_race_logs_one_entry(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="techcommit")
    # build a command body without sending it, then post it twice at the same moment
    response_url, trigger_id = fake_slack.new_response_url(), slack.new_trigger_id()
    fields = {
        "token": slack.verification_token,
        "team_id": slack.team_id,
        "team_domain": slack.team_domain,
        "channel_id": "C1",
        "channel_name": "general",
        "user_id": "U0RACE",
        "user_name": "racer",
        "command": "/cpd",
        "text": "add 1h x",
        "api_app_id": slack.api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }
    body = urlencode(fields).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", **slack.signed_headers(body)}
    sent = all_at_once(lambda i: slack.post(body, headers), 2)
    assert [s.status for s in sent] == [200, 200]
    reply: dict[str, Any] = fake_slack.wait_response(response_url, 1, WAIT)
    assert_not_an_apology(texts(reply))
    wait_until(
        lambda: logged(caplog, "duplicate delivery ignored", f"delivery=command:{trigger_id}"),
        "one of the two deliveries is recognised as a repeat",
    )
    assert [(e.user_id, e.title) for e in entries(engine)] == [("U0RACE", "x")]
    with fake_slack.lock:
        assert len(fake_slack.responses[response_url]) == 1
    assert fake_slack.problems == [], fake_slack.describe()
