"""How an event looks: the channel announcement with live counts, list lines, the attendee list."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

from handlers import formatting as fmt
from handlers import ui
from handlers.cpd.kinds import label_of
from handlers.ids import ActionId
from storage.models import Event, EventRsvp

RESPONSE_LABELS = {"going": "✅ Going", "maybe": "🤔 Maybe", "not-going": "🚫 Can't go", "waitlist": "⏳ Waitlisted"}


def when(event: Event, zone: ZoneInfo) -> str:
    """`Thu 3 Dec 2026, 12:30–13:30` in the organisation's time zone."""
    start, end = event.starts_at.astimezone(zone), event.ends_at.astimezone(zone)
    if start.date() == end.date():
        return f"{fmt.day(start.date())}, {start:%H:%M}–{end:%H:%M}"
    return f"{fmt.day(start.date())} {start:%H:%M} – {fmt.day(end.date())} {end:%H:%M}"


def places_left(event: Event, counts: Counter[str]) -> int | None:
    return None if event.capacity is None else max(event.capacity - counts["going"], 0)


def counts_line(event: Event, counts: Counter[str]) -> str:
    parts = [f"✅ {counts['going']} going", f"🤔 {counts['maybe']} maybe"]
    if event.capacity is not None:
        parts.append(f"⏳ {counts['waitlist']} waitlisted")
        left = places_left(event, counts)
        parts.append("full" if left == 0 else f"{fmt.plural(left or 0, 'place')} left")
    return " · ".join(parts)


def cpd_text(event: Event) -> str:
    return f"{fmt.duration(event.cpd_minutes)} ({label_of(event.cpd_type).lower()})"


def rsvp_buttons(event: Event) -> ui.Buttons:
    value = str(event.id)
    return ui.Buttons(
        (
            ui.Button("Going", ActionId.EVENT_RSVP_GOING, value, style="primary"),
            ui.Button("Maybe", ActionId.EVENT_RSVP_MAYBE, value),
            ui.Button("Can't go", ActionId.EVENT_RSVP_DECLINE, value),
            ui.Button("Add to calendar", ActionId.EVENT_ICS_SEND, value),
        )
    )


def details(event: Event, zone: ZoneInfo) -> ui.Fields:
    return ui.Fields(
        (
            f"*When*\n{when(event, zone)}",
            f"*Where*\n{ui.clip(event.location, 200) or 'to be announced'}",
            f"*CPD*\n{cpd_text(event)}",
            f"*Organiser*\n{ui.mention(event.organiser_user_id)}",
        )
    )


def subject(event: Event) -> str:
    """The name under which the event's announcement is redrawn (see `ui.Reply.republish`)."""
    return f"event:{event.id}"


def tech_net_title(title: str) -> str:
    """`Tech Net: 3D printing`, unless the organiser already named it so (`Tech Net: …`, `TechNet – …`)."""
    if re.match(r"\s*tech\s*net\b", title, flags=re.IGNORECASE):
        return title.strip()
    return f"Tech Net: {title.strip()}".strip()


def announcement(event: Event, counts: Counter[str], zone: ZoneInfo) -> ui.Reply:
    """The channel message: details, live counts and the RSVP buttons (none once cancelled).

    It names itself in `republish`: whoever posts it redraws it if the counts moved meanwhile.
    """
    title = tech_net_title(ui.clip(event.title, 200))
    blocks: list[ui.Block] = [ui.Text(f"📣 *{title}*  `event {event.id}`")]
    if event.status == "cancelled":
        reason = f": {ui.clip(event.cancel_reason, 500)}" if event.cancel_reason else "."
        blocks.append(ui.Text(f"❌ *Cancelled*{reason}"))
    if event.description:
        blocks.append(ui.Text(ui.clip(event.description, 1500)))
    blocks.append(details(event, zone))
    if event.status == "cancelled":
        return ui.Reply(blocks=tuple(blocks), text=f"Cancelled: {title}", republish=(subject(event),))
    blocks += [ui.Context(counts_line(event, counts)), rsvp_buttons(event)]
    return ui.Reply(blocks=tuple(blocks), text=f"{title} — {when(event, zone)}", republish=(subject(event),))


def list_line(event: Event, counts: Counter[str], mine: str | None, zone: ZoneInfo) -> str:
    status = RESPONSE_LABELS.get(mine or "", "no answer yet")
    return (
        f"*{ui.clip(event.title, 150)}*  `event {event.id}`\n{when(event, zone)} · "
        f"{ui.clip(event.location, 80) or 'place to be announced'}\n{counts_line(event, counts)} · you: {status}"
    )


def attendee_lines(rsvps: list[EventRsvp]) -> str:
    return "\n".join(f"{n}. {ui.mention(r.user_id)}" for n, r in enumerate(rsvps, start=1)) or "_nobody_"


def event_time(moment: datetime, zone: ZoneInfo) -> str:
    return f"{fmt.day(moment.astimezone(zone).date())} {moment.astimezone(zone):%H:%M}"
