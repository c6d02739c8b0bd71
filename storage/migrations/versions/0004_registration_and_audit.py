"""Professional registration journeys (stage history, evidence links) and the audit log.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UTC_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "reg_journey",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("team_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("register", sa.String(16), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("stage_since", UTC_TIMESTAMP, nullable=False),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.Column("body", sa.String(64), nullable=False),
        sa.Column("started_at", UTC_TIMESTAMP, nullable=False),
        sa.Column("updated_at", UTC_TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reg_journey")),
        sa.UniqueConstraint("platform", "team_id", "user_id", "register", name="uq_reg_journey_person"),
    )
    op.create_table(
        "reg_stage_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("journey_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("changed_at", UTC_TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["journey_id"], ["reg_journey.id"],
                                name=op.f("fk_reg_stage_change_journey_id_reg_journey"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reg_stage_change")),
    )
    op.create_index(op.f("ix_reg_stage_change_journey_id"), "reg_stage_change", ["journey_id"])
    op.create_table(
        "reg_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("journey_id", sa.Integer(), nullable=False),
        sa.Column("competence", sa.String(1), nullable=False),
        sa.Column("cpd_entry_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", UTC_TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["journey_id"], ["reg_journey.id"],
                                name=op.f("fk_reg_evidence_journey_id_reg_journey"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["cpd_entry_id"], ["cpd_entry.id"],
                                name=op.f("fk_reg_evidence_cpd_entry_id_cpd_entry"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reg_evidence")),
        sa.UniqueConstraint("journey_id", "competence", "cpd_entry_id", name="uq_reg_evidence_link"),
    )
    op.create_index(op.f("ix_reg_evidence_cpd_entry_id"), "reg_evidence", ["cpd_entry_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTC_TIMESTAMP, nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )


def downgrade() -> None:
    op.drop_table("audit_log")
    op.drop_index(op.f("ix_reg_evidence_cpd_entry_id"), table_name="reg_evidence")
    op.drop_table("reg_evidence")
    op.drop_index(op.f("ix_reg_stage_change_journey_id"), table_name="reg_stage_change")
    op.drop_table("reg_stage_change")
    op.drop_table("reg_journey")
