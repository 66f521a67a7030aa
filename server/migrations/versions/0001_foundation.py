"""Foundation: platforms (seeded), accounts, invites, consent, API tokens, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Timestamp = sa.DateTime(timezone=True)

# The programme's case-study countries with their official languages and their age of digital
# consent under GDPR Art. 8 (UK GDPR for GB; Switzerland sets none, so the GDPR default 16),
# and the network-wide space, where every programme language is at home.
PLATFORMS = [
    ("NET", ["en", "de", "fr", "it", "nl", "pl", "sl", "sv", "ar", "fa", "uk", "tr"], 16),
    ("DE", ["de"], 16),
    ("IT", ["it"], 14),
    ("LU", ["fr", "de"], 16),
    ("NL", ["nl"], 16),
    ("PL", ["pl"], 16),
    ("SI", ["sl"], 15),
    ("SE", ["sv"], 13),
    ("CH", ["de", "fr", "it"], 16),
    ("GB", ["en"], 13),
]


def upgrade() -> None:
    platforms = op.create_table(
        "platforms",
        sa.Column("code", sa.String(8), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("digital_consent_age", sa.SmallInteger(), nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.CheckConstraint("digital_consent_age BETWEEN 13 AND 16", name=op.f("ck_platforms_consent_age_in_gdpr_range")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_platforms")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("username", sa.String(32), nullable=True),
        sa.Column("username_key", sa.String(128), nullable=False),
        sa.Column("display_name", sa.String(64), nullable=True),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("birth_year", sa.SmallInteger(), nullable=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("suspended_until", Timestamp, nullable=True),
        sa.Column("session_epoch", sa.Integer(), nullable=False),
        sa.Column("invite_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("erased_at", Timestamp, nullable=True),
        sa.CheckConstraint("role IN ('youth', 'youth_worker', 'researcher', 'admin')", name=op.f("ck_users_known_role")),
        sa.CheckConstraint("status IN ('active', 'suspended', 'erased')", name=op.f("ck_users_known_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username_key", name=op.f("uq_users_username_key")),
    )
    op.create_table(
        "user_platforms",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("platform_code", sa.String(8), nullable=False),
        sa.ForeignKeyConstraint(["platform_code"], ["platforms.code"], name=op.f("fk_user_platforms_platform_code_platforms")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_user_platforms_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "platform_code", name=op.f("pk_user_platforms")),
    )
    op.create_table(
        "invites",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("platform_code", sa.String(8), nullable=False),
        sa.Column("max_uses", sa.Integer(), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("expires_at", Timestamp, nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.CheckConstraint("uses >= 0 AND uses <= max_uses", name=op.f("ck_invites_uses_within_limit")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_invites_created_by_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["platform_code"], ["platforms.code"], name=op.f("fk_invites_platform_code_platforms")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invites")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_invites_code_hash")),
    )
    op.create_table(
        "consent_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("guardian_name", sa.String(100), nullable=True),
        sa.Column("guardian_consented", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_consent_events_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_events")),
    )
    op.create_index(op.f("ix_consent_events_user_id"), "consent_events", ["user_id"])
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("expires_at", Timestamp, nullable=False),
        sa.Column("revoked_at", Timestamp, nullable=True),
        sa.Column("last_used_at", Timestamp, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index(op.f("ix_api_tokens_user_id"), "api_tokens", ["user_id"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("at", Timestamp, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("platform_code", sa.String(8), nullable=True),
        sa.Column("client_address", sa.String(64), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    for column in ("actor_id", "at", "kind", "subject_id"):
        op.create_index(op.f(f"ix_audit_events_{column}"), "audit_events", [column])

    now = dt.datetime.now(dt.UTC)
    op.bulk_insert(
        platforms,
        [{"code": code, "languages": languages, "digital_consent_age": age, "updated_at": now}
         for code, languages, age in PLATFORMS],
    )


def downgrade() -> None:
    for table in ("audit_events", "api_tokens", "consent_events", "invites", "user_platforms", "users", "platforms"):
        op.drop_table(table)
