"""Incidents with their updates and phone log, the emergency routine's holds, and the deviation register.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Key = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Moment = sa.DateTime(timezone=True)  # always UTC; see samhandling.store.messaging.tables.UtcDateTime
ACTIVE = "released_at IS NULL"


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", Key, autoincrement=True, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("side", sa.String(length=10), nullable=False),
        sa.Column("partner_her_ids", sa.JSON(), nullable=False),
        sa.Column("message_types", sa.JSON(), nullable=False),
        sa.Column("detected_at", Moment, nullable=False),
        sa.Column("expected_end", Moment, nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("source_ref", sa.Text(), nullable=True),
        sa.Column("resolved_at", Moment, nullable=True),
        sa.Column("downtime_notice_at", Moment, nullable=True),
        sa.Column("responsible", sa.Text(), nullable=False),
        sa.Column("contact_person", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.CheckConstraint("side IN ('egen', 'partner')", name="ck_incidents_side"),
        sa.CheckConstraint("status IN ('investigating', 'identified', 'monitoring', 'resolved')",
                           name="ck_incidents_status"),
        sa.PrimaryKeyConstraint("id", name="pk_incidents"),
    )
    op.create_index("ix_incidents_status_detected_at", "incidents", ["status", "detected_at"])
    children: tuple[tuple[str, list[sa.schema.SchemaItem]], ...] = (
        ("incident_updates", [sa.Column("at", Moment, nullable=False), sa.Column("by", sa.Text(), nullable=False),
                              sa.Column("status", sa.String(length=20), nullable=False),
                              sa.Column("text", sa.Text(), nullable=False)]),
        ("incident_calls", [sa.Column("at", Moment, nullable=False), sa.Column("caller", sa.Text(), nullable=False),
                            sa.Column("callee", sa.Text(), nullable=False),
                            sa.Column("about", sa.Text(), nullable=False),
                            sa.Column("message_id", Key, nullable=True), sa.Column("by", sa.Text(), nullable=False)]),
    )
    for name, columns in children:
        op.create_table(
            name,
            sa.Column("incident_id", Key, nullable=False),
            sa.Column("position", sa.Integer(), nullable=False),
            *columns,
            sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], name=f"fk_{name}_incident_id_incidents",
                                    ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("incident_id", "position", name=f"pk_{name}"),
        )
    op.create_table(
        "holds",
        sa.Column("id", Key, autoincrement=True, nullable=False),
        sa.Column("target", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("since", Moment, nullable=False),
        sa.Column("by", sa.Text(), nullable=False),
        sa.Column("incident_id", Key, nullable=True),
        sa.Column("released_at", Moment, nullable=True),
        sa.Column("released_by", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], name="fk_holds_incident_id_incidents",
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_holds"),
    )
    op.create_index("ux_holds_active_target", "holds", ["target"], unique=True, sqlite_where=sa.text(ACTIVE),
                    postgresql_where=sa.text(ACTIVE))
    op.create_table(
        "deviations",
        sa.Column("id", Key, autoincrement=True, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("occurred_at", Moment, nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("source_ref", sa.Text(), nullable=True),
        sa.Column("partner_her_ids", sa.JSON(), nullable=False),
        sa.Column("message_ids", sa.JSON(), nullable=False),
        sa.Column("registered_by", sa.Text(), nullable=False),
        sa.Column("registered_at", Moment, nullable=False),
        sa.Column("closed_at", Moment, nullable=True),
        sa.CheckConstraint("status IN ('registrert', 'under_behandling', 'tiltak_besluttet', 'lukket')",
                           name="ck_deviations_status"),
        sa.PrimaryKeyConstraint("id", name="pk_deviations"),
    )
    op.create_index("ix_deviations_occurred_at", "deviations", ["occurred_at"])
    op.create_index("ix_deviations_source_source_ref", "deviations", ["source", "source_ref"])
    op.create_table(
        "deviation_measures",
        sa.Column("deviation_id", Key, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner", sa.Text(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("done_at", Moment, nullable=True),
        sa.Column("overdue_alerted_at", Moment, nullable=True),
        sa.CheckConstraint("status IN ('planlagt', 'gjennomfort', 'forkastet')", name="ck_deviation_measures_status"),
        sa.ForeignKeyConstraint(["deviation_id"], ["deviations.id"],
                                name="fk_deviation_measures_deviation_id_deviations", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("deviation_id", "position", name="pk_deviation_measures"),
    )
    op.create_index("ix_deviation_measures_status_deadline", "deviation_measures", ["status", "deadline"])
    op.create_table(
        "deviation_told",
        sa.Column("deviation_id", Key, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("at", Moment, nullable=False),
        sa.Column("by", sa.Text(), nullable=False),
        sa.Column("to", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["deviation_id"], ["deviations.id"], name="fk_deviation_told_deviation_id_deviations",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("deviation_id", "position", name="pk_deviation_told"),
    )


def downgrade() -> None:
    op.drop_table("deviation_told")
    op.drop_index("ix_deviation_measures_status_deadline", table_name="deviation_measures")
    op.drop_table("deviation_measures")
    op.drop_index("ix_deviations_source_source_ref", table_name="deviations")
    op.drop_index("ix_deviations_occurred_at", table_name="deviations")
    op.drop_table("deviations")
    op.drop_index("ux_holds_active_target", table_name="holds")
    op.drop_table("holds")
    op.drop_table("incident_calls")
    op.drop_table("incident_updates")
    op.drop_index("ix_incidents_status_detected_at", table_name="incidents")
    op.drop_table("incidents")
