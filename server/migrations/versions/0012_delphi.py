"""Delphi studies: studies and their platforms, statements, panellists with their ballot
tokens' hashes, pseudonyms, rounds, ratings and each closed round's results.

Revision ID: 0012
Revises: 0010
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# The vocabularies as they stood when this revision was written.
ANONYMITIES = ("anonymous", "facilitators", "named")
CONSENSUS = ("in", "out", "none")


def one_of(column: str, words: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(word) for word in words)})"


def foreign_key(table: str, column: str, target: str, ondelete: str | None = "CASCADE") -> sa.ForeignKeyConstraint:
    referred, _, target_column = target.partition(".")
    return sa.ForeignKeyConstraint(
        [column], [target], name=op.f(f"fk_{table}_{column}_{referred}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "delphi_studies",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("scale_min", sa.SmallInteger(), nullable=False),
        sa.Column("scale_max", sa.SmallInteger(), nullable=False),
        sa.Column("consensus", sa.JSON(), nullable=False),
        sa.Column("anonymity", sa.String(16), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(one_of("anonymity", ANONYMITIES), name=op.f("ck_delphi_studies_known_anonymity")),
        sa.CheckConstraint("scale_min < scale_max", name=op.f("ck_delphi_studies_scale_ordered")),
        foreign_key("delphi_studies", "created_by", "users.id", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delphi_studies")),
    )
    op.create_index("ix_delphi_studies_created", "delphi_studies", ["created_at", "id"])

    op.create_table(
        "delphi_study_platforms",
        sa.Column("study_id", sa.Uuid(), nullable=False),
        sa.Column("platform_code", sa.String(8), nullable=False),
        foreign_key("delphi_study_platforms", "study_id", "delphi_studies.id"),
        foreign_key("delphi_study_platforms", "platform_code", "platforms.code", ondelete=None),
        sa.PrimaryKeyConstraint("study_id", "platform_code", name=op.f("pk_delphi_study_platforms")),
    )
    op.create_index(
        "ix_delphi_study_platforms_platform_code", "delphi_study_platforms", ["platform_code"]
    )

    op.create_table(
        "delphi_statements",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("study_id", sa.Uuid(), nullable=False),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column("theme", sa.String(200), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        foreign_key("delphi_statements", "study_id", "delphi_studies.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delphi_statements")),
        sa.UniqueConstraint("study_id", "position", name=op.f("uq_delphi_statements_study_id")),
    )

    op.create_table(
        "delphi_panellists",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("study_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("stakeholder_id", sa.Uuid(), nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        foreign_key("delphi_panellists", "study_id", "delphi_studies.id"),
        foreign_key("delphi_panellists", "stakeholder_id", "stakeholder_entries.id", ondelete="SET NULL"),
        foreign_key("delphi_panellists", "user_id", "users.id", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delphi_panellists")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_delphi_panellists_token_hash")),
        sa.UniqueConstraint("study_id", "stakeholder_id", name="uq_delphi_panellists_stakeholder"),
        sa.UniqueConstraint("study_id", "user_id", name="uq_delphi_panellists_user"),
    )
    op.create_index("ix_delphi_panellists_study", "delphi_panellists", ["study_id", "created_at"])

    op.create_table(
        "delphi_pseudonyms",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("study_id", sa.Uuid(), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("label", sa.String(16), nullable=False),
        sa.Column("panellist_id", sa.Uuid(), nullable=True),
        foreign_key("delphi_pseudonyms", "study_id", "delphi_studies.id"),
        foreign_key("delphi_pseudonyms", "panellist_id", "delphi_panellists.id", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delphi_pseudonyms")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_delphi_pseudonyms_key_hash")),
        sa.UniqueConstraint("study_id", "label", name="uq_delphi_pseudonyms_label"),
    )

    op.create_table(
        "delphi_rounds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("study_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.SmallInteger(), nullable=False),
        sa.Column("statement_ids", sa.JSON(), nullable=False),
        sa.Column("invited", sa.Integer(), nullable=False),
        sa.Column("responded", sa.Integer(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        foreign_key("delphi_rounds", "study_id", "delphi_studies.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delphi_rounds")),
        sa.UniqueConstraint("study_id", "number", name="uq_delphi_rounds_number"),
    )

    op.create_table(
        "delphi_ratings",
        sa.Column("round_id", sa.Uuid(), nullable=False),
        sa.Column("statement_id", sa.Uuid(), nullable=False),
        sa.Column("pseudonym_id", sa.Uuid(), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        sa.Column("comment", sa.String(4000), nullable=True),
        foreign_key("delphi_ratings", "round_id", "delphi_rounds.id"),
        foreign_key("delphi_ratings", "statement_id", "delphi_statements.id"),
        foreign_key("delphi_ratings", "pseudonym_id", "delphi_pseudonyms.id"),
        sa.PrimaryKeyConstraint("round_id", "statement_id", "pseudonym_id", name=op.f("pk_delphi_ratings")),
    )

    op.create_table(
        "delphi_results",
        sa.Column("round_id", sa.Uuid(), nullable=False),
        sa.Column("statement_id", sa.Uuid(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("median", sa.Float(), nullable=True),
        sa.Column("q1", sa.Float(), nullable=True),
        sa.Column("q3", sa.Float(), nullable=True),
        sa.Column("agree_percent", sa.Float(), nullable=True),
        sa.Column("disagree_percent", sa.Float(), nullable=True),
        sa.Column("moved_percent", sa.Float(), nullable=True),
        sa.Column("distribution", sa.JSON(), nullable=False),
        sa.Column("consensus", sa.String(8), nullable=False),
        sa.CheckConstraint(one_of("consensus", CONSENSUS), name=op.f("ck_delphi_results_known_consensus")),
        foreign_key("delphi_results", "round_id", "delphi_rounds.id"),
        foreign_key("delphi_results", "statement_id", "delphi_statements.id"),
        sa.PrimaryKeyConstraint("round_id", "statement_id", name=op.f("pk_delphi_results")),
    )


def downgrade() -> None:
    for table in (
        "delphi_results",
        "delphi_ratings",
        "delphi_rounds",
        "delphi_pseudonyms",
        "delphi_panellists",
        "delphi_statements",
        "delphi_study_platforms",
        "delphi_studies",
    ):
        op.drop_table(table)
