"""The `techcommit` command as an operator runs it: real processes, real ports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from storage.models import CpdEntry
from tests.bot.conftest import SECRET, TOKEN
from tests.support.cli import clean_env, env_for, free_port, run, serving, url_of
from tests.support.fakeslack import FakeSlack
from tests.support.slackclient import SignedClient


def test_db_upgrade_on_a_new_database(tmp_path: Path) -> None:
    env = clean_env(DATABASE_URL=f"sqlite:///{tmp_path / 'new.db'}")
    first = run(["db", "upgrade"], env, tmp_path)
    assert first.returncode == 0, first.stderr
    assert "was empty" in first.stdout
    second = run(["db", "upgrade"], env, tmp_path)
    assert "was already" in second.stdout
    assert run(["db", "status"], env, tmp_path).stdout.startswith("up to date")


def test_serve_names_a_missing_setting_in_one_line(tmp_path: Path) -> None:
    result = run(["serve"], clean_env(SLACK_BOT_TOKEN=TOKEN, DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}"), tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "SLACK_SIGNING_SECRET is not set" in result.stderr


def test_serve_names_every_missing_setting_at_once(tmp_path: Path) -> None:
    """Not one per attempt (issue #17, item 7)."""
    result = run(["serve"], clean_env(DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}"), tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are not set" in result.stderr


def test_a_bad_setting_is_one_line(tmp_path: Path) -> None:
    result = run(["db", "upgrade"], clean_env(TIMEZONE="Mars/Olympus_Mons"), tmp_path)
    assert result.returncode == 2
    assert "TIMEZONE" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_refuses_an_out_of_date_schema(tmp_path: Path) -> None:
    env = clean_env(SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET, DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    result = run(["serve", "--port", str(free_port())], env, tmp_path)
    assert result.returncode == 2
    assert "techcommit db upgrade" in result.stderr
    assert "run `./tc db upgrade`" in result.stderr  # what the README's users type (issue #17, item 7)


def test_roles(tmp_path: Path) -> None:
    env = clean_env(DATABASE_URL=f"sqlite:///{tmp_path / 'r.db'}", ADMIN_USER_IDS="UBOSS")
    run(["db", "upgrade"], env, tmp_path)
    assert (
        run(["roles", "grant", "organiser", "<@U9ABC|bob>"], env, tmp_path).stdout.strip()
        == "organiser granted to U9ABC"
    )
    assert "no change" in run(["roles", "grant", "organiser", "U9ABC"], env, tmp_path).stdout
    listed = run(["roles", "list"], env, tmp_path).stdout
    assert "UBOSS" in listed
    assert "organiser  U9ABC" in listed
    assert run(["roles", "grant", "king", "U9ABC"], env, tmp_path).returncode == 2
    assert (
        run(["roles", "revoke", "organiser", "U9ABC"], env, tmp_path).stdout.strip() == "organiser revoked from U9ABC"
    )


@pytest.fixture
def served(engine: Engine, fake_slack: FakeSlack, tmp_path: Path) -> Iterator[tuple[str, FakeSlack]]:
    """`techcommit serve` in its own process, talking to a fake Slack; it must never log a secret."""
    env = env_for(engine, fake_slack, SLACK_SIGNING_SECRET=SECRET)
    with serving(env, tmp_path) as server:
        yield server.base, fake_slack
    assert TOKEN not in server.log
    assert SECRET not in server.log


def test_serve_answers_health_checks_and_slash_commands(served: tuple[str, FakeSlack], engine: Engine) -> None:
    base, fake = served
    reply = SignedClient(base, SECRET, fake).command("/cpd", "add 2h Soldering refresher").reply()
    assert "Soldering refresher" in reply["blocks"][1]["text"]["text"]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(CpdEntry)).scalar_one() == 1


def test_demo_console_logs_cpd(tmp_path: Path) -> None:
    typed = "\n".join(
        [
            "/cpd add 2h x",
            "1",
            "",
            "",
            "",
            "",
            "Drag soldering",
            "Faster repairs for students",
            "",
            "",  # Add reflection, 8 fields
            "/cpd add 0h x",
            "/cpd export csv",
            "home",
            "quit",
            "",
        ]
    )
    result = run(["demo", "--files", str(tmp_path / "files")], clean_env(), tmp_path, stdin=typed)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "✅ Logged — CPD entry `8`" in out
    assert "── Edit CPD ──" in out
    assert "✏️ Updated — CPD entry `8`" in out
    assert "What I learned: Drag soldering" in out
    assert "A CPD activity must last at least one minute." in out
    assert "Saved to" in out
    [csv_file] = (tmp_path / "files").glob("cpd-record-*.csv")
    assert "Drag soldering" in csv_file.read_text(encoding="utf-8-sig")
    assert "My techcommit" in out


def test_demo_console_lists_its_words_and_switches_who_you_are(tmp_path: Path) -> None:
    typed = [
        "help",
        "as",
        "/event",
        "1",  # the demo user takes the last place at event 1
        "as alice",
        "/event",
        "1",  # Alice: the waitlist
        "/plan",
        "1",  # Alice's own action: On track
        "as U0DEMO",
        "/event",
        "3",  # Can't go: Alice moves up and is told
        "plan report",  # without the slash
        "as U0NEWCOMER",
        "as Nobody Special",
        "quit",
    ]
    result = run(["demo", "--files", str(tmp_path / "files")], clean_env(), tmp_path, stdin="\n".join(typed) + "\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    words = out.split("The console's own words:")[1].split("> ")[0]
    for word in ("home", "as", "quit", "1, 2, …", "help", "cancel", "`-` clears"):
        assert word in words
    assert "U0ALICE      Alice Hughes: technician" in out
    assert "U0ORGANISER  Olu Adeyemi" in out
    assert "You are now Alice Hughes (U0ALICE)." in out
    assert "you're number 1 on the waitlist" in out
    assert "🟢 On track (" in out.split("You are now Alice Hughes")[1]  # her button recorded it
    moved_up = out.split("You are now Demo Technician (U0DEMO).")[1]
    assert "── the bot DMs Alice Hughes (U0ALICE) — `as U0ALICE` to answer ──\n🎉 A place came up" in moved_up
    assert "🟢 On track 1 · 🟠 At risk 0 · 🔴 Blocked 0 · ✅ Done 0 · ⚪ No update" in moved_up
    assert "You are now U0NEWCOMER." in out
    assert "`Nobody Special` isn't someone here" in out


def test_socket_mode_needs_the_app_token(tmp_path: Path) -> None:
    result = run(["socket"], clean_env(SLACK_BOT_TOKEN=TOKEN, DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}"), tmp_path)
    assert result.returncode == 2
    assert "SLACK_APP_TOKEN is not set" in result.stderr


def test_backup_of_postgresql_points_to_pg_dump(engine: Engine, tmp_path: Path) -> None:
    if engine.dialect.name == "sqlite":
        pytest.skip("PostgreSQL is backed up with its own tools")
    refused = run(["db", "backup", str(tmp_path / "backup.db")], clean_env(DATABASE_URL=url_of(engine)), tmp_path)
    assert refused.returncode == 2
    assert "pg_dump" in refused.stderr


def test_a_consistent_backup_while_the_server_writes_and_its_restore(
    engine: Engine, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    import shutil
    import sqlite3
    import threading

    from storage.db import make_engine
    from storage.schema import schema_problem

    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite files are backed up by techcommit; PostgreSQL with pg_dump")
    base, fake = request.getfixturevalue("served")
    backup = tmp_path / "backup.db"
    client = SignedClient(base, SECRET, fake)
    stop, written = threading.Event(), []

    def keep_writing() -> None:
        while not stop.is_set():
            client.command("/cpd", f"add 1m Entry {len(written)}").reply(timeout=30)
            written.append(1)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        fake.wait_for(lambda: len(written) >= 5 or None, timeout=30)
        result = run(["db", "backup", str(backup)], clean_env(DATABASE_URL=url_of(engine)), tmp_path)
        fake.wait_for(lambda: len(written) >= 10 or None, timeout=30)
    finally:
        stop.set()
        writer.join(30)
    assert result.returncode == 0, result.stderr
    assert "integrity ok" in result.stdout
    copy = sqlite3.connect(backup)
    in_copy = copy.execute("SELECT count(*) FROM cpd_entry").fetchone()[0]
    titles = {row[0] for row in copy.execute("SELECT title FROM cpd_entry")}
    copy.close()
    assert 5 <= in_copy < len(written)
    assert titles == {f"Entry {n}" for n in range(in_copy)}  # a prefix: every committed entry up to a point
    restored = tmp_path / "restored.db"
    shutil.copyfile(backup, restored)
    restored_engine = make_engine(f"sqlite:///{restored}")
    assert schema_problem(restored_engine) is None
    with restored_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(CpdEntry)).scalar_one() == in_copy
    restored_engine.dispose()
    assert run(["db", "backup", str(backup)], clean_env(DATABASE_URL=url_of(engine)), tmp_path).returncode == 2


def test_serve_refuses_a_schema_that_is_behind(tmp_path: Path) -> None:
    from storage.db import make_engine
    from storage.schema import upgrade

    path = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, "0003")
    engine.dispose()
    env = clean_env(SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET, DATABASE_URL=f"sqlite:///{path}")
    result = run(["serve", "--port", str(free_port())], env, tmp_path)
    assert result.returncode == 2
    assert "behind (0003" in result.stderr
    assert "techcommit db upgrade" in result.stderr
