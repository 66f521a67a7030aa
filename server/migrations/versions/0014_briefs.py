"""Policy briefs: the briefs with their platforms, authors and kept versions, and the evidence
they quote.

Revision ID: 0014
Revises: 0010
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# The vocabularies as they stood when this revision was written (a copy: no revision imports
# the application). delphi_statement is known already so that adding the kind needs no revision.
BRIEF_STATUSES = ("draft", "published")
EVIDENCE_KINDS = ("note", "delphi_statement", "event_outcome")


def one_of(column: str, words: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(word) for word in words)})"


def to_users(table: str, column: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["users.id"], name=op.f(f"fk_{table}_{column}_users"), ondelete=ondelete
    )


def to_briefs(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["brief_id"], ["briefs.id"], name=op.f(f"fk_{table}_brief_id_briefs"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "briefs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("recommendations", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("approved_version", sa.Integer(), nullable=True),
        sa.Column("approved_by", sa.Uuid(), nullable=True),
        sa.Column("published_version", sa.Integer(), nullable=True),
        sa.Column("slug", sa.String(80), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(one_of("status", BRIEF_STATUSES), name=op.f("ck_briefs_known_status")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_briefs_version_positive")),
        to_users("briefs", "approved_by", "SET NULL"),
        to_users("briefs", "created_by", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_briefs")),
        sa.UniqueConstraint("slug", name=op.f("uq_briefs_slug")),
    )
    op.create_index("ix_briefs_created", "briefs", ["created_at", "id"])

    op.create_table(
        "brief_platforms",
        sa.Column("brief_id", sa.Uuid(), nullable=False),
        sa.Column("platform_code", sa.String(8), nullable=False),
        to_briefs("brief_platforms"),
        sa.ForeignKeyConstraint(
            ["platform_code"], ["platforms.code"], name=op.f("fk_brief_platforms_platform_code_platforms")
        ),
        sa.PrimaryKeyConstraint("brief_id", "platform_code", name=op.f("pk_brief_platforms")),
    )
    op.create_index("ix_brief_platforms_platform", "brief_platforms", ["platform_code", "brief_id"])

    op.create_table(
        "brief_authors",
        sa.Column("brief_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        to_briefs("brief_authors"),
        to_users("brief_authors", "user_id", "CASCADE"),
        sa.PrimaryKeyConstraint("brief_id", "user_id", name=op.f("pk_brief_authors")),
    )
    op.create_index("ix_brief_authors_user", "brief_authors", ["user_id"])

    op.create_table(
        "brief_versions",
        sa.Column("brief_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("recommendations", sa.JSON(), nullable=False),
        sa.Column("saved_by", sa.Uuid(), nullable=True),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        to_briefs("brief_versions"),
        to_users("brief_versions", "saved_by", "SET NULL"),
        sa.PrimaryKeyConstraint("brief_id", "version", name=op.f("pk_brief_versions")),
    )

    op.create_table(
        "brief_evidence",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("brief_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("ref_id", sa.Uuid(), nullable=False),
        sa.Column("excerpt", sa.Text(), nullable=False),
        sa.Column("attribution", sa.String(300), nullable=False),
        sa.Column("platform_code", sa.String(8), nullable=True),
        sa.Column("quoted_person_id", sa.Uuid(), nullable=True),
        sa.Column("added_by", sa.Uuid(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(one_of("kind", EVIDENCE_KINDS), name=op.f("ck_brief_evidence_known_kind")),
        to_briefs("brief_evidence"),
        sa.ForeignKeyConstraint(
            ["platform_code"], ["platforms.code"], name=op.f("fk_brief_evidence_platform_code_platforms")
        ),
        to_users("brief_evidence", "quoted_person_id", "CASCADE"),
        to_users("brief_evidence", "added_by", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_brief_evidence")),
    )
    op.create_index("ix_brief_evidence_brief_added", "brief_evidence", ["brief_id", "added_at", "id"])
    op.create_index("ix_brief_evidence_quoted_person", "brief_evidence", ["quoted_person_id"])


def downgrade() -> None:
    op.drop_table("brief_evidence")
    op.drop_table("brief_versions")
    op.drop_table("brief_authors")
    op.drop_table("brief_platforms")
    op.drop_table("briefs")
