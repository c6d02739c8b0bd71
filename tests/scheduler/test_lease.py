"""Exactly one scheduler runs passes, however many processes start one; another takes over if it stops."""

from __future__ import annotations

from datetime import timedelta

from handlers.clock import FixedClock
from scheduler.runner import leader_only
from storage.uow import UnitOfWorkFactory


def test_one_leader_at_a_time_and_a_take_over(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> None:
    ran: list[str] = []
    workers = {
        name: leader_only(lambda name=name: ran.append(name), uow=uow_factory, clock=clock, interval_seconds=60)
        for name in ("web-1", "web-2", "web-3")
    }
    for _ in range(3):
        for sweep in workers.values():
            sweep()
        clock.set(clock.now() + timedelta(seconds=60))
    assert ran == ["web-1", "web-1", "web-1"]
    del workers["web-1"]  # the leader stops
    clock.set(clock.now() + timedelta(seconds=181))
    for _ in range(2):
        for sweep in workers.values():
            sweep()
        clock.set(clock.now() + timedelta(seconds=60))
    assert ran[3:] == ["web-2", "web-2"]
