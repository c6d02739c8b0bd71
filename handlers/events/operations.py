"""What `/event` and the RSVP buttons do."""

from __future__ import annotations

from handlers import formatting as fmt
from handlers import ui
from handlers.context import Ctx
from handlers.cpd.views import entry_card, undo_value
from handlers.deliveries import EVENT_CANCELLED, EVENT_PROMOTED
from handlers.errors import NotAllowed, UserError
from handlers.events import form, views
from handlers.events.ics import event_ics
from handlers.events.messages import ANNOUNCE, announcement_key
from handlers.formatting import plural
from handlers.ids import ActionId
from handlers.parsing import clean_line
from handlers.spreadsheet import csv_bytes
from storage import cpd as cpd_repo
from storage import events as repo
from storage import outbox
from storage.cpd import CpdFields
from storage.models import Event
from storage.outbox import Outgoing

LIST_LIMIT = 20
CANCEL_REASON_LIMIT = 500
TOLD_ON_CANCEL = ("going", "maybe", "waitlist")
ORGANISER_HINT = "an admin can make you one: `techcommit roles grant organiser @you`"


def find_event(ctx: Ctx, event_id: int, *, lock: bool = False) -> Event:
    event = repo.get_event(ctx.uow, event_id=event_id, lock=lock)
    if event is None:
        raise UserError(f"There's no event `{event_id}`.", example="`/event list` shows upcoming events and their ids")
    return event


def may_organise(ctx: Ctx) -> None:
    if not ctx.has_role("organiser"):
        raise NotAllowed(f"Only Tech Net organisers and admins create events — {ORGANISER_HINT}.")


def may_manage(ctx: Ctx, event: Event) -> None:
    mine = (event.organiser_platform, event.organiser_user_id) == (ctx.actor.platform, ctx.actor.user_id)
    if not mine and not ctx.is_admin:
        raise NotAllowed(
            f"Only the organiser of event `{event.id}` ({ui.mention(event.organiser_user_id)}) or an admin can do that."
        )


def new_event_form(ctx: Ctx) -> ui.Form:
    may_organise(ctx)
    return form.create_form(today=ctx.today())


def create(ctx: Ctx, submission: ui.Submission) -> ui.Reply | ui.FormErrors:
    """Store the event and queue its announcement in the chosen channel."""
    may_organise(ctx)
    fields = form.read_event_form(submission.values, now=ctx.now(), zone=ctx.policy.timezone)
    if isinstance(fields, ui.FormErrors):
        return fields
    event = repo.add_event(ctx.uow, fields=fields, organiser=(ctx.actor.platform, ctx.actor.user_id), now=ctx.now())
    outbox.enqueue(
        ctx.uow,
        message=Outgoing(
            key=announcement_key(event.id),
            kind=ANNOUNCE,
            platform=ctx.actor.platform,
            recipient=event.channel_id,
            params={"event": event.id},
            to_channel=True,
        ),
        now=ctx.now(),
    )
    return ui.notice(
        f"📣 *{ui.clip(event.title, 200)}* (event `{event.id}`) is being announced in "
        f"<#{event.channel_id}>. If it doesn't appear, invite me there with `/invite @techcommit`. "
        f"`/event attendees {event.id}` shows who is coming."
    )


def list_events(ctx: Ctx) -> ui.Reply:
    """Upcoming events with my answer and the RSVP buttons."""
    events = repo.upcoming(ctx.uow, now=ctx.now(), limit=LIST_LIMIT)
    if not events:
        return ui.notice("No Tech Net events are coming up. Organisers announce them with `/event create`.")
    counts = repo.counts(ctx.uow, event_ids=[e.id for e in events])
    mine = repo.responses_of(ctx.uow, person=ctx.actor, event_ids=[e.id for e in events])
    blocks: list[ui.Block] = [ui.Header("Tech Net — coming up")]
    for event in events:
        blocks += [
            ui.Text(views.list_line(event, counts[event.id], mine.get(event.id), ctx.policy.timezone)),
            views.rsvp_buttons(event),
        ]
    return ui.Reply(blocks=tuple(blocks), text="Upcoming Tech Net events")


