"""Shared fixtures: databases (SQLite and PostgreSQL), a fixed clock, units of work."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from handlers.clock import FixedClock
from handlers.context import Policy
from storage.people import PersonId
from storage.uow import UnitOfWorkFactory, unit_of_work_factory
from tests.db import empty_all_tables, postgres_session_engine, sqlite_copy, sqlite_template

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
ALICE = PersonId("slack", "T0TEST", "U1")
BOB = PersonId("slack", "T0TEST", "U2")


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sqlite_template(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def _postgres_engine() -> Iterator[Engine]:
    yield from postgres_session_engine()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path, _sqlite_template: Path) -> Iterator[Engine]:
    """A migrated, empty database — each test runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        engine = sqlite_copy(_sqlite_template, tmp_path)
        yield engine
        engine.dispose()
    else:
        engine = request.getfixturevalue("_postgres_engine")
        empty_all_tables(engine)
        yield engine


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def uow_factory(engine: Engine) -> UnitOfWorkFactory:
    return unit_of_work_factory(engine)


@pytest.fixture
def policy() -> Policy:
    return Policy(admin_user_ids=frozenset({"UADMIN"}))
