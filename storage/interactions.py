"""Deliveries from a chat platform that were already acted on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete

from storage.models import HandledInteraction
from storage.sql import insert_if_absent
from storage.uow import UnitOfWork


def claim_interaction(uow: UnitOfWork, *, key: str, now: datetime) -> bool:
    """Record that the delivery `key` is being handled; False if it was handled already.

    The claim commits with the work it guards, so a rolled-back attempt can be retried.
    """
    table = HandledInteraction.__table__
    return insert_if_absent(uow.session, table, {"key": key[:255], "handled_at": now})  # type: ignore[arg-type]


def forget_interactions_before(uow: UnitOfWork, *, cutoff: datetime) -> int:
    """Drop records older than `cutoff` (platforms stop retrying after minutes)."""
    result = uow.session.execute(delete(HandledInteraction).where(HandledInteraction.handled_at < cutoff))
    return int(getattr(result, "rowcount", 0))
