"""Stakeholders: the `stakeholder` role, and each country platform's stakeholder directory
with the engagements of its entries.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# The vocabularies as they stood when this revision was written (a copy: no revision imports
# the application, so a word added later is a revision of its own).
ROLES_BEFORE = ("youth", "youth_worker", "researcher", "admin")
ROLES = (*ROLES_BEFORE, "stakeholder")
SECTORS = (
    "public_authority",
    "ngo",
    "education",
    "youth_organisation",
    "employer",
    "migrant_led",
    "research",
    "health",
    "faith",
    "other",
)
LEVELS = ("local", "regional", "national", "international")
CONTACT_BASES = ("consent", "legitimate_interest")
ENGAGEMENT_KINDS = (
    "mapping",
    "interview",
    "focus_group",
    "delphi",
    "workshop",
    "conference",
    "follow_up",
    "other",
)


def one_of(column: str, words: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(word) for word in words)})"


def widen_role_check(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    """Replace the CHECK that keeps users.role within the roles.

    PostgreSQL alters the constraint in place. SQLite cannot, and batch mode's way (copy the
    table, drop the old one) must not be used on `users`: with foreign keys on, which they are
    inside Tessera's migration transaction, dropping `users` deletes every row of it first and
    so cascades to user_platforms, consent_events, api_tokens and the rest. SQLite documents
    a way for constraint changes that leave the stored rows valid ("Making Other Kinds Of
    Table Schema Changes", https://www.sqlite.org/lang_altertable.html): rewrite the table's
    definition in sqlite_schema and bump the schema version, in one transaction.
    """
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_users_known_role"), "users", type_="check")
        op.create_check_constraint(op.f("ck_users_known_role"), "users", one_of("role", new))
        return
    table_sql = bind.exec_driver_sql("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'users'").scalar()
    old_check, new_check = one_of("role", old), one_of("role", new)
    if table_sql is None or table_sql.count(old_check) != 1:
        raise RuntimeError("users.role's CHECK is not the one this revision expects")
    schema_version = bind.exec_driver_sql("PRAGMA schema_version").scalar()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = 'users'",
        (table_sql.replace(old_check, new_check),),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(schema_version or 0) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")
    problems = bind.exec_driver_sql("PRAGMA integrity_check").scalars().all()
    if problems != ["ok"]:
        raise RuntimeError(f"the database is not intact after changing users.role's CHECK: {problems}")


def upgrade() -> None:
    widen_role_check(ROLES_BEFORE, ROLES)

    op.create_table(
        "stakeholder_entries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("platform_code", sa.String(8), nullable=False),
        sa.Column("organisation", sa.String(200), nullable=False),
        sa.Column("person_name", sa.String(200), nullable=True),
        sa.Column("identity_key", sa.String(900), nullable=False),
        sa.Column("search_key", sa.String(900), nullable=False),
        sa.Column("role_title", sa.String(200), nullable=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("email_key", sa.String(254), nullable=True),
        sa.Column("phone", sa.String(20), nullable=True),
        sa.Column("sector", sa.String(24), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("locality", sa.String(200), nullable=True),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("contact_basis", sa.String(24), nullable=False),
        sa.Column("contact_consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(one_of("sector", SECTORS), name=op.f("ck_stakeholder_entries_known_sector")),
        sa.CheckConstraint(one_of("level", LEVELS), name=op.f("ck_stakeholder_entries_known_level")),
        sa.CheckConstraint(
            one_of("contact_basis", CONTACT_BASES), name=op.f("ck_stakeholder_entries_known_contact_basis")
        ),
        sa.ForeignKeyConstraint(
            ["platform_code"], ["platforms.code"], name=op.f("fk_stakeholder_entries_platform_code_platforms")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_stakeholder_entries_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stakeholder_entries")),
        sa.UniqueConstraint("platform_code", "identity_key", name=op.f("uq_stakeholder_entries_platform_code")),
        sa.UniqueConstraint("platform_code", "email_key", name="uq_stakeholder_entries_email_key"),
    )
    op.create_index(
        "ix_stakeholder_entries_platform_created",
        "stakeholder_entries",
        ["platform_code", "created_at", "id"],
    )
    op.create_table(
        "stakeholder_engagements",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.String(2000), nullable=True),
        sa.Column("event_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(one_of("kind", ENGAGEMENT_KINDS), name=op.f("ck_stakeholder_engagements_known_kind")),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["stakeholder_entries.id"],
            name=op.f("fk_stakeholder_engagements_entry_id_stakeholder_entries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_stakeholder_engagements_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stakeholder_engagements")),
    )
    op.create_index("ix_stakeholder_engagements_entry_id", "stakeholder_engagements", ["entry_id"])


def downgrade() -> None:
    op.drop_table("stakeholder_engagements")
    op.drop_table("stakeholder_entries")
    op.execute("DELETE FROM users WHERE role = 'stakeholder'")
    widen_role_check(ROLES, ROLES_BEFORE)
