"""Warehouse ledger: every stored object with its checksum, version, retention and last fixity check;
one row per fixity audit (issue 6).

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "warehouse_objects",
        sa.Column("key", sa.String(900), primary_key=True),
        sa.Column("doc_key", sa.String(64), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=True),
        sa.Column("version_id", sa.String(200), nullable=True),
        sa.Column("retain_until", TS, nullable=True),
        sa.Column("legal_hold", sa.Boolean(), nullable=False),
        sa.Column("stored_at", TS, nullable=False),
        sa.Column("checked_at", TS, nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("mirror_status", sa.String(20), nullable=True),
    )
    op.create_index("ix_warehouse_objects_doc_key", "warehouse_objects", ["doc_key"])
    op.create_index("ix_warehouse_objects_checked_at", "warehouse_objects", ["checked_at"])
    op.create_table(
        "fixity_runs",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("finished_at", TS, nullable=True),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("sample", sa.Integer(), nullable=True),
        sa.Column("checked", sa.Integer(), nullable=False),
        sa.Column("ok", sa.Integer(), nullable=False),
        sa.Column("repaired", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("fixity_runs")
    op.drop_table("warehouse_objects")
