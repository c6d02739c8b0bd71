"""`/cpd summary`: the CPD year at a glance and the audit check of the last 12 months."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from handlers import formatting as fmt
from handlers import ui
from handlers.cpd.kinds import ActivityType
from handlers.cpd.periods import Period, rolling_12_months
from handlers.cpd.standards import EntryLike, StandardCheck, check_standards
from handlers.ids import ActionId


def month_strip(entries: Sequence[EntryLike], today: date) -> str:
    """One mark per calendar month the last 12 months touch, oldest first: `Dec 2025■ Jan 2026□ Feb■ …`.

    The window runs from a day after today's date a year ago, so it starts partway through a month
    (and then touches 13): that first month is shown too, with its year, as is each January.
    """
    window = rolling_12_months(today)
    assert window.start is not None
    seen = {(e.occurred_on.year, e.occurred_on.month) for e in entries if window.contains(e.occurred_on)}
    marks: list[str] = []
    year, month = window.start.year, window.start.month
    while (year, month) <= (today.year, today.month):
        label = f"{date(year, month, 1):%b}" + (f" {year}" if not marks or month == 1 else "")
        marks.append(label + ("■" if (year, month) in seen else "□"))
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    return " ".join(marks)


def summary_reply(
    *, year: Period, minutes_by_type: dict[str, int], last_12m: Sequence[EntryLike], today: date, target_hours: float
) -> ui.Reply:
    """The summary: hours against the target, hours by type, and the four standards."""
    total = sum(minutes_by_type.values())
    window = rolling_12_months(today)
    assert window.start is not None
    fraction = total / (target_hours * 60) if target_hours else 1.0
    blocks: list[ui.Block] = [
        ui.Header(f"My CPD — {year.label}"),
        ui.Text(
            f"{ui.bold(fmt.hours(total))} of {fmt.hours(round(target_hours * 60))} target  "
            f"{fmt.progress_bar(fraction)}  {min(fraction, 9.99):.0%}"
        ),
        ui.Fields(tuple(f"*{t.label}*\n{fmt.hours(minutes_by_type.get(t.value, 0))}" for t in ActivityType)),
        ui.Divider(),
        ui.Header("Audit check — last 12 months"),
        ui.Context(f"{window.start:%d %b %Y} – {today:%d %b %Y}: {month_strip(last_12m, today)}"),
    ]
    checks = check_standards(last_12m, today)
    blocks.extend(standard_block(check) for check in checks)
    met = sum(c.met for c in checks)
    blocks.append(
        ui.Buttons(
            (
                ui.Button("Log CPD", ActionId.CPD_FORM_OPEN, style="primary"),
                ui.Button("Audit pack (PDF)", ActionId.CPD_EXPORT_PDF, "pdf:12m"),
                ui.Button("Export CSV", ActionId.CPD_EXPORT_CSV, "csv:all"),
            )
        )
    )
    text = (
        f"My CPD — {year.label}: {fmt.hours(total)} of {fmt.hours(round(target_hours * 60))}; {met} of 4 standards met"
    )
    return ui.Reply(blocks=tuple(blocks), text=text)


def standard_block(check: StandardCheck) -> ui.Text:
    """One standard: met or not yet, what was found, and the next step."""
    mark = "✅ met" if check.met else "⬜ not yet"
    text = f"*{check.number}. {check.name}* — {mark}\n{check.detail}"
    if check.next_step:
        text += f"\n→ {check.next_step}"
    return ui.Text(text)
