"""`techcommit serve` as an operator runs it: gunicorn, its worker processes, and how they stop.

Also the pacing of chat.postMessage across processes: two `serve` workers and a `reminders run`
sending at once stay, together, within SLACK_POST_RATE.
"""

from __future__ import annotations

import signal
import subprocess
import urllib.request
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from handlers.calendar import WorkingDays
from handlers.plan.quarters import quarter_of, reminder_time
from storage.models import Delivery, Lease
from tests.bot.conftest import SECRET
from tests.support.cli import TECHCOMMIT, env_for, free_port, run, serving
from tests.support.fakeslack import ApiCall, FakeSlack
from tests.support.rows import entries
from tests.support.slackclient import SignedClient
from tests.support.slackmessages import texts
from tests.support.waiting import wait_until

PLAN_START = 11


def problems_in(log: str) -> list[str]:
    return [line for line in log.splitlines() if " ERROR " in line or "Traceback" in line or " WARNING " in line]


def test_one_worker_answers_and_stops_cleanly(engine: Engine, fake_slack: FakeSlack, tmp_path: Path) -> None:
    env = env_for(engine, fake_slack, SLACK_SIGNING_SECRET=SECRET, SCHEDULER_ENABLED="false")
    with serving(env, tmp_path) as served:
        [worker] = served.children()
        reply = SignedClient(served.base, SECRET, fake_slack).command("/cpd", "add 2h Served by gunicorn").reply()
        assert "Served by gunicorn" in texts(reply)
    assert [e.title for e in entries(engine)] == ["Served by gunicorn"]
    assert not Path(f"/proc/{worker}").exists()
    assert "Booting worker" in served.log
    assert problems_in(served.log) == [], served.log


def test_two_workers_share_the_port_and_one_runs_the_scheduler(
    engine: Engine, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    env = env_for(engine, fake_slack, SLACK_SIGNING_SECRET=SECRET, SCHEDULER_INTERVAL_SECONDS="5")
    with serving(env, tmp_path, workers=2) as served:
        workers = served.children()
        assert len(workers) == 2
        slack = SignedClient(served.base, SECRET, fake_slack)
        for n in range(12):
            assert "Logged" in texts(slack.command("/cpd", f"add 1h Entry {n}", user=f"U0W{n}").reply())
        holder = wait_until(lambda: lease_holder(engine), "a worker takes the scheduler lease")
        assert int(holder.split(":")[1]) in workers  # host:pid:random
    assert len(entries(engine)) == 12
    assert problems_in(served.log) == [], served.log


@pytest.mark.slow
def test_two_workers_and_reminders_run_together_keep_one_post_rate(
    engine: Engine, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    """300 owners' reminders, sent by `reminders run` and the scheduler of a two-worker `serve` at once."""
    rate = 20
    owners = [f"U0PACE{n:03d}" for n in range(300)]
    # The current plan quarter (serve's scheduler runs on the real clock, and a past quarter's
    # messages are never sent), queued as of its reminder time, or now if that is later.
    zone = ZoneInfo("Europe/London")
    quarter = quarter_of(datetime.now(zone).date(), PLAN_START)
    due = reminder_time(quarter, start_month=PLAN_START, zone=zone, days=WorkingDays("GB-ENG"))
    as_of = max(due, datetime.now(zone))
    plan = tmp_path / "plan.csv"
    plan.write_text(
        "ref,year,title,owner,quarters,pillar\n"
        + "".join(f"P{n},{quarter.year},Action {n},{o},Q{quarter.number},\n" for n, o in enumerate(owners))
    )
    env = env_for(
        engine,
        fake_slack,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_POST_RATE=str(rate),
        SCHEDULER_INTERVAL_SECONDS="5",
        PLAN_YEAR_START_MONTH=str(PLAN_START),
    )
    assert run(["plan", "import", str(plan)], env, tmp_path).returncode == 0
    fake_slack.rate_limit("chat.postMessage", rate)  # Slack's limit: `rate` a second, a second's worth at once
    fake_slack.fail("chat.postMessage", status=200, delay=0.1, times=10_000)  # each post takes a round trip
    # `reminders run` queues the reminders and starts sending them; `serve` starts while it is at
    # it, and the scheduler of one of its workers sends what is still pending, at the same time.
    reminders = subprocess.Popen(
        [TECHCOMMIT, "reminders", "run", "--as-of", as_of.isoformat()],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until(lambda: len(sent_posts(fake_slack)) >= 5 or None, "reminders run is sending")
        with serving(env, tmp_path, workers=2):
            wait_until(lambda: settled(engine), "every queued reminder is sent", timeout=90)
        out, err = reminders.communicate(timeout=60)
    finally:
        if reminders.poll() is None:
            reminders.kill()
    assert reminders.returncode == 0, err
    sent_rows = settled(engine)
    assert sent_rows is not None
    assert sent_rows >= len(owners)
    by_reminders_run = out.count("\nsent ")
    assert 0 < by_reminders_run < sent_rows, out  # serve sent the others at the same time

    posts = sent_posts(fake_slack)
    assert len(posts) == sent_rows  # each queued message once
    assert set(Counter(c.args["channel"] for c in posts)) == set(owners)
    assert fake_slack.count_429 == 0  # Slack's own measure: never over the rate, a second's burst allowed
    # and counted in 5 s windows, with a tenth for posts that a scheduling hiccup brought closer
    # (sending at the rate from each of the two senders would show about twice the rate)
    times = sorted(c.at for c in posts)
    busiest = max(sum(1 for t in times[i:] if t < start + 5.0) for i, start in enumerate(times))
    assert busiest <= 5 * rate * 1.1, f"{busiest} posts within five seconds"


def settled(engine: Engine) -> int | None:
    """How many messages were sent, once nothing is left pending; None while some are."""
    with engine.connect() as conn:
        statuses = Counter(conn.execute(select(Delivery.status)).scalars())
    return statuses["sent"] if statuses and set(statuses) == {"sent"} else None


def lease_holder(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return conn.execute(select(Lease.holder)).scalar()


def sent_posts(fake: FakeSlack) -> list[ApiCall]:
    return [c for c in fake.calls_to("chat.postMessage") if c.ok]


def test_serve_stops_on_sigint_too(engine: Engine, fake_slack: FakeSlack, tmp_path: Path) -> None:
    """Ctrl-C in a terminal: serve stops with exit status 0 and nothing logged as a problem."""
    env = env_for(engine, fake_slack, SLACK_SIGNING_SECRET=SECRET, SCHEDULER_ENABLED="false")
    port = free_port()
    log_path = tmp_path / "sigint.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [TECHCOMMIT, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=log,
            stderr=log,
        )
    try:
        wait_until(lambda: healthy(f"http://127.0.0.1:{port}"), "serve answers")
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert problems_in(log_path.read_text()) == [], log_path.read_text()


def healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False
