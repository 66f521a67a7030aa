"""Delphi studies: a purpose and labels for each point of the rating scale, and the statements
panellists propose in the first round.

Revision ID: 0015_delphireport
Revises: 0015_forumux
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_delphireport"
down_revision = "0015_forumux"
branch_labels = None
depends_on = None

# The vocabulary as it stood when this revision was written.
PROPOSAL_STATUSES = ("pending", "accepted", "dismissed")


def one_of(column: str, words: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(word) for word in words)})"


def upgrade() -> None:
    op.add_column("delphi_studies", sa.Column("purpose", sa.String(4000), nullable=True))
    op.add_column("delphi_studies", sa.Column("scale_labels", sa.JSON(), nullable=True))
    op.create_table(
        "delphi_proposals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("study_id", sa.Uuid(), nullable=False),
        sa.Column("pseudonym_id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.String(2000), nullable=False),
        sa.Column("comment", sa.String(4000), nullable=True),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("statement_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint(one_of("status", PROPOSAL_STATUSES), name=op.f("ck_delphi_proposals_known_status")),
        sa.ForeignKeyConstraint(
            ["study_id"], ["delphi_studies.id"], name=op.f("fk_delphi_proposals_study_id_delphi_studies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pseudonym_id"], ["delphi_pseudonyms.id"],
            name=op.f("fk_delphi_proposals_pseudonym_id_delphi_pseudonyms"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"], ["delphi_statements.id"],
            name=op.f("fk_delphi_proposals_statement_id_delphi_statements"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delphi_proposals")),
    )
    op.create_index("ix_delphi_proposals_study", "delphi_proposals", ["study_id", "status"])
    op.create_index("ix_delphi_proposals_pseudonym_id", "delphi_proposals", ["pseudonym_id"])


def downgrade() -> None:
    op.drop_table("delphi_proposals")
    # Plain DROP COLUMN, not a batch copy: copying a table drops it, and what hangs on it
    # through ON DELETE CASCADE with it.
    op.drop_column("delphi_studies", "scale_labels")
    op.drop_column("delphi_studies", "purpose")
