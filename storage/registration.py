"""Registration journeys, their stage history and evidence links."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select

from storage.models import RegEvidence, RegJourney, RegStageChange
from storage.people import PersonId
from storage.sql import insert_if_absent
from storage.uow import UnitOfWork


def journeys_of(uow: UnitOfWork, *, person: PersonId) -> list[RegJourney]:
    stmt = (
        select(RegJourney)
        .where(
            RegJourney.platform == person.platform,
            RegJourney.team_id == person.team_id,
            RegJourney.user_id == person.user_id,
        )
        .order_by(RegJourney.id)
    )
    return list(uow.session.scalars(stmt))


def start_journey(uow: UnitOfWork, *, person: PersonId, register: str, stage: str, now: datetime) -> RegJourney:
    journey = RegJourney(
        platform=person.platform,
        team_id=person.team_id,
        user_id=person.user_id,
        register=register,
        stage=stage,
        stage_since=now,
        body="",
        started_at=now,
        updated_at=now,
    )
    uow.session.add(journey)
    uow.session.flush()
    uow.session.add(RegStageChange(journey_id=journey.id, stage=stage, changed_at=now))
    uow.session.flush()
    return journey


def set_stage(uow: UnitOfWork, *, journey: RegJourney, stage: str, now: datetime) -> None:
    """Move to a stage, keeping the history."""
    journey.stage, journey.stage_since, journey.updated_at = stage, now, now
    uow.session.add(RegStageChange(journey_id=journey.id, stage=stage, changed_at=now))
    uow.session.flush()


def history(uow: UnitOfWork, *, journey: RegJourney) -> list[RegStageChange]:
    stmt = select(RegStageChange).where(RegStageChange.journey_id == journey.id).order_by(RegStageChange.id)
    return list(uow.session.scalars(stmt))


def link_evidence(uow: UnitOfWork, *, journey: RegJourney, competence: str, cpd_entry_id: int, now: datetime) -> bool:
    """Link a CPD entry to a competence; False if it was linked already."""
    values = {"journey_id": journey.id, "competence": competence, "cpd_entry_id": cpd_entry_id, "linked_at": now}
    return insert_if_absent(uow.session, RegEvidence.__table__, values)  # type: ignore[arg-type]


def evidence_of(uow: UnitOfWork, *, journey_ids: Iterable[int]) -> dict[int, dict[str, list[int]]]:
    """Linked CPD entry ids by journey, then competence."""
    ids = list(journey_ids)
    found: dict[int, dict[str, list[int]]] = {journey_id: defaultdict(list) for journey_id in ids}
    if ids:
        stmt = (
            select(RegEvidence.journey_id, RegEvidence.competence, RegEvidence.cpd_entry_id)
            .where(RegEvidence.journey_id.in_(ids))
            .order_by(RegEvidence.id)
        )
        for journey_id, competence, entry_id in uow.session.execute(stmt):
            found[journey_id][competence].append(entry_id)
    return found


def people_by_register_and_stage(uow: UnitOfWork) -> list[tuple[str, str, int]]:
    """How many journeys are at each stage of each register (everyone's; no names)."""
    stmt = (
        select(RegJourney.register, RegJourney.stage, func.count())
        .group_by(RegJourney.register, RegJourney.stage)
        .order_by(RegJourney.register, RegJourney.stage)
    )
    return [(register, stage, int(count)) for register, stage, count in uow.session.execute(stmt)]


def all_stage_changes(uow: UnitOfWork) -> list[tuple[int, str, str, datetime]]:
    """(journey id, register, stage, when) for every change, in order — for durations (no names)."""
    stmt = (
        select(RegStageChange.journey_id, RegJourney.register, RegStageChange.stage, RegStageChange.changed_at)
        .join(RegJourney, RegJourney.id == RegStageChange.journey_id)
        .order_by(RegStageChange.journey_id, RegStageChange.id)
    )
    return [(int(j), str(r), str(s), at) for j, r, s, at in uow.session.execute(stmt)]
