"""An RFC 5545 calendar file for an event (icalendar)."""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from handlers.events.views import tech_net_title
from storage.models import Event


def event_ics(event: Event, *, now: datetime, domain: str = "techcommit") -> bytes:
    """One VEVENT with a stable UID, times in UTC, and its cancellation if cancelled."""
    calendar = Calendar()
    calendar.add("prodid", "-//techcommit//Tech Net events//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    entry = CalendarEvent()
    entry.add("uid", f"event-{event.id}@{domain}")
    entry.add("dtstamp", now.astimezone(UTC))
    entry.add("dtstart", event.starts_at.astimezone(UTC))
    entry.add("dtend", event.ends_at.astimezone(UTC))
    entry.add("summary", tech_net_title(event.title))
    if event.location:
        entry.add("location", event.location)
    if event.description:
        entry.add("description", event.description)
    entry.add("status", "CANCELLED" if event.status == "cancelled" else "CONFIRMED")
    calendar.add_component(entry)
    return bytes(calendar.to_ical())
