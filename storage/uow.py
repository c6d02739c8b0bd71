"""The unit of work: one session, one transaction, committed once by the caller at the edge."""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import TracebackType
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

log = logging.getLogger("techcommit.storage")


class WriteAttempted(Exception):
    """Work in a read-only unit of work tried to change the database."""


def _refuse_flush(session: Session, flush_context: Any, instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise WriteAttempted("a read-only unit of work tried to flush changes")


def _refuse_dml(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        raise WriteAttempted("a read-only unit of work tried to change rows")


class UnitOfWork:
    """A transaction around a piece of work.

    `write=True` takes SQLite's write lock at BEGIN, so concurrent writers queue on the
    busy timeout rather than failing mid-transaction. A read-only unit (`write=False`) never
    waits for that lock and refuses any change with WriteAttempted. Leaving the block without
    `commit()` rolls everything back.
    """

    def __init__(self, session_factory: sessionmaker[Session], *, write: bool) -> None:
        self._session_factory = session_factory
        self._write = write
        self._session: Session | None = None
        self.queued = 0  # messages this unit added to the outbox (so the sender is woken only for those)
        self.writes = 0  # statements and flushes that changed rows (so callers can tell whether anything did)
        self._after_commit: list[Callable[[], None]] = []

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("unit of work used outside its `with` block")
        return self._session

    def __enter__(self) -> UnitOfWork:
        self._session = self._session_factory()
        if self._write:
            self._session.connection(execution_options={"write": True})
            event.listen(self._session, "after_flush", self._count_flush)
            event.listen(self._session, "do_orm_execute", self._count_dml)
        else:
            event.listen(self._session, "before_flush", _refuse_flush)
            event.listen(self._session, "do_orm_execute", _refuse_dml)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        session = self.session
        changed = bool(session.new or session.deleted or any(session.is_modified(o) for o in session.dirty))
        # close() rolls back anything uncommitted; unlike rollback() it leaves loaded objects readable.
        session.close()
        self._session = None
        self._after_commit.clear()  # work that was not committed needs nothing done after it
        if changed and not self._write and exc_type is None:
            raise WriteAttempted("a read-only unit of work ended with unsaved changes")

    def _count_flush(self, session: Session, flush_context: Any) -> None:
        self.writes += 1

    def _count_dml(self, state: ORMExecuteState) -> None:
        if state.is_insert or state.is_update or state.is_delete:
            self.writes += 1

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Call `callback()` once what this unit did so far has committed; never if it is rolled back.

        It runs after the transaction has ended and its connection is back in the pool, so it may do
        what cannot run inside a transaction (an SQLite checkpoint, a PostgreSQL VACUUM). The commit
        stands whatever it does: an exception it raises is logged, not passed on to the caller.
        """
        self._after_commit.append(callback)

    def commit(self) -> None:
        """Commit what was done so far, then run the `after_commit` callbacks registered before it."""
        self.session.commit()
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            try:
                callback()
            except Exception:
                log.exception("a step after a commit failed (the commit stands)")


UnitOfWorkFactory = Callable[..., UnitOfWork]


def unit_of_work_factory(engine: Engine) -> UnitOfWorkFactory:
    """Return a callable that opens units of work on the engine: `factory(write=True)`."""
    sessions = sessionmaker(engine, expire_on_commit=False)

    def open_unit(*, write: bool = True) -> UnitOfWork:
        return UnitOfWork(sessions, write=write)

    return open_unit
