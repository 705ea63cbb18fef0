"""Claims fenced by their holder (issue 16): ``documents.claimed_by`` names the run whose claim stands, so a
run whose lease expired and whose document was taken over by another cannot change it any more.

Revision ID: 0008
Revises: 0001
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("claimed_by")
