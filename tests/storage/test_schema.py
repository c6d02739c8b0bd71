"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from storage.db import make_engine
from storage.models import Base
from storage.schema import alembic_config, current_revision, head_revision, schema_problem, upgrade


def test_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_database_is_at_head_and_servable(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    assert schema_problem(engine) is None


def test_upgrade_with_a_percent_sign_in_the_database_password(engine: Engine) -> None:
    """A URL-escaped password (p%25ss) once broke `db upgrade`: Alembic's config interpolates '%'."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite URLs carry no password")
    url = engine.url.set(password="p%ss").render_as_string(hide_password=False)
    assert "p%25ss" in url
    with_password = make_engine(url)  # the test server trusts local connections, so any password works
    try:
        upgrade(with_password)
        assert current_revision(with_password) == head_revision()
    finally:
        with_password.dispose()


def test_downgrade_to_base_and_back(engine: Engine) -> None:
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    assert "cpd_entry" not in inspect(engine).get_table_names()
    assert "no schema yet" in (schema_problem(engine) or "")
    upgrade(engine)
    assert set(inspect(engine).get_table_names()) >= {t.name for t in Base.metadata.sorted_tables}


def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas only")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_a_behind_schema_is_named(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff'"))
    try:
        assert "newer than this code" in (schema_problem(engine) or "")
    finally:  # PostgreSQL tests share one database: later ones need it at head
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head_revision()})
