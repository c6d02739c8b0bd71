"""Throwaway databases for tests: a migrated SQLite file per test, a private PostgreSQL database per run."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from storage.db import make_engine, normalise_url
from storage.models import Base
from storage.schema import upgrade

POSTGRES_URL = os.environ.get("TECHCOMMIT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("TECHCOMMIT_REQUIRE_POSTGRES") == "1"


def _admin_engine() -> Engine:
    return create_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")


class PostgresDatabase:
    """A database of its own on the PostgreSQL server, created for this run and dropped after it."""

    def __init__(self) -> None:
        self.name = f"techcommit_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        self.url = normalise_url(make_url(POSTGRES_URL).set(database=self.name))

    def create(self) -> None:
        admin = _admin_engine()
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        finally:
            admin.dispose()

    def drop(self) -> None:
        admin = _admin_engine()
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        finally:
            admin.dispose()


def postgres_available() -> str | None:
    """None if the test server answers, else why not."""
    admin = _admin_engine()
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        return f"PostgreSQL at {POSTGRES_URL} is not reachable: {type(exc).__name__}"
    finally:
        admin.dispose()
    return None


def postgres_session_engine() -> Iterator[Engine]:
    reason = postgres_available()
    if reason:
        if REQUIRE_POSTGRES:
            pytest.fail(reason + " (TECHCOMMIT_REQUIRE_POSTGRES=1)")
        pytest.skip(reason)
    database = PostgresDatabase()
    database.create()
    engine = make_engine(database.url)
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        database.drop()


def empty_all_tables(engine: Engine) -> None:
    """Remove every row (between PostgreSQL tests, which share one migrated database)."""
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def sqlite_template(folder: Path) -> Path:
    """A migrated SQLite file to copy for each test (migrating once per run is faster)."""
    path = folder / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def sqlite_copy(template: Path, folder: Path) -> Engine:
    path = folder / "test.db"
    shutil.copyfile(template, path)
    return make_engine(f"sqlite:///{path}")
