"""Working days: weekends and, when configured, public holidays (the `holidays` package)."""

from __future__ import annotations

from collections.abc import Container
from datetime import date, timedelta
from functools import lru_cache

import holidays


class WorkingDays:
    """Tell working days from weekends and public holidays of one calendar (e.g. `GB-ENG`)."""

    def __init__(self, calendar: str = "") -> None:
        self._holidays: Container[date] = _holidays_for(calendar) if calendar else frozenset()

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._holidays

    def first_on_or_after(self, day: date) -> date:
        """The first working day on or after `day`."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def last_on_or_before(self, day: date) -> date:
        """The last working day on or before `day`."""
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day


@lru_cache(maxsize=8)
def _holidays_for(calendar: str) -> Container[date]:
    country, _, subdivision = calendar.partition("-")
    return holidays.country_holidays(country, subdiv=subdivision or None)


def check_calendar(calendar: str) -> str:
    """Return the calendar if the `holidays` package knows it; raise ValueError otherwise."""
    if calendar:
        try:
            _holidays_for(calendar)
        except NotImplementedError:
            raise ValueError(f"unknown public-holiday calendar {calendar!r} (e.g. GB-ENG, GB-SCT, IE)") from None
    return calendar
