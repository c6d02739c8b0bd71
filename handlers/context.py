"""What every handler is given: who is asking, the unit of work, the clock and the policy."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from handlers.calendar import WorkingDays
from handlers.clock import Clock
from storage import roles
from storage.people import PersonId
from storage.uow import UnitOfWork


@dataclass(frozen=True)
class Policy:
    """The settings that shape behaviour (built from the deployment's settings)."""

    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/London"))
    cpd_year_start_month: int = 1
    cpd_annual_target_hours: float = 30
    plan_year_start_month: int = 11
    admin_user_ids: frozenset[str] = frozenset()
    event_reminder_hours: int = 24
    plan_followup_days: int = 14
    working_days: WorkingDays = field(default_factory=WorkingDays)


@dataclass
class Ctx:
    """One request: the person, their display name if known, and the tools to serve them."""

    actor: PersonId
    uow: UnitOfWork
    clock: Clock
    policy: Policy
    actor_name: str | None = None

    def now(self) -> datetime:
        """The current time in UTC."""
        return self.clock.now()

    def today(self) -> date:
        """Today's date where the organisation is (`TIMEZONE`)."""
        return self.clock.now().astimezone(self.policy.timezone).date()

    def has_role(self, role: str) -> bool:
        """Tell whether the actor holds `role` (admins from settings count as admins)."""
        if self.actor.user_id in self.policy.admin_user_ids:
            return True  # admins may do everything organisers may
        granted = roles.roles_of(self.uow, platform=self.actor.platform, user_id=self.actor.user_id)
        return role in granted or "admin" in granted

    @property
    def is_admin(self) -> bool:
        return self.has_role("admin")
