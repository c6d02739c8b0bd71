"""The action plan (actions, due quarters, status history), the delivery outbox, DM channels.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UTC_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "plan_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(20), nullable=False),
        sa.Column("plan_year_number", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("pillar", sa.String(32), nullable=True),
        sa.Column("owner_platform", sa.String(16), nullable=True),
        sa.Column("owner_user_id", sa.String(64), nullable=True),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("updated_at", UTC_TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_action")),
        sa.UniqueConstraint("ref", name=op.f("uq_plan_action_ref")),
    )
    op.create_index("ix_plan_action_owner", "plan_action", ["owner_platform", "owner_user_id"])

    op.create_table(
        "plan_action_quarter",
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("plan_year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["action_id"], ["plan_action.id"],
                                name=op.f("fk_plan_action_quarter_action_id_plan_action"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("action_id", "plan_year", "quarter", name=op.f("pk_plan_action_quarter")),
    )
    op.create_index("ix_plan_action_quarter_when", "plan_action_quarter", ["plan_year", "quarter"])

    op.create_table(
        "plan_status_update",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("plan_year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("by_platform", sa.String(16), nullable=False),
        sa.Column("by_user_id", sa.String(64), nullable=False),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["action_id"], ["plan_action.id"],
                                name=op.f("fk_plan_status_update_action_id_plan_action"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_status_update")),
    )
    op.create_index("ix_plan_status_update_action_quarter", "plan_status_update",
                    ["action_id", "plan_year", "quarter", "id"])

    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(64), nullable=False),
        sa.Column("to_channel", sa.Boolean(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("lease_until", UTC_TIMESTAMP, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("sent_at", UTC_TIMESTAMP, nullable=True),
        sa.Column("message_channel", sa.String(64), nullable=True),
        sa.Column("message_ts", sa.String(32), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery")),
        sa.UniqueConstraint("key", name=op.f("uq_delivery_key")),
    )
    op.create_index("ix_delivery_due", "delivery", ["status", "next_attempt_at"])

    op.create_table(
        "conversation_ref",
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("ref", sa.Text(), nullable=False),
        sa.Column("updated_at", UTC_TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("platform", "user_id", name=op.f("pk_conversation_ref")),
    )


def downgrade() -> None:
    op.drop_table("conversation_ref")
    op.drop_index("ix_delivery_due", table_name="delivery")
    op.drop_table("delivery")
    op.drop_index("ix_plan_status_update_action_quarter", table_name="plan_status_update")
    op.drop_table("plan_status_update")
    op.drop_index("ix_plan_action_quarter_when", table_name="plan_action_quarter")
    op.drop_table("plan_action_quarter")
    op.drop_index("ix_plan_action_owner", table_name="plan_action")
    op.drop_table("plan_action")