def rsvp(ctx: Ctx, event_id: int, answer: str) -> ui.Reply:
    """Going / maybe / can't go; full events put people on the waitlist; a freed place goes to the next in line."""
    event = find_event(ctx, event_id, lock=True)  # one RSVP at a time per event: capacity is never exceeded
    if event.status == "cancelled":
        raise UserError(f"*{ui.clip(event.title, 200)}* was cancelled.")
    if event.ends_at <= ctx.now():
        raise UserError(f"*{ui.clip(event.title, 200)}* has already happened.")
    current = repo.rsvp_of(ctx.uow, event_id=event.id, person=ctx.actor)
    before = current.response if current else None
    title = ui.clip(event.title, 200)
    if answer == "going":
        message = _join(ctx, event, before, title)
    else:
        repo.set_response(ctx.uow, event=event, person=ctx.actor, response=answer, now=ctx.now())
        if before == "going":
            promote_from_waitlist(ctx, event)
        message = f"{views.RESPONSE_LABELS[answer]} — noted for *{title}*."
    return ui.Reply(blocks=(ui.Text(message),), text=message, republish=(views.subject(event),))


def _join(ctx: Ctx, event: Event, before: str | None, title: str) -> str:
    if before == "going":
        return f"You're already going to *{title}*."
    going = repo.counts(ctx.uow, event_ids=[event.id])[event.id]["going"]
    if event.capacity is None or going < event.capacity:
        repo.set_response(ctx.uow, event=event, person=ctx.actor, response="going", now=ctx.now())
        return f"✅ You're going to *{title}* ({views.when(event, ctx.policy.timezone)}). See you there!"
    mine = repo.set_response(ctx.uow, event=event, person=ctx.actor, response="waitlist", now=ctx.now())
    position = [r.id for r in repo.waitlist(ctx.uow, event_id=event.id)].index(mine.id) + 1
    return f"⏳ *{title}* is full — you're number {position} on the waitlist. I'll message you if a place comes up."


def promote_from_waitlist(ctx: Ctx, event: Event) -> None:
    """Fill free places from the waitlist, first come first served, and tell each person by DM."""
    if event.capacity is None:
        return
    going = repo.counts(ctx.uow, event_ids=[event.id])[event.id]["going"]
    for waiting in repo.waitlist(ctx.uow, event_id=event.id)[: max(event.capacity - going, 0)]:
        waiting.response, waiting.waitlisted_at = "going", None
        to, moment = (
            (waiting.platform, waiting.user_id),
            f"{ctx.now():%Y%m%dT%H%M%S%f}",
        )  # promoted again later: told again
        message = Outgoing.direct(EVENT_PROMOTED, event.id, to, {"event": event.id}, occasion=moment)
        outbox.enqueue(ctx.uow, message=message, now=ctx.now())
    ctx.uow.session.flush()


def attendees(ctx: Ctx, event_id: int, *, as_csv: bool) -> ui.Reply | ui.FileReply:
    """Who is going, maybe and waitlisted (organiser of the event or admins)."""
    event = find_event(ctx, event_id)
    may_manage(ctx, event)
    going = repo.with_response(ctx.uow, event_id=event.id, responses=("going",))
    maybe = repo.with_response(ctx.uow, event_id=event.id, responses=("maybe",))
    waiting = repo.waitlist(ctx.uow, event_id=event.id)
    if as_csv:
        rows = (
            (label, position if label == "waitlist" else "", r.user_id, r.responded_at.strftime("%Y-%m-%d %H:%M"))
            for label, answered in (("going", going), ("maybe", maybe), ("waitlist", waiting))
            for position, r in enumerate(answered, start=1)
        )
        file = ui.File(
            name=f"event-{event.id}-attendees.csv",
            content=csv_bytes(("response", "waitlist position", "user id", "answered at (UTC)"), rows),
            title=f"Attendees — {event.title}",
            mimetype="text/csv",
        )
        return ui.FileReply(
            file=file,
            comment=f"Attendees of {ui.clip(event.title, 150)}.",
            reply=ui.notice("📄 The attendee list (CSV) is in your DM."),
        )
    counts = views.counts_line(event, repo.counts(ctx.uow, event_ids=[event.id])[event.id])
    blocks = (
        ui.Text(f"*{ui.clip(event.title, 200)}*  `event {event.id}`\n{counts}"),
        ui.Text(f"*Going ({len(going)})*\n{views.attendee_lines(going)}"[:2900]),
        ui.Text(f"*Maybe ({len(maybe)})*\n{views.attendee_lines(maybe)}"[:2900]),
        ui.Text(f"*Waitlist ({len(waiting)})*\n{views.attendee_lines(waiting)}"[:2900]),
        ui.Context(f"`/event attendees {event.id} csv` sends the list as a file."),
    )
    return ui.Reply(blocks=blocks, text=f"Attendees of {ui.clip(event.title, 150)}")


