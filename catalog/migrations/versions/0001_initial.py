"""Initial catalog: batches, batch items, dossiers, documents, code sequences, events.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "batches",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("finished_at", TS, nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("operator", sa.String(100), nullable=False),
        sa.Column("agency", sa.String(20), nullable=False),
        sa.Column("input_dir", sa.Text(), nullable=False),
        sa.Column("items_total", sa.Integer(), nullable=False),
    )
    op.create_table(
        "batch_items",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("batch_id", sa.String(40), sa.ForeignKey("batches.id"), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("input", sa.Text(), nullable=False),
        sa.Column("doc_key", sa.String(64), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reason_code", sa.String(40), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_batch_items_batch_id", "batch_items", ["batch_id"])
    op.create_index("ix_batch_items_doc_key", "batch_items", ["doc_key"])
    op.create_table(
        "dossiers",
        sa.Column("code", sa.String(40), primary_key=True),
        sa.Column("agency", sa.String(20), nullable=False),
        sa.Column("procedure", sa.String(40), nullable=True),
        sa.Column("owner_id", sa.String(20), nullable=True),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_dossiers_owner_id", "dossiers", ["owner_id"])
    op.create_table(
        "documents",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("doc_code", sa.String(80), nullable=True, unique=True),
        sa.Column("paper_code", sa.String(120), nullable=True),
        sa.Column("dossier_code", sa.String(40), sa.ForeignKey("dossiers.code"), nullable=True),
        sa.Column("ordinal", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reason_code", sa.String(40), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("review_reasons", sa.JSON(), nullable=False),
        sa.Column("input", sa.Text(), nullable=False),
        sa.Column("batch_id", sa.String(40), nullable=True),
        sa.Column("agency", sa.String(20), nullable=False),
        sa.Column("operator", sa.String(100), nullable=False),
        sa.Column("procedure", sa.String(40), nullable=True),
        sa.Column("type_code", sa.String(20), nullable=True),
        sa.Column("type_name", sa.String(200), nullable=True),
        sa.Column("type_confidence", sa.Float(), nullable=True),
        sa.Column("type_candidates", sa.JSON(), nullable=False),
        sa.Column("owner_id", sa.String(20), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("issue_date", sa.String(10), nullable=True),
        sa.Column("valid_until", sa.String(10), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("ocr_confidence", sa.Float(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("pdf_key", sa.Text(), nullable=True),
        sa.Column("pdf_sha256", sa.String(64), nullable=True),
        sa.Column("objects", sa.JSON(), nullable=False),
        sa.Column("signed_at", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("archived_at", TS, nullable=True),
    )
    op.create_index("ix_documents_dossier_code", "documents", ["dossier_code"])
    op.create_index("ix_documents_status", "documents", ["status"])
    op.create_index("ix_documents_batch_id", "documents", ["batch_id"])
    op.create_index("ix_documents_type_code", "documents", ["type_code"])
    op.create_index("ix_documents_owner_id", "documents", ["owner_id"])
    op.create_index("ix_documents_owner_type", "documents", ["owner_id", "type_code"])
    op.create_table(
        "code_sequences",
        sa.Column("scope", sa.String(200), primary_key=True),
        sa.Column("period", sa.String(20), primary_key=True),
        sa.Column("last", sa.Integer(), nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("agency", sa.String(20), nullable=True),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("doc_key", sa.String(64), nullable=True),
        sa.Column("doc_code", sa.String(80), nullable=True),
        sa.Column("owner_id", sa.String(20), nullable=True),
        sa.Column("batch_id", sa.String(40), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_index("ix_events_at", "events", ["at"])
    op.create_index("ix_events_action", "events", ["action"])
    op.create_index("ix_events_doc_key", "events", ["doc_key"])
    op.create_index("ix_events_owner_id", "events", ["owner_id"])


def downgrade() -> None:
    for table in ("events", "code_sequences", "documents", "dossiers", "batch_items", "batches"):
        op.drop_table(table)
