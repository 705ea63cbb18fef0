"""Opaque owner keys (issue 23): which owner each folder name of the warehouse stands for. Object names use a keyed
hash of the owner's ID number, never the number itself; this table is the only place that links the two.

Revision ID: 0011
Revises: 0001
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "owner_keys",
        sa.Column("owner_id", sa.String(20), primary_key=True),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_owner_keys_key", "owner_keys", ["key"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_owner_keys_key", table_name="owner_keys")
    op.drop_table("owner_keys")
