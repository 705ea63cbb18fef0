"""The workspace's batch list (issue 21): its newest batches, of all offices or of one, found by index rather than
by sorting every batch.

Revision ID: 0010
Revises: 0001
Create Date: 2026-12-07
"""

from alembic import op

revision = "0010"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_batches_created", "batches", ["created_at"])
    op.create_index("ix_batches_agency_created", "batches", ["agency", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_batches_agency_created", "batches")
    op.drop_index("ix_batches_created", "batches")
