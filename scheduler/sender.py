"""Drain the outbox: claim due rows, render each, send it once, record what happened."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from concurrent.futures import ALL_COMPLETED, FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol, TypeVar

from handlers import ui
from handlers.clock import Clock
from handlers.context import Policy
from handlers.deliveries import Stale, render_delivery
from scheduler import holders
from storage import conversations, outbox
from storage.models import Delivery
from storage.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger("techcommit.scheduler")

BATCH = 50
# Posts kept in flight. The pacing spaces the posts; between its turns each message waits on the
# database and on Slack, and across the internet one post takes a round trip of a few hundred
# milliseconds, so one at a time would fall far behind a rate of more than a few a second.
# `senders_for` keeps enough in flight for a post to take up to ROUND_TRIP and the rate still hold.
ROUND_TRIP = 0.3
SENDERS = 4  # the fewest, whatever the rate (Teams is not paced, and shares these)
MAX_SENDERS = 16  # each holds a database connection only for its short transactions
# A sender's claims lapse LEASE after its last heartbeat (by the clock): a sender that died is taken over
# that soon, or at once by a sender on its machine, which can see that its process has gone. A live one
# renews its rows every HEARTBEAT however long they wait for their turn or for Slack.
LEASE = timedelta(seconds=30)
HEARTBEAT = timedelta(seconds=10)
MAX_ATTEMPTS = 5
BACKOFF = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10), timedelta(minutes=30))


def senders_for(per_second: float) -> int:
    """How many recipients to send to at once so that posts taking ROUND_TRIP keep up with `per_second`."""
    return max(SENDERS, min(MAX_SENDERS, math.ceil(per_second * ROUND_TRIP)))


@dataclass(frozen=True)
class SentMessage:
    """Where the message landed. `dm_channel` is a person's DM channel the platform has just told the
    sender of, remembered with the row so that later DMs outside the outbox need not look it up."""

    channel: str
    ts: str | None
    dm_channel: str | None = None


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
    """Send everything due in the outbox until nothing is left to claim.

    Rows are claimed a batch at a time and each batch is rendered in one read; the next batch is
    claimed as soon as a sender would otherwise sit idle, so the sending never pauses between batches.
    A shared message (an event announcement) that changed while it was being posted — someone
    RSVPed before its ts was recorded, so their redraw found nothing to update — is redrawn.
    With `senders` above 1, that many recipients are sent to at once (see `senders_for`).
    The rows it holds are renewed every HEARTBEAT until it returns (`_Outbox.claim` says what becomes
    of the rows of a sender that died).
    """
    sending = _Outbox(uow=uow, notifier=notifier, clock=clock, policy=policy, redraw=redraw)
    with holders.Heartbeat(sending.renew, every=HEARTBEAT.total_seconds()):
        _send_in_turn(sending.claim, sending.send, senders)
    return sending.result


class _Addressed(Protocol):
    @property
    def platform(self) -> str: ...

    @property
    def recipient(self) -> str: ...


T = TypeVar("T", bound=_Addressed)


def _send_in_turn(claim: Callable[[], list[T]], send: Callable[[T], None], senders: int) -> None:
    """Claim and send until a claim finds nothing, `senders` recipients at a time.

    Each recipient's items go one after another in the order claimed, also when they span two
    claims: the later ones wait for the earlier. An unexpected error (the database gone) ends it all.
    """
    last: dict[tuple[str, str], Future[None]] = {}  # each recipient's latest work still running
    running: set[Future[None]] = set()

    def in_order(mine: list[T], after: Future[None] | None) -> None:
        if after is not None:
            wait([after])  # its failure is reported by its own future
        for item in mine:
            send(item)

    def settle(until: str) -> None:
        nonlocal running
        done, running = wait(running, return_when=until)
        for future in done:
            future.result()
        for key in [key for key, future in last.items() if future.done()]:
            del last[key]

    with ThreadPoolExecutor(max_workers=max(1, senders), thread_name_prefix="outbox") as pool:
        try:
            while True:
                items = claim()
                if not items:
                    if not running:
                        return
                    settle(ALL_COMPLETED)  # what they leave for later is claimed again, or nothing is
                    continue
                queues: dict[tuple[str, str], list[T]] = {}
                for item in items:
                    queues.setdefault((item.platform, item.recipient), []).append(item)
                for key, mine in queues.items():
                    last[key] = pool.submit(in_order, mine, last.get(key))
                    running.add(last[key])
                while len(running) >= senders:  # claim again when a sender is about to be free
                    settle(FIRST_COMPLETED)
        except BaseException:
            pool.shutdown(cancel_futures=True)
            raise


@dataclass(frozen=True)
class _Ready:
    """A claimed row with its message, ready to send."""

    row: Delivery
    reply: ui.Reply

    @property
    def platform(self) -> str:
        return self.row.platform

    @property
    def recipient(self) -> str:
        return self.row.recipient


@dataclass
class _Outbox:
    """One `send_pending`: claims, renders and sends rows, and records what became of each."""

    uow: UnitOfWorkFactory
    notifier: Notifier
    clock: Clock
    policy: Policy
    redraw: Redraw | None
    result: SendResult = field(default_factory=SendResult)
    holder: str = field(default_factory=holders.new_holder)

    def claim(self) -> list[_Ready]:
        """Claim the next batch of due rows and render them; rows that cannot be sent are recorded.

        The rows of senders that died are dealt with first: those that were being sent are marked
        interrupted (never sent again), those only claimed are taken again at their place in the
        queue. A sender has died when its lease has lapsed, or, if it ran on this machine, as soon as
        its process is gone.
        """
        with self.uow(write=True) as unit:
            now = self.clock.now()
            gone = [holder for holder in outbox.holders(unit) if holders.gone(holder)]
            interrupted = outbox.fail_interrupted(unit, now=now, gone=gone)
            released = outbox.release(unit, gone=gone)
            rows = outbox.claim_due(unit, now=now, limit=BATCH, lease=LEASE, holder=self.holder)
            unit.commit()
        if interrupted:
            log.warning("deliveries interrupted mid-send marked failed count=%d", interrupted)
        if released:
            log.warning("deliveries claimed by a stopped sender queued again count=%d senders=%s", released, gone)
        return self._render_all(rows)

    def renew(self) -> None:
        """The heartbeat: extend the lease on every row this sender holds."""
        with self.uow(write=True) as unit:
            outbox.renew(unit, holder=self.holder, now=self.clock.now(), lease=LEASE)
            unit.commit()

    def _render_all(self, rows: list[Delivery]) -> list[_Ready]:
        """Render the rows in one read; skip those with nothing (left) to say, fail those that cannot be rendered."""
        ready: list[_Ready] = []
        stale: list[tuple[Delivery, str]] = []
        broken: list[tuple[Delivery, str]] = []
        todo = list(rows)
        while todo:
            with self.uow(write=False) as unit:  # a fresh read after a failure, which may have spoiled this one
                while todo:
                    row = todo.pop(0)
                    try:
                        ready.append(_Ready(row, self._render(unit, row)))
                    except Stale as why:
                        stale.append((row, str(why)))
                    except Exception as exc:  # a row that cannot be rendered must not hold up the others
                        log.exception("delivery cannot be rendered key=%s", row.key)
                        broken.append((row, f"cannot render: {type(exc).__name__}: {exc}"))
                        break
        if stale or broken:
            with self.uow(write=True) as unit:
                for row, reason in stale:
                    outbox.mark_skipped(unit, delivery_id=row.id, reason=reason)
                    self.result.skipped.append(row.key)
                for row, error in broken:
                    outbox.mark_failed(unit, delivery_id=row.id, error=error)
                    self.result.failed.append(row.key)
                unit.commit()
        return ready

    def _render(self, unit: UnitOfWork, row: Delivery) -> ui.Reply:
        return render_delivery(
            unit,
            kind=row.kind,
            params=row.params,
            platform=row.platform,
            recipient=row.recipient,
            now=self.clock.now(),
            policy=self.policy,
        )

    def send(self, ready: _Ready) -> None:
        row, reply = ready.row, ready.reply
        # Wait for the rate limit before the row says "sending": a process killed while waiting has
        # sent nothing, and its row goes out again rather than being written off as interrupted.
        self.notifier.wait_turn(platform=row.platform)
        with self.uow(write=True) as unit:
            mine = outbox.mark_sending(unit, delivery_id=row.id, holder=self.holder, now=self.clock.now(), lease=LEASE)
            unit.commit()
        if not mine:
            return
        try:
            sent = self.notifier.send(
                platform=row.platform, recipient=row.recipient, to_channel=row.to_channel, reply=reply
            )
        except Exception as exc:
            self._record_failure(row, exc)
            return
        with self.uow(write=True) as unit:
            now = self.clock.now()
            outbox.mark_sent(unit, delivery_id=row.id, now=now, channel=sent.channel, ts=sent.ts)
            if sent.dm_channel is not None:
                conversations.save_ref(unit, platform=row.platform, user_id=row.recipient, ref=sent.dm_channel, now=now)
            unit.commit()
        log.info("delivery sent key=%s", row.key)
        self.result.sent.append(row.key)
        if self.redraw is not None and reply.republish:
            self._redraw_if_changed(row, reply, self.redraw)

    def _redraw_if_changed(self, row: Delivery, sent: ui.Reply, redraw: Redraw) -> None:
        """Redraw the message just posted if what it should say moved on while it was in flight.

        Anything committed after this fresh render redraws it itself: the message's ts is on record by now.
        """
        try:
            with self.uow(write=False) as unit:
                now = self._render(unit, row)
        except Stale:
            return
        if now != sent:
            for subject in sent.republish:
                try:
                    redraw(subject)
                except Exception:  # the message went out; a failed redraw is corrected by the next change
                    log.warning("redraw after sending failed key=%s subject=%s", row.key, subject, exc_info=True)

    def _record_failure(self, row: Delivery, exc: Exception) -> None:
        attempts = row.attempts + 1
        permanent = isinstance(exc, DeliveryFailed) and exc.permanent
        error = f"{type(exc).__name__}: {exc}"
        with self.uow(write=True) as unit:
            if permanent or attempts >= MAX_ATTEMPTS:
                outbox.mark_failed(unit, delivery_id=row.id, error=error)
                self.result.failed.append(row.key)
                log.error("delivery failed key=%s attempts=%d error=%r", row.key, attempts, error)
            else:
                retry_at = self.clock.now() + BACKOFF[min(attempts, len(BACKOFF)) - 1]
                outbox.mark_retry(unit, delivery_id=row.id, error=error, at=retry_at)
                self.result.retrying.append(row.key)
                log.warning(
                    "delivery will be retried key=%s attempts=%d at=%s error=%r",
                    row.key,
                    attempts,
                    retry_at.isoformat(),
                    error,
                )
            unit.commit()
