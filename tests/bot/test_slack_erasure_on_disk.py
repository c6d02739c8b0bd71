"""`/techcommit forget-me` leaves no readable copy of what it erased in the database's own files.

Deleting a row is not enough: SQLite keeps old page images in the -wal file and deleted cells in
the main file's free space, PostgreSQL keeps dead tuples and their index entries in its pages until
VACUUM. These tests erase someone through the bot's HTTP endpoint, then read the storage itself.
"""

from __future__ import annotations

from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, text

from bot.composition import Deps
from bot.runtime import Runtime
from handlers.clock import FixedClock
from storage import cpd as cpd_repo
from storage import events, roles
from storage.cpd import CpdFields
from storage.events import EventFields
from storage.models import Base
from storage.people import PersonId
from storage.privacy import ERASURE_TABLES
from tests.bot.conftest import SECRET
from tests.plan_data import csv_plan, load_plan
from tests.support.cli import env_for, serving
from tests.support.fakeslack import FakeSlack
from tests.support.rows import entries
from tests.support.slackclient import SignedClient
from tests.support.slackmessages import button, texts

GONE = "U0ZEBRA7F3A"  # the person who asks to be forgotten
TITLE = "Zebrafish husbandry 7f3a"  # what only they wrote
KEPT = "U0KEEPER42"  # someone else, whose data stays
KEPT_TITLE = "Axolotl care 91c2"

sqlite_only = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
postgresql_only = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)


def fill(slack: SignedClient, deps: Deps, clock: FixedClock, *, many: int = 120) -> None:
    """Everything forget-me erases for GONE, interleaved with KEPT's entries so pages hold both.

    Enough rows that some pages hold only GONE's (freed whole by the erasure), others both (left
    with holes), and one reflection long enough to spill onto overflow pages.
    """
    now, day = clock.now(), clock.now().date()
    gone, kept = PersonId("slack", "T0TEST", GONE), PersonId("slack", "T0TEST", KEPT)
    with deps.uow(write=True) as uow:
        roles.grant_role(uow, platform="slack", user_id=GONE, role="organiser", now=now)
        for n in range(many):
            mine = CpdFields(day, 30, "formal", f"{TITLE} #{n}", reflection=f"{TITLE} reflection {n} " * 8)
            cpd_repo.add_entry(uow, person=gone, fields=mine, now=now)
            if n % 10 == 0:
                theirs = CpdFields(day, 30, "formal", f"{KEPT_TITLE} #{n}")
                cpd_repo.add_entry(uow, person=kept, fields=theirs, now=now)
        long = CpdFields(day, 60, "formal", TITLE, reflection=f"{TITLE} at length. " * 400)
        cpd_repo.add_entry(uow, person=gone, fields=long, now=now)
        start = now + timedelta(days=5)
        event = events.add_event(
            uow,
            fields=EventFields(
                title="Microscopy clinic",
                description="",
                starts_at=start,
                ends_at=start + timedelta(hours=1),
                location="Lab 3",
                capacity=1,
                cpd_minutes=60,
                cpd_type="professional",
                channel_id="C0TECHNET",
            ),
            organiser=("slack", GONE),
            now=now,
        )
        uow.commit()
    load_plan(deps.uow, csv_plan([("Z1", 2026, "Zebra action", GONE, "Q1", "")]), now=now)
    reply = slack.command("/cpd", f"add 1h {TITLE} by command", user=GONE).reply()
    slack.command("/reg", "start RSciTech", user=GONE).reply()
    slack.command("/reg", f"evidence A {button(reply, 'Edit')['value']}", user=GONE).reply()
    slack.block_action("event-rsvp-going", str(event.id), user=GONE).reply()
    slack.block_action("event-rsvp-going", str(event.id), user=KEPT).reply()  # waiting list
    slack.command("/plan", "update Z1 done", user=GONE).reply()
    slack.command("/cpd", f"add 1h {KEPT_TITLE} by command", user=KEPT).reply()


