"""`/event`: read the subcommand and hand over to the operation."""

from __future__ import annotations

from handlers import ui
from handlers.context import Ctx
from handlers.errors import UserError
from handlers.events import operations as ops
from handlers.help import HelpItem, help_reply, unknown_subcommand
from handlers.parsing import parse_entry_id, tokenise

EVENT_HELP = (
    HelpItem("/event", "upcoming Tech Net events, with my answer"),
    HelpItem("/event create", "organisers: announce an event (a form)"),
    HelpItem("/event attendees 4", "organiser of event 4 or admins: who is coming (add `csv` for a file)"),
    HelpItem("/event cancel 4 Speaker is ill", "organiser or admins: cancel (asks first); all who answered are told"),
)


def handle_event(ctx: Ctx, text: str) -> ui.Response:
    """Route `/event <subcommand> ...`."""
    words = tokenise(text)
    sub = words[0].lower() if words else "list"
    args = words[1:]
    if sub == "help":
        return help_reply("/event — Tech Net events", EVENT_HELP)
    if sub == "list":
        return ops.list_events(ctx)
    if sub == "create":
        return ops.new_event_form(ctx)
    if sub == "attendees":
        if not args or len(args) > 2 or (len(args) == 2 and args[1].lower() != "csv"):
            raise UserError("Which event?", example="`/event attendees 4` or `/event attendees 4 csv`")
        return ops.attendees(ctx, parse_entry_id(args[0], noun="event"), as_csv=len(args) == 2)
    if sub == "cancel":
        if not args:
            raise UserError("Which event?", example="`/event cancel 4 Speaker is ill`")
        return ops.ask_cancel(ctx, parse_entry_id(args[0], noun="event"), " ".join(args[1:]))
    raise unknown_subcommand("event", sub, EVENT_HELP)
