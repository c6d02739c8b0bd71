"""Senders that die: known to be gone on their own machine, lapsing elsewhere, renewed while they live."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import datetime, timedelta

import pytest

from handlers.clock import FixedClock
from scheduler import holders, sender
from scheduler.passes import enqueue_due
from scheduler.sender import LEASE, send_pending
from storage import outbox
from storage.outbox import INTERRUPTED
from storage.uow import UnitOfWorkFactory
from tests.plan_data import csv_plan, load_plan
from tests.scheduler.test_passes import POLICY, local
from tests.support.notifier import RecordingNotifier

OWNERS = [f"U0OWNER{n}" for n in range(1, 7)]
OTHER = "elsewhere@12345678:300:cccccccc"  # a live sender on another machine


def ended_process() -> int:
    """The id of a process of this machine that has run and ended (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def on_linux() -> None:
    if "@" not in holders.this_machine():
        pytest.skip("process ids are only trusted where /proc names the boot and the pid namespace")


def test_a_holder_names_this_machine_this_process_and_this_run() -> None:
    first, second = holders.new_holder(), holders.new_holder()
    machine, pid, run = first.split(":")
    assert machine == holders.this_machine()
    assert int(pid) > 0
    assert len(run) == 8
    assert first != second
    assert len(first) <= 128


def test_only_a_holder_of_this_machine_whose_process_has_ended_is_known_to_be_gone() -> None:
    on_linux()
    ended = ended_process()
    assert holders.gone(f"{holders.this_machine()}:{ended}:aaaaaaaa")
    assert not holders.gone(holders.new_holder())  # this very process
    assert not holders.gone(f"{holders.this_machine()}:1:aaaaaaaa")  # alive (init), perhaps not ours to signal
    assert not holders.gone(f"elsewhere@12345678:{ended}:aaaaaaaa")  # another machine: only its lease tells
    assert not holders.gone(f"{holders.this_machine().split('@')[0]}:{ended}:aaaaaaaa")  # no boot or namespace
    assert not holders.gone("not a holder")


def test_a_heartbeat_beats_while_its_block_runs_and_then_stops() -> None:
    beats: list[float] = []
    with holders.Heartbeat(lambda: beats.append(time.monotonic()), every=0.01):
        time.sleep(0.2)
    seen = len(beats)
    time.sleep(0.05)
    assert seen >= 3
    assert len(beats) == seen


def test_a_failing_beat_does_not_stop_the_heartbeat() -> None:
    beats: list[int] = []

    def beat() -> None:
        beats.append(1)
        if len(beats) == 1:
            raise RuntimeError("database gone for a moment")

    with holders.Heartbeat(beat, every=0.01):
        time.sleep(0.2)
    assert len(beats) >= 3


@pytest.fixture
def queued(uow_factory: UnitOfWorkFactory) -> FixedClock:
    """One reminder queued for each owner, in the order of OWNERS; a clock at the time they fell due."""
    at = FixedClock(local("2019-08-01T09:00"))
    rows = [(f"A{n}", 2018, "Action", owner, "Q4", "") for n, owner in enumerate(OWNERS)]
    load_plan(uow_factory, csv_plan(rows), now=at.now())
    enqueue_due(uow=uow_factory, clock=at, policy=POLICY, report_channel="")
    with uow_factory(write=False) as unit:
        queue = [row.recipient for row in sorted(outbox.list_deliveries(unit), key=lambda row: row.id)]
    assert queue == OWNERS
    return at


def died_holding(uow_factory: UnitOfWorkFactory, holder: str, at: datetime) -> None:
    """A sender claimed the first four rows, was sending the second, and died."""
    with uow_factory(write=True) as unit:
        rows = outbox.claim_due(unit, now=at, limit=4, lease=LEASE, holder=holder)
        assert outbox.mark_sending(unit, delivery_id=rows[1].id, holder=holder, now=at, lease=LEASE)
        unit.commit()


def failed(uow_factory: UnitOfWorkFactory) -> list[tuple[str, str | None]]:
    with uow_factory(write=False) as unit:
        return [(row.recipient, row.last_error) for row in outbox.list_deliveries(unit, failed_only=True)]


def test_a_sender_restarted_on_the_machine_of_one_that_died_takes_its_claims_at_once_in_queue_order(
    uow_factory: UnitOfWorkFactory, queued: FixedClock
) -> None:
    on_linux()
    died_holding(uow_factory, f"{holders.this_machine()}:{ended_process()}:deadbeef", queued.now())
    notifier = RecordingNotifier()
    result = send_pending(uow=uow_factory, notifier=notifier, clock=queued, policy=POLICY)  # no time has passed
    assert [who for who, _ in notifier.sent] == [OWNERS[0], *OWNERS[2:]]
    assert result.failed == []  # counted by the sender that died
    assert failed(uow_factory) == [(OWNERS[1], INTERRUPTED)]


def test_a_sender_that_died_on_another_machine_is_taken_over_once_its_lease_lapses(
    uow_factory: UnitOfWorkFactory, queued: FixedClock
) -> None:
    died_holding(uow_factory, OTHER, queued.now())
    notifier = RecordingNotifier()
    send_pending(uow=uow_factory, notifier=notifier, clock=queued, policy=POLICY)
    assert [who for who, _ in notifier.sent] == OWNERS[4:]  # it may be alive: its claims are left alone
    lapsed = FixedClock(queued.now() + LEASE + timedelta(seconds=1))
    send_pending(uow=uow_factory, notifier=notifier, clock=lapsed, policy=POLICY)
    assert [who for who, _ in notifier.sent][2:] == [OWNERS[0], OWNERS[2], OWNERS[3]]
    assert failed(uow_factory) == [(OWNERS[1], INTERRUPTED)]


class SlowTurns(RecordingNotifier):
    """Each turn to post comes after a long wait, in which the clock moves on past the lease."""

    def __init__(self, clock: FixedClock, uow_factory: UnitOfWorkFactory) -> None:
        super().__init__()
        self.clock = clock
        self.uow_factory = uow_factory
        self.taken: list[str] = []

    def wait_turn(self, *, platform: str) -> None:
        for _ in range(3):
            self.clock.set(self.clock.now() + LEASE / 3)
            time.sleep(0.1)  # a few heartbeats
        now = self.clock.now()
        with self.uow_factory(write=True) as unit:  # meanwhile a sender elsewhere looks for work
            assert outbox.fail_interrupted(unit, now=now) == 0
            self.taken += [row.key for row in outbox.claim_due(unit, now=now, limit=50, lease=LEASE, holder=OTHER)]
            unit.commit()


def test_a_live_senders_heartbeat_keeps_its_rows_however_long_they_wait(
    uow_factory: UnitOfWorkFactory, queued: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sender, "HEARTBEAT", timedelta(seconds=0.02))
    clock = FixedClock(queued.now())
    notifier = SlowTurns(clock, uow_factory)
    result = send_pending(uow=uow_factory, notifier=notifier, clock=clock, policy=POLICY)
    assert notifier.taken == []
    assert [who for who, _ in notifier.sent] == OWNERS
    assert len(result.sent) == len(OWNERS)
    assert clock.now() - queued.now() >= len(OWNERS) * LEASE  # each waited a whole lease for its turn