def forget_me(slack: SignedClient, user: str = GONE) -> None:
    question = slack.command("/techcommit", "forget-me", user=user).reply()
    confirm = button(question, "Delete my data")
    done = slack.block_action(confirm["action_id"], confirm["value"], user=user).reply()
    assert "your data is gone" in texts(done)


def database_files(engine: Engine) -> dict[str, bytes]:
    """The raw bytes of the SQLite database file and of its write-ahead log (empty if there is none)."""
    assert engine.url.database
    main = Path(engine.url.database)
    wal = main.with_name(main.name + "-wal")
    return {"db": main.read_bytes(), "wal": wal.read_bytes() if wal.exists() else b""}


def copies(files: dict[str, bytes], *needles: str) -> dict[str, list[str]]:
    """Which of the needles each file holds, byte for byte."""
    return {name: [n for n in needles if n.encode() in data] for name, data in files.items()}


@sqlite_only
def test_forget_me_leaves_no_copy_in_the_sqlite_file_or_its_wal(
    runtime: Runtime, slack: SignedClient, fake_slack: FakeSlack, deps: Deps, clock: FixedClock, engine: Engine
) -> None:
    fill(slack, deps, clock)
    runtime.sweep()  # a quarterly DM to GONE: a delivery row and a DM channel
    before = database_files(engine)
    assert copies(before, TITLE, GONE)["wal"] == [TITLE, GONE]  # the test would see a copy if one were left

    forget_me(slack)
    fake_slack.wait_call("chat.postMessage", lambda c: c.response.get("channel") == f"D{KEPT}")  # moved up

    assert copies(database_files(engine), TITLE, GONE) == {"db": [], "wal": []}
    assert KEPT_TITLE.encode() in b"".join(database_files(engine).values())
    listed = texts(slack.command("/cpd", "list", user=KEPT).reply())
    assert f"{KEPT_TITLE} by command" in listed
    assert TITLE not in texts(slack.command("/cpd", "list", user=GONE).reply())


@sqlite_only
@pytest.mark.parametrize("alone", [True, False], ids=["serve-alone", "another-connection-open"])
def test_after_a_clean_stop_of_serve_the_sqlite_files_hold_no_copy(
    engine: Engine, fake_slack: FakeSlack, tmp_path: Path, alone: bool
) -> None:
    """Stopped alone, `serve` checkpoints and removes the -wal file as it closes the database; while
    another process has the database open (a `reminders run`, a backup) the -wal file stays as it is."""
    engine.dispose()
    env = env_for(engine, fake_slack, SLACK_SIGNING_SECRET=SECRET, SCHEDULER_ENABLED="false")
    with ExitStack() as stack:
        if not alone:
            other = stack.enter_context(engine.connect())
            other.exec_driver_sql("SELECT count(*) FROM cpd_entry").scalar()
            other.rollback()  # open, idle: holds no snapshot
        with serving(env, tmp_path) as served:
            slack = SignedClient(served.base, SECRET, fake_slack)
            for n in range(40):
                slack.command("/cpd", f"add 1h {TITLE} number {n}", user=GONE).reply()
                if n % 10 == 0:
                    slack.command("/cpd", f"add 1h {KEPT_TITLE} number {n}", user=KEPT).reply()
            slack.command("/reg", "start RSciTech", user=GONE).reply()
            forget_me(slack)
            slack.command("/cpd", "add 1h Written after the erasure", user=KEPT).reply()
        assert " ERROR " not in served.log, served.log
        assert " WARNING " not in served.log, served.log

        assert copies(database_files(engine), TITLE, GONE) == {"db": [], "wal": []}
    assert sorted(e.title for e in entries(engine) if e.user_id == KEPT) == sorted(
        [f"{KEPT_TITLE} number {n}" for n in range(0, 40, 10)] + ["Written after the erasure"]
    )


