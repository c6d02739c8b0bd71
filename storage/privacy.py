"""Everything stored about one person: gathered for them, or erased at their request."""

from __future__ import annotations

import logging
import sqlite3
import time
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import Engine, Select, delete, select, update
from sqlalchemy.exc import DBAPIError

from storage import registration
from storage.db import SQLITE_BUSY_TIMEOUT_MS
from storage.models import (
    AuditLog,
    Base,
    ConversationRef,
    CpdEntry,
    CpdEntryRevision,
    Delivery,
    Event,
    EventRsvp,
    PlanAction,
    PlanStatusUpdate,
    RegJourney,
    RoleGrant,
)
from storage.people import PersonId
from storage.uow import UnitOfWork

log = logging.getLogger("techcommit.storage.privacy")

FORGOTTEN = "forgotten"  # stands in for a deleted person where an organisational record must stay

# The tables `erase_person` deletes rows from, and those it rewrites rows of.
_DELETED_FROM = (CpdEntryRevision, CpdEntry, RegJourney, EventRsvp, RoleGrant, Delivery, ConversationRef)
_REWRITTEN = (PlanAction, PlanStatusUpdate, Event)


def _tables_erasure_touches() -> tuple[str, ...]:
    """Where an erasure leaves dead rows: the tables it changes, and those that lose rows by cascade."""
    deleted = {model.__tablename__ for model in _DELETED_FROM}
    for table in Base.metadata.sorted_tables:  # parents before children, so one pass follows every cascade
        if any(fk.ondelete == "CASCADE" and fk.column.table.name in deleted for fk in table.foreign_keys):
            deleted.add(table.name)
    touched = deleted | {model.__tablename__ for model in _REWRITTEN}
    return tuple(t.name for t in Base.metadata.sorted_tables if t.name in touched)


ERASURE_TABLES = _tables_erasure_touches()


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _entry_ids(person: PersonId) -> Select[int]:
    """The ids of the person's CPD entries in every workspace, as a subquery."""
    return select(CpdEntry.id).where(CpdEntry.platform == person.platform, CpdEntry.user_id == person.user_id)


