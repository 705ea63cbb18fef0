"""Signature level and timestamp expiry of each archived copy, for the nightly timestamp renewal.

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("signature_level", sa.String(10), nullable=True))
        batch.add_column(sa.Column("timestamp_expires_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_documents_timestamp_expires_at", "documents", ["timestamp_expires_at"])


def downgrade() -> None:
    op.drop_index("ix_documents_timestamp_expires_at", table_name="documents")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("timestamp_expires_at")
        batch.drop_column("signature_level")
