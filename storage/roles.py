"""Roles granted to people (admin, organiser)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from storage.models import RoleGrant
from storage.sql import insert_if_absent
from storage.uow import UnitOfWork

ROLES = ("admin", "organiser")


def grant_role(uow: UnitOfWork, *, platform: str, user_id: str, role: str, now: datetime) -> bool:
    """Give the role; False if the person had it already."""
    values = {"platform": platform, "user_id": user_id, "role": role, "granted_at": now}
    return insert_if_absent(uow.session, RoleGrant.__table__, values)  # type: ignore[arg-type]


def revoke_role(uow: UnitOfWork, *, platform: str, user_id: str, role: str) -> bool:
    """Take the role away; False if the person did not have it."""
    result = uow.session.execute(
        delete(RoleGrant).where(RoleGrant.platform == platform, RoleGrant.user_id == user_id, RoleGrant.role == role)
    )
    return bool(getattr(result, "rowcount", 0))


def roles_of(uow: UnitOfWork, *, platform: str, user_id: str) -> set[str]:
    """The roles granted to a person."""
    stmt = select(RoleGrant.role).where(RoleGrant.platform == platform, RoleGrant.user_id == user_id)
    return set(uow.session.scalars(stmt))


def list_grants(uow: UnitOfWork) -> list[RoleGrant]:
    """Every grant, by role then person."""
    return list(uow.session.scalars(select(RoleGrant).order_by(RoleGrant.role, RoleGrant.user_id)))
