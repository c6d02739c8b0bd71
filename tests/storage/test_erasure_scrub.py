"""What follows an erasure's commit: SQLite's -wal file checkpointed away, PostgreSQL's tables vacuumed."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from storage import privacy
from storage.db import SQLITE_BUSY_TIMEOUT_MS, make_engine
from storage.privacy import ERASURE_TABLES, scrub_after_erasure

sqlite_only = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
postgresql_only = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)


def wal_of(engine: Engine) -> Path:
    assert engine.url.database
    return Path(engine.url.database + "-wal")


def write_something(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO role_grant VALUES ('slack', 'U0SCRUB', 'admin', '2026-01-01')"))


@sqlite_only
def test_sqlite_connections_zero_what_they_delete(engine: Engine) -> None:
    """Set on every connection, whatever the SQLite build's default (Python's own turns it on)."""
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1


@sqlite_only
def test_the_wal_file_is_truncated_to_nothing(engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    write_something(engine)
    assert wal_of(engine).stat().st_size > 0
    scrub_after_erasure(engine)
    assert wal_of(engine).stat().st_size == 0
    assert not [r for r in caplog.records if r.levelname == "WARNING"]
    with engine.connect() as conn:  # the pooled connection it used waits for locks as long as before
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == SQLITE_BUSY_TIMEOUT_MS


@sqlite_only
def test_a_reader_of_an_old_snapshot_delays_the_checkpoint_briefly_then_it_is_reported(
    engine: Engine, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(privacy, "CHECKPOINT_TRIES", 2)
    monkeypatch.setattr(privacy, "CHECKPOINT_WAIT_MS", 100)
    write_something(engine)
    with engine.connect() as reader:
        reader.execute(text("SELECT count(*) FROM role_grant")).scalar()  # a read transaction, still open
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM role_grant"))
        started = time.monotonic()
        scrub_after_erasure(engine)
        assert time.monotonic() - started < 5
        assert wal_of(engine).stat().st_size > 0
        [warning] = [r for r in caplog.records if r.levelname == "WARNING"]
        assert "could not be truncated" in warning.getMessage()
    scrub_after_erasure(engine)  # once the reader is gone, the next scrub finishes the job
    assert wal_of(engine).stat().st_size == 0


@postgresql_only
def test_every_table_an_erasure_touches_is_vacuumed(engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    with engine.connect() as conn:
        started = conn.execute(text("SELECT now()")).scalar_one()
    scrub_after_erasure(engine)
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT relname FROM pg_stat_user_tables WHERE last_vacuum >= :started"), {"started": started}
        )
        assert set(found.scalars()) >= set(ERASURE_TABLES)
    assert not [r for r in caplog.records if r.levelname == "WARNING"]


@postgresql_only
def test_a_vacuum_postgresql_skips_is_reported(engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    """VACUUM only warns when the database user does not own a table, and leaves the dead rows there."""
    role = f"techcommit_test_not_owner_{os.getpid()}"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
    stranger = make_engine(engine.url.set(username=role))
    try:
        scrub_after_erasure(stranger, ("cpd_entry",))
    finally:
        stranger.dispose()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP ROLE "{role}"'))
    [warning] = [r for r in caplog.records if r.levelname == "WARNING"]
    assert "VACUUM after an erasure" in warning.getMessage()
    assert "cpd_entry" in warning.getMessage()
    assert not [r for r in caplog.records if "scrubbed" in r.getMessage()]


@postgresql_only
def test_a_table_locked_for_long_is_reported_and_the_others_are_still_vacuumed(
    engine: Engine, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(privacy, "VACUUM_LOCK_TIMEOUT_MS", 200)
    with engine.connect() as conn:
        started = conn.execute(text("SELECT now()")).scalar_one()
    with engine.connect() as locker:
        locker.execute(text("LOCK TABLE cpd_entry IN ACCESS EXCLUSIVE MODE"))
        scrub_after_erasure(engine, ("cpd_entry", "event_rsvp"))
        locker.rollback()
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT relname FROM pg_stat_user_tables WHERE last_vacuum >= :started"), {"started": started}
        )
        assert set(found.scalars()) == {"event_rsvp"}
    [warning] = [r for r in caplog.records if r.levelname == "WARNING"]
    assert "cpd_entry" in warning.getMessage()
    assert "lock timeout" in warning.getMessage()
