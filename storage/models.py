"""The SQLAlchemy models: one class a table, singular snake_case names, UTC times."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Double, ForeignKey, Index, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


class PersonColumns:
    """The three columns that say whose a row is."""

    platform: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))


class CpdEntry(PersonColumns, Base):
    """One CPD activity a person logged."""

    __tablename__ = "cpd_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_on: Mapped[date]
    minutes: Mapped[int]
    activity_type: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    reflection: Mapped[str] = mapped_column(Text, default="")
    benefit: Mapped[str] = mapped_column(Text, default="")
    evidence_url: Mapped[str] = mapped_column(String(2000), default="")
    # Where an entry came from when the bot created it (e.g. "event:12"); unique per person,
    # so that crediting the same event twice is impossible.
    source: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    tags: Mapped[list[CpdTag]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", lazy="selectin", order_by="CpdTag.tag"
    )

    __table_args__ = (
        Index("ix_cpd_entry_person_date", "platform", "team_id", "user_id", "occurred_on"),
        UniqueConstraint("platform", "team_id", "user_id", "source", name="uq_cpd_entry_person_source"),
    )


class CpdTag(Base):
    """A tag on a CPD entry, lower case, without the leading '#'."""

    __tablename__ = "cpd_tag"

    entry_id: Mapped[int] = mapped_column(ForeignKey("cpd_entry.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(40), primary_key=True)

    entry: Mapped[CpdEntry] = relationship(back_populates="tags")


class CpdEntryRevision(Base):
    """An entry as it was just before one edit, kept so that the edit can be undone exactly."""

    __tablename__ = "cpd_entry_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("cpd_entry.id", ondelete="CASCADE"))
    occurred_on: Mapped[date]
    minutes: Mapped[int]
    activity_type: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    reflection: Mapped[str] = mapped_column(Text)
    benefit: Mapped[str] = mapped_column(Text)
    evidence_url: Mapped[str] = mapped_column(String(2000))
    tags: Mapped[list[str]] = mapped_column(JSON)
    entry_updated_at: Mapped[datetime]  # the entry's own time stamp before the edit, restored with the rest
    created_at: Mapped[datetime]  # when the edit was made
    undone_at: Mapped[datetime | None] = mapped_column(default=None)

    __table_args__ = (Index("ix_cpd_entry_revision_entry", "entry_id", "id"),)


class RoleGrant(Base):
    """A role given to a person with `techcommit roles grant` (admins also come from settings)."""

    __tablename__ = "role_grant"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    granted_at: Mapped[datetime]


class HandledInteraction(Base):
    """A delivery from a chat platform already acted on, so a retried delivery does nothing."""

    __tablename__ = "handled_interaction"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    handled_at: Mapped[datetime] = mapped_column(index=True)


class PlanAction(Base):
    """One action of the Technician Commitment plan, with its owner."""

    __tablename__ = "plan_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(20), unique=True)
    plan_year_number: Mapped[int]  # the plan document's "year N"
    title: Mapped[str] = mapped_column(Text)
    pillar: Mapped[str | None] = mapped_column(String(32), default=None)
    owner_platform: Mapped[str | None] = mapped_column(String(16), default=None)
    owner_user_id: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    quarters: Mapped[list[PlanActionQuarter]] = relationship(
        back_populates="action",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="[PlanActionQuarter.plan_year, PlanActionQuarter.quarter]",
    )

    __table_args__ = (Index("ix_plan_action_owner", "owner_platform", "owner_user_id"),)


class PlanActionQuarter(Base):
    """A plan quarter in which an action is due."""

    __tablename__ = "plan_action_quarter"

    action_id: Mapped[int] = mapped_column(ForeignKey("plan_action.id", ondelete="CASCADE"), primary_key=True)
    plan_year: Mapped[int] = mapped_column(primary_key=True)
    quarter: Mapped[int] = mapped_column(primary_key=True)

    action: Mapped[PlanAction] = relationship(back_populates="quarters")

    __table_args__ = (Index("ix_plan_action_quarter_when", "plan_year", "quarter"),)


class PlanStatusUpdate(Base):
    """A status recorded for an action in a quarter; the history is every row."""

    __tablename__ = "plan_status_update"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("plan_action.id", ondelete="CASCADE"))
    plan_year: Mapped[int]
    quarter: Mapped[int]
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    by_platform: Mapped[str] = mapped_column(String(16))
    by_user_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]

    __table_args__ = (Index("ix_plan_status_update_action_quarter", "action_id", "plan_year", "quarter", "id"),)


class Delivery(Base):
    """The outbox: one row per message the bot means to send, unique by its key."""

    __tablename__ = "delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    platform: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(64))  # a user id, or a channel id when to_channel
    to_channel: Mapped[bool] = mapped_column(default=False)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    # The sender that claimed the row last ("host:pid:random"): only it may send the row while it holds it,
    # and a row still claimed by a sender that is gone can be told apart and taken back.
    claimed_by: Mapped[str | None] = mapped_column(String(128), default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    message_channel: Mapped[str | None] = mapped_column(String(64), default=None)
    message_ts: Mapped[str | None] = mapped_column(String(32), default=None)

    __table_args__ = (Index("ix_delivery_due", "status", "next_attempt_at"),)


class ConversationRef(Base):
    """Where to reach a person directly: a Slack DM channel id (a Teams conversation reference later)."""

    __tablename__ = "conversation_ref"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    ref: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]


class Event(Base):
    """A Tech Net event: when, where, how many places, and the CPD it is worth."""

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime] = mapped_column(index=True)
    location: Mapped[str] = mapped_column(String(200), default="")
    capacity: Mapped[int | None] = mapped_column(default=None)
    cpd_minutes: Mapped[int]
    cpd_type: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str] = mapped_column(String(64))
    organiser_platform: Mapped[str] = mapped_column(String(16))
    organiser_user_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="scheduled")  # or "cancelled"
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class EventRsvp(Base):
    """One person's answer to one event: going, maybe, not-going or waitlist."""

    __tablename__ = "event_rsvp"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    response: Mapped[str] = mapped_column(String(16))
    waitlisted_at: Mapped[datetime | None] = mapped_column(default=None)
    responded_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("event_id", "platform", "user_id", name="uq_event_rsvp_person"),
        Index("ix_event_rsvp_event_response", "event_id", "response"),
        Index("ix_event_rsvp_person", "platform", "user_id"),
    )