def personal_records(uow: UnitOfWork, *, person: PersonId) -> dict[str, Any]:
    """All rows that are about the person, as plain data: exactly what `erase_person` deletes or anonymises.

    Rows are the person's on their platform in every workspace (one Enterprise Grid user id is
    the same in all of them), so each CPD entry and journey says which workspace it was made in.
    """
    session, user, platform = uow.session, person.user_id, person.platform
    entries = session.scalars(
        select(CpdEntry)
        .where(CpdEntry.platform == platform, CpdEntry.user_id == user)
        .order_by(CpdEntry.occurred_on.desc(), CpdEntry.id.desc())
    )
    earlier_versions = session.scalars(
        select(CpdEntryRevision)
        .where(CpdEntryRevision.entry_id.in_(_entry_ids(person)))
        .order_by(CpdEntryRevision.entry_id, CpdEntryRevision.id)
    )
    journeys = list(
        session.scalars(
            select(RegJourney)
            .where(RegJourney.platform == platform, RegJourney.user_id == user)
            .order_by(RegJourney.id)
        )
    )
    evidence = registration.evidence_of(uow, journey_ids=[j.id for j in journeys])
    rsvps = session.execute(
        select(EventRsvp, Event.title, Event.starts_at)
        .join(Event)
        .where(EventRsvp.platform == platform, EventRsvp.user_id == user)
        .order_by(EventRsvp.id)
    ).all()
    updates = session.execute(
        select(PlanStatusUpdate, PlanAction.ref)
        .join(PlanAction)
        .where(PlanStatusUpdate.by_platform == platform, PlanStatusUpdate.by_user_id == user)
        .order_by(PlanStatusUpdate.id)
    )
    return {
        "person": {"platform": platform, "team_id": person.team_id, "user_id": user},
        "cpd_entries": [
            {
                "id": e.id,
                "workspace": e.team_id,
                "date": _iso(e.occurred_on),
                "minutes": e.minutes,
                "type": e.activity_type,
                "title": e.title,
                "what_i_learned": e.reflection,
                "how_it_helps": e.benefit,
                "evidence_link": e.evidence_url,
                "tags": [t.tag for t in e.tags],
                "source": e.source,
                "logged_at": _iso(e.created_at),
                "updated_at": _iso(e.updated_at),
            }
            for e in entries
        ],
        "cpd_entry_earlier_versions": [
            {
                "entry_id": r.entry_id,
                "version": r.id,
                "date": _iso(r.occurred_on),
                "minutes": r.minutes,
                "type": r.activity_type,
                "title": r.title,
                "what_i_learned": r.reflection,
                "how_it_helps": r.benefit,
                "evidence_link": r.evidence_url,
                "tags": list(r.tags),
                "replaced_at": _iso(r.created_at),
                "undone_at": _iso(r.undone_at),
            }
            for r in earlier_versions
        ],
        "registration": [
            {
                "workspace": j.team_id,
                "register": j.register,
                "stage": j.stage,
                "stage_since": _iso(j.stage_since),
                "target_date": _iso(j.target_date),
                "licensed_body": j.body,
                "started_at": _iso(j.started_at),
                "stage_history": [
                    {"stage": h.stage, "at": _iso(h.changed_at)} for h in registration.history(uow, journey=j)
                ],
                "evidence": {c: ids for c, ids in evidence[j.id].items()},
            }
            for j in journeys
        ],
        "event_rsvps": [
            {
                "event_id": r.event_id,
                "event": title,
                "starts_at": _iso(starts),
                "response": r.response,
                "answered_at": _iso(r.responded_at),
            }
            for r, title, starts in rsvps
        ],
        "events_organised": [
            {"id": e.id, "title": e.title, "starts_at": _iso(e.starts_at)}
            for e in session.scalars(
                select(Event).where(Event.organiser_platform == platform, Event.organiser_user_id == user)
            )
        ],
        "plan_actions_owned": [
            {"ref": a.ref, "title": a.title}
            for a in session.scalars(
                select(PlanAction).where(PlanAction.owner_platform == platform, PlanAction.owner_user_id == user)
            )
        ],
        "plan_status_updates": [
            {
                "action": ref,
                "quarter": f"{u.plan_year}Q{u.quarter}",
                "status": u.status,
                "note": u.note,
                "at": _iso(u.created_at),
            }
            for u, ref in updates
        ],
        "roles": sorted(
            session.scalars(select(RoleGrant.role).where(RoleGrant.platform == platform, RoleGrant.user_id == user))
        ),
        "messages_to_me": [
            {"key": d.key, "status": d.status, "sent_at": _iso(d.sent_at)}
            for d in session.scalars(
                select(Delivery)
                .where(Delivery.platform == platform, Delivery.recipient == user, Delivery.to_channel.is_(False))
                .order_by(Delivery.id)
            )
        ],
        "direct_message_channel": session.scalar(
            select(ConversationRef.ref).where(ConversationRef.platform == platform, ConversationRef.user_id == user)
        ),
    }


def erase_person(uow: UnitOfWork, *, person: PersonId, now: datetime) -> dict[str, int]:
    """Delete the person's own data; unassign and anonymise what the organisation keeps. Return counts."""
    session, user, platform = uow.session, person.user_id, person.platform

    def run(stmt: Any) -> int:
        return int(getattr(session.execute(stmt.execution_options(synchronize_session=False)), "rowcount", 0))

    counts = {
        # Explicitly, though deleting the entries would cascade: what is erased should not hang on a foreign key.
        "cpd_entry_revisions": run(delete(CpdEntryRevision).where(CpdEntryRevision.entry_id.in_(_entry_ids(person)))),
        "cpd_entries": run(delete(CpdEntry).where(CpdEntry.platform == platform, CpdEntry.user_id == user)),
        "registration_journeys": run(
            delete(RegJourney).where(RegJourney.platform == platform, RegJourney.user_id == user)
        ),
        "event_rsvps": run(delete(EventRsvp).where(EventRsvp.platform == platform, EventRsvp.user_id == user)),
        "plan_actions_unassigned": run(
            update(PlanAction)
            .where(PlanAction.owner_platform == platform, PlanAction.owner_user_id == user)
            .values(owner_platform=None, owner_user_id=None, updated_at=now)
        ),
        "plan_updates_anonymised": run(
            update(PlanStatusUpdate)
            .where(PlanStatusUpdate.by_platform == platform, PlanStatusUpdate.by_user_id == user)
            .values(by_user_id=FORGOTTEN)
        ),
        "events_anonymised": run(
            update(Event)
            .where(Event.organiser_platform == platform, Event.organiser_user_id == user)
            .values(organiser_user_id=FORGOTTEN)
        ),
        "roles": run(delete(RoleGrant).where(RoleGrant.platform == platform, RoleGrant.user_id == user)),
        "messages": run(
            delete(Delivery).where(
                Delivery.platform == platform, Delivery.recipient == user, Delivery.to_channel.is_(False)
            )
        ),
        "dm_channels": run(
            delete(ConversationRef).where(ConversationRef.platform == platform, ConversationRef.user_id == user)
        ),
    }
    session.add(AuditLog(at=now, action="forget-me", detail=counts))  # what was done, never whose
    session.flush()
    uow.after_commit(partial(scrub_after_erasure, session.get_bind().engine))
    return counts


