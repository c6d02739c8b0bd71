"""Plans for tests: the seed document, and small CSV plans with several owners."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from handlers.plan.importer import parse_plan
from handlers.plan.importing import ImportReport, OwnerResolver, import_plan
from storage.uow import UnitOfWorkFactory

SEED = Path(__file__).resolve().parents[1] / "samples" / "mmu-technician-commitment-24-month-plan.txt"


def load_plan(
    uow: UnitOfWorkFactory,
    data: bytes,
    *,
    now: datetime,
    default_owner: str | None = None,
) -> ImportReport:
    """Import a plan file the way `techcommit plan import` does (no email lookups), and commit it."""
    parsed = parse_plan(data, plan_start_month=11)
    with uow(write=True) as unit:
        report = import_plan(unit, parsed, resolve=OwnerResolver("slack", None), default_owner=default_owner, now=now)
        unit.commit()
    return report


def csv_plan(rows: list[tuple[str, int, str, str, str, str]]) -> bytes:
    """A CSV plan from (ref, year, title, owner, quarters, pillar) rows."""
    lines = ["ref,year,title,owner,quarters,pillar"] + [",".join(map(str, row)) for row in rows]
    return ("\n".join(lines) + "\n").encode()
