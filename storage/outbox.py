"""The delivery outbox: each message the bot means to send, claimed and sent at most once.

A row moves pending → claimed (by one sender, named in `claimed_by`, under a short lease) → sending
(committed just before the platform call) → sent; or back to pending with a later `next_attempt_at`, or
to failed. A live sender renews the lease on its rows while it works on them (its heartbeat), and only
the sender named on a claimed row may mark it sending, so a row taken over is never sent by both.

A sender that dies leaves its rows behind. Its claimed rows are taken again, at their place in the
queue, once their lease lapses, or at once by a sender that can tell it is gone (`release`). A row it
left `sending` was interrupted mid-call: it may or may not have arrived, so it is marked failed rather
than sent again (at most once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import aliased

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


IN_FLIGHT = ("claimed", "sending")


def claim_due(uow: UnitOfWork, *, now: datetime, limit: int, lease: timedelta, holder: str) -> list[Delivery]:
    """Take up to `limit` due rows for the sender `holder` (others skip them), in queue order, and return them.

    Due are pending rows whose time has come and claimed rows whose lease has lapsed: their sender stopped
    renewing it, so it is gone. Either kind keeps its place in the queue (rows are taken by id), so a dead
    sender's claims go out before anything queued after them. A row whose person has an earlier message in
    another live sender's hands waits for it, so that each person's messages arrive in the order queued.
    """
    due = or_(
        and_(Delivery.status == "pending", Delivery.next_attempt_at <= now),
        and_(Delivery.status == "claimed", Delivery.lease_until < now),  # a sender that died before sending
    )
    earlier = aliased(Delivery)
    behind_another_sender = (
        select(earlier.id)
        .where(
            earlier.platform == Delivery.platform,
            earlier.recipient == Delivery.recipient,
            earlier.id < Delivery.id,
            or_(earlier.status == "sending", and_(earlier.status == "claimed", earlier.lease_until >= now)),
            or_(earlier.claimed_by.is_(None), earlier.claimed_by != holder),
        )
        .exists()
    )
    # Chosen once, up front. Written as `id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)`, PostgreSQL
    # may run the subquery again for each row it looks at, skip the rows the statement has just
    # updated, and so take every due row whatever the limit.
    candidates = (
        select(Delivery.id)
        .where(due, ~behind_another_sender)
        .order_by(Delivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("candidates")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    claimed = uow.session.scalars(
        update(Delivery)
        .where(Delivery.id.in_(select(candidates.c.id)), due)
        .values(status="claimed", lease_until=now + lease, claimed_by=holder)
        .returning(Delivery.id)
    ).all()
    if not claimed:
        return []
    rows = uow.session.scalars(select(Delivery).where(Delivery.id.in_(claimed)).order_by(Delivery.id))
    return list(rows)


def renew(uow: UnitOfWork, *, holder: str, now: datetime, lease: timedelta) -> int:
    """Extend the lease on every row `holder` has claimed or is sending (its heartbeat); how many."""
    held = and_(Delivery.claimed_by == holder, Delivery.status.in_(IN_FLIGHT))
    return _update_unlocked(uow, held, lease_until=now + lease)


def holders(uow: UnitOfWork) -> list[str]:
    """The senders that hold rows (claimed or sending) at the moment."""
    found = uow.session.scalars(
        select(Delivery.claimed_by).where(Delivery.status.in_(IN_FLIGHT), Delivery.claimed_by.is_not(None)).distinct()
    )
    return [holder for holder in found if holder is not None]


def release(uow: UnitOfWork, *, gone: list[str]) -> int:
    """Put the rows that senders known to be gone had claimed (not yet sending) back in the queue, in place."""
    if not gone:
        return 0
    abandoned = and_(Delivery.status == "claimed", Delivery.claimed_by.in_(gone))
    return _update_unlocked(uow, abandoned, status="pending", lease_until=None)


def mark_sending(uow: UnitOfWork, *, delivery_id: int, holder: str, now: datetime, lease: timedelta) -> bool:
    """Note that the platform call is about to be made; False if the row is no longer this holder's."""
    result = uow.session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status == "claimed", Delivery.claimed_by == holder)
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


def fail_interrupted(uow: UnitOfWork, *, now: datetime, gone: list[str] | None = None) -> int:
    """Mark rows whose sender died mid-call as failed (see the module docstring): their lease has lapsed,
    or their sender is known to be gone."""
    died = Delivery.lease_until < now
    if gone:
        died = or_(died, Delivery.claimed_by.in_(gone))
    interrupted = and_(Delivery.status == "sending", died)
    return _update_unlocked(uow, interrupted, status="failed", lease_until=None, last_error=INTERRUPTED)


def _update_unlocked(uow: UnitOfWork, where: ColumnElement[bool], **values: Any) -> int:
    """Update the rows matching `where` that no other transaction holds (PostgreSQL skips locked rows).

    Never waiting for a row's lock, such sweeps cannot deadlock with each other or with a sender
    finishing a row; a row skipped now is met again by the next sweep.
    """
    rows = (
        select(Delivery.id)
        .where(where)
        .with_for_update(skip_locked=True)
        .cte("locked")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    # Counted from RETURNING: Python's sqlite3 gives no rowcount for a statement that begins with WITH.
    changed = uow.session.scalars(
        update(Delivery).where(Delivery.id.in_(select(rows.c.id)), where).values(**values).returning(Delivery.id),
        execution_options={"synchronize_session": False},
    )
    return len(changed.all())


def list_deliveries(uow: UnitOfWork, *, failed_only: bool = False, limit: int = 200) -> list[Delivery]:
    """The newest deliveries first."""
    stmt = select(Delivery).order_by(Delivery.id.desc()).limit(limit)
    if failed_only:
        stmt = stmt.where(Delivery.status == "failed")
    return list(uow.session.scalars(stmt))
