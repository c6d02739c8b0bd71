"""Whether the database can take a write now, within a short bound (for /healthz).

`SELECT 1` answers while every writer waits: on SQLite readers go on under another connection's
write lock, and on PostgreSQL under a table lock that writers queue behind. So the check does
what a writer does, and gives up after `WRITE_WITHIN_SECONDS`:

- SQLite: `BEGIN IMMEDIATE` (the write lock) with a busy timeout of that bound;
- PostgreSQL: under `lock_timeout` and `statement_timeout` of that bound, the lock every writer
  takes (ROW EXCLUSIVE, which writers share) on every table of the schema;

then, on both, inserts a row into `lease` and rolls the whole transaction back: nothing is kept.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, insert, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from storage.db import SQLITE_BUSY_TIMEOUT_MS, is_sqlite
from storage.models import Base, Lease

WRITE_WITHIN_SECONDS = 2.0


def write_problem(engine: Engine, *, within: float = WRITE_WITHIN_SECONDS) -> str | None:
    """Why a write could not get into the database within `within` seconds (one line), or None if it could."""
    try:
        with engine.connect() as conn:
            if is_sqlite(engine):
                _sqlite_write(conn, within)
            else:
                _postgres_write(conn, within)
    except SQLAlchemyError as exc:
        orig = exc.orig if isinstance(exc, DBAPIError) else exc
        detail = " ".join(str(orig).split())[:200]
        return f"database cannot take a write within {within:g}s: {detail}"
    return None


def _trial_row(conn: Connection) -> None:
    name = f"health:{secrets.token_hex(8)}"  # unique: two checks at once never wait on each other's row
    conn.execute(insert(Lease).values(name=name, holder="health check", until=datetime.now(UTC)))


def _sqlite_write(conn: Connection, within: float) -> None:
    driver = conn.connection.driver_connection  # the setting is the connection's, outside any transaction
    assert driver is not None
    driver.execute(f"PRAGMA busy_timeout={int(within * 1000)}")
    try:
        conn.execution_options(write=True)  # BEGIN IMMEDIATE (storage.db)
        with conn.begin() as transaction:
            _trial_row(conn)
            transaction.rollback()
    finally:
        driver.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


def _postgres_write(conn: Connection, within: float) -> None:
    tables = ", ".join(conn.dialect.identifier_preparer.quote(t.name) for t in Base.metadata.sorted_tables)
    milliseconds = int(within * 1000)
    with conn.begin() as transaction:
        conn.execute(text(f"SET LOCAL lock_timeout = {milliseconds}"))
        conn.execute(text(f"SET LOCAL statement_timeout = {milliseconds}"))
        conn.execute(text(f"LOCK TABLE {tables} IN ROW EXCLUSIVE MODE"))
        _trial_row(conn)
        transaction.rollback()
