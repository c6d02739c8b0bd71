"""Initial schema: CPD entries and tags, role grants, handled interactions.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UTC_TIMESTAMP = sa.DateTime(timezone=True)


def person_columns() -> list[sa.Column]:
    return [
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("team_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "cpd_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        *person_columns(),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("activity_type", sa.String(16), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("reflection", sa.Text(), nullable=False),
        sa.Column("benefit", sa.Text(), nullable=False),
        sa.Column("evidence_url", sa.String(2000), nullable=False),
        sa.Column("source", sa.String(64), nullable=True),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("updated_at", UTC_TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cpd_entry")),
        sa.UniqueConstraint("platform", "team_id", "user_id", "source", name="uq_cpd_entry_person_source"),
    )
    op.create_index("ix_cpd_entry_person_date", "cpd_entry", ["platform", "team_id", "user_id", "occurred_on"])

    op.create_table(
        "cpd_tag",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(40), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["cpd_entry.id"], name=op.f("fk_cpd_tag_entry_id_cpd_entry"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("entry_id", "tag", name=op.f("pk_cpd_tag")),
    )

    op.create_table(
        "role_grant",
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("granted_at", UTC_TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("platform", "user_id", "role", name=op.f("pk_role_grant")),
    )

    op.create_table(
        "handled_interaction",
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("handled_at", UTC_TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_handled_interaction")),
    )
    op.create_index(op.f("ix_handled_interaction_handled_at"), "handled_interaction", ["handled_at"])


def downgrade() -> None:
    op.drop_table("handled_interaction")
    op.drop_table("role_grant")
    op.drop_table("cpd_tag")
    op.drop_index("ix_cpd_entry_person_date", table_name="cpd_entry")
    op.drop_table("cpd_entry")