class RegJourney(PersonColumns, Base):
    """A person's journey towards one professional register (RSciTech, EngTech, ...)."""

    __tablename__ = "reg_journey"

    id: Mapped[int] = mapped_column(primary_key=True)
    register: Mapped[str] = mapped_column(String(16))
    stage: Mapped[str] = mapped_column(String(16))
    stage_since: Mapped[datetime]
    target_date: Mapped[date | None] = mapped_column(default=None)
    body: Mapped[str] = mapped_column(String(64), default="")
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("platform", "team_id", "user_id", "register", name="uq_reg_journey_person"),)


class RegStageChange(Base):
    """When a journey entered a stage (the history)."""

    __tablename__ = "reg_stage_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    journey_id: Mapped[int] = mapped_column(ForeignKey("reg_journey.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(16))
    changed_at: Mapped[datetime]


class RegEvidence(Base):
    """A CPD entry linked as evidence for one competence of a journey."""

    __tablename__ = "reg_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    journey_id: Mapped[int] = mapped_column(ForeignKey("reg_journey.id", ondelete="CASCADE"))
    competence: Mapped[str] = mapped_column(String(1))
    cpd_entry_id: Mapped[int] = mapped_column(ForeignKey("cpd_entry.id", ondelete="CASCADE"), index=True)
    linked_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("journey_id", "competence", "cpd_entry_id", name="uq_reg_evidence_link"),)


class AuditLog(Base):
    """Things the organisation must be able to show happened, recorded without personal data."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Lease(Base):
    """A named lease held by one process until `until` (e.g. which process runs the scheduler)."""

    __tablename__ = "lease"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    until: Mapped[datetime]


class PostPace(Base):
    """The latest turn reserved for posting under a key (one a workspace, e.g. "slack:…"), shared by every process.

    Seconds since the epoch rather than a timestamp: the next turn is computed in SQL, alike on both databases.
    """

    __tablename__ = "post_pace"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    last_slot: Mapped[float] = mapped_column(Double)
