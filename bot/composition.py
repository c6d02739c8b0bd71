"""The composition root: build everything the program needs from the settings, once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine, text

from bot.dispatch import Dispatcher
from bot.kicker import OutboxKicker
from bot.notifiers import PlatformNotifiers
from bot.settings import Settings
from handlers.calendar import WorkingDays
from handlers.clock import Clock, SystemClock
from handlers.context import Policy
from storage.db import make_engine
from storage.uow import UnitOfWorkFactory, unit_of_work_factory


@dataclass
class Deps:
    settings: Settings
    engine: Engine
    uow: UnitOfWorkFactory
    clock: Clock
    policy: Policy
    dispatcher: Dispatcher
    notifiers: PlatformNotifiers = field(default_factory=PlatformNotifiers)
    closers: list[Callable[[], None]] = field(default_factory=list)
    republishers: list[Callable[[str], None]] = field(default_factory=list)
    _kicker: OutboxKicker | None = None

    def start_sending(self) -> None:
        """Send queued messages moments after each commit, on whatever platforms are connected (once)."""
        if self._kicker is not None:
            return
        from scheduler.sender import send_pending

        kicker = OutboxKicker(
            lambda: send_pending(
                uow=self.uow,
                notifier=self.notifiers,
                clock=self.clock,
                policy=self.policy,
                redraw=self.republish,
                senders=self.senders,
            )
        )
        self._kicker = kicker
        self.dispatcher.on_queued(kicker.kick)
        self.closers.insert(0, kicker.close)  # stopped last: work still finishing may queue messages

    @property
    def senders(self) -> int:
        """Recipients the outbox sends to at once: enough to keep up with this process's share of the post rate."""
        from scheduler.sender import senders_for

        return senders_for(self.settings.post_rate_each)

    def republish(self, subject: str) -> None:
        """Redraw a shared message (an event announcement) wherever it was posted."""
        for republisher in self.republishers:
            republisher(subject)

    def close(self) -> None:
        """Stop background helpers (the outbox kicker) and release the database."""
        for close in reversed(self.closers):
            close()
        self.closers.clear()

    def database_ok(self) -> bool:
        """Tell whether the database answers (for /healthz)."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:
            return False
        return True


def policy_from(settings: Settings) -> Policy:
    return Policy(
        timezone=settings.zone,
        cpd_year_start_month=settings.cpd_year_start_month,
        cpd_annual_target_hours=settings.cpd_annual_target_hours,
        plan_year_start_month=settings.plan_year_start_month,
        admin_user_ids=settings.admin_user_ids,
        event_reminder_hours=settings.event_reminder_hours,
        plan_followup_days=settings.plan_followup_days,
        working_days=WorkingDays(settings.public_holidays),
    )


def build(settings: Settings, *, clock: Clock | None = None, engine: Engine | None = None) -> Deps:
    """Wire the engine, units of work, clock, policy and dispatcher together."""
    engine = engine or make_engine(settings.database_url)
    uow = unit_of_work_factory(engine)
    clock = clock or SystemClock()
    policy = policy_from(settings)
    dispatcher = Dispatcher(uow=uow, clock=clock, policy=policy)
    return Deps(settings=settings, engine=engine, uow=uow, clock=clock, policy=policy, dispatcher=dispatcher)
