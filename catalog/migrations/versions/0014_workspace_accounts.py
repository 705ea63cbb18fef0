"""The clerk's workspace (issue 21): clerk accounts with roles, and the decisions taken on quarantined items.

Revision ID: 0014
Revises: 0001
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("agency", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=True),
        sa.Column("oidc_subject", sa.String(200), nullable=True, unique=True),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", TS, nullable=True),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("disabled_at", TS, nullable=True),
        sa.Column("last_login_at", TS, nullable=True),
        sa.Column("cli_token_hash", sa.String(64), nullable=True, unique=True),
        sa.Column("cli_token_expires", TS, nullable=True),
    )
    op.create_index("ix_accounts_agency", "accounts", ["agency"])
    op.create_table(
        "quarantine_decisions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.String(40), nullable=False),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("account", sa.String(100), nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    op.create_index("ix_quarantine_decisions_item_id", "quarantine_decisions", ["item_id"])


def downgrade() -> None:
    op.drop_index("ix_quarantine_decisions_item_id", table_name="quarantine_decisions")
    op.drop_table("quarantine_decisions")
    op.drop_index("ix_accounts_agency", table_name="accounts")
    op.drop_table("accounts")
