"""CPD entry revisions: an entry as it was before each edit, so that Undo can put it back.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UTC_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "cpd_entry_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("activity_type", sa.String(16), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("reflection", sa.Text(), nullable=False),
        sa.Column("benefit", sa.Text(), nullable=False),
        sa.Column("evidence_url", sa.String(2000), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("entry_updated_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("created_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("undone_at", UTC_TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["cpd_entry.id"],
            name=op.f("fk_cpd_entry_revision_entry_id_cpd_entry"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cpd_entry_revision")),
    )
    op.create_index("ix_cpd_entry_revision_entry", "cpd_entry_revision", ["entry_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_cpd_entry_revision_entry", table_name="cpd_entry_revision")
    op.drop_table("cpd_entry_revision")
