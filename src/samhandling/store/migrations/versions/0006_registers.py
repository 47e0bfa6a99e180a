"""The cooperation's registers: municipalities, partner profiles, contact points, certificates, receivable
message types, local supplementary agreements, and the journal of changes to them.

Revision ID: 0006
Revises: 0005
Create Date: 2025-03-15
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Key = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Moment = sa.DateTime(timezone=True)  # always UTC; see samhandling.store.messaging.tables.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "municipalities",
        sa.Column("number", sa.String(4), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("region", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("number", name="pk_municipalities"),
    )

    op.create_table(
        "partner_profiles",
        sa.Column("her_id", sa.String(), nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("organisation_number", sa.String(9), nullable=True),
        sa.Column("domain", sa.Text(), nullable=True),
        sa.Column("epj_system", sa.Text(), nullable=True),
        sa.Column("epj_version", sa.Text(), nullable=True),
        sa.Column("comm_module", sa.Text(), nullable=True),
        sa.Column("comm_version", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("her_id", name="pk_partner_profiles"),
        sa.ForeignKeyConstraint(
            ["her_id"], ["parties.her_id"], name="fk_partner_profiles_her_id_parties", ondelete="CASCADE"
        ),
        sa.CheckConstraint(
            "category IN ('helseforetak', 'kommune', 'legekontor', 'annen')", name="ck_partner_profiles_category"
        ),
    )
    op.create_index("ix_partner_profiles_organisation_number", "partner_profiles", ["organisation_number"])

    op.create_table(
        "contact_points",
        sa.Column("partner_her_id", sa.String(), nullable=False),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("phone", sa.String(20), nullable=True),
        sa.Column("staffed_24_7", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("partner_her_id", "purpose", name="pk_contact_points"),
        sa.ForeignKeyConstraint(
            ["partner_her_id"],
            ["partner_profiles.her_id"],
            name="fk_contact_points_partner_her_id_partner_profiles",
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(
            "purpose IN ('feilsoking', 'planlagt_nedetid', 'akutt_nedetid', 'sertifikat')",
            name="ck_contact_points_purpose",
        ),
    )

    op.create_table(
        "party_certificates",
        sa.Column("her_id", sa.String(), nullable=False),
        sa.Column("serial", sa.String(64), nullable=False),
        sa.Column("usage", sa.String(12), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("issuer", sa.Text(), nullable=True),
        sa.Column("valid_from", Moment, nullable=False),
        sa.Column("valid_to", Moment, nullable=False),
        sa.PrimaryKeyConstraint("her_id", "serial", name="pk_party_certificates"),
        sa.ForeignKeyConstraint(
            ["her_id"], ["parties.her_id"], name="fk_party_certificates_her_id_parties", ondelete="CASCADE"
        ),
        sa.CheckConstraint("usage IN ('signing', 'encryption')", name="ck_party_certificates_usage"),
    )
    op.create_index("ix_party_certificates_valid_to", "party_certificates", ["valid_to"])

    op.create_table(
        "message_capabilities",
        sa.Column("her_id", sa.String(), nullable=False),
        sa.Column("service", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("message_version", sa.String(), nullable=True),
        sa.Column("namespace", sa.Text(), nullable=True),
        sa.Column("process", sa.Text(), nullable=True),
        sa.Column("process_version", sa.String(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("her_id", "service", "action", name="pk_message_capabilities"),
        sa.ForeignKeyConstraint(
            ["her_id"], ["parties.her_id"], name="fk_message_capabilities_her_id_parties", ondelete="CASCADE"
        ),
    )

    op.create_table(
        "agreements",
        sa.Column("municipality", sa.String(4), nullable=False),
        sa.Column("area", sa.String(30), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("contact", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("document_name", sa.Text(), nullable=True),
        sa.Column("document_sha256", sa.String(64), nullable=True),
        sa.Column("document", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("municipality", "area", name="pk_agreements"),
        sa.ForeignKeyConstraint(
            ["municipality"],
            ["municipalities.number"],
            name="fk_agreements_municipality_municipalities",
            ondelete="RESTRICT",
        ),
        sa.CheckConstraint(
            "area IN ('journaltilgang', 'video', 'felleskomponenter', 'hjemmeoppfolging')", name="ck_agreements_area"
        ),
        sa.CheckConstraint("status IN ('under_arbeid', 'signert', 'utlopt')", name="ck_agreements_status"),
    )

    op.create_table(
        "register_journal",
        sa.Column("id", Key, autoincrement=True, nullable=False),
        sa.Column("at", Moment, nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("entity", sa.String(20), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_register_journal"),
        sa.CheckConstraint("action IN ('created', 'updated', 'deleted')", name="ck_register_journal_action"),
    )
    op.create_index("ix_register_journal_entity_key_id", "register_journal", ["entity", "key", "id"])
    op.create_index("ix_register_journal_at", "register_journal", ["at"])


def downgrade() -> None:
    op.drop_table("register_journal")
    op.drop_table("agreements")
    op.drop_table("message_capabilities")
    op.drop_table("party_certificates")
    op.drop_table("contact_points")
    op.drop_table("partner_profiles")
    op.drop_table("municipalities")
