"""Small SQL helpers that differ by dialect, written once."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Insert, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert


@functools.cache
def _insert_or_skip(dialect: str, table: Table) -> ReturningInsert[Any]:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING <key>, built once per table (values are bound per call)."""
    stmt: Insert
    if dialect == "postgresql":
        stmt = postgresql.insert(table).on_conflict_do_nothing()
    elif dialect == "sqlite":
        stmt = sqlite.insert(table).on_conflict_do_nothing()
    else:  # pragma: no cover - only the two supported databases reach here
        raise NotImplementedError(f"unsupported database: {dialect}")
    # RETURNING, not rowcount: drivers disagree on rowcount for a skipped conflicting row.
    return stmt.returning(*table.primary_key.columns)


def insert_if_absent(session: Session, table: Table, values: dict[str, Any]) -> bool:
    """Insert a row unless its key is taken; tell whether this call inserted it.

    Uses INSERT ... ON CONFLICT DO NOTHING, which both SQLite and PostgreSQL understand, so a
    concurrent duplicate waits for the first writer and then does nothing instead of failing.
    """
    stmt = _insert_or_skip(session.get_bind().dialect.name, table)
    return session.execute(stmt, values).first() is not None
