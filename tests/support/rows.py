"""What the database holds, read directly (to check what an interaction stored)."""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from storage.models import Base, CpdEntry, EventRsvp


def entries(engine: Engine) -> list[CpdEntry]:
    """Every CPD entry, oldest first."""
    with Session(engine) as session:
        return list(session.scalars(select(CpdEntry).order_by(CpdEntry.id)))


def rsvp_rows(engine: Engine) -> list[EventRsvp]:
    """Every RSVP, oldest first."""
    with Session(engine) as session:
        return list(session.scalars(select(EventRsvp).order_by(EventRsvp.id)))


def row_counts(engine: Engine) -> dict[str, int]:
    """How many rows every table holds (to check that a refusal wrote nothing anywhere)."""
    with engine.connect() as conn:
        return {
            t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
            for t in Base.metadata.sorted_tables
        }
