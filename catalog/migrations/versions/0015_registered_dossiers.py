"""Honest KPIs (issue 22): dossiers registered by the one-stop system (with the fold of their reuse checks),
agencies as dated data (validity, successors, remote communes, roll-out), the authority that issued each
result (read from the paper), and the waiting-time and satisfaction
figures imported from the queue-ticket and evaluation systems.

Revision ID: 0015
Revises: 0001
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0001"
branch_labels = None
depends_on = "0007"  # adds columns to `agencies`

TS = sa.DateTime(timezone=True)

AGENCY_COLUMNS = (
    ("valid_from", sa.String(10)),
    ("valid_to", sa.String(10)),
    ("merged_into", sa.String(20)),
    ("split_from", sa.String(20)),
    ("remote", sa.Integer()),
    ("rollout_from", sa.String(10)),
)


def upgrade() -> None:
    with op.batch_alter_table("agencies") as batch:
        for name, type_ in AGENCY_COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
    op.create_table(
        "registered_dossiers",
        sa.Column("code", sa.String(40), primary_key=True),
        sa.Column("agency", sa.String(20), nullable=False),
        sa.Column("procedure", sa.String(40), nullable=True),
        sa.Column("owner_id", sa.String(20), nullable=True),
        sa.Column("persons", sa.JSON(), nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("required_types", sa.JSON(), nullable=False),
        sa.Column("resolved_at", TS, nullable=True),
        sa.Column("outcome", sa.String(20), nullable=True),
        sa.Column("registered_by", sa.String(100), nullable=False),
        sa.Column("reused", sa.Integer(), nullable=False),
        sa.Column("found_types", sa.JSON(), nullable=False),
        sa.Column("checked_types", sa.JSON(), nullable=False),
        sa.Column("papers_required", sa.Integer(), nullable=False),
        sa.Column("papers_found", sa.Integer(), nullable=False),
        sa.Column("last_check_at", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_registered_dossiers_agency_received", "registered_dossiers", ["agency", "received_at"])
    op.create_index("ix_registered_dossiers_received_at", "registered_dossiers", ["received_at"])
    op.create_index("ix_registered_dossiers_resolved_at", "registered_dossiers", ["resolved_at"])
    op.create_index("ix_registered_dossiers_owner_id", "registered_dossiers", ["owner_id"])
    op.create_table(
        "kpi_fold_marks",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("at", TS, nullable=True),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "office_figures",
        sa.Column("agency", sa.String(20), primary_key=True),
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("day_from", sa.String(10), primary_key=True),
        sa.Column("day_to", sa.String(10), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("source", sa.String(100), nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
    )

    op.create_table(
        "result_authorities",
        sa.Column("doc_key", sa.String(64), primary_key=True),
        sa.Column("agency", sa.String(20), nullable=True),
        sa.Column("level", sa.String(10), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("issuer", sa.String(200), nullable=True),
        sa.Column("needs_review", sa.Integer(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
    )
    op.create_index("ix_result_authorities_agency", "result_authorities", ["agency"])
    op.create_index("ix_result_authorities_needs_review", "result_authorities", ["needs_review"])


def downgrade() -> None:
    op.drop_index("ix_result_authorities_needs_review", table_name="result_authorities")
    op.drop_index("ix_result_authorities_agency", table_name="result_authorities")
    op.drop_table("result_authorities")
    op.drop_table("office_figures")
    op.drop_table("kpi_fold_marks")
    for ix in ("owner_id", "resolved_at", "received_at", "agency_received"):
        op.drop_index(f"ix_registered_dossiers_{ix}", table_name="registered_dossiers")
    op.drop_table("registered_dossiers")
    with op.batch_alter_table("agencies") as batch:
        for name, _ in reversed(AGENCY_COLUMNS):
            batch.drop_column(name)
