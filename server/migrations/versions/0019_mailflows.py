"""E-mail flows: a verified e-mail address on staff and stakeholder accounts (with the one
waiting for confirmation), and when each event registration was reminded.

Revision ID: 0015_mailflows
Revises: 0015_delphireport
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_mailflows"
down_revision = "0015_delphireport"
branch_labels = None
depends_on = None

Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Plain ADD COLUMN (nullable, no default): SQLite needs no copy of the table for it.
    op.add_column("users", sa.Column("email", sa.String(320), nullable=True))
    op.add_column("users", sa.Column("email_key", sa.String(320), nullable=True))
    op.add_column("users", sa.Column("pending_email", sa.String(320), nullable=True))
    op.add_column("users", sa.Column("pending_email_code_hash", sa.String(64), nullable=True))
    op.add_column("users", sa.Column("pending_email_expires_at", Timestamp, nullable=True))
    op.create_index(op.f("ix_users_email_key"), "users", ["email_key"])
    op.add_column("event_registrations", sa.Column("reminded_at", Timestamp, nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35 and later), not a batch copy of the tables: copying `users`
    # would drop it, and with it, through ON DELETE CASCADE, everyone's notes.
    op.drop_column("event_registrations", "reminded_at")
    op.drop_index(op.f("ix_users_email_key"), table_name="users")
    for column in ("pending_email_expires_at", "pending_email_code_hash", "pending_email", "email_key", "email"):
        op.drop_column("users", column)
