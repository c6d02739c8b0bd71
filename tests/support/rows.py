"""What the database holds, read directly (to check what an interaction stored)."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from storage.models import CpdEntry, EventRsvp


def entries(engine: Engine) -> list[CpdEntry]:
    """Every CPD entry, oldest first."""
    with Session(engine) as session:
        return list(session.scalars(select(CpdEntry).order_by(CpdEntry.id)))


def rsvp_rows(engine: Engine) -> list[EventRsvp]:
    """Every RSVP, oldest first."""
    with Session(engine) as session:
        return list(session.scalars(select(EventRsvp).order_by(EventRsvp.id)))
