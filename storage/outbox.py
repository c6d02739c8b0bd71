"""The delivery outbox: each message the bot means to send, claimed and sent at most once.

A row moves pending → claimed (leased by one sender) → sending (committed just before the
platform call) → sent; or back to pending with a later `next_attempt_at`, or to failed.
A row found still `sending` after its lease expired was interrupted mid-call: it may or may
not have arrived, so it is marked failed rather than sent again (at most once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update

from storage.models import Delivery
from storage.sql import insert_if_absent
from storage.uow import UnitOfWork

INTERRUPTED = "interrupted while sending; not sent again so that it cannot arrive twice"


@dataclass(frozen=True)
class Outgoing:
    """A message to queue: its unique key, what kind it is, who gets it, and what it is about."""

    key: str
    kind: str
    platform: str
    recipient: str
    params: dict[str, Any]
    to_channel: bool = False

    @classmethod
    def direct(
        cls, kind: str, about: object, to: tuple[str, str], params: dict[str, Any], *, occasion: str = ""
    ) -> Outgoing:
        """A DM of `kind` about something (a quarter, an event) to one (platform, user id).

        Its key — kind, subject, person, and the occasion if one subject can warrant several — is
        what makes it go out once however many times it is queued.
        """
        platform, user_id = to
        key = ":".join(part for part in (kind, str(about), platform, user_id, occasion) if part)
        return cls(key=key, kind=kind, platform=platform, recipient=user_id, params=params)


def enqueue(uow: UnitOfWork, *, message: Outgoing, now: datetime) -> bool:
    """Queue the message unless one with the same key exists; tell whether this call queued it."""
    values = {
        "key": message.key,
        "kind": message.kind,
        "platform": message.platform,
        "recipient": message.recipient,
        "to_channel": message.to_channel,
        "params": message.params,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    queued = insert_if_absent(uow.session, Delivery.__table__, values)  # type: ignore[arg-type]
    uow.queued += queued
    return queued


def exists(uow: UnitOfWork, *, key: str) -> bool:
    return uow.session.scalar(select(Delivery.id).where(Delivery.key == key)) is not None


def sent_times(uow: UnitOfWork, *, keys: list[str]) -> dict[str, datetime]:
    """When each of these deliveries was sent (keys not sent are absent)."""
    if not keys:
        return {}
    rows = uow.session.execute(
        select(Delivery.key, Delivery.sent_at).where(Delivery.key.in_(keys), Delivery.status == "sent")
    )
    return {key: sent_at for key, sent_at in rows if sent_at is not None}


def sent_message(uow: UnitOfWork, *, key: str) -> tuple[str, str] | None:
    """(channel, ts) of the message a sent delivery became, for updating it in place."""
    row = uow.session.execute(
        select(Delivery.message_channel, Delivery.message_ts).where(Delivery.key == key, Delivery.status == "sent")
    ).one_or_none()
    if row is None or row[0] is None or row[1] is None:
        return None
    return str(row[0]), str(row[1])


def claim_due(uow: UnitOfWork, *, now: datetime, limit: int, lease: timedelta) -> list[Delivery]:
    """Take up to `limit` due rows for this sender (others skip them) and return them."""
    due = or_(
        and_(Delivery.status == "pending", Delivery.next_attempt_at <= now),
        and_(Delivery.status == "claimed", Delivery.lease_until < now),  # a sender that died before sending
    )
    # Chosen once, up front. Written as `id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)`, PostgreSQL
    # may run the subquery again for each row it looks at, skip the rows the statement has just
    # updated, and so take every due row whatever the limit.
    candidates = (
        select(Delivery.id)
        .where(due)
        .order_by(Delivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("candidates")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    claimed = uow.session.scalars(
        update(Delivery)
        .where(Delivery.id.in_(select(candidates.c.id)), due)
        .values(status="claimed", lease_until=now + lease)
        .returning(Delivery.id)
    ).all()
    if not claimed:
        return []
    rows = uow.session.scalars(select(Delivery).where(Delivery.id.in_(claimed)).order_by(Delivery.id))
    return list(rows)


def mark_sending(uow: UnitOfWork, *, delivery_id: int, now: datetime, lease: timedelta) -> bool:
    """Note that the platform call is about to be made; False if the row is no longer ours."""
    result = uow.session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status == "claimed")
        .values(status="sending", attempts=Delivery.attempts + 1, lease_until=now + lease)
    )
    return bool(getattr(result, "rowcount", 0))


def mark_sent(uow: UnitOfWork, *, delivery_id: int, now: datetime, channel: str | None, ts: str | None) -> None:
    uow.session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(status="sent", sent_at=now, lease_until=None, last_error=None, message_channel=channel, message_ts=ts)
    )


def mark_retry(uow: UnitOfWork, *, delivery_id: int, error: str, at: datetime) -> None:
    uow.session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(status="pending", next_attempt_at=at, lease_until=None, last_error=error[:2000])
    )


def mark_failed(uow: UnitOfWork, *, delivery_id: int, error: str) -> None:
    uow.session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(status="failed", lease_until=None, last_error=error[:2000])
    )


def mark_skipped(uow: UnitOfWork, *, delivery_id: int, reason: str) -> None:
    uow.session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(status="skipped", lease_until=None, last_error=reason[:2000])
    )


def fail_interrupted(uow: UnitOfWork, *, now: datetime) -> int:
    """Mark rows whose sender died mid-call as failed (see the module docstring)."""
    result = uow.session.execute(
        update(Delivery)
        .where(Delivery.status == "sending", Delivery.lease_until < now)
        .values(status="failed", lease_until=None, last_error=INTERRUPTED)
    )
    return int(getattr(result, "rowcount", 0))


def list_deliveries(uow: UnitOfWork, *, failed_only: bool = False, limit: int = 200) -> list[Delivery]:
    """The newest deliveries first."""
    stmt = select(Delivery).order_by(Delivery.id.desc()).limit(limit)
    if failed_only:
        stmt = stmt.where(Delivery.status == "failed")
    return list(uow.session.scalars(stmt))
