"""Holding the database's write lock from another connection, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, text

from storage.db import is_sqlite


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
