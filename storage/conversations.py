"""Where to reach people directly (Slack DM channel ids), so they are looked up once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from storage.models import ConversationRef
from storage.sql import insert_if_absent
from storage.uow import UnitOfWork


def get_ref(uow: UnitOfWork, *, platform: str, user_id: str) -> str | None:
    return uow.session.scalar(
        select(ConversationRef.ref).where(ConversationRef.platform == platform, ConversationRef.user_id == user_id)
    )


def save_ref(uow: UnitOfWork, *, platform: str, user_id: str, ref: str, now: datetime) -> None:
    """Remember (or replace) how to reach the person."""
    values = {"platform": platform, "user_id": user_id, "ref": ref, "updated_at": now}
    if not insert_if_absent(uow.session, ConversationRef.__table__, values):  # type: ignore[arg-type]
        uow.session.execute(
            update(ConversationRef)
            .where(ConversationRef.platform == platform, ConversationRef.user_id == user_id)
            .values(ref=ref, updated_at=now)
        )
