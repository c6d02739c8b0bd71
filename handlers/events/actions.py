"""The buttons of event messages and the Create event form."""

from __future__ import annotations

from handlers import ui
from handlers.context import Ctx
from handlers.events import operations as ops
from handlers.ids import ActionId
from handlers.parsing import parse_entry_id

ANSWERS = {
    ActionId.EVENT_RSVP_GOING: "going",
    ActionId.EVENT_RSVP_MAYBE: "maybe",
    ActionId.EVENT_RSVP_DECLINE: "not-going",
}


def _event_id(action: ui.Action) -> int:
    return parse_entry_id(action.value, noun="event")


def answer(ctx: Ctx, action: ui.Action) -> ui.Reply:
    return ops.rsvp(ctx, _event_id(action), ANSWERS[ActionId(action.action)])


def send_calendar(ctx: Ctx, action: ui.Action) -> ui.FileReply:
    return ops.calendar_file(ctx, _event_id(action))


def log_credit(ctx: Ctx, action: ui.Action) -> ui.Reply:
    return ops.log_as_cpd(ctx, _event_id(action))


def open_form(ctx: Ctx, action: ui.Action) -> ui.Form:
    return ops.new_event_form(ctx)


def show_list(ctx: Ctx, action: ui.Action) -> ui.Reply:
    return ops.list_events(ctx)


def save(ctx: Ctx, submission: ui.Submission) -> ui.Reply | ui.FormErrors:
    return ops.create(ctx, submission)


def confirm_cancel(ctx: Ctx, action: ui.Action) -> ui.Reply:
    """The Cancel the event button of `/event cancel`; its value is `<event>:<reason>`."""
    event_part, _, reason = action.value.partition(":")
    return ops.cancel(ctx, parse_entry_id(event_part, noun="event"), reason, replace=True)


def keep(ctx: Ctx, action: ui.Action) -> ui.Reply:
    return ui.notice(f"Kept event `{_event_id(action)}`; nothing changed.", replace=True)
