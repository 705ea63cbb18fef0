"""Distributed workers: batch plan and progress per item, leases (document claims, nightly lock), expiry.

Revision ID: 0006
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("batches") as b:
        b.add_column(sa.Column("mode", sa.String(10), nullable=True))
    with op.batch_alter_table("batch_items") as b:
        b.add_column(sa.Column("plan", sa.JSON(), nullable=True))
        b.add_column(sa.Column("pages", sa.Integer(), nullable=True))
        b.add_column(sa.Column("attempts", sa.Integer(), nullable=True))
        b.add_column(sa.Column("worker", sa.String(120), nullable=True))
    op.create_index("ix_batch_items_status", "batch_items", ["batch_id", "status"])
    with op.batch_alter_table("documents") as b:
        b.add_column(sa.Column("expired_at", TS, nullable=True))
    op.create_table(
        "leases",
        sa.Column("name", sa.String(120), primary_key=True),
        sa.Column("holder", sa.String(120), nullable=False),
        sa.Column("acquired_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("leases")
    with op.batch_alter_table("documents") as b:
        b.drop_column("expired_at")
    op.drop_index("ix_batch_items_status", "batch_items")
    with op.batch_alter_table("batch_items") as b:
        for c in ("worker", "attempts", "pages", "plan"):
            b.drop_column(c)
    with op.batch_alter_table("batches") as b:
        b.drop_column("mode")
