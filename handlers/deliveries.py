"""What each kind of queued message says, worked out when it is sent (so it is never stale)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from handlers import ui
from handlers.context import Policy
from handlers.events import messages as event_messages
from handlers.plan.messages import followup_message, quarter_message, report_message
from handlers.plan.quarters import parse_quarter, quarter_ends_at
from storage import events as event_repo
from storage.models import Event
from storage.uow import UnitOfWork

PLAN_QUARTER = "plan-quarter"
PLAN_FOLLOWUP = "plan-followup"
PLAN_REPORT = "plan-report"
EVENT_ANNOUNCE = event_messages.ANNOUNCE
EVENT_REMINDER = "event-reminder"
EVENT_CREDIT = "event-credit"
EVENT_PROMOTED = "event-promoted"
EVENT_CANCELLED = "event-cancelled"
REPORT_GRACE = timedelta(days=14)  # a report missed at the quarter's end may still go out this long after
CREDIT_GRACE = timedelta(days=7)  # the offer to log an event as CPD is made within a week of its end


class Stale(Exception):
    """The message is no longer worth sending; the reason is recorded instead."""


def render_delivery(
    uow: UnitOfWork, *, kind: str, params: dict[str, Any], platform: str, recipient: str, now: datetime, policy: Policy
) -> ui.Reply:
    """The message for an outbox row; raises Stale when there is nothing (left) to say."""
    if kind in (PLAN_QUARTER, PLAN_FOLLOWUP, PLAN_REPORT):
        return _plan(uow, kind=kind, params=params, owner=(platform, recipient), now=now, policy=policy)
    if kind in _EVENT_KINDS:
        event = event_repo.get_event(uow, event_id=int(params["event"]))
        if event is None:
            raise Stale("the event no longer exists")
        return _EVENT_KINDS[kind](uow, event, (platform, recipient), now, policy)
    raise Stale(f"unknown kind of message {kind!r}")


def _plan(
    uow: UnitOfWork, *, kind: str, params: dict[str, Any], owner: tuple[str, str], now: datetime, policy: Policy
) -> ui.Reply:
    start = policy.plan_year_start_month
    quarter = parse_quarter(str(params["quarter"]))
    ends = quarter_ends_at(quarter, start_month=start, zone=policy.timezone)
    if now >= ends + (REPORT_GRACE if kind == PLAN_REPORT else timedelta(0)):
        raise Stale(f"{quarter.label} is over; its messages are no longer sent")
    if kind == PLAN_REPORT:
        return report_message(uow, quarter=quarter, start_month=start)
    render = quarter_message if kind == PLAN_QUARTER else followup_message
    reply = render(uow, owner=owner, quarter=quarter, start_month=start)
    if reply is None:
        raise Stale("nothing is due or waiting for an update any more")
    return reply


def _going(uow: UnitOfWork, event: Event, person: tuple[str, str]) -> bool:
    rsvp = event_repo.rsvp_of(uow, event_id=event.id, person=person)
    return rsvp is not None and rsvp.response == "going"


def _announce(uow: UnitOfWork, event: Event, person: tuple[str, str], now: datetime, policy: Policy) -> ui.Reply:
    return event_messages.announcement_for(uow, event, policy)


def _reminder(uow: UnitOfWork, event: Event, person: tuple[str, str], now: datetime, policy: Policy) -> ui.Reply:
    if event.status == "cancelled" or now >= event.starts_at:
        raise Stale("the event was cancelled or has started")
    if not _going(uow, event, person):
        raise Stale("no longer going")
    return event_messages.reminder(event, policy)


def _credit(uow: UnitOfWork, event: Event, person: tuple[str, str], now: datetime, policy: Policy) -> ui.Reply:
    if event.status == "cancelled" or now >= event.ends_at + CREDIT_GRACE:
        raise Stale("the event was cancelled, or ended too long ago")
    if not _going(uow, event, person):
        raise Stale("did not go")
    return event_messages.credit_offer(event)


def _promoted(uow: UnitOfWork, event: Event, person: tuple[str, str], now: datetime, policy: Policy) -> ui.Reply:
    if event.status == "cancelled" or now >= event.starts_at or not _going(uow, event, person):
        raise Stale("no longer going, or too late to matter")
    return event_messages.promoted(event, policy)


def _cancelled(uow: UnitOfWork, event: Event, person: tuple[str, str], now: datetime, policy: Policy) -> ui.Reply:
    if now >= event.ends_at:
        raise Stale("the event's time has passed")
    return event_messages.cancelled(event, policy)


_EVENT_KINDS: dict[str, Callable[[UnitOfWork, Event, tuple[str, str], datetime, Policy], ui.Reply]] = {
    EVENT_ANNOUNCE: _announce,
    EVENT_REMINDER: _reminder,
    EVENT_CREDIT: _credit,
    EVENT_PROMOTED: _promoted,
    EVENT_CANCELLED: _cancelled,
}
