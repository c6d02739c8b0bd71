"""The post pace: turns to post are reserved in the database, one rate per key however many processes ask."""

from __future__ import annotations

import itertools
import multiprocessing
import threading
import time
import uuid
from concurrent.futures import ProcessPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from storage.db import make_engine
from storage.pace import reserve_slot
from storage.uow import UnitOfWorkFactory, unit_of_work_factory
from tests.support.cli import url_of

NOW = 1_800_000_000.0  # seconds since the epoch, as time.time() gives them


def reserve(uow_factory: UnitOfWorkFactory, key: str, now: float, interval: float) -> float:
    with uow_factory(write=True) as unit:
        slot = reserve_slot(unit, key=key, now=now, interval=interval)
        unit.commit()
    return slot


def test_turns_for_one_key_follow_each_other_by_the_interval(uow_factory: UnitOfWorkFactory) -> None:
    slots = [reserve(uow_factory, "slack:A", NOW, 0.25) for _ in range(4)]
    assert slots == [NOW, NOW + 0.25, NOW + 0.5, NOW + 0.75]


def test_a_turn_after_a_quiet_spell_is_now(uow_factory: UnitOfWorkFactory) -> None:
    assert reserve(uow_factory, "slack:A", NOW, 0.5) == NOW
    assert reserve(uow_factory, "slack:A", NOW + 0.1, 0.5) == NOW + 0.5  # still inside the first turn's interval
    assert reserve(uow_factory, "slack:A", NOW + 60, 0.5) == NOW + 60
    assert reserve(uow_factory, "slack:A", NOW + 60, 0.5) == NOW + 60.5


def test_keys_do_not_share_turns(uow_factory: UnitOfWorkFactory) -> None:
    assert reserve(uow_factory, "slack:A", NOW, 1.0) == NOW
    assert reserve(uow_factory, "slack:B", NOW, 1.0) == NOW
    assert reserve(uow_factory, "slack:A", NOW, 1.0) == NOW + 1
    assert reserve(uow_factory, "slack:B", NOW, 0.5) == NOW + 0.5


def test_a_reservation_that_is_rolled_back_frees_its_turn(uow_factory: UnitOfWorkFactory) -> None:
    assert reserve(uow_factory, "slack:A", NOW, 1.0) == NOW
    with uow_factory(write=True) as unit:
        assert reserve_slot(unit, key="slack:A", now=NOW, interval=1.0) == NOW + 1
    assert reserve(uow_factory, "slack:A", NOW, 1.0) == NOW + 1


def test_the_interval_must_be_positive(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory(write=True) as unit, pytest.raises(ValueError, match="positive"):
        reserve_slot(unit, key="slack:A", now=NOW, interval=0)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    gaps=st.lists(st.floats(min_value=0, max_value=2, allow_nan=False), min_size=1, max_size=15),
    rate=st.floats(0.5, 1000),
)
def test_each_turn_is_the_later_of_now_and_an_interval_after_the_last(
    uow_factory: UnitOfWorkFactory, gaps: list[float], rate: float
) -> None:
    key = f"slack:{uuid.uuid4().hex}"  # a fresh key for each example: the database outlives them
    now, last = NOW, float("-inf")
    for gap in gaps:
        now += gap
        slot = reserve(uow_factory, key, now, 1 / rate)
        assert slot == pytest.approx(max(now, last + 1 / rate), rel=0, abs=1e-6)
        last = slot


RATE = 20.0
PROCESSES = 3
THREADS = 4
EACH = 15  # reservations a thread makes


def _reserve_in_threads(url: str, key: str) -> list[float]:
    """In a process of its own: THREADS threads each reserve EACH turns for `key`, as senders do (wall clock)."""
    engine = make_engine(url)
    uow_factory = unit_of_work_factory(engine)
    slots: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)

    def reserver() -> None:
        barrier.wait(timeout=60)
        for _ in range(EACH):
            slot = reserve(uow_factory, key, time.time(), 1 / RATE)
            with lock:
                slots.append(slot)

    threads = [threading.Thread(target=reserver) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    return slots


def assert_paced(slots: list[float], rate: float) -> None:
    """No two turns closer than 1/rate (but for float rounding), and no more than `rate` (+1) in any second."""
    ordered = sorted(slots)
    gaps = [b - a for a, b in itertools.pairwise(ordered)]
    assert min(gaps) >= 1 / rate - 1e-6, f"turns {min(gaps):.9f}s apart at {rate}/s"
    busiest = max(sum(1 for s in ordered[i:] if s < start + 1) for i, start in enumerate(ordered))
    assert busiest <= rate + 1


def test_processes_and_their_threads_share_one_rate(engine: Engine) -> None:
    key = "slack:shared"
    # Spawned, not forked: each process starts clean and opens its own engine, as separate servers do.
    with ProcessPoolExecutor(PROCESSES, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(_reserve_in_threads, url_of(engine), key) for _ in range(PROCESSES)]
        slots = [slot for future in futures for slot in future.result(timeout=120)]
    assert len(slots) == len(set(slots)) == PROCESSES * THREADS * EACH
    assert_paced(slots, RATE)


def test_threads_asking_at_one_moment_get_consecutive_turns(uow_factory: UnitOfWorkFactory) -> None:
    slots: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def reserver() -> None:
        barrier.wait(timeout=60)
        for _ in range(10):
            slot = reserve(uow_factory, "slack:A", NOW, 1 / RATE)
            with lock:
                slots.append(slot)

    threads = [threading.Thread(target=reserver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ordered = sorted(slots)
    assert ordered[0] == NOW
    # One after another with neither a gap nor a shared turn (each sum rounds to a double's 0.2 µs at this epoch).
    assert [b - a for a, b in itertools.pairwise(ordered)] == pytest.approx([1 / RATE] * 79, abs=1e-6)
