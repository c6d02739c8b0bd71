"""The outbox paces its Slack posts under the rate limit, instead of waiting out 429s."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine

from bot.composition import build
from bot.pacing import Pacer
from bot.settings import load_settings
from bot.surfaces import scheduler_sweep
from handlers.clock import FixedClock
from tests.bot.conftest import TOKEN
from tests.plan_data import csv_plan, load_plan
from tests.support.fakeslack import FakeSlack


class FakeTime:
    """A clock that moves only when the pacer sleeps, or when the test says so."""

    def __init__(self) -> None:
        self.now = 100.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_calls_are_spaced_by_the_interval_and_a_call_after_a_pause_goes_at_once() -> None:
    time = FakeTime()
    pacer = Pacer(4, clock=time.clock, sleep=time.sleep)
    waits = [pacer.wait() for _ in range(3)]
    assert waits == [0, 0.25, 0.25]
    time.now += 10
    assert pacer.wait() == 0


@given(gaps=st.lists(st.floats(min_value=0, max_value=2, allow_nan=False), max_size=40), rate=st.floats(0.5, 100))
def test_no_two_calls_are_closer_than_the_interval_and_none_waits_longer_than_needed(
    gaps: list[float], rate: float
) -> None:
    time = FakeTime()
    pacer = Pacer(rate, clock=time.clock, sleep=time.sleep)
    went: list[float] = []
    for gap in gaps:
        time.now += gap  # the caller's own work between calls
        arrived = time.now
        waited = pacer.wait()
        went.append(time.now)
        previous = went[-2] if len(went) > 1 else float("-inf")
        assert time.now == pytest.approx(max(arrived, previous + 1 / rate))
        assert waited == pytest.approx(time.now - arrived)


def test_threads_sharing_a_pacer_each_get_their_own_turn() -> None:
    time = FakeTime()
    frozen = time.now
    pacer = Pacer(10, clock=lambda: frozen, sleep=lambda _: None)  # every thread asks at the same moment
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
    assert sorted(waits) == pytest.approx([n / 10 for n in range(16)])


def test_the_rate_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        Pacer(0)


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
    try:
        result = scheduler_sweep(deps)()
    finally:
        deps.close()
    assert len(result.sending.sent) == len(OWNERS)
    assert (fake_slack.count_429 == 0) is paced
