"""Several owners per paper (issue 18): ``document_owners`` lists everyone a document belongs to, with their role
(both spouses of a marriage certificate, every holder of a land-use certificate) and the name, date of birth and
place they were read with.

Revision ID: 0009
Revises: 0001
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_owners",
        sa.Column("doc_key", sa.String(64), sa.ForeignKey("documents.key", ondelete="CASCADE"), primary_key=True),
        sa.Column("role", sa.String(20), primary_key=True),
        sa.Column("owner_id", sa.String(20), nullable=False),
        sa.Column("how", sa.String(12), nullable=False),
        sa.Column("name", sa.String(300), nullable=True),
        sa.Column("date_of_birth", sa.String(10), nullable=True),
        sa.Column("place", sa.String(300), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_document_owners_owner_id", "document_owners", ["owner_id"])
    op.create_index("ix_document_owners_date_of_birth", "document_owners", ["date_of_birth"])


def downgrade() -> None:
    op.drop_index("ix_document_owners_date_of_birth", table_name="document_owners")
    op.drop_index("ix_document_owners_owner_id", table_name="document_owners")
    op.drop_table("document_owners")
