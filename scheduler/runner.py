"""APScheduler wiring: a short sweep on an interval; the database, not the scheduler, holds state."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from handlers.clock import Clock
from scheduler import holders
from storage import leases
from storage.uow import UnitOfWorkFactory

log = logging.getLogger("techcommit.scheduler")
JOB_ID = "techcommit-pass"


def leader_only(
    sweep: Callable[[], object], *, uow: UnitOfWorkFactory, clock: Clock, interval_seconds: int
) -> Callable[[], object]:
    """Wrap a sweep so only the process holding the scheduler lease runs it.

    Any number of processes may start a scheduler (web workers, replicas); each tries to take or
    renew the lease before a pass, so exactly one runs passes at a time and another takes over
    within three intervals if it stops. (The outbox would send each message once anyway.)
    """
    holder = holders.new_holder()

    def guarded_sweep() -> object:
        with uow(write=True) as unit:
            mine = leases.hold(
                unit, name=JOB_ID, holder=holder, now=clock.now(), ttl=timedelta(seconds=3 * interval_seconds)
            )
            unit.commit()
        return sweep() if mine else None

    return guarded_sweep


def start_background(sweep: Callable[[], object], *, interval_seconds: int) -> BackgroundScheduler:
    """Run `sweep` every `interval_seconds` (first run shortly after start); one at a time, never piled up."""
    scheduler = BackgroundScheduler(
        timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": interval_seconds}
    )

    def guarded() -> None:
        try:
            sweep()
        except Exception:  # a failed pass must not stop the next one; the error is logged with its traceback
            log.exception("scheduler pass failed")

    scheduler.add_job(
        guarded,
        "interval",
        seconds=interval_seconds,
        id=JOB_ID,
        replace_existing=True,
        next_run_time=datetime.now(UTC) + timedelta(seconds=2),
    )
    scheduler.start()
    log.info("scheduler started interval=%ds", interval_seconds)
    return scheduler
