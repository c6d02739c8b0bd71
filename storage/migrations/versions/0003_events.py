"""Tech Net events and RSVPs.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UTC_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("starts_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("ends_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("location", sa.String(200), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("cpd_minutes", sa.Integer(), nullable=False),
        sa.Column("cpd_type", sa.String(16), nullable=False),
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("organiser_platform", sa.String(16), nullable=False),
        sa.Column("organiser_user_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("cancel_reason", sa.Text(), nullable=False),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("updated_at", UTC_TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event")),
    )
    op.create_index(op.f("ix_event_starts_at"), "event", ["starts_at"])
    op.create_index(op.f("ix_event_ends_at"), "event", ["ends_at"])

    op.create_table(
        "event_rsvp",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("team_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("response", sa.String(16), nullable=False),
        sa.Column("waitlisted_at", UTC_TIMESTAMP, nullable=True),
        sa.Column("responded_at", UTC_TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], name=op.f("fk_event_rsvp_event_id_event"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_rsvp")),
        sa.UniqueConstraint("event_id", "platform", "user_id", name="uq_event_rsvp_person"),
    )
    op.create_index("ix_event_rsvp_event_response", "event_rsvp", ["event_id", "response"])
    op.create_index("ix_event_rsvp_person", "event_rsvp", ["platform", "user_id"])


def downgrade() -> None:
    op.drop_index("ix_event_rsvp_person", table_name="event_rsvp")
    op.drop_index("ix_event_rsvp_event_response", table_name="event_rsvp")
    op.drop_table("event_rsvp")
    op.drop_index(op.f("ix_event_ends_at"), table_name="event")
    op.drop_index(op.f("ix_event_starts_at"), table_name="event")
    op.drop_table("event")
