"""Translations of policy briefs (which brief translates which, from which of its versions), the
version a brief's authors asked to be reviewed, and an index for the lists of published briefs.

Revision ID: 0015_briefscreens
Revises: 0014
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_briefscreens"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "brief_translations",
        sa.Column("brief_id", sa.Uuid(), nullable=False),
        sa.Column("original_id", sa.Uuid(), nullable=False),
        sa.Column("from_version", sa.Integer(), nullable=False),
        sa.CheckConstraint("from_version >= 1", name=op.f("ck_brief_translations_from_version_positive")),
        sa.ForeignKeyConstraint(
            ["brief_id"], ["briefs.id"], name=op.f("fk_brief_translations_brief_id_briefs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["original_id"],
            ["briefs.id"],
            name=op.f("fk_brief_translations_original_id_briefs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("brief_id", name=op.f("pk_brief_translations")),
    )
    op.create_index("ix_brief_translations_original", "brief_translations", ["original_id"])
    op.add_column("briefs", sa.Column("review_requested_version", sa.Integer(), nullable=True))
    # Published lists: newest first, network-wide and per platform.
    op.create_index("ix_briefs_status_published", "briefs", ["status", "published_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_briefs_status_published", table_name="briefs")
    # Plain DROP COLUMN, not a batch copy (which would drop the briefs' versions and evidence
    # with the table, through ON DELETE CASCADE).
    op.drop_column("briefs", "review_requested_version")
    op.drop_index("ix_brief_translations_original", table_name="brief_translations")
    op.drop_table("brief_translations")