def _tuples_holding(conn: Connection, needle: str) -> list[str]:
    """Tables (and their TOAST tables) with a heap tuple, live or dead, whose bytes hold `needle`."""
    return list(
        conn.execute(
            text(
                """
                WITH rel AS (
                    SELECT c.oid FROM pg_class c
                    WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
                    UNION ALL
                    SELECT c.reltoastrelid FROM pg_class c
                    WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
                      AND c.reltoastrelid <> 0
                )
                SELECT DISTINCT rel.oid::regclass::text
                FROM rel
                CROSS JOIN LATERAL generate_series(
                    0, (pg_relation_size(rel.oid) / current_setting('block_size')::int)::int - 1
                ) AS block
                CROSS JOIN LATERAL heap_page_items(get_raw_page(rel.oid::regclass::text, block)) AS item
                WHERE position(convert_to(:needle, 'UTF8') IN coalesce(item.t_data, '')) > 0
                """
            ),
            {"needle": needle},
        ).scalars()
    )


def _index_entries_holding(conn: Connection, needle: str) -> list[str]:
    """B-tree indexes of our tables with an entry, live or dead, whose key holds `needle`."""
    return list(
        conn.execute(
            text(
                """
                SELECT DISTINCT i.indexrelid::regclass::text
                FROM pg_index i
                JOIN pg_class c ON c.oid = i.indexrelid
                JOIN pg_am am ON am.oid = c.relam AND am.amname = 'btree'
                JOIN pg_class t ON t.oid = i.indrelid AND t.relnamespace = current_schema()::regnamespace
                CROSS JOIN LATERAL generate_series(
                    1, (pg_relation_size(c.oid) / current_setting('block_size')::int)::int - 1
                ) AS block
                CROSS JOIN LATERAL bt_page_items(get_raw_page(c.oid::regclass::text, block)) AS item
                WHERE position(encode(convert_to(:needle, 'UTF8'), 'hex') IN replace(item.data, ' ', '')) > 0
                """
            ),
            {"needle": needle},
        ).scalars()
    )


def _has_pageinspect(engine: Engine) -> bool:
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
    except Exception:
        return False
    return True


@postgresql_only
def test_forget_me_leaves_no_erased_tuple_in_the_postgresql_pages(
    runtime: Runtime, slack: SignedClient, deps: Deps, clock: FixedClock, engine: Engine
) -> None:
    """Dead tuples and index entries of the erased rows are gone from the pages (pageinspect).

    Plain VACUUM frees them: no tuple or index entry holds the erased values any more, and their
    space is reused. Bytes can still lie in a page's free space until something overwrites them
    (only VACUUM FULL rewrites the pages): the README tells operators so.
    """
    inspectable = _has_pageinspect(engine)
    fill(slack, deps, clock)
    runtime.sweep()
    with engine.connect() as conn:
        started = conn.execute(text("SELECT now()")).scalar_one()
        if inspectable:
            assert _tuples_holding(conn, TITLE)  # the checks see copies while there are some
            assert _index_entries_holding(conn, GONE)

    forget_me(slack)

    with engine.connect() as conn:
        if inspectable:
            assert _tuples_holding(conn, TITLE) == []
            assert _tuples_holding(conn, GONE) == []
            assert _index_entries_holding(conn, GONE) == []
            assert _index_entries_holding(conn, TITLE) == []
            assert _tuples_holding(conn, KEPT_TITLE)
        found = conn.execute(
            text("SELECT relname, last_vacuum >= :started FROM pg_stat_user_tables"), {"started": started}
        )
        vacuumed = {name: done for name, done in found}
        assert {name: vacuumed.get(name) for name in ERASURE_TABLES} == dict.fromkeys(ERASURE_TABLES, True)
    assert {t.name for t in Base.metadata.sorted_tables} >= set(ERASURE_TABLES)
    assert f"{KEPT_TITLE} by command" in texts(slack.command("/cpd", "list", user=KEPT).reply())
