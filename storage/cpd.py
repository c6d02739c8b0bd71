"""CPD entries: the only place their SQL is written. Every query is scoped to one person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, Row, delete, func, select

from storage.models import CpdEntry, CpdTag
from storage.people import PersonId
from storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class CpdFields:
    """What a person can set on an entry."""

    occurred_on: date
    minutes: int
    activity_type: str
    title: str
    reflection: str = ""
    benefit: str = ""
    evidence_url: str = ""
    tags: tuple[str, ...] = ()


def _owned_by(person: PersonId) -> tuple[ColumnElement[bool], ...]:
    return (
        CpdEntry.platform == person.platform,
        CpdEntry.team_id == person.team_id,
        CpdEntry.user_id == person.user_id,
    )


def _mine_in_period(person: PersonId, start: date | None, end: date | None) -> list[ColumnElement[bool]]:
    conditions = list(_owned_by(person))
    if start is not None:
        conditions.append(CpdEntry.occurred_on >= start)
    if end is not None:
        conditions.append(CpdEntry.occurred_on <= end)
    return conditions


def add_entry(
    uow: UnitOfWork, *, person: PersonId, fields: CpdFields, now: datetime, source: str | None = None
) -> CpdEntry:
    """Store a new entry for the person and return it with its id."""
    entry = CpdEntry(
        platform=person.platform,
        team_id=person.team_id,
        user_id=person.user_id,
        source=source,
        created_at=now,
        updated_at=now,
    )
    _apply(entry, fields)
    uow.session.add(entry)
    uow.session.flush()
    return entry


def update_entry(uow: UnitOfWork, *, entry: CpdEntry, fields: CpdFields, now: datetime) -> CpdEntry:
    """Replace the person-settable fields of an entry."""
    _apply(entry, fields)
    entry.updated_at = now
    uow.session.flush()
    return entry


def _apply(entry: CpdEntry, fields: CpdFields) -> None:
    entry.occurred_on = fields.occurred_on
    entry.minutes = fields.minutes
    entry.activity_type = fields.activity_type
    entry.title = fields.title
    entry.reflection = fields.reflection
    entry.benefit = fields.benefit
    entry.evidence_url = fields.evidence_url
    wanted = sorted(set(fields.tags))
    current = {t.tag: t for t in entry.tags}
    entry.tags = [current.get(tag) or CpdTag(tag=tag) for tag in wanted]


def fields_of(entry: CpdEntry) -> CpdFields:
    """What the person has set on the entry now."""
    return CpdFields(
        occurred_on=entry.occurred_on,
        minutes=entry.minutes,
        activity_type=entry.activity_type,
        title=entry.title,
        reflection=entry.reflection,
        benefit=entry.benefit,
        evidence_url=entry.evidence_url,
        tags=tuple(t.tag for t in entry.tags),
    )


def get_entry(uow: UnitOfWork, *, person: PersonId, entry_id: int, lock: bool = False) -> CpdEntry | None:
    """Return the person's entry with this id, or None (also when it is someone else's).

    `lock` holds its row until the transaction ends (PostgreSQL), so that an edit and an undo
    of the same entry happen one after the other and each sees what the other did.
    """
    stmt = select(CpdEntry).where(CpdEntry.id == entry_id, *_owned_by(person))
    if lock:
        stmt = stmt.with_for_update()
    return uow.session.scalars(stmt).one_or_none()


def get_entry_by_source(uow: UnitOfWork, *, person: PersonId, source: str) -> CpdEntry | None:
    """Return the entry the bot created for this person from `source`, if any."""
    stmt = select(CpdEntry).where(CpdEntry.source == source, *_owned_by(person))
    return uow.session.scalars(stmt).one_or_none()


def delete_entry(uow: UnitOfWork, *, person: PersonId, entry_id: int) -> bool:
    """Delete the person's entry; tell whether there was one."""
    result = uow.session.execute(
        delete(CpdEntry).where(CpdEntry.id == entry_id, *_owned_by(person)).execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def list_entries(
    uow: UnitOfWork,
    *,
    person: PersonId,
    start: date | None = None,
    end: date | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> list[CpdEntry]:
    """Return the person's entries in the period, newest first."""
    stmt = (
        select(CpdEntry)
        .where(*_mine_in_period(person, start, end))
        .order_by(CpdEntry.occurred_on.desc(), CpdEntry.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(uow.session.scalars(stmt))


def count_entries(uow: UnitOfWork, *, person: PersonId, start: date | None = None, end: date | None = None) -> int:
    """Count the person's entries in the period."""
    stmt = select(func.count()).select_from(CpdEntry).where(*_mine_in_period(person, start, end))
    return int(uow.session.scalar(stmt) or 0)


def minutes_by_type(
    uow: UnitOfWork, *, person: PersonId, start: date | None = None, end: date | None = None
) -> dict[str, int]:
    """Total minutes per activity type in the period."""
    stmt = (
        select(CpdEntry.activity_type, func.sum(CpdEntry.minutes))
        .where(*_mine_in_period(person, start, end))
        .group_by(CpdEntry.activity_type)
    )
    return {kind: int(total or 0) for kind, total in uow.session.execute(stmt)}


def total_minutes(uow: UnitOfWork, *, person: PersonId, start: date | None = None, end: date | None = None) -> int:
    """Total minutes the person logged in the period."""
    stmt = select(func.coalesce(func.sum(CpdEntry.minutes), 0)).where(*_mine_in_period(person, start, end))
    return int(uow.session.scalar(stmt) or 0)


def audit_rows(
    uow: UnitOfWork, *, person: PersonId, start: date | None, end: date | None
) -> list[Row[tuple[int, date, str, str, str]]]:
    """Just what the standards check reads (id, date, type, reflection, benefit), newest first — no tags, no ORM."""
    stmt = (
        select(CpdEntry.id, CpdEntry.occurred_on, CpdEntry.activity_type, CpdEntry.reflection, CpdEntry.benefit)
        .where(*_mine_in_period(person, start, end))
        .order_by(CpdEntry.occurred_on.desc(), CpdEntry.id.desc())
    )
    return list(uow.session.execute(stmt))
