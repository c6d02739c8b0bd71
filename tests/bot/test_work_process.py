"""`serve`'s work process: the web process acknowledges and hands over; the work process does the work."""

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.dispatch import Who
from bot.slack.work import Job
from bot.slack.work_process import WorkProcess, receive
from storage.people import PersonId
from tests.bot.conftest import SECRET
from tests.support.cli import Served, env_for, serving
from tests.support.fakeslack import FakeSlack
from tests.support.rows import entries
from tests.support.slackclient import SignedClient
from tests.support.slackforms import fill
from tests.support.slackmessages import texts

WHO = Who(PersonId("slack", "T0TEST", "U0ME"), "me")


def eventually(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def exited(pid: int) -> bool:
    """Gone, or a zombie waiting for its parent to collect it."""
    status = Path(f"/proc/{pid}/status")
    try:
        return any(line.split()[1] == "Z" for line in status.read_text().splitlines() if line.startswith("State:"))
    except FileNotFoundError:
        return True


def written_log(folder: Path) -> str:
    """Everything the one `serve` run in `folder` (web and work process) has logged by now."""
    [log] = folder.glob("serve-*.log")
    return log.read_text()


def record_to(path: Path) -> Callable[[Connection], None]:
    """A work process that writes down each job it is handed (and its own pid), slowly."""

    def run(jobs: Connection) -> None:
        def work(job: Job) -> None:
            time.sleep(0.001)
            with path.open("a") as out:
                out.write(f"{os.getpid()} {job.kind} {job.body['n']}\n")

        receive(jobs, work)

    return run


def test_jobs_reach_the_work_process_in_order_and_it_finishes_them_before_it_exits(tmp_path: Path) -> None:
    done = tmp_path / "done"
    work = WorkProcess.start(record_to(done))
    for n in range(300):
        work(Job("command", WHO, {"n": n}))
    work.close()  # returns once the work process has exited
    lines = [line.split() for line in done.read_text().splitlines()]
    assert [int(n) for _, _, n in lines] == list(range(300))
    assert {int(pid) for pid, _, _ in lines} == {work.pid}
    assert work.pid != os.getpid()
    assert exited(work.pid)


def test_once_the_work_process_has_gone_the_work_is_done_here(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    work = WorkProcess.start(record_to(tmp_path / "done"))
    here: list[Job] = []
    lost: list[str] = []
    work.fall_back_to(here.append)
    work.when_lost(lambda: lost.append("first"))
    work(Job("command", WHO, {"n": 1}))
    eventually(lambda: (tmp_path / "done").exists())
    assert here == []
    with caplog.at_level(logging.ERROR, logger="techcommit.work"):
        os.kill(work.pid, signal.SIGKILL)
        eventually(lambda: not work.alive)
    assert lost == ["first"]
    assert any("work process gone" in r.getMessage() for r in caplog.records)
    work(Job("action", WHO, {"n": 2}))
    eventually(lambda: len(here) == 1)
    assert here[0].body == {"n": 2}
    work.when_lost(lambda: lost.append("late"))  # asked after the loss: called at once
    assert lost == ["first", "late"]
    work.close()


@pytest.fixture
def served(engine: Engine, fake_slack: FakeSlack, tmp_path: Path) -> Iterator[Served]:
    with serving(env_for(engine, fake_slack, SLACK_SIGNING_SECRET=SECRET, LOG_LEVEL="INFO"), tmp_path) as server:
        yield server


def test_acknowledged_while_the_work_process_is_stopped_and_answered_when_it_resumes(
    served: Served, fake_slack: FakeSlack, engine: Engine
) -> None:
    slack = SignedClient(served.base, SECRET, fake_slack)
    assert "Warm-up" in texts(slack.command("/cpd", "add 1h Warm-up").reply(timeout=10))
    [worker] = served.children()
    os.kill(worker, signal.SIGSTOP)
    try:
        sent = slack.command("/cpd", "add 2h Soldering refresher")
        assert sent.status == 200  # the web process acknowledges on its own
        sent.no_reply(wait=1.0)
        assert len(entries(engine)) == 1
    finally:
        os.kill(worker, signal.SIGCONT)
    assert "Soldering refresher" in texts(sent.reply(timeout=10))
    assert len(entries(engine)) == 2


def test_when_the_work_process_dies_the_web_process_does_the_work(
    engine: Engine, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    env = env_for(engine, fake_slack, SLACK_SIGNING_SECRET=SECRET, LOG_LEVEL="INFO")
    with serving(env, tmp_path) as server:
        slack = SignedClient(server.base, SECRET, fake_slack)
        [worker] = server.children()
        os.kill(worker, signal.SIGKILL)
        eventually(lambda: server.children() == [])  # collected by the web process, which noticed
        assert "After the loss" in texts(slack.command("/cpd", "add 1h After the loss").reply(timeout=10))
        assert [e.title for e in entries(engine)] == ["After the loss"]
    assert "work process gone; doing the work in this process from now on" in server.log


def test_a_form_submitted_to_the_web_process_redraws_the_home_tab_the_work_process_keeps(
    served: Served, fake_slack: FakeSlack
) -> None:
    slack = SignedClient(served.base, SECRET, fake_slack)
    slack.event({"type": "app_home_opened", "user": "U0ME", "channel": "DU0ME", "tab": "home"})
    fake_slack.wait_call("views.publish", lambda c: "*0 h* of 30 h target" in texts(c.args["view"]), timeout=10)
    view = slack.command("/cpd", "add", user="U0ME").modal(timeout=10)
    values = fill(view, {"cpd-duration": "2h", "cpd-title": "Tech Net talk"})
    assert slack.view_submission(view, values, user="U0ME").status == 200
    redrawn = fake_slack.wait_call(
        "views.publish", lambda c: "*2 h* of 30 h target" in texts(c.args["view"]), timeout=10
    )
    assert redrawn.args["user_id"] == "U0ME"


def test_the_work_process_stops_with_serve(engine: Engine, fake_slack: FakeSlack, tmp_path: Path) -> None:
    env = env_for(engine, fake_slack, SLACK_SIGNING_SECRET=SECRET, LOG_LEVEL="INFO")
    with serving(env, tmp_path) as server:
        [worker] = server.children()
    eventually(lambda: exited(worker))
    log = written_log(tmp_path)  # the work process writes its last lines after `serve` has gone
    assert "work process started" in log
    assert "work process stopping" in log
    assert "work process gone" not in log


def test_without_a_work_process_serve_is_one_process(engine: Engine, fake_slack: FakeSlack, tmp_path: Path) -> None:
    env = env_for(engine, fake_slack, SLACK_SIGNING_SECRET=SECRET, WORK_PROCESS="false")
    with serving(env, tmp_path) as server:
        slack = SignedClient(server.base, SECRET, fake_slack)
        assert "Alone" in texts(slack.command("/cpd", "add 1h Alone").reply(timeout=10))
        assert server.children() == []


def test_with_teams_configured_too_the_work_process_starts_and_stops_cleanly(
    engine: Engine, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    """Its outbox must reach Teams people too, so it connects a Teams sender of its own as it starts."""
    env = env_for(engine, fake_slack, SLACK_SIGNING_SECRET=SECRET, TEAMS_ALLOW_ANONYMOUS="true", LOG_LEVEL="INFO")
    with serving(env, tmp_path) as server:
        slack = SignedClient(server.base, SECRET, fake_slack)
        assert "Both" in texts(slack.command("/cpd", "add 1h Both").reply(timeout=10))
        [worker] = server.children()
    eventually(lambda: exited(worker))
    log = written_log(tmp_path)
    assert "work process failed" not in log
    assert "work process stopping" in log
