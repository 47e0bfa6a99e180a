"""The patient directory of local parties: which patients a party knows (for AppRec E35).

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-15
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "patients",
        sa.Column("party_her_id", sa.String(), nullable=False),
        sa.Column("patient_id", sa.String(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("party_her_id", "patient_id", name="pk_patients"),
        sa.ForeignKeyConstraint(
            ["party_her_id"], ["parties.her_id"], name="fk_patients_party_her_id_parties", ondelete="CASCADE"
        ),
    )


def downgrade() -> None:
    op.drop_table("patients")
