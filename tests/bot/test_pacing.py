"""The outbox paces its Slack posts under the rate limit, instead of waiting out 429s.

`SharedPacer` keeps one rate for a workspace across processes (the database holds the turns; see also
tests/storage/test_pace.py, where several processes reserve turns at once).
"""

from __future__ import annotations

import threading

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.composition import build
from bot.pacing import SharedPacer
from bot.runtime import build_senders
from bot.settings import load_settings
from bot.slack.notifier import pace_key
from handlers.clock import FixedClock
from storage.uow import UnitOfWorkFactory
from tests.bot.conftest import TOKEN
from tests.plan_data import csv_plan, load_plan
from tests.support.fakeslack import FakeSlack


class FakeTime:
    """A clock that moves only when the pacer sleeps, or when the test says so."""

    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


EPOCH = 1_800_000_000.0  # a wall-clock time: a SharedPacer's turns are seconds since the epoch


def test_shared_calls_are_spaced_by_the_interval_and_a_call_after_a_pause_goes_at_once(
    uow_factory: UnitOfWorkFactory,
) -> None:
    time = FakeTime(EPOCH)
    pacer = SharedPacer(uow_factory, key="slack:A", per_second=4, clock=time.clock, sleep=time.sleep)
    waits = [pacer.wait() for _ in range(3)]
    assert waits == pytest.approx([0, 0.25, 0.25], abs=1e-6)
    time.now += 10
    assert pacer.wait() == 0


def test_pacers_for_one_key_share_its_turns_and_other_keys_have_their_own(uow_factory: UnitOfWorkFactory) -> None:
    """Two pacers with a key stand for two processes posting to one workspace: together they keep its rate."""
    frozen = EPOCH  # every call asks at the same moment; nobody sleeps
    first, second, other = (
        SharedPacer(uow_factory, key=key, per_second=10, clock=lambda: frozen, sleep=lambda _: None)
        for key in ("slack:A", "slack:A", "slack:B")
    )
    waits = [first.wait(), second.wait(), other.wait(), first.wait(), second.wait()]
    assert waits == pytest.approx([0, 0.1, 0, 0.2, 0.3], abs=1e-6)


def test_threads_sharing_a_shared_pacer_each_get_their_own_turn(uow_factory: UnitOfWorkFactory) -> None:
    frozen = EPOCH
    pacer = SharedPacer(uow_factory, key="slack:A", per_second=10, clock=lambda: frozen, sleep=lambda _: None)
    waits: list[float] = []
    lock = threading.Lock()

    def call() -> None:
        waited = pacer.wait()
        with lock:
            waits.append(waited)

    threads = [threading.Thread(target=call) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Turns are sums of 0.1 at this epoch, each rounded to a double's 0.2 µs.
    assert sorted(waits) == pytest.approx([n / 10 for n in range(16)], abs=1e-5)


def test_a_shared_pacer_sleeps_until_its_turn_by_the_clock_read_after_reserving_it(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """Time spent reserving (waiting for other processes' reservations) is not slept again."""
    # Each wait reads the clock as it reserves its turn, and again once the turn is reserved.
    readings = iter([EPOCH, EPOCH + 0.1, EPOCH + 0.1, EPOCH + 0.15])
    slept: list[float] = []
    pacer = SharedPacer(uow_factory, key="slack:A", per_second=4, clock=lambda: next(readings), sleep=slept.append)
    assert pacer.wait() == 0  # its turn (EPOCH) had passed by the time it was reserved
    assert pacer.wait() == pytest.approx(0.1, abs=1e-6)  # turn at +0.25, reserved by +0.15
    assert slept == pytest.approx([0.1], abs=1e-6)


def test_the_shared_rate_must_be_positive(uow_factory: UnitOfWorkFactory) -> None:
    with pytest.raises(ValueError, match="positive"):
        SharedPacer(uow_factory, key="slack:A", per_second=0)


def test_processes_with_one_token_share_a_pace_key_which_does_not_reveal_it() -> None:
    key = pace_key(WebClient(token=TOKEN))
    assert key == pace_key(WebClient(token=TOKEN))
    assert key != pace_key(WebClient(token=TOKEN + "x"))
    assert key.startswith("slack:")
    assert TOKEN not in key


OWNERS = [f"U0PACE{n:02d}" for n in range(12)]
LIMIT = 8.0  # chat.postMessage calls per second the fake Slack allows (a burst of 8, then 8 a second)


@pytest.mark.slow
@pytest.mark.parametrize(("post_rate", "paced"), [(LIMIT, True), (1000.0, False)], ids=["paced", "unpaced"])
def test_a_fan_out_paced_to_the_limit_gets_no_429s(
    engine: Engine, clock: FixedClock, fake_slack: FakeSlack, post_rate: float, paced: bool
) -> None:
    """Pacing at the limit never meets a 429; the unpaced run shows this fake would have sent them."""
    fake_slack.rate_limit("chat.postMessage", LIMIT)
    settings = load_settings(
        _env_file=None, slack_bot_token=TOKEN, slack_api_url=fake_slack.api_url, slack_post_rate=post_rate
    )
    deps = build(settings, clock=clock, engine=engine)
    rows = [(f"P{n}", 2026, f"Action {n}", owner, "Q1", "visibility") for n, owner in enumerate(OWNERS)]
    load_plan(deps.uow, csv_plan(rows), now=clock.now())
    senders = build_senders(deps)
    try:
        result = senders.sweep()
    finally:
        senders.close()
    assert len(result.sending.sent) == len(OWNERS)
    assert (fake_slack.count_429 == 0) is paced
