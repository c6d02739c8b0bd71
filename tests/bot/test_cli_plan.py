"""`techcommit plan import`, `reminders run` and `deliveries list` as an operator runs them."""

from __future__ import annotations

import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from storage.models import PlanAction
from tests.plan_data import SEED
from tests.support.cli import TECHCOMMIT, env_for, run
from tests.support.fakeslack import FakeSlack


def actions(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(PlanAction)).scalar_one())


def test_import_the_seed_and_run_the_fourth_quarter_of_year_one(
    engine: Engine, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    fake_slack.users_by_email["kate@example.ac.uk"] = "U0KATE"
    env = env_for(engine, fake_slack)
    imported = run(["plan", "import", str(SEED), "--default-owner", "kate@example.ac.uk"], env, tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.startswith(
        "Imported 27 actions from mmu-technician-commitment-24-month-plan.txt, 2018Q1–2019Q4: 27 new, 0 updated."
    )
    assert "Owners: U0KATE (27). Unassigned: 0." in imported.stdout
    first = run(["reminders", "run", "--as-of", "2019-08-01T09:00"], env, tmp_path)
    assert first.returncode == 0, first.stderr
    assert "sent   plan-quarter:2018Q4:slack:U0KATE" in first.stdout
    [dm] = fake_slack.calls_to("chat.postMessage")
    assert dm.response["channel"] == "DU0KATE"
    listed = [
        b["text"]["text"].split("*")[1]
        for b in dm.args["blocks"]
        if b["type"] == "section" and b["text"]["text"].startswith("*Y")
    ]
    assert listed == ["Y1-01", "Y1-02", "Y1-03", "Y1-04", "Y1-06", "Y1-07", "Y1-08", "Y1-13"]
    again = run(["reminders", "run", "--as-of", "2019-08-01T09:00"], env, tmp_path)
    assert "0 sent" in again.stdout
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    listing = run(["deliveries", "list"], env, tmp_path).stdout
    assert "sent     2019-08-01 09:00  attempts=1  plan-quarter:2018Q4:slack:U0KATE" in listing


def test_reimport_keeps_owners_and_reports_unknown_emails(
    engine: Engine, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    env = env_for(engine, fake_slack)
    plan = tmp_path / "plan.csv"
    plan.write_text("ref,year,title,owner,quarters,pillar\nP1,2026,First,U0AAA1,Q1,\nP2,2026,Second,nobody@x.org,Q2,\n")
    first = run(["plan", "import", str(plan)], env, tmp_path)
    assert first.returncode == 0, first.stderr
    assert "Owner not found for P2: 'nobody@x.org' (no Slack user has this email); left unassigned." in first.stdout
    plan.write_text("ref,year,title,owner,quarters,pillar\nP1,2026,First renamed,U0ZZZ9,Q1 Q3,\n")
    second = run(["plan", "import", str(plan)], env, tmp_path)
    assert "0 new, 1 updated" in second.stdout
    assert "Owners: U0AAA1 (1)" in second.stdout  # the stored owner is kept
    assert "not in this file (left as they are): P2" in second.stdout


def test_reimporting_an_unchanged_plan_says_unchanged(engine: Engine, fake_slack: FakeSlack, tmp_path: Path) -> None:
    """Not "27 updated" when nothing in the file changed (issue #17, item 7)."""
    env = env_for(engine, fake_slack)
    assert run(["plan", "import", str(SEED)], env, tmp_path).returncode == 0
    again = run(["plan", "import", str(SEED)], env, tmp_path)
    assert again.returncode == 0, again.stderr
    assert ": 0 new, 0 updated, 27 unchanged." in again.stdout
    plan = tmp_path / "plan.csv"
    plan.write_text("ref,year,title,owner,quarters,pillar\nP1,2026,First,,Q1,\nP2,2026,Second,,Q2,\n")
    run(["plan", "import", str(plan)], env, tmp_path)
    plan.write_text("ref,year,title,owner,quarters,pillar\nP1,2026,First,,Q1,\nP2,2026,Second,,Q2 Q3,\n")
    assert ": 0 new, 1 updated, 1 unchanged." in run(["plan", "import", str(plan)], env, tmp_path).stdout


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (
            b"ref,year,title,owner,quarters,pillar\nP1,2026,First,,Q1,\nP1,2026,Again,,Q2,\n",
            "line 3: ref P1 was already",
        ),
        (b"ref,title\nP1,x\n", "line 1: the CSV has no year, quarters column"),
        ("year 1\nNovember 2018 - November 2019\nTitle\t\u2713\t\t\n".encode(), "line 3:"),
        ("year 1\nNovembre 2018 \u2013 Novembre 2019\n".encode("cp1252"), "not UTF-8"),
        (bytes(range(256)) * 40_000, "a plan file is at most 2,000,000"),  # 10 MB of junk
        (b"ref,year,title\x00,quarters\n" * 10, "NUL bytes"),
    ],
)
def test_a_bad_file_imports_nothing_and_says_why(
    engine: Engine, fake_slack: FakeSlack, tmp_path: Path, content: bytes, says: str
) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    result = run(["plan", "import", str(path)], env_for(engine, fake_slack), tmp_path)
    assert result.returncode == 2
    assert says in result.stderr
    assert "Nothing was imported." in result.stderr
    assert "Traceback" not in result.stderr
    assert actions(engine) == 0


def test_two_passes_at_once_in_two_processes_send_each_dm_once(
    engine: Engine, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    owners = [f"U0OWNER{n:02d}" for n in range(24)]
    plan = tmp_path / "plan.csv"
    plan.write_text(
        "ref,year,title,owner,quarters,pillar\n"
        + "".join(f"R{n},2018,Action {n},{owner},Q4,\n" for n, owner in enumerate(owners))
    )
    env = env_for(engine, fake_slack)
    assert run(["plan", "import", str(plan)], env, tmp_path).returncode == 0
    passes = [
        subprocess.Popen(
            [TECHCOMMIT, "reminders", "run", "--as-of", "2019-08-01T09:00"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in passes]
    assert [p.returncode for p in passes] == [0, 0], outputs
    sent = [c.response["channel"] for c in fake_slack.calls_to("chat.postMessage") if c.ok]
    assert sorted(sent) == sorted(f"D{owner}" for owner in owners)
    assert sum(out.count("sent   plan-quarter") for out, _ in outputs) == 24


def test_dry_run_and_without_a_token(engine: Engine, fake_slack: FakeSlack, tmp_path: Path) -> None:
    env = env_for(engine, fake_slack)
    run(["plan", "import", str(SEED), "--default-owner", "U0KATE"], env, tmp_path)
    dry = run(["reminders", "run", "--as-of", "2019-08-01T09:00", "--dry-run"], env, tmp_path)
    assert "would queue plan-quarter:2018Q4:slack:U0KATE" in dry.stdout
    assert fake_slack.calls == []
    no_token = {k: v for k, v in env.items() if k != "SLACK_BOT_TOKEN"}
    result = run(["reminders", "run", "--as-of", "2019-08-01T09:00"], no_token, tmp_path)
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN is not set" in result.stderr
    assert "Nothing has been sent yet." in run(["deliveries", "list"], env, tmp_path).stdout


def test_without_a_token_owners_given_by_email_are_kept_and_a_later_run_with_one_looks_them_up(
    engine: Engine, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    env = env_for(engine, fake_slack)
    no_token = {k: v for k, v in env.items() if k != "SLACK_BOT_TOKEN"}
    imported = run(["plan", "import", str(SEED), "--default-owner", "kate@example.ac.uk"], no_token, tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "Owners: none. Unassigned: 0." in imported.stdout
    assert "Owners kept as emails, to look up in Slack: kate@example.ac.uk (27)." in imported.stdout
    extra = tmp_path / "extra.csv"
    extra.write_text("ref,year,title,owner,quarters,pillar\nX1,2018,Extra action,nobody@example.org,Q4,\n")
    assert run(["plan", "import", str(extra)], no_token, tmp_path).returncode == 0

    stopped = run(["reminders", "run", "--as-of", "2019-08-01T09:00"], no_token, tmp_path)
    assert stopped.returncode == 2
    assert "SLACK_BOT_TOKEN is not set" in stopped.stderr
    assert "`techcommit reminders run --as-of 2019-08-01T09:00 --dry-run --show`" in stopped.stderr
    shown = run(["reminders", "run", "--as-of", "2019-08-01T09:00", "--dry-run", "--show"], no_token, tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "would queue plan-quarter:2018Q4:email:kate@example.ac.uk\n── to @kate@example.ac.uk ──" in shown.stdout
    kates = shown.stdout.split("── to @kate@example.ac.uk ──")[1].split("── to ")[0]
    assert "You own 8 Technician Commitment actions due this quarter" in kates
    assert "Y1-13 To ensure sustainability" in kates
    assert "Extra action" in shown.stdout.split("── to @nobody@example.org ──")[1]
    assert "are looked up in Slack by the first run with SLACK_BOT_TOKEN" in shown.stdout
    assert fake_slack.calls == []

    fake_slack.users_by_email["kate@example.ac.uk"] = "U0KATE"
    sent = run(["reminders", "run", "--as-of", "2019-08-01T09:00"], env, tmp_path)
    assert sent.returncode == 0, sent.stderr
    assert "owner  kate@example.ac.uk is U0KATE" in sent.stdout
    assert "owner  nobody@example.org: no Slack user has this email; 1 action(s) left unassigned" in sent.stdout
    assert "sent   plan-quarter:2018Q4:slack:U0KATE" in sent.stdout
    assert [c.response["channel"] for c in fake_slack.calls_to("chat.postMessage")] == ["DU0KATE"]
    with engine.connect() as conn:
        owners = set(conn.execute(select(PlanAction.owner_platform, PlanAction.owner_user_id)).all())
    assert owners == {("slack", "U0KATE"), (None, None)}
    assert len(fake_slack.calls_to("users.lookupByEmail")) == 2
    run(["reminders", "run", "--as-of", "2019-08-01T09:05"], env, tmp_path)
    assert len(fake_slack.calls_to("users.lookupByEmail")) == 2  # nothing left to look up


def test_console_organiser_creates_an_event_another_user_rsvps_and_the_reminder_reaches_only_them(
    engine: Engine, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    env = env_for(engine, fake_slack)
    day = date.today() + timedelta(days=14)  # the console runs on the real clock
    create = "\n".join(
        [
            "/event create",
            "Soldering clinic",
            "",
            day.isoformat(),
            "12:30",
            "13:30",
            "",
            "Lab 2",
            "",
            "",
            "",
            "C0TECHNET",
            "quit",
            "",
        ]
    )
    made = run(["console", "--admin", "--user", "U0ORGAN"], env, tmp_path, stdin=create)
    assert "is being announced in" in made.stdout, made.stdout + made.stderr
    assert "── the bot posts in #C0TECHNET ──" in made.stdout
    rsvp = run(["console", "--user", "U0BOB"], env, tmp_path, stdin="/event\n1\nquit\n")
    assert "You're going to Soldering clinic" in rsvp.stdout, rsvp.stdout
    sent = run(["reminders", "run", "--as-of", f"{day - timedelta(days=1)}T12:30"], env, tmp_path)
    assert "sent   event-reminder:1:slack:U0BOB" in sent.stdout, sent.stdout + sent.stderr
    [dm] = fake_slack.calls_to("chat.postMessage")
    assert dm.response["channel"] == "DU0BOB"
    assert "Soldering clinic" in dm.args["text"]