# A TRUNCATE checkpoint waits for readers of older snapshots to finish; requests are short, so a few
# brief tries are enough, and the request that erased is not held up for long if they are not.
CHECKPOINT_TRIES = 6
CHECKPOINT_WAIT_MS = 500
VACUUM_LOCK_TIMEOUT_MS = 10_000


def scrub_after_erasure(engine: Engine, tables: tuple[str, ...] | None = None) -> None:
    """Leave no readable copy of what a committed erasure deleted in the database's own files.

    Run after the erasure commits, outside any transaction (`erase_person` arranges it). Deleted
    rows are not enough: SQLite keeps earlier page images in its -wal file (on every connection
    `secure_delete` already zeroes deleted content in the pages themselves, see storage/db.py), so
    the log is checkpointed into the main file and truncated to nothing; PostgreSQL keeps dead
    tuples and their index entries until VACUUM, so the tables the erasure touched are vacuumed,
    indexes included. Copies outside the database's files (backups, PostgreSQL's WAL archive and
    replicas) are the operator's to deal with: see the README.
    """
    started = time.monotonic()
    if engine.dialect.name == "sqlite":
        done = _checkpoint_sqlite(engine)
    elif engine.dialect.name == "postgresql":
        done = _vacuum_postgresql(engine, ERASURE_TABLES if tables is None else tables)
    else:
        done = False
        log.warning("erased rows may remain readable in the %s database's files", engine.dialect.name)
    if done:
        log.info("erased rows scrubbed from the database files ms=%d", (time.monotonic() - started) * 1000)


def _checkpoint_sqlite(engine: Engine) -> bool:
    """Copy every page image in the -wal file into the database and truncate the log to zero bytes."""
    raw = engine.raw_connection()  # autocommit (storage/db.py): a checkpoint cannot run in a transaction
    try:
        cursor = raw.cursor()
        cursor.execute(f"PRAGMA busy_timeout={CHECKPOINT_WAIT_MS}")
        try:
            for _ in range(CHECKPOINT_TRIES):
                try:
                    busy = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
                except sqlite3.OperationalError:  # "database is locked": another checkpoint or a writer
                    busy = 1
                if not busy:
                    return True
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
            log.warning(
                "the -wal file could not be truncated after an erasure (readers kept it busy): erased rows "
                "may stay readable in it until a later checkpoint empties it (the next erasure's, or the one "
                "SQLite makes when the last connection to the database closes)"
            )
            return False
        finally:
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.close()
    finally:
        raw.close()


def _vacuum_postgresql(engine: Engine, tables: tuple[str, ...]) -> bool:
    """VACUUM each table, its TOAST table and every index on it (VACUUM needs autocommit)."""
    quote = engine.dialect.identifier_preparer.quote
    problems: list[str] = []

    def notice(diagnostic: Any) -> None:
        if diagnostic.severity_nonlocalized in ("WARNING", "ERROR"):
            problems.append(str(diagnostic.message_primary))

    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        # Waiting behind a long lock (an index being built, a manual LOCK) would hold up the request.
        conn.exec_driver_sql(f"SET lock_timeout = '{VACUUM_LOCK_TIMEOUT_MS}ms'")
        driver: Any = conn.connection.driver_connection
        notices_seen = hasattr(driver, "add_notice_handler")  # psycopg 3
        if notices_seen:
            driver.add_notice_handler(notice)
        try:
            for table in tables:
                try:
                    # INDEX_CLEANUP ON: VACUUM may otherwise skip the indexes when few rows died, and
                    # their entries hold the keys (people's ids) of the deleted rows.
                    conn.exec_driver_sql(f"VACUUM (INDEX_CLEANUP ON) {quote(table)}")
                except DBAPIError as exc:
                    problems.append(f"{table}: {str(exc.orig).strip()}")
            conn.exec_driver_sql("RESET lock_timeout")
        finally:
            if notices_seen:
                driver.remove_notice_handler(notice)
    for problem in problems:  # e.g. "skipping "cpd_entry" --- only table or database owner can vacuum it"
        log.warning("VACUUM after an erasure: %s (run VACUUM on it by hand)", problem)
    return not problems
