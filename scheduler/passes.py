"""One scheduler pass at a time T: queue what is due, then send what is pending (the CLI runs the same)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from handlers import ui
from handlers.clock import Clock
from handlers.context import Policy
from handlers.deliveries import Stale, render_delivery
from scheduler.due import plan_messages_due
from scheduler.event_due import event_messages_due
from scheduler.sender import Notifier, Redraw, SendResult, send_pending
from storage import interactions, outbox
from storage.outbox import Outgoing
from storage.uow import UnitOfWork, UnitOfWorkFactory

INTERACTION_MEMORY = timedelta(days=2)


@dataclass
class PassResult:
    queued: list[str] = field(default_factory=list)
    sending: SendResult = field(default_factory=SendResult)


def all_due(
    unit: UnitOfWork, *, now: datetime, policy: Policy, report_channel: str, by_email: bool = False
) -> list[Outgoing]:
    """Every kind of scheduled message due at `now` (`by_email`: see `plan_messages_due`)."""
    return [
        *plan_messages_due(unit, now=now, policy=policy, report_channel=report_channel, by_email=by_email),
        *event_messages_due(unit, now=now, policy=policy),
    ]


def due_now(
    *, uow: UnitOfWorkFactory, clock: Clock, policy: Policy, report_channel: str, by_email: bool = False
) -> list[Outgoing]:
    """What is due at the clock's time and not queued yet (writes nothing: `--dry-run`)."""
    with uow(write=False) as unit:
        due = all_due(unit, now=clock.now(), policy=policy, report_channel=report_channel, by_email=by_email)
        return [message for message in due if not outbox.exists(unit, key=message.key)]


def preview(
    *, uow: UnitOfWorkFactory, clock: Clock, policy: Policy, messages: list[Outgoing]
) -> list[tuple[Outgoing, ui.Reply | str]]:
    """Each message as it would be sent now, or why it would not be (writes nothing: `--dry-run --show`)."""
    shown: list[tuple[Outgoing, ui.Reply | str]] = []
    with uow(write=False) as unit:
        for message in messages:
            try:
                reply: ui.Reply | str = render_delivery(
                    unit,
                    kind=message.kind,
                    params=message.params,
                    platform=message.platform,
                    recipient=message.recipient,
                    now=clock.now(),
                    policy=policy,
                )
            except Stale as exc:
                reply = f"not sent: {exc}"
            shown.append((message, reply))
    return shown


def enqueue_due(*, uow: UnitOfWorkFactory, clock: Clock, policy: Policy, report_channel: str) -> list[str]:
    """Queue every message due at the clock's time; a key queued before (by any process) is skipped."""
    with uow(write=True) as unit:
        now = clock.now()
        due = all_due(unit, now=now, policy=policy, report_channel=report_channel)
        queued = [m.key for m in due if outbox.enqueue(unit, message=m, now=now)]
        interactions.forget_interactions_before(unit, cutoff=now - INTERACTION_MEMORY)
        unit.commit()
    return queued


def run_pass(
    *,
    uow: UnitOfWorkFactory,
    clock: Clock,
    policy: Policy,
    notifier: Notifier,
    report_channel: str,
    redraw: Redraw | None = None,
    senders: int = 1,
) -> PassResult:
    """Queue what is due, then send everything pending (`senders` recipients at a time, see `send_pending`)."""
    queued = enqueue_due(uow=uow, clock=clock, policy=policy, report_channel=report_channel)
    sending = send_pending(uow=uow, notifier=notifier, clock=clock, policy=policy, redraw=redraw, senders=senders)
    return PassResult(queued=queued, sending=sending)
