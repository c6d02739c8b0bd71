"""The post pace: one shared budget of chat.postMessage slots per workspace, for every process.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "post_pace",
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("last_slot", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_post_pace")),
    )


def downgrade() -> None:
    op.drop_table("post_pace")
