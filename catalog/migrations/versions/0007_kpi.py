"""KPIs (issue 9): agencies with level and organisation type, operators, yearly denominators, snapshots.

Revision ID: 0007
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "agencies",
        sa.Column("code", sa.String(20), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("org_type", sa.String(10), nullable=False),
        sa.Column("parent", sa.String(20), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_agencies_level", "agencies", ["level"])
    op.create_table(
        "operators",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("agency", sa.String(20), sa.ForeignKey("agencies.code"), nullable=False),
        sa.Column("organisation", sa.String(200), nullable=True),
        sa.Column("org_type", sa.String(10), nullable=False),
        sa.Column("active", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_operators_agency", "operators", ["agency"])
    op.create_table(
        "agency_years",
        sa.Column("agency", sa.String(20), sa.ForeignKey("agencies.code"), primary_key=True),
        sa.Column("year", sa.Integer(), primary_key=True),
        sa.Column("results_on_paper", sa.Integer(), nullable=True),
        sa.Column("staff", sa.Integer(), nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
    )
    op.create_table(
        "kpi_snapshots",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("taken_at", TS, nullable=False),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_index("ix_kpi_snapshots_taken_at", "kpi_snapshots", ["taken_at"])
    op.create_index("ix_kpi_snapshots_period", "kpi_snapshots", ["period"])
    # KPIs filter the pipeline's records by agency and time.
    op.create_index("ix_dossiers_agency_created", "dossiers", ["agency", "created_at"])
    op.create_index("ix_documents_agency_archived", "documents", ["agency", "archived_at"])


def downgrade() -> None:
    op.drop_index("ix_documents_agency_archived", "documents")
    op.drop_index("ix_dossiers_agency_created", "dossiers")
    for table in ("kpi_snapshots", "agency_years", "operators", "agencies"):
        op.drop_table(table)
