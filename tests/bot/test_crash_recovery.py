"""A fan-out killed with SIGKILL half-way, then run again: every owner ends up with one message."""

from __future__ import annotations

import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update

from scheduler.sender import senders_for
from storage.models import Delivery
from storage.outbox import INTERRUPTED
from tests.support.cli import TECHCOMMIT, env_for, run
from tests.support.fakeslack import FakeSlack

OWNERS = [f"U0CRASH{n:02d}" for n in range(30)]
LATER = [f"U0LATER{n:02d}" for n in range(10)]  # owners of actions imported after the crash
IN_FLIGHT = senders_for(5)  # recipients `reminders run` sends to at once at the default SLACK_POST_RATE


def plan_for(tmp_path: Path, name: str, owners: list[str], prefix: str) -> Path:
    plan = tmp_path / name
    plan.write_text(
        "ref,year,title,owner,quarters,pillar\n"
        + "".join(f"{prefix}{n},2018,Action {n},{owner},Q4,\n" for n, owner in enumerate(owners))
    )
    return plan


def killed_half_way(engine: Engine, fake_slack: FakeSlack, tmp_path: Path) -> tuple[dict[str, str], int]:
    """Import a plan for OWNERS and kill -9 `reminders run` at 09:00 after ten of its posts, while it
    is still sending (each post slow); the environment to run `techcommit` with, and the posts made."""
    env = env_for(engine, fake_slack)
    assert run(["plan", "import", str(plan_for(tmp_path, "plan.csv", OWNERS, "K"))], env, tmp_path).returncode == 0
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
    return env, killed_after


def interrupted_rows(engine: Engine) -> list[str]:
    """Whoever's message was marked interrupted; every failed row must be one of those."""
    with engine.connect() as conn:
        rows = conn.execute(select(Delivery.recipient, Delivery.status, Delivery.last_error)).all()
    assert all(r.last_error == INTERRUPTED for r in rows if r.status == "failed")
    return [r.recipient for r in rows if r.status == "failed"]


@pytest.mark.slow
def test_a_fan_out_killed_half_way_sends_each_message_once_after_a_restart(
    engine: Engine,
    fake_slack: FakeSlack,
    tmp_path: Path,
) -> None:
    env, killed_after = killed_half_way(engine, fake_slack, tmp_path)
    # Restarted at once, at the very same time by the clock: the dead sender's lease has not lapsed,
    # but it ran on this machine and its process is gone, so its claims are taken at once.
    second = run(["reminders", "run", "--as-of", "2019-08-01T09:00"], env, tmp_path)
    assert second.returncode in (0, 1), second.stderr
    received = Counter(c.response["channel"] for c in fake_slack.calls_to("chat.postMessage") if c.ok)
    assert max(received.values()) == 1  # nobody got two
    interrupted = interrupted_rows(engine)
    assert len(interrupted) <= 1  # at most the one send that was under way when the process died
    missing = [owner for owner in OWNERS if received[f"D{owner}"] == 0]
    assert set(missing) <= set(interrupted)  # anyone without a message is listed as interrupted
    with engine.connect() as conn:
        statuses = Counter(conn.execute(select(Delivery.status)).scalars())
    assert statuses == Counter({"sent": len(OWNERS) - len(interrupted), "failed": len(interrupted)})
    print(f"killed after {killed_after} posts; interrupted {interrupted}; without a message {missing}")
    listing = run(["deliveries", "list", "--failed"], env, tmp_path).stdout
    assert all(owner in listing for owner in interrupted)


@pytest.mark.slow
@pytest.mark.parametrize("died_on", ["this machine", "another machine"])
def test_a_run_a_minute_after_a_crash_sends_the_rest_once_each_in_queue_order_before_later_messages(
    engine: Engine,
    fake_slack: FakeSlack,
    tmp_path: Path,
    died_on: str,
) -> None:
    env, killed_after = killed_half_way(engine, fake_slack, tmp_path)
    if died_on == "another machine":  # then only the lapse of its lease tells that it is gone
        with engine.begin() as conn:
            conn.execute(
                update(Delivery)
                .where(Delivery.status.in_(["claimed", "sending"]))
                .values(claimed_by="elsewhere@12345678:4242:deadbeef")
            )
    plan = plan_for(tmp_path, "later.csv", LATER, "L")
    assert run(["plan", "import", str(plan)], env, tmp_path).returncode == 0
    second = run(["reminders", "run", "--as-of", "2019-08-01T09:01"], env, tmp_path)  # queues LATER's reminders
    assert second.returncode in (0, 1), second.stderr

    posts = fake_slack.calls_to("chat.postMessage")
    assert all(post.ok for post in posts)
    before = [post.response["channel"].removeprefix("D") for post in posts[:killed_after]]
    after = [post.response["channel"].removeprefix("D") for post in posts[killed_after:]]
    with engine.connect() as conn:
        queue = list(conn.execute(select(Delivery.recipient).order_by(Delivery.id)).scalars())
    assert sorted(queue) == sorted(OWNERS + LATER)
    assert set(queue[len(OWNERS) :]) == set(LATER)  # queued after the first fan-out
    interrupted = interrupted_rows(engine)
    seen = f"killed after {killed_after} posts; interrupted {interrupted}; then {after}"
    assert len(interrupted) <= 1, seen  # at most the one send that was under way when the process died
    assert not set(interrupted) & set(after)  # never sent again (it may well have arrived)
    assert max(Counter(before + after).values()) == 1, seen  # nobody got two
    assert set(before + after + interrupted) == set(queue), seen  # everyone else got one
    rest = [owner for owner in queue if owner not in before and owner not in interrupted]
    assert len(rest) == len(after), seen
    # In the order queued: the dead sender's claims first, then LATER's. Only the posts that are in
    # flight together (IN_FLIGHT recipients at once) may trade places.
    assert all(abs(rest.index(owner) - place) < IN_FLIGHT for place, owner in enumerate(after)), seen
    last_of_first = max(place for place, owner in enumerate(after) if owner in OWNERS)
    assert last_of_first < after.index(rest[-len(LATER)]) + IN_FLIGHT, seen  # before anything queued later
    print(f"{died_on}: {seen}")
