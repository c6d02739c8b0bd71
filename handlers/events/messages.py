"""What the bot sends about events: the announcement, reminders, CPD credit, promotions, cancellations."""

from __future__ import annotations

from handlers import formatting as fmt
from handlers import ui
from handlers.context import Policy
from handlers.events import views
from handlers.ids import ActionId
from storage import events as repo
from storage import outbox
from storage.models import Event
from storage.uow import UnitOfWork

ANNOUNCE = "event-announce"


def announcement_key(event_id: int) -> str:
    return f"{ANNOUNCE}:{event_id}"


def announcement_for(uow: UnitOfWork, event: Event, policy: Policy) -> ui.Reply:
    counts = repo.counts(uow, event_ids=[event.id])[event.id]
    return views.announcement(event, counts, policy.timezone)


def current_announcement(uow: UnitOfWork, subject_id: str, policy: Policy) -> tuple[str, str, ui.Reply] | None:
    """Where the event's announcement is and what it should say now (None until it is posted)."""
    event = repo.get_event(uow, event_id=int(subject_id))
    posted = outbox.sent_message(uow, key=announcement_key(int(subject_id)))
    if event is None or posted is None:
        return None
    return posted[0], posted[1], announcement_for(uow, event, policy)


def reminder(event: Event, policy: Policy) -> ui.Reply:
    zone = policy.timezone
    text = (
        f"⏰ Reminder: *{ui.clip(event.title, 200)}* starts {views.event_time(event.starts_at, zone)}"
        f" at {ui.clip(event.location, 200) or 'the place in the announcement'}. See you there!"
    )
    return ui.Reply(blocks=(ui.Text(text), views.details(event, zone)), text=f"Reminder: {ui.clip(event.title, 150)}")


def credit_offer(event: Event) -> ui.Reply:
    hours = fmt.hours(event.cpd_minutes)
    text = (
        f"Thanks for going to *{ui.clip(event.title, 200)}*. It counts as {views.cpd_text(event)} of CPD — "
        "log it in one click, then add what you learned."
    )
    button = ui.Button(f"Log {hours} as CPD", ActionId.EVENT_CREDIT_LOG, str(event.id), style="primary")
    return ui.Reply(blocks=(ui.Text(text), ui.Buttons((button,))), text=f"Log {ui.clip(event.title, 150)} as CPD")


def promoted(event: Event, policy: Policy) -> ui.Reply:
    text = (
        f"🎉 A place came up: you're now *going* to *{ui.clip(event.title, 200)}* "
        f"({views.when(event, policy.timezone)}). Can't make it after all? Press *Can't go* on the announcement."
    )
    return ui.Reply(blocks=(ui.Text(text),), text=f"You're going to {ui.clip(event.title, 150)}")


def cancelled(event: Event, policy: Policy) -> ui.Reply:
    reason = f" Reason: {ui.clip(event.cancel_reason, 500)}" if event.cancel_reason else ""
    text = f"❌ *{ui.clip(event.title, 200)}* ({views.when(event, policy.timezone)}) has been cancelled.{reason}"
    return ui.Reply(blocks=(ui.Text(text),), text=f"Cancelled: {ui.clip(event.title, 150)}")
