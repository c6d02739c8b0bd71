"""Slack's three-second rule when the database is busy or slow work is in flight.

Each listener acknowledges first and then does its work on the same thread (Bolt's listener
executor): an acknowledgement never waits for the database, the work and the answer wait for it
and lose nothing. How many interactions can wait at once is LISTENER_THREADS (`POOL_THREADS` here).

No wall-clock assertions (timing targets belong in the benchmarks): these tests prove *ordering*
instead — an acknowledgement that arrives while the database's write lock is still held cannot
have waited for that lock.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine

from bot.composition import Deps
from handlers.clock import FixedClock
from storage import cpd
from storage.db import is_sqlite
from storage.people import PersonId
from tests.bot.conftest import POOL_THREADS
from tests.bot.test_slack_events import organiser as organiser  # a fixture, requested by name
from tests.support.concurrency import (
    WAIT,
    all_at_once,
    assert_not_an_apology,
    call_index,
    replies_so_far,
)
from tests.support.fakeslack import FakeSlack
from tests.support.locks import postgres_writer_waiting, writers_shut_out
from tests.support.rows import entries
from tests.support.slackclient import Sent, SignedClient
from tests.support.slackmessages import texts
from tests.support.waiting import logged, wait_until

# -- 3. the three-second rule when the database is busy or slow work is in flight ----------------


@pytest.mark.slow
def test_acks_do_not_wait_for_a_held_write_lock_and_the_work_follows_its_release(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="techcommit")
    slack.command("/cpd", "add 2h Before the lock", user="U0LOCK").reply(timeout=WAIT)

    with writers_shut_out(engine):
        form = slack.command("/cpd", "add", user="U0LOCK")
        listing = slack.command("/cpd", "list", user="U0LOCK")
        write = slack.command("/cpd", "add 1h During the lock", user="U0LOCK")
        # all three acknowledged while the lock is held: the acknowledgement comes before the work
        assert [form.status, listing.status, write.status] == [200, 200, 200]
        wait_until(lambda: logged(caplog, "command", f"delivery=command:{write.trigger_id}"), "the write is dispatched")
        if not is_sqlite(engine):
            wait_until(lambda: postgres_writer_waiting(engine), "the work waits for the table lock")
        write.no_reply(wait=1.0)
        assert replies_so_far(fake_slack, write) == 0
        assert [e.title for e in entries(engine)] == ["Before the lock"]
    # released: every piece of work is done once and answered
    assert form.modal(timeout=WAIT)["callback_id"] == "cpd-entry-save"
    shown = texts(listing.reply(timeout=WAIT))
    assert "Before the lock" in shown, shown
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

    n = POOL_THREADS // 2  # slow exports on half the listener threads
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
        for _ in range(n):  # acknowledged, so a listener thread is working on each: in flight
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
        f"(HTTP {form.status})"
    )
    assert form.status == 200, form.body
    statuses = {i: s.status for i, s in sorted(exports.items())}
    assert set(statuses.values()) == {200}, statuses
    assert fake_slack.problems == [], fake_slack.describe()


@pytest.mark.slow
def test_a_full_pool_of_writes_waiting_for_the_lock_drains_once_it_is_released(
    slack: SignedClient, fake_slack: FakeSlack, engine: Engine
) -> None:
    """As many writes as there are listener threads, all waiting for the lock: each is stored and answered once."""
    writers = [f"U0WAIT{i}" for i in range(POOL_THREADS)]
    titles = [f"Waiting write {i}" for i in range(POOL_THREADS)]
    with writers_shut_out(engine):
        writes = all_at_once(lambda i: slack.command("/cpd", f"add 1h {titles[i]}", user=writers[i]), len(writers))
        if not is_sqlite(engine):
            wait_until(lambda: postgres_writer_waiting(engine), "the writes wait for the table lock")
        assert entries(engine) == []
    assert [w.status for w in writes] == [200] * len(writes)
    for w in writes:
        shown = texts(w.reply(timeout=WAIT))
        assert_not_an_apology(shown)
        assert replies_so_far(fake_slack, w) == 1
    assert Counter(e.title for e in entries(engine)) == Counter(titles)
    assert fake_slack.problems == [], fake_slack.describe()
