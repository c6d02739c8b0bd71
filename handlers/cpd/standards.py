"""The Science Council's four CPD standards for registrants (2022), checked against a record.

The standards ask registrants to (1) keep a continuous, up-to-date, accurate and reflective
record; (2) show a mixture of activities; (3) reflect on how the activities benefit the
quality of their practice; (4) reflect on how they benefit the users of their work. The
thresholds below are this bot's reading of them, chosen to be explainable in one sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from handlers.cpd.kinds import ActivityType
from handlers.formatting import plural

MIN_ACTIVE_MONTHS = 6
MAX_DAYS_SINCE_LAST = 92
MIN_TYPES = 3


class EntryLike(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def occurred_on(self) -> date: ...
    @property
    def activity_type(self) -> str: ...
    @property
    def reflection(self) -> str: ...
    @property
    def benefit(self) -> str: ...


@dataclass(frozen=True)
class StandardCheck:
    number: int
    name: str
    met: bool
    detail: str  # markup
    next_step: str | None  # markup, for chat: may name a command
    gap: str | None = None  # plain words for a document read by an assessor: what is missing, no commands


def months_back(today: date, count: int = 12) -> list[tuple[int, int]]:
    """The (year, month) pairs of the last `count` months, oldest first, ending with today's."""
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        months.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def active_months(entries: Sequence[EntryLike], today: date) -> list[bool]:
    """For each of the last 12 months, oldest first: was anything logged?"""
    seen = {(e.occurred_on.year, e.occurred_on.month) for e in entries}
    return [m in seen for m in months_back(today)]


def _ids(entries: Sequence[EntryLike], limit: int = 5) -> str:
    shown = ", ".join(f"`{e.id}`" for e in entries[:limit])
    return shown + (f" and {len(entries) - limit} more" if len(entries) > limit else "")


def _entries(entries: Sequence[EntryLike], limit: int = 5) -> str:
    """`entry 3` or `entries 3, 4, 7`, in words for a document."""
    ids = [str(e.id) for e in entries[:limit]]
    more = len(entries) - limit
    listed = ", ".join(ids) + (f" and {more} more" if more > 0 else "")
    return f"{'entry' if len(entries) == 1 else 'entries'} {listed}"


def check_standards(entries: Sequence[EntryLike], today: date) -> list[StandardCheck]:
    """Check a record of the last 12 months against the four standards."""
    return [_continuous(entries, today), _mixture(entries), _practice(entries), _users(entries)]


def _continuous(entries: Sequence[EntryLike], today: date) -> StandardCheck:
    months = sum(active_months(entries, today))
    unreflective = [e for e in entries if not e.reflection.strip()]
    latest = max((e.occurred_on for e in entries), default=None)
    stale = latest is None or (today - latest).days > MAX_DAYS_SINCE_LAST
    met = months >= MIN_ACTIVE_MONTHS and not unreflective and not stale
    lacking = plural(len(unreflective), "entry", "entries")
    detail = f"activity in {months} of the last 12 months; {lacking} without a reflection"
    if met:
        step = gap = None
    elif not entries:
        step = "Start your record: `/cpd add 1h What you did`."
        gap = "No CPD activities are recorded in this period."
    elif unreflective:
        step = f"Add what you learned to {_ids(unreflective)} (`/cpd edit <id>`)."
        gap = f"No reflection is recorded for {_entries(unreflective)}."
    elif stale:
        step = "Nothing logged for three months — log something recent."
        gap = "Nothing is recorded for the last three months."
    else:
        step = f"Log CPD regularly: aim for activity in at least {MIN_ACTIVE_MONTHS} months of 12."
        gap = f"Activity is recorded in fewer than {MIN_ACTIVE_MONTHS} of the last 12 months."
    return StandardCheck(1, "A continuous, up-to-date, accurate and reflective record", met, detail, step, gap)


def _mixture(entries: Sequence[EntryLike]) -> StandardCheck:
    kinds = {e.activity_type for e in entries}
    missing = [t.label.lower() for t in ActivityType if t.value not in kinds and t is not ActivityType.OTHER]
    met = len(kinds) >= MIN_TYPES
    detail = f"{len(kinds)} of 5 kinds of activity"
    if met:
        step = gap = None
    elif len(kinds) == 2:
        step = f"Two kinds are accepted only exceptionally — add some {missing[0]}."
        gap = f"Only two kinds of activity are recorded; none is {missing[0]}."
    else:
        step = f"Mix it up: add {' or '.join(missing[:2])}."
        gap = f"Fewer than {MIN_TYPES} kinds of activity are recorded."
    return StandardCheck(2, "A mixture of CPD activities", met, detail, step, gap)


def _reflected(
    entries: Sequence[EntryLike], *, number: int, name: str, field: str, says: str, start: str, fix: str, lack: str
) -> StandardCheck:
    """A standard met when every entry of the period has its reflective `field` filled in."""
    missing = [e for e in entries if not getattr(e, field).strip()]
    met = bool(entries) and not missing
    detail = f"{len(entries) - len(missing)} of {len(entries)} entries {says}"
    step = None if met else (start if not entries else f"{fix} in {_ids(missing)}.")
    if met:
        gap = None
    else:
        gap = f"{lack} {_entries(missing)}." if entries else "No CPD activities are recorded in this period."
    return StandardCheck(number, name, met, detail, step, gap)


def _practice(entries: Sequence[EntryLike]) -> StandardCheck:
    return _reflected(
        entries,
        number=3,
        name="Benefit to the quality of your practice",
        field="reflection",
        says="say what you learned",
        start="Log an activity and say what you learned.",
        fix="Say what you learned and how it improves your work",
        lack="No note of what was learned in",
    )


def _users(entries: Sequence[EntryLike]) -> StandardCheck:
    return _reflected(
        entries,
        number=4,
        name="Benefit to the users of your work",
        field="benefit",
        says="say who benefits",
        start="Log an activity and say how it helps the people you support.",
        fix="Say how it helps the people you support",
        lack="No note of who benefits in",
    )
