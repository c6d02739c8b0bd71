"""Plan actions, the quarters they are due in, owners and status history."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import func, select, text

from storage.models import PlanAction, PlanActionQuarter, PlanStatusUpdate
from storage.uow import UnitOfWork

Owner = tuple[str, str]  # (platform, user id)
# An owner known so far only by their email (imported without a way to look it up): ("email", address).
# Their actions count as assigned; the first run that can ask Slack puts their user id in its place.
EMAIL = "email"


@dataclass(frozen=True)
class ActionSpec:
    """An action as an import file describes it."""

    ref: str
    plan_year_number: int
    title: str
    quarters: tuple[tuple[int, int], ...]  # (plan year, quarter number)
    pillar: str | None = None
    owner: Owner | None = None


def upsert_action(
    uow: UnitOfWork, *, spec: ActionSpec, explicit_pillar: bool, now: datetime
) -> tuple[PlanAction, Literal["created", "updated", "unchanged"]]:
    """Create the action or update its title and quarters; owners and history are kept.

    An owner from the file is set only on an action that has none (or only an email still to look
    up, when the file's owner is a user id); a pillar is replaced only when the file states one
    (`explicit_pillar`), otherwise filled in when missing. Says whether the action was created,
    changed, or already as the file has it (then left untouched).
    """
    action = get_action(uow, ref=spec.ref)
    created = action is None
    if action is None:
        action = PlanAction(ref=spec.ref, created_at=now)
        uow.session.add(action)
    before = _as_stored(action)
    action.plan_year_number = spec.plan_year_number
    action.title = spec.title
    if spec.pillar and (explicit_pillar or action.pillar is None):
        action.pillar = spec.pillar
    awaiting_lookup = action.owner_platform == EMAIL and spec.owner is not None and spec.owner[0] != EMAIL
    if spec.owner and (action.owner_user_id is None or awaiting_lookup):
        action.owner_platform, action.owner_user_id = spec.owner
    current = {(q.plan_year, q.quarter): q for q in action.quarters}
    action.quarters = [
        current.get(key) or PlanActionQuarter(plan_year=key[0], quarter=key[1]) for key in sorted(set(spec.quarters))
    ]
    changed = created or _as_stored(action) != before
    if changed:
        action.updated_at = now
    uow.session.flush()
    return action, "created" if created else "updated" if changed else "unchanged"


def _as_stored(action: PlanAction) -> tuple[object, ...]:
    """What an import may change on an action, to tell whether it did."""
    quarters = sorted((q.plan_year, q.quarter) for q in action.quarters) if action.id is not None else []
    return (
        action.plan_year_number,
        action.title,
        action.pillar,
        action.owner_platform,
        action.owner_user_id,
        tuple(quarters),
    )


def get_action(uow: UnitOfWork, *, ref: str) -> PlanAction | None:
    """The action with this ref (case-insensitive), if any."""
    return uow.session.scalars(select(PlanAction).where(func.upper(PlanAction.ref) == ref.upper())).one_or_none()


def all_actions(uow: UnitOfWork) -> list[PlanAction]:
    """Every action, in plan order."""
    return list(uow.session.scalars(select(PlanAction).order_by(PlanAction.plan_year_number, PlanAction.id)))


def actions_due(uow: UnitOfWork, *, plan_year: int, quarter: int, owner: Owner | None = None) -> list[PlanAction]:
    """Actions due in the quarter (of one owner, if given), in plan order."""
    stmt = (
        select(PlanAction)
        .join(PlanActionQuarter)
        .where(PlanActionQuarter.plan_year == plan_year, PlanActionQuarter.quarter == quarter)
        .order_by(PlanAction.plan_year_number, PlanAction.id)
    )
    if owner is not None:
        stmt = stmt.where(PlanAction.owner_platform == owner[0], PlanAction.owner_user_id == owner[1])
    return list(uow.session.scalars(stmt))


def refresh_statistics(uow: UnitOfWork) -> None:
    """Let PostgreSQL's planner see a plan imported just now, rather than a minute later (autovacuum).

    Until then it plans as if the tables were empty, and finding one owner's actions due reads every
    action of the quarter: with 5,000 actions, 3.5 ms for each owner's reminder instead of 0.08 ms.
    Counts rows this transaction inserted; other sessions see the statistics once it commits.
    """
    if uow.session.get_bind().dialect.name == "postgresql":
        uow.session.execute(text("ANALYZE plan_action, plan_action_quarter"))


def owners_due(uow: UnitOfWork, *, plan_year: int, quarter: int, by_email: bool = False) -> list[Owner]:
    """Everyone who owns at least one action due in the quarter (`by_email`: and owners still to look up)."""
    stmt = (
        select(PlanAction.owner_platform, PlanAction.owner_user_id)
        .join(PlanActionQuarter)
        .where(
            PlanActionQuarter.plan_year == plan_year,
            PlanActionQuarter.quarter == quarter,
            PlanAction.owner_user_id.is_not(None),
        )
        .distinct()
        .order_by(PlanAction.owner_platform, PlanAction.owner_user_id)
    )
    if not by_email:
        stmt = stmt.where(PlanAction.owner_platform != EMAIL)
    return [(str(platform), str(user)) for platform, user in uow.session.execute(stmt)]


def emails_to_look_up(uow: UnitOfWork) -> list[str]:
    """The owners' emails stored until someone could look them up."""
    stmt = (
        select(PlanAction.owner_user_id)
        .where(PlanAction.owner_platform == EMAIL, PlanAction.owner_user_id.is_not(None))
        .distinct()
        .order_by(PlanAction.owner_user_id)
    )
    return [str(email) for email in uow.session.scalars(stmt)]


def owner_found(uow: UnitOfWork, *, email: str, owner: Owner | None, now: datetime) -> int:
    """Give the actions stored under `email` to the person it belongs to (None: nobody has it, unassign
    them); how many there were."""
    found = list(
        uow.session.scalars(
            select(PlanAction).where(PlanAction.owner_platform == EMAIL, PlanAction.owner_user_id == email)
        )
    )
    for action in found:
        assign(uow, action=action, owner=owner, now=now)
    return len(found)


def actions_owned_by(uow: UnitOfWork, *, owner: Owner) -> list[PlanAction]:
    stmt = (
        select(PlanAction)
        .where(PlanAction.owner_platform == owner[0], PlanAction.owner_user_id == owner[1])
        .order_by(PlanAction.plan_year_number, PlanAction.id)
    )
    return list(uow.session.scalars(stmt))


def unassigned_actions(uow: UnitOfWork) -> list[PlanAction]:
    stmt = (
        select(PlanAction)
        .where(PlanAction.owner_user_id.is_(None))
        .order_by(PlanAction.plan_year_number, PlanAction.id)
    )
    return list(uow.session.scalars(stmt))


def assign(uow: UnitOfWork, *, action: PlanAction, owner: Owner | None, now: datetime) -> None:
    """Give the action to an owner (None: unassign)."""
    action.owner_platform, action.owner_user_id = owner if owner else (None, None)
    action.updated_at = now
    uow.session.flush()


def add_status(
    uow: UnitOfWork,
    *,
    action: PlanAction,
    plan_year: int,
    quarter: int,
    status: str,
    note: str,
    by: Owner,
    now: datetime,
) -> PlanStatusUpdate:
    """Record a status for the action in a quarter."""
    update = PlanStatusUpdate(
        action_id=action.id,
        plan_year=plan_year,
        quarter=quarter,
        status=status,
        note=note,
        by_platform=by[0],
        by_user_id=by[1],
        created_at=now,
    )
    uow.session.add(update)
    uow.session.flush()
    return update


def latest_statuses(
    uow: UnitOfWork, *, action_ids: Iterable[int], plan_year: int, quarter: int
) -> dict[int, PlanStatusUpdate]:
    """The newest update of each action in the quarter (actions without one are absent)."""
    ids = list(action_ids)
    if not ids:
        return {}
    newest = (
        select(func.max(PlanStatusUpdate.id))
        .where(
            PlanStatusUpdate.action_id.in_(ids),
            PlanStatusUpdate.plan_year == plan_year,
            PlanStatusUpdate.quarter == quarter,
        )
        .group_by(PlanStatusUpdate.action_id)
    )
    rows = uow.session.scalars(select(PlanStatusUpdate).where(PlanStatusUpdate.id.in_(newest)))
    return {row.action_id: row for row in rows}


def history(uow: UnitOfWork, *, action: PlanAction, limit: int = 20) -> Sequence[PlanStatusUpdate]:
    """The action's updates, newest first."""
    stmt = (
        select(PlanStatusUpdate)
        .where(PlanStatusUpdate.action_id == action.id)
        .order_by(PlanStatusUpdate.id.desc())
        .limit(limit)
    )
    return list(uow.session.scalars(stmt))
