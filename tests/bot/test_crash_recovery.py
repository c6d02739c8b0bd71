"""A fan-out killed with SIGKILL half-way, then run again: every owner ends up with one message."""

from __future__ import annotations

import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from storage.models import Delivery
from storage.outbox import INTERRUPTED
from tests.support.cli import TECHCOMMIT, env_for, run
from tests.support.fakeslack import FakeSlack

OWNERS = [f"U0CRASH{n:02d}" for n in range(30)]


@pytest.mark.slow
def test_a_fan_out_killed_half_way_sends_each_message_once_after_a_restart(
    engine: Engine,
    fake_slack: FakeSlack,
    tmp_path: Path,
) -> None:
    plan = tmp_path / "plan.csv"
    plan.write_text(
        "ref,year,title,owner,quarters,pillar\n"
        + "".join(f"K{n},2018,Action {n},{owner},Q4,\n" for n, owner in enumerate(OWNERS))
    )
    env = env_for(engine, fake_slack)
    assert run(["plan", "import", str(plan)], env, tmp_path).returncode == 0
    fake_slack.fail("chat.postMessage", status=200, delay=0.15, times=10_000)  # slow but successful sends
    first = subprocess.Popen(
        [TECHCOMMIT, "reminders", "run", "--as-of", "2019-08-01T09:00"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    fake_slack.wait_for(lambda: len(fake_slack.calls_to("chat.postMessage")) >= 10 or None, timeout=60)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    time.sleep(0.5)  # a post the killed process had sent is still answered (and delivered) by Slack
    killed_after = len(fake_slack.calls_to("chat.postMessage"))
    assert killed_after < len(OWNERS)
    # Restarted after the dead sender's claims have lapsed (5 minutes).
    second = run(["reminders", "run", "--as-of", "2019-08-01T09:06"], env, tmp_path)
    assert second.returncode in (0, 1), second.stderr
    received = Counter(c.response["channel"] for c in fake_slack.calls_to("chat.postMessage") if c.ok)
    assert max(received.values()) == 1  # nobody got two
    with engine.connect() as conn:
        rows = conn.execute(select(Delivery.recipient, Delivery.status, Delivery.last_error)).all()
    interrupted = [r.recipient for r in rows if r.status == "failed"]
    assert all(r.last_error == INTERRUPTED for r in rows if r.status == "failed")
    assert len(interrupted) <= 1  # at most the one send that was under way when the process died
    missing = [owner for owner in OWNERS if received[f"D{owner}"] == 0]
    assert set(missing) <= set(interrupted)  # anyone without a message is listed as interrupted
    assert sorted(r.status for r in rows).count("sent") == len(OWNERS) - len(interrupted)
    print(f"killed after {killed_after} posts; interrupted {interrupted}; without a message {missing}")
    listing = run(["deliveries", "list", "--failed"], env, tmp_path).stdout
    assert all(owner in listing for owner in interrupted)
