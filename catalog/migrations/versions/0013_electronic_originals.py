"""Electronic originals (issue 19): papers that arrived already signed, with the validation of their signatures.

Revision ID: 0013
Revises: 0001
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "electronic_originals",
        sa.Column("doc_key", sa.String(64), sa.ForeignKey("documents.key", ondelete="CASCADE"), primary_key=True),
        sa.Column("outcome", sa.String(12), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("signer_name", sa.String(300), nullable=True),
        sa.Column("signer_org", sa.String(300), nullable=True),
        sa.Column("signed_at", TS, nullable=True),
        sa.Column("level", sa.String(10), nullable=True),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("validated_at", TS, nullable=False),
        sa.Column("first_validated_at", TS, nullable=False),
    )
    op.create_index("ix_electronic_originals_validated_at", "electronic_originals", ["validated_at"])


def downgrade() -> None:
    op.drop_index("ix_electronic_originals_validated_at", table_name="electronic_originals")
    op.drop_table("electronic_originals")
