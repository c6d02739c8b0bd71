"""Schema migrations with Alembic: upgrade, and tell whether a database is up to date."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config() -> Config:
    """An Alembic config pointing at our migrations (no alembic.ini needed).

    Commands run on a connection passed in `config.attributes["connection"]`; the database URL
    (and its password) never goes into the config.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to `revision` on the engine's database."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def head_revision() -> str:
    """The newest migration shipped with this code."""
    head = _scripts().get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at (None for an empty database)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


UPGRADE_HINT = "run `./tc db upgrade` in the project folder (`techcommit db upgrade` where techcommit is installed)"


def schema_problem(engine: Engine) -> str | None:
    """Explain why the database cannot be served, or None when it is at the head migration."""
    current, head = current_revision(engine), head_revision()
    if current == head:
        return None
    if current is None:
        return f"the database has no schema yet; {UPGRADE_HINT}"
    known = {rev.revision for rev in _scripts().walk_revisions()}
    if current not in known:
        return f"the database is at migration {current}, newer than this code knows; upgrade techcommit"
    return f"the database schema is behind ({current}, code needs {head}); {UPGRADE_HINT}"


def backup_sqlite(engine: Engine, destination: str) -> int:
    """Copy a live SQLite database to `destination` consistently (SQLite's online backup); return its size.

    Readers and writers carry on meanwhile: the copy is a snapshot of one committed state.
    """
    import sqlite3

    if engine.dialect.name != "sqlite" or not engine.url.database:
        raise ValueError("only an SQLite file can be backed up this way (for PostgreSQL use pg_dump)")
    target = Path(destination)
    if target.exists():
        raise FileExistsError(f"{target} exists; choose a new file")
    source = sqlite3.connect(engine.url.database, timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        (result,) = copy.execute("PRAGMA integrity_check").fetchone()
        if result != "ok":
            raise RuntimeError(f"the copy failed its integrity check: {result}")
    finally:
        copy.close()
        source.close()
    return target.stat().st_size
