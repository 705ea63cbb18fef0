"""Lookup API (issue 7): API keys of client systems, and the full-text search index over OCR text.

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from catalog import search

revision = "0005"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("client", sa.String(100), nullable=False),
        sa.Column("agency", sa.String(20), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("rate_per_minute", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_api_keys_agency", "api_keys", ["agency"])
    search.install(op.get_bind(), backfill=True)


def downgrade() -> None:
    search.uninstall(op.get_bind())
    op.drop_index("ix_api_keys_agency", "api_keys")
    op.drop_table("api_keys")
