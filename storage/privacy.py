"""Everything stored about one person: gathered for them, or erased at their request."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, select, update

from storage import registration
from storage.models import (
    AuditLog,
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

FORGOTTEN = "forgotten"  # stands in for a deleted person where an organisational record must stay


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
    return counts
