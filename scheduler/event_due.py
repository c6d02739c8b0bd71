"""Event messages due at a time T: reminders before the start, CPD credit offers after the end."""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.context import Policy
from handlers.deliveries import CREDIT_GRACE, EVENT_CREDIT, EVENT_REMINDER
from storage import events as event_repo
from storage.outbox import Outgoing
from storage.uow import UnitOfWork


def event_messages_due(uow: UnitOfWork, *, now: datetime, policy: Policy) -> list[Outgoing]:
    """A reminder to everyone going once the start is EVENT_REMINDER_HOURS away; a credit offer after the end."""
    messages: list[Outgoing] = []
    soon = event_repo.starting_between(uow, start=now, end=now + timedelta(hours=policy.event_reminder_hours))
    ended = event_repo.ended_between(uow, start=now - CREDIT_GRACE, end=now)
    for kind, events in ((EVENT_REMINDER, soon), (EVENT_CREDIT, ended)):
        for event in events:
            for rsvp in event_repo.with_response(uow, event_id=event.id, responses=("going",)):
                messages.append(Outgoing.direct(kind, event.id, (rsvp.platform, rsvp.user_id), {"event": event.id}))
    return messages
