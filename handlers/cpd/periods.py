"""CPD years and the other periods people ask about (`2026`, `12m`, `all`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from handlers.errors import UserError
from handlers.parsing import quote_typed

PERIOD_EXAMPLE = "`2026`, `12m` or `all`"
_YEAR = re.compile(r"^(\d{4})(?:/(\d{2}))?$")
_THIS_YEAR = ("year", "this", "current")
_ROLLING = ("12m", "12months", "rolling")
PERIOD_WORDS = (*_THIS_YEAR, *_ROLLING, "all")  # the periods spelt in letters


@dataclass(frozen=True)
class Period:
    """A span of days, both ends included; `start`/`end` are None for 'all time'."""

    key: str  # what the person typed, normalised: "2026", "12m", "all"
    label: str
    start: date | None
    end: date | None

    def contains(self, day: date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)


def cpd_year_of(day: date, *, start_month: int) -> int:
    """The calendar year in which the CPD year containing `day` starts."""
    return day.year if day.month >= start_month else day.year - 1


def cpd_year(year: int, *, start_month: int) -> Period:
    """The CPD year that starts in `year`."""
    start = date(year, start_month, 1)
    end = date(year + 1, start_month, 1) - timedelta(days=1) if start_month > 1 else date(year, 12, 31)
    label = f"{year}" if start_month == 1 else f"{year}/{(year + 1) % 100:02d}"
    return Period(key=str(year), label=f"CPD year {label}", start=start, end=end)


def rolling_12_months(today: date) -> Period:
    """The twelve months up to and including today (what an auditor may ask for)."""
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        year_ago = today.replace(year=today.year - 1, day=28)
    start = year_ago + timedelta(days=1)
    return Period(key="12m", label=f"the last 12 months ({start:%d %b %Y} – {today:%d %b %Y})", start=start, end=today)


ALL_TIME = Period(key="all", label="all time", start=None, end=None)


def parse_period(
    text: str, *, today: date, start_month: int, allow: tuple[str, ...] = ("year", "12m", "all")
) -> Period:
    """Read a period: a CPD year (`2026`, `2026/27`), `12m` or `all`; empty is this CPD year."""
    word = text.strip().lower()
    if not word or word in _THIS_YEAR:
        return cpd_year(cpd_year_of(today, start_month=start_month), start_month=start_month)
    if word in _ROLLING and "12m" in allow:
        return rolling_12_months(today)
    if word == "all" and "all" in allow:
        return ALL_TIME
    if (match := _YEAR.match(word)) and "year" in allow:
        year = int(match.group(1))
        if match.group(2) is not None and int(match.group(2)) != (year + 1) % 100:
            raise UserError(f"`{quote_typed(word)}` isn't a CPD year.", example=PERIOD_EXAMPLE)
        if 1970 <= year <= today.year:
            return cpd_year(year, start_month=start_month)
        raise UserError(f"There's no CPD to show for {year}.", example=PERIOD_EXAMPLE)
    examples = ", ".join(f"`{a}`" for a in ("2026" if a == "year" else a for a in allow))
    raise UserError(f"`{quote_typed(word)}` isn't a period I know.", example=examples)
