"""Plan quarters: `YYYYQn` is quarter n of the plan year that starts in YYYY (pure functions).

With PLAN_YEAR_START_MONTH=11, 2018Q1 is Nov 2018–Jan 2019 and 2018Q4 is Aug–Oct 2019.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from handlers.calendar import WorkingDays
from handlers.errors import UserError
from handlers.parsing import quote_typed

REMINDER_TIME = time(9, 0)
REPORT_TIME = time(16, 0)
QUARTER_EXAMPLE = "`2026Q1` (quarter 1 of the plan year that starts in 2026) or a date like `2026-12-01`"
_LABEL = re.compile(r"^(\d{4})\s*-?\s*Q([1-4])$", re.IGNORECASE)


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


@dataclass(frozen=True, order=True)
class Quarter:
    """Quarter `number` (1–4) of the plan year that starts in `year`."""

    year: int
    number: int

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.number}"

    def __str__(self) -> str:
        return self.label

    def start(self, start_month: int) -> date:
        """The quarter's first day."""
        year, month = _add_months(self.year, start_month, 3 * (self.number - 1))
        return date(year, month, 1)

    def end(self, start_month: int) -> date:
        """The quarter's last day."""
        return self.next().start(start_month) - timedelta(days=1)

    def months(self, start_month: int) -> str:
        """`Nov 2018 – Jan 2019`."""
        first, last = self.start(start_month), self.end(start_month)
        return f"{first:%b %Y} – {last:%b %Y}" if first.year != last.year else f"{first:%b} – {last:%b %Y}"

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)


def quarter_of(day: date, start_month: int) -> Quarter:
    """The plan quarter that contains `day`."""
    offset = (day.year * 12 + day.month - 1) - start_month + 1  # months since January of year 0's plan start
    plan_year, month_in_year = divmod(offset, 12)
    return Quarter(plan_year, month_in_year // 3 + 1)


def at_local(day: date, moment: time, zone: ZoneInfo) -> datetime:
    """That wall-clock time on that day in `zone` (DST-safe), as an aware datetime."""
    return datetime.combine(day, moment, tzinfo=zone)


def reminder_time(quarter: Quarter, *, start_month: int, zone: ZoneInfo, days: WorkingDays) -> datetime:
    """09:00 on the quarter's first working day: when owners get their quarterly DM."""
    return at_local(days.first_on_or_after(quarter.start(start_month)), REMINDER_TIME, zone)


def report_time(quarter: Quarter, *, start_month: int, zone: ZoneInfo, days: WorkingDays) -> datetime:
    """16:00 on the quarter's last working day: when the steering report is posted."""
    return at_local(days.last_on_or_before(quarter.end(start_month)), REPORT_TIME, zone)


def quarter_ends_at(quarter: Quarter, *, start_month: int, zone: ZoneInfo) -> datetime:
    """The first instant after the quarter (midnight starting the next one)."""
    return at_local(quarter.next().start(start_month), time(0, 0), zone)


def parse_quarter(text: str) -> Quarter:
    """Read `2026Q1` (also `2026-Q1`, `2026 q1`)."""
    match = _LABEL.match(text.strip())
    if not match:
        raise UserError(f"`{quote_typed(text)}` isn't a plan quarter.", example=QUARTER_EXAMPLE)
    return Quarter(int(match.group(1)), int(match.group(2)))


def parse_quarter_or_date(text: str, *, start_month: int) -> Quarter:
    """Read a quarter label, or a `YYYY-MM-DD` date meaning the quarter that contains it."""
    try:
        return quarter_of(date.fromisoformat(text.strip()), start_month)
    except ValueError:
        return parse_quarter(text)
