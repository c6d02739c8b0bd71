"""Drain the outbox: claim due rows, render each, send it once, record what happened."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from handlers import ui
from handlers.clock import Clock
from handlers.context import Policy
from handlers.deliveries import Stale, render_delivery
from storage import outbox
from storage.models import Delivery
from storage.uow import UnitOfWorkFactory

log = logging.getLogger("techcommit.scheduler")

BATCH = 50
# Recipients sent to at once by the bot's own sending (the scheduler and the kicker). Each message
# waits on the database and on two Slack calls, tens of milliseconds here and more across the
# internet, so one at a time falls behind a rate limit above a few dozen a second; the notifier's
# pacing still spaces the posts themselves.
SENDERS = 4
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 5
BACKOFF = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10), timedelta(minutes=30))


@dataclass(frozen=True)
class SentMessage:
    channel: str
    ts: str | None


class DeliveryFailed(Exception):
    """The platform did not take the message; `permanent` failures are not retried."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class Notifier(Protocol):
    def wait_turn(self, *, platform: str) -> None:
        """Block until the platform's rate limit lets the next message go (called just before `send`)."""
        ...

    def send(self, *, platform: str, recipient: str, to_channel: bool, reply: ui.Reply) -> SentMessage:
        """Post the message to a person (their DM) or a channel."""
        ...


@dataclass
class SendResult:
    sent: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


Redraw = Callable[[str], None]
"""Redraws a shared message by its subject (e.g. "event:12") on every platform it was posted to."""


def send_pending(
    *,
    uow: UnitOfWorkFactory,
    notifier: Notifier,
    clock: Clock,
    policy: Policy,
    redraw: Redraw | None = None,
    senders: int = 1,
) -> SendResult:
    """Send everything due in the outbox, batch by batch, until nothing is left to claim.

    A shared message (an event announcement) that changed while it was being posted — someone
    RSVPed before its ts was recorded, so their redraw found nothing to update — is redrawn.
    With `senders` above 1, that many recipients' rows of a batch are in flight at once (see `SENDERS`).
    """
    result = SendResult()
    while True:
        with uow(write=True) as unit:
            interrupted = outbox.fail_interrupted(unit, now=clock.now())
            rows = outbox.claim_due(unit, now=clock.now(), limit=BATCH, lease=LEASE)
            unit.commit()
        if interrupted:
            log.warning("deliveries interrupted mid-send marked failed count=%d", interrupted)
        if not rows:
            return result
        _send_batch(
            rows,
            senders,
            lambda row: _send_one(
                row, uow=uow, notifier=notifier, clock=clock, policy=policy, result=result, redraw=redraw
            ),
        )


def _send_batch(rows: list[Delivery], senders: int, send_one: Callable[[Delivery], None]) -> None:
    """Send the rows, `senders` recipients at a time; each recipient's rows one after another, in order."""
    queues: dict[tuple[str, str], list[Delivery]] = {}
    for row in rows:
        queues.setdefault((row.platform, row.recipient), []).append(row)

    def send_all(mine: list[Delivery]) -> None:
        for row in mine:
            send_one(row)

    if senders <= 1 or len(queues) == 1:
        send_all(rows)
        return
    with ThreadPoolExecutor(max_workers=min(senders, len(queues)), thread_name_prefix="outbox") as pool:
        started = [pool.submit(send_all, mine) for mine in queues.values()]
    for future in started:
        future.result()  # an unexpected error (the database gone) ends the pass, as it does one at a time


def _render(row: Delivery, *, uow: UnitOfWorkFactory, clock: Clock, policy: Policy) -> ui.Reply:
    with uow(write=False) as unit:
        return render_delivery(
            unit,
            kind=row.kind,
            params=row.params,
            platform=row.platform,
            recipient=row.recipient,
            now=clock.now(),
            policy=policy,
        )


def _send_one(
    row: Delivery,
    *,
    uow: UnitOfWorkFactory,
    notifier: Notifier,
    clock: Clock,
    policy: Policy,
    result: SendResult,
    redraw: Redraw | None,
) -> None:
    try:
        reply = _render(row, uow=uow, clock=clock, policy=policy)
    except Stale as why:
        with uow(write=True) as unit:
            outbox.mark_skipped(unit, delivery_id=row.id, reason=str(why))
            unit.commit()
        result.skipped.append(row.key)
        return
    except Exception as exc:  # a row that cannot be rendered must not hold up the rows after it
        log.exception("delivery cannot be rendered key=%s", row.key)
        with uow(write=True) as unit:
            outbox.mark_failed(unit, delivery_id=row.id, error=f"cannot render: {type(exc).__name__}: {exc}")
            unit.commit()
        result.failed.append(row.key)
        return
    # Wait for the rate limit before the row says "sending": a process killed while waiting has
    # sent nothing, and its row goes out again rather than being written off as interrupted.
    notifier.wait_turn(platform=row.platform)
    with uow(write=True) as unit:
        mine = outbox.mark_sending(unit, delivery_id=row.id, now=clock.now(), lease=LEASE)
        unit.commit()
    if not mine:
        return
    try:
        sent = notifier.send(platform=row.platform, recipient=row.recipient, to_channel=row.to_channel, reply=reply)
    except Exception as exc:
        _record_failure(row, exc, uow=uow, clock=clock, result=result)
        return
    with uow(write=True) as unit:
        outbox.mark_sent(unit, delivery_id=row.id, now=clock.now(), channel=sent.channel, ts=sent.ts)
        unit.commit()
    log.info("delivery sent key=%s", row.key)
    result.sent.append(row.key)
    if redraw is not None and reply.republish:
        _redraw_if_changed(row, reply, uow=uow, clock=clock, policy=policy, redraw=redraw)


def _redraw_if_changed(
    row: Delivery, sent: ui.Reply, *, uow: UnitOfWorkFactory, clock: Clock, policy: Policy, redraw: Redraw
) -> None:
    """Redraw the message just posted if what it should say moved on while it was in flight.

    Anything committed after this fresh render redraws it itself: the message's ts is on record by now.
    """
    try:
        now = _render(row, uow=uow, clock=clock, policy=policy)
    except Stale:
        return
    if now != sent:
        for subject in sent.republish:
            try:
                redraw(subject)
            except Exception:  # the message went out; a failed redraw is corrected by the next change
                log.warning("redraw after sending failed key=%s subject=%s", row.key, subject, exc_info=True)


def _record_failure(row: Delivery, exc: Exception, *, uow: UnitOfWorkFactory, clock: Clock, result: SendResult) -> None:
    attempts = row.attempts + 1
    permanent = isinstance(exc, DeliveryFailed) and exc.permanent
    error = f"{type(exc).__name__}: {exc}"
    with uow(write=True) as unit:
        if permanent or attempts >= MAX_ATTEMPTS:
            outbox.mark_failed(unit, delivery_id=row.id, error=error)
            result.failed.append(row.key)
            log.error("delivery failed key=%s attempts=%d error=%r", row.key, attempts, error)
        else:
            retry_at = clock.now() + BACKOFF[min(attempts, len(BACKOFF)) - 1]
            outbox.mark_retry(unit, delivery_id=row.id, error=error, at=retry_at)
            result.retrying.append(row.key)
            log.warning(
                "delivery will be retried key=%s attempts=%d at=%s error=%r",
                row.key,
                attempts,
                retry_at.isoformat(),
                error,
            )
        unit.commit()
