"""Named leases: one holder at a time, renewed while alive, taken over when they lapse."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, update

from storage.models import Lease
from storage.sql import insert_if_absent
from storage.uow import UnitOfWork


def hold(uow: UnitOfWork, *, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take or renew the lease; False if another holder's lease is still running."""
    if insert_if_absent(uow.session, Lease.__table__, {"name": name, "holder": holder, "until": now + ttl}):  # type: ignore[arg-type]
        return True
    result = uow.session.execute(
        update(Lease)
        .where(Lease.name == name, or_(Lease.holder == holder, Lease.until < now))
        .values(holder=holder, until=now + ttl)
    )
    return bool(getattr(result, "rowcount", 0))
