"""Owners (citizens and businesses) and who confirmed a document in the review queue (issue 4).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "owners",
        sa.Column("id", sa.String(20), primary_key=True),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("name", sa.String(300), nullable=True),
        sa.Column("date_of_birth", sa.String(10), nullable=True),
        sa.Column("first_seen_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("documents", sa.Integer(), nullable=False),
    )
    op.create_index("ix_owners_kind", "owners", ["kind"])
    with op.batch_alter_table("documents") as b:
        b.add_column(sa.Column("reviewed_by", sa.String(100), nullable=True))
        b.add_column(sa.Column("reviewed_at", TS, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("documents") as b:
        b.drop_column("reviewed_at")
        b.drop_column("reviewed_by")
    op.drop_index("ix_owners_kind", table_name="owners")
    op.drop_table("owners")
