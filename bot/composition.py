"""The composition root's core: the database, the clock, the policy and the dispatcher, built once."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from bot.dispatch import Dispatcher
from bot.settings import Settings
from handlers.calendar import WorkingDays
from handlers.clock import Clock, SystemClock
from handlers.context import Policy
from storage.db import make_engine
from storage.health import write_problem
from storage.uow import UnitOfWorkFactory, unit_of_work_factory


@dataclass(frozen=True)
class Deps:
    """What every surface and command needs; the platforms are built on it (`bot.runtime`)."""

    settings: Settings
    engine: Engine
    uow: UnitOfWorkFactory
    clock: Clock
    policy: Policy
    dispatcher: Dispatcher

    def database_problem(self) -> str | None:
        """Why the database cannot take a write right now (for /healthz), or None if it can."""
        return write_problem(self.engine)


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
