"""Units of work: read-only ones refuse every kind of write; write ones take SQLite's lock up front."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import Engine, text

from handlers.clock import FixedClock
from storage import cpd, roles
from storage.cpd import CpdFields
from storage.uow import UnitOfWorkFactory, WriteAttempted
from tests.conftest import ALICE

FIELDS = CpdFields(occurred_on=date(2026, 11, 20), minutes=60, activity_type="work", title="x")


def test_read_only_refuses_orm_inserts(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> None:
    with pytest.raises(WriteAttempted), uow_factory(write=False) as uow:
        cpd.add_entry(uow, person=ALICE, fields=FIELDS, now=clock.now())


def test_read_only_refuses_core_statements(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> None:
    with pytest.raises(WriteAttempted), uow_factory(write=False) as uow:
        roles.grant_role(uow, platform="slack", user_id="U9", role="admin", now=clock.now())


def test_read_only_refuses_changes_left_unflushed(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> None:
    with uow_factory(write=True) as uow:
        entry_id = cpd.add_entry(uow, person=ALICE, fields=FIELDS, now=clock.now()).id
        uow.commit()

    def change_without_flush() -> None:
        with uow_factory(write=False) as uow:
            entry = cpd.get_entry(uow, person=ALICE, entry_id=entry_id)
            assert entry is not None
            entry.title = "changed without a flush"

    with pytest.raises(WriteAttempted):
        change_without_flush()
    with uow_factory(write=False) as uow:
        entry = cpd.get_entry(uow, person=ALICE, entry_id=entry_id)
        assert entry is not None
        assert entry.title == "x"


def test_reads_do_not_wait_for_a_busy_sqlite_writer(engine: Engine, uow_factory: UnitOfWorkFactory) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL readers never wait for writers")
    held = threading.Event()
    release = threading.Event()

    def hold_the_write_lock() -> None:
        with engine.connect() as conn:
            conn.execution_options(write=True).exec_driver_sql("SELECT 1")
            conn.exec_driver_sql("INSERT INTO role_grant VALUES ('slack', 'UHOLD', 'admin', '2026-01-01')")
            held.set()
            release.wait(5)
            conn.rollback()

    holder = threading.Thread(target=hold_the_write_lock)
    holder.start()
    assert held.wait(5), "the writer never took the lock"
    try:
        # The writer holds its lock until this read is done: a read that waited for it would fail
        # with "database is locked" after the busy timeout instead of returning.
        with uow_factory(write=False) as uow:
            assert uow.session.execute(text("SELECT count(*) FROM cpd_entry")).scalar() == 0
        assert holder.is_alive(), "the writer let go before the read ran"
    finally:
        release.set()
        holder.join(5)


def test_after_commit_steps_run_once_the_work_is_committed(
    engine: Engine, uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    seen: list[int] = []

    def count_from_elsewhere() -> None:  # on its own connection: the work must be visible to others by now
        with engine.connect() as conn:
            seen.append(conn.execute(text("SELECT count(*) FROM cpd_entry")).scalar_one())

    with uow_factory(write=True) as uow:
        cpd.add_entry(uow, person=ALICE, fields=FIELDS, now=clock.now())
        uow.after_commit(count_from_elsewhere)
        assert seen == []
        uow.commit()
        assert seen == [1]
        uow.commit()  # a step runs after the commit it was registered before, once
    assert seen == [1]


def test_after_commit_steps_never_run_for_work_rolled_back(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> None:
    ran: list[str] = []
    with uow_factory(write=True) as uow:
        cpd.add_entry(uow, person=ALICE, fields=FIELDS, now=clock.now())
        uow.after_commit(lambda: ran.append("ran"))
    with uow_factory(write=True) as uow:
        uow.commit()
    assert ran == []


def test_a_failing_after_commit_step_is_logged_and_the_commit_stands(
    uow_factory: UnitOfWorkFactory, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    def fail() -> None:
        raise RuntimeError("scrub failed")

    with uow_factory(write=True) as uow:
        entry = cpd.add_entry(uow, person=ALICE, fields=FIELDS, now=clock.now())
        uow.after_commit(fail)
        uow.commit()
    with uow_factory(write=False) as uow:
        assert cpd.get_entry(uow, person=ALICE, entry_id=entry.id) is not None
    [record] = [r for r in caplog.records if r.name == "techcommit.storage"]
    assert record.levelname == "ERROR"
    assert "the commit stands" in record.getMessage()
    assert record.exc_info is not None
