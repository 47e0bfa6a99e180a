"""The cooperation test checklist: runs and their cases, with evidence and the report.

Revision ID: 0007
Revises: 0006
Create Date: 2025-03-20
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Moment = sa.DateTime(timezone=True)  # always UTC; see samhandling.store.messaging.tables.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "checklist_runs",
        sa.Column("run_id", sa.String(40), nullable=False),
        sa.Column("checklist_id", sa.String(), nullable=False),
        sa.Column("checklist_version", sa.String(), nullable=False),
        sa.Column("mode", sa.String(12), nullable=False),
        sa.Column("trigger", sa.String(30), nullable=False),
        sa.Column("changed_side", sa.String(1), nullable=False),
        sa.Column("started_at", Moment, nullable=False),
        sa.Column("finished_at", Moment, nullable=True),
        sa.Column("hospital_her_id", sa.String(), nullable=False),
        sa.Column("hospital_name", sa.Text(), nullable=False),
        sa.Column("hospital_epj_system", sa.Text(), nullable=True),
        sa.Column("hospital_epj_version", sa.Text(), nullable=True),
        sa.Column("hospital_comm_module", sa.Text(), nullable=True),
        sa.Column("hospital_comm_version", sa.Text(), nullable=True),
        sa.Column("municipality_her_id", sa.String(), nullable=False),
        sa.Column("municipality_name", sa.Text(), nullable=False),
        sa.Column("municipality_number", sa.String(4), nullable=True),
        sa.Column("municipality_number_name", sa.Text(), nullable=True),
        sa.Column("municipality_epj_system", sa.Text(), nullable=True),
        sa.Column("municipality_epj_version", sa.Text(), nullable=True),
        sa.Column("municipality_comm_module", sa.Text(), nullable=True),
        sa.Column("municipality_comm_version", sa.Text(), nullable=True),
        sa.Column("tester_hospital", sa.Text(), nullable=True),
        sa.Column("tester_municipality", sa.Text(), nullable=True),
        sa.Column("patient_masked", sa.String(11), nullable=False),
        sa.Column("schemas_checked", sa.Boolean(), nullable=False),
        sa.Column("passed", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("not_run", sa.Integer(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", name="pk_checklist_runs"),
        sa.CheckConstraint("mode IN ('automatic', 'partner')", name="ck_checklist_runs_mode"),
        sa.CheckConstraint("changed_side IN ('K', 'S')", name="ck_checklist_runs_changed_side"),
    )
    op.create_index("ix_checklist_runs_started_at", "checklist_runs", ["started_at"])
    op.create_index("ix_checklist_runs_municipality_her_id_started_at", "checklist_runs",
                    ["municipality_her_id", "started_at"])
    op.create_index("ix_checklist_runs_hospital_her_id_started_at", "checklist_runs",
                    ["hospital_her_id", "started_at"])

    op.create_table(
        "checklist_cases",
        sa.Column("run_id", sa.String(40), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("sender_side", sa.String(10), nullable=False),
        sa.Column("result", sa.String(10), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "number", name="pk_checklist_cases"),
        sa.ForeignKeyConstraint(
            ["run_id"], ["checklist_runs.run_id"], name="fk_checklist_cases_run_id_checklist_runs", ondelete="CASCADE"
        ),
        sa.CheckConstraint("result IN ('passed', 'failed', 'not_run')", name="ck_checklist_cases_result"),
    )


def downgrade() -> None:
    op.drop_table("checklist_cases")
    op.drop_table("checklist_runs")
