"""`/cpd export`: the person's record as CSV (for spreadsheets) or a PDF CPD record."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from handlers import formatting as fmt
from handlers import ui
from handlers.cpd.kinds import ActivityType, label_of
from handlers.cpd.periods import Period
from handlers.cpd.standards import StandardCheck
from handlers.spreadsheet import csv_bytes
from storage.models import CpdEntry

CSV_COLUMNS = (
    "id",
    "date",
    "hours",
    "minutes",
    "type",
    "title",
    "what I learned",
    "how it helps",
    "tags",
    "evidence link",
    "logged at",
)


def export_csv(entries: Sequence[CpdEntry]) -> bytes:
    """One header row, then one row per entry."""
    return csv_bytes(
        CSV_COLUMNS,
        (
            (
                e.id,
                e.occurred_on.isoformat(),
                f"{e.minutes / 60:.2f}",
                e.minutes,
                label_of(e.activity_type),
                e.title,
                e.reflection,
                e.benefit,
                " ".join(f"#{t.tag}" for t in e.tags),
                e.evidence_url,
                e.created_at.strftime("%Y-%m-%d %H:%M UTC"),
            )
            for e in entries
        ),
    )


def export_pdf(
    entries: Sequence[CpdEntry],
    *,
    person: str,
    period: Period,
    checks: Sequence[StandardCheck],
    generated: datetime,
) -> bytes:
    """A CPD record fit to hand to a registration body: totals, standards, entries by type."""
    from handlers.cpd.pdf import CpdRecordPdf  # reportlab is heavy: load it only when a PDF is asked for

    doc = CpdRecordPdf(title=f"CPD record — {person} — {period.label}", person=person)
    total = sum(e.minutes for e in entries)
    doc.heading(f"CPD record — {person}")
    doc.line(
        f"Period: {period.label}. {fmt.plural(len(entries), 'activity', 'activities')}, "
        f"{fmt.hours(total)} in all. Generated {generated:%d %b %Y %H:%M} UTC."
    )
    by_kind = {t: [e for e in entries if e.activity_type == t.value] for t in ActivityType}
    doc.table(
        [("Kind of activity", "Entries", "Hours")]
        + [(t.label, str(len(rows)), fmt.hours(sum(e.minutes for e in rows))) for t, rows in by_kind.items()]
    )
    if checks:
        doc.subheading("Science Council CPD standards — check of this record")
        for check in checks:
            mark = "Met" if check.met else "Not yet"
            doc.line(f"{check.number}. {check.name}: {mark} — {ui.plain(check.detail)}", bold=not check.met)
            if check.gap:
                doc.gap(f"Gap: {check.gap}")
    for kind, rows in by_kind.items():
        if not rows:
            continue
        doc.subheading(f"{kind.label} ({fmt.hours(sum(e.minutes for e in rows))})")
        for e in rows:
            doc.entry(
                heading=f"{fmt.day(e.occurred_on)} · {fmt.duration(e.minutes)} · {e.title} (entry {e.id})",
                learned=e.reflection or "(no reflection recorded)",
                benefit=e.benefit or "(no benefit recorded)",
                tags=", ".join(t.tag for t in e.tags),
                evidence=e.evidence_url,
                flagged=not e.reflection or not e.benefit,
            )
    if not entries:
        doc.line("No CPD activities are recorded in this period.")
    doc.declaration(
        f"I confirm this is an accurate record of my CPD for {period.label}, "
        "and that the reflections in it are my own."
    )
    return doc.build()
