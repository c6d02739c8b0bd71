"""Tech Net events and RSVPs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from storage.models import Event, EventRsvp
from storage.people import PersonId
from storage.uow import UnitOfWork


@dataclass(frozen=True)
class EventFields:
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    location: str
    capacity: int | None
    cpd_minutes: int
    cpd_type: str
    channel_id: str


def add_event(uow: UnitOfWork, *, fields: EventFields, organiser: tuple[str, str], now: datetime) -> Event:
    event = Event(
        **fields.__dict__,
        organiser_platform=organiser[0],
        organiser_user_id=organiser[1],
        status="scheduled",
        cancel_reason="",
        created_at=now,
        updated_at=now,
    )
    uow.session.add(event)
    uow.session.flush()
    return event


def get_event(uow: UnitOfWork, *, event_id: int, lock: bool = False) -> Event | None:
    """The event; `lock` holds its row until the transaction ends (PostgreSQL), serialising RSVPs."""
    stmt = select(Event).where(Event.id == event_id)
    if lock:
        stmt = stmt.with_for_update()
    return uow.session.scalars(stmt).one_or_none()


def upcoming(uow: UnitOfWork, *, now: datetime, limit: int = 20) -> list[Event]:
    """Scheduled events that have not ended, soonest first."""
    stmt = (
        select(Event)
        .where(Event.status == "scheduled", Event.ends_at > now)
        .order_by(Event.starts_at, Event.id)
        .limit(limit)
    )
    return list(uow.session.scalars(stmt))


def starting_between(uow: UnitOfWork, *, start: datetime, end: datetime) -> list[Event]:
    stmt = select(Event).where(Event.status == "scheduled", Event.starts_at > start, Event.starts_at <= end)
    return list(uow.session.scalars(stmt.order_by(Event.id)))


def ended_between(uow: UnitOfWork, *, start: datetime, end: datetime) -> list[Event]:
    stmt = select(Event).where(Event.status == "scheduled", Event.ends_at > start, Event.ends_at <= end)
    return list(uow.session.scalars(stmt.order_by(Event.id)))


def rsvp_of(uow: UnitOfWork, *, event_id: int, person: PersonId | tuple[str, str]) -> EventRsvp | None:
    platform, user_id = (person.platform, person.user_id) if isinstance(person, PersonId) else person
    stmt = select(EventRsvp).where(
        EventRsvp.event_id == event_id, EventRsvp.platform == platform, EventRsvp.user_id == user_id
    )
    return uow.session.scalars(stmt).one_or_none()


def responses_of(uow: UnitOfWork, *, person: PersonId, event_ids: Iterable[int]) -> dict[int, str]:
    ids = list(event_ids)
    if not ids:
        return {}
    stmt = select(EventRsvp.event_id, EventRsvp.response).where(
        EventRsvp.event_id.in_(ids), EventRsvp.platform == person.platform, EventRsvp.user_id == person.user_id
    )
    return {event_id: response for event_id, response in uow.session.execute(stmt)}


def counts(uow: UnitOfWork, *, event_ids: Iterable[int]) -> dict[int, Counter[str]]:
    """How many people gave each response, per event."""
    ids = list(event_ids)
    result: dict[int, Counter[str]] = {event_id: Counter() for event_id in ids}
    if ids:
        stmt = (
            select(EventRsvp.event_id, EventRsvp.response, func.count())
            .where(EventRsvp.event_id.in_(ids))
            .group_by(EventRsvp.event_id, EventRsvp.response)
        )
        for event_id, response, number in uow.session.execute(stmt):
            result[event_id][response] = int(number)
    return result


def set_response(uow: UnitOfWork, *, event: Event, person: PersonId, response: str, now: datetime) -> EventRsvp:
    """Record the person's answer; joining the waitlist stamps their place in the queue."""
    rsvp = rsvp_of(uow, event_id=event.id, person=person)
    if rsvp is None:
        rsvp = EventRsvp(
            event_id=event.id,
            platform=person.platform,
            team_id=person.team_id,
            user_id=person.user_id,
            response=response,
            responded_at=now,
        )
        uow.session.add(rsvp)
    if response != "waitlist":
        rsvp.waitlisted_at = None
    elif rsvp.waitlisted_at is None:
        rsvp.waitlisted_at = now
    rsvp.response = response
    rsvp.responded_at = now
    uow.session.flush()
    return rsvp


def waitlist(uow: UnitOfWork, *, event_id: int) -> list[EventRsvp]:
    """The waitlist in order: first come, first served."""
    stmt = (
        select(EventRsvp)
        .where(EventRsvp.event_id == event_id, EventRsvp.response == "waitlist")
        .order_by(EventRsvp.waitlisted_at, EventRsvp.id)
    )
    return list(uow.session.scalars(stmt))


def with_response(uow: UnitOfWork, *, event_id: int, responses: tuple[str, ...]) -> list[EventRsvp]:
    stmt = (
        select(EventRsvp)
        .where(EventRsvp.event_id == event_id, EventRsvp.response.in_(responses))
        .order_by(EventRsvp.responded_at, EventRsvp.id)
    )
    return list(uow.session.scalars(stmt))


def cancel(uow: UnitOfWork, *, event: Event, reason: str, now: datetime) -> None:
    event.status, event.cancel_reason, event.updated_at = "cancelled", reason, now
    uow.session.flush()


def events_going(uow: UnitOfWork, *, person: PersonId) -> list[int]:
    """Ids of the events the person has a place at."""
    stmt = select(EventRsvp.event_id).where(
        EventRsvp.platform == person.platform, EventRsvp.user_id == person.user_id, EventRsvp.response == "going"
    )
    return list(uow.session.scalars(stmt))