def ask_cancel(ctx: Ctx, event_id: int, reason: str) -> ui.Reply:
    """Show what cancelling would do and ask first (like `/cpd delete`); nothing changes yet."""
    event = find_event(ctx, event_id)
    may_manage(ctx, event)
    if event.status == "cancelled":
        return ui.notice(f"Event `{event.id}` was already cancelled.")
    answered = len(repo.with_response(ctx.uow, event_id=event.id, responses=TOLD_ON_CANCEL))
    title = ui.clip(event.title, 200)
    blocks: list[ui.Block] = [
        ui.Text(
            f"Cancel *{title}* (event `{event.id}`, {views.when(event, ctx.policy.timezone)})? "
            f"I'll tell the {plural(answered, 'person', 'people')} who answered. This can't be undone."
        )
    ]
    reason = clean_line(reason)[:CANCEL_REASON_LIMIT]
    if reason:
        blocks.append(ui.Context(f"Reason given: {ui.escape(reason)}"))
    blocks.append(
        ui.Buttons(
            (
                ui.Button("Cancel the event", ActionId.EVENT_CANCEL_CONFIRM, f"{event.id}:{reason}", style="danger"),
                ui.Button("Keep it", ActionId.EVENT_CANCEL_KEEP, str(event.id)),
            )
        )
    )
    return ui.Reply(blocks=tuple(blocks), text=f"Cancel event {event.id}?")


def cancel(ctx: Ctx, event_id: int, reason: str, *, replace: bool = False) -> ui.Reply:
    """Cancel the event: everyone who answered is told, the announcement loses its buttons."""
    event = find_event(ctx, event_id, lock=True)
    may_manage(ctx, event)
    if event.status == "cancelled":
        return ui.notice(f"Event `{event.id}` was already cancelled.", replace=replace)
    repo.cancel(ctx.uow, event=event, reason=clean_line(reason)[:CANCEL_REASON_LIMIT], now=ctx.now())
    told = repo.with_response(ctx.uow, event_id=event.id, responses=TOLD_ON_CANCEL)
    for r in told:
        tell = Outgoing.direct(EVENT_CANCELLED, event.id, (r.platform, r.user_id), {"event": event.id})
        outbox.enqueue(ctx.uow, message=tell, now=ctx.now())
    message = (
        f"❌ Cancelled *{ui.clip(event.title, 200)}*; telling {plural(len(told), 'person', 'people')} who answered."
    )
    return ui.Reply(blocks=(ui.Text(message),), text=message, republish=(views.subject(event),), replace=replace)


def calendar_file(ctx: Ctx, event_id: int) -> ui.FileReply:
    event = find_event(ctx, event_id)
    file = ui.File(
        name=f"tech-net-{event.id}.ics",
        content=event_ics(event, now=ctx.now()),
        title=views.tech_net_title(event.title),
        mimetype="text/calendar",
    )
    return ui.FileReply(
        file=file,
        comment="Open this file to add the event to your calendar.",
        reply=ui.notice("📅 The calendar file is in your DM."),
    )


def log_as_cpd(ctx: Ctx, event_id: int) -> ui.Reply:
    """Log the event as one CPD entry for someone who went; a second click logs nothing more.

    Only an event that took place can be credited. The button is offered after the end, but a click
    names any event it likes, so that is checked here, on the event itself.
    """
    event = find_event(ctx, event_id, lock=True)
    title = ui.clip(event.title, 200)
    if event.status == "cancelled":
        raise UserError(f"*{title}* was cancelled, so there is nothing to log. Log other CPD with `/cpd add`.")
    if ctx.now() < event.ends_at:
        end = event.ends_at.astimezone(ctx.policy.timezone)
        raise UserError(
            f"*{title}* isn't over yet: it can be logged once it has ended, on {fmt.day(end.date())} at {end:%H:%M}."
        )
    source = f"event:{event.id}"
    existing = cpd_repo.get_entry_by_source(ctx.uow, person=ctx.actor, source=source)
    if existing is not None:
        return ui.notice(f"Already logged as CPD entry `{existing.id}` — `/cpd edit {existing.id}` to add to it.")
    rsvp = repo.rsvp_of(ctx.uow, event_id=event.id, person=ctx.actor)
    if rsvp is None or rsvp.response != "going":
        raise NotAllowed("This is for people who went. Log other CPD with `/cpd add`.")
    fields = CpdFields(
        occurred_on=event.starts_at.astimezone(ctx.policy.timezone).date(),
        minutes=event.cpd_minutes,
        activity_type=event.cpd_type,
        title=views.tech_net_title(event.title)[:200],
        tags=("tech-net",),
    )
    entry = cpd_repo.add_entry(ctx.uow, person=ctx.actor, fields=fields, now=ctx.now(), source=source)
    return entry_card(entry, heading="✅ Logged", undo=undo_value(entry.id))
