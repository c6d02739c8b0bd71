"""The post pace: turns to post to a workspace, reserved in the database so that every process shares one rate."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import BindParameter, Double, bindparam, case
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import ReturningInsert

from storage.models import PostPace
from storage.uow import UnitOfWork


@functools.cache
def _reserve(dialect: str) -> ReturningInsert[Any]:
    """INSERT ... ON CONFLICT (key) DO UPDATE SET last_slot = <the next slot> RETURNING last_slot, built once."""
    now: BindParameter[float] = bindparam("now", type_=Double())
    interval: BindParameter[float] = bindparam("interval", type_=Double())
    following = PostPace.last_slot + interval
    if dialect == "postgresql":
        insert: Any = postgresql.insert
    elif dialect == "sqlite":
        insert = sqlite.insert
    else:  # pragma: no cover - only the two supported databases reach here
        raise NotImplementedError(f"unsupported database: {dialect}")
    # CASE rather than GREATEST (PostgreSQL) or two-argument max() (SQLite): one spelling for both.
    stmt = insert(PostPace).values(key=bindparam("key"), last_slot=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=[PostPace.key], set_={"last_slot": case((following > now, following), else_=now)}
    )
    return stmt.returning(PostPace.last_slot)  # type: ignore[no-any-return]


def reserve_slot(uow: UnitOfWork, *, key: str, now: float, interval: float) -> float:
    """Reserve the next turn to post under `key` and return when it is (seconds since the epoch).

    The turn is `now` after a quiet spell, else `interval` after the turn reserved before it. It is one
    statement on the key's row: concurrent reservations wait for each other's transactions (for the row's
    lock on PostgreSQL, for the write lock on SQLite, so use a write unit of work) and never share a turn.
    Commit at once: the row stays locked until then.
    """
    if interval <= 0:
        raise ValueError("interval must be positive")
    stmt = _reserve(uow.session.get_bind().dialect.name)
    slot = uow.session.execute(stmt, {"key": key, "now": now, "interval": interval}).scalar_one()
    return float(slot)
