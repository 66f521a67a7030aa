"""The e-mail outbox: messages rendered in their recipient's language, kept until an SMTP
server has accepted them, or for `tessera mail show` when there is none.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# The vocabulary as it stood when this revision was written.
MAIL_STATUSES = ("queued", "sent", "failed")
QUEUED = "status = 'queued'"
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("to_address", sa.String(320), nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("stakeholder_id", sa.Uuid(), nullable=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("template", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(500), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", Timestamp, nullable=False),
        sa.Column("lease_token", sa.Uuid(), nullable=True),
        sa.Column("lease_until", Timestamp, nullable=True),
        sa.Column("sent_at", Timestamp, nullable=True),
        sa.Column("failed_at", Timestamp, nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.CheckConstraint(
            f"status IN ({', '.join(repr(word) for word in MAIL_STATUSES)})",
            name=op.f("ck_mail_outbox_known_status"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_mail_outbox_user_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["stakeholder_id"],
            ["stakeholder_entries.id"],
            name=op.f("fk_mail_outbox_stakeholder_id_stakeholder_entries"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_outbox")),
    )
    op.create_index(
        "ix_mail_outbox_due",
        "mail_outbox",
        ["next_attempt_at"],
        unique=False,
        postgresql_where=sa.text(QUEUED),
        sqlite_where=sa.text(QUEUED),
    )
    op.create_index("ix_mail_outbox_user_id", "mail_outbox", ["user_id"], unique=False)
    op.create_index("ix_mail_outbox_stakeholder_id", "mail_outbox", ["stakeholder_id"], unique=False)
    op.create_index("ix_mail_outbox_created", "mail_outbox", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_table("mail_outbox")
