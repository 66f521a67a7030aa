"""The forum as people expect it: reactions to posts, and how far each member has read each topic
(for unread markers).

Revision ID: 0015_forumux
Revises: 0016
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_forumux"
down_revision = "0016"
branch_labels = None
depends_on = None

Timestamp = sa.DateTime(timezone=True)
# The vocabulary as it stood when this revision was written (a copy: no revision imports the app).
REACTION_KINDS = ("thumbs_up", "heart")


def upgrade() -> None:
    op.create_table(
        "forum_reactions",
        sa.Column("post_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("withdrawn_at", Timestamp, nullable=True),
        sa.CheckConstraint(
            f"kind IN ({', '.join(repr(kind) for kind in REACTION_KINDS)})",
            name=op.f("ck_forum_reactions_known_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["forum_posts.id"], name=op.f("fk_forum_reactions_post_id_forum_posts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_forum_reactions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("post_id", "user_id", "kind", name=op.f("pk_forum_reactions")),
    )
    op.create_index("ix_forum_reactions_user", "forum_reactions", ["user_id"])

    op.create_table(
        "forum_topic_reads",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("topic_id", sa.Uuid(), nullable=False),
        sa.Column("read_up_to", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["forum_topics.id"],
            name=op.f("fk_forum_topic_reads_topic_id_forum_topics"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_forum_topic_reads_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "topic_id", name=op.f("pk_forum_topic_reads")),
    )


def downgrade() -> None:
    op.drop_table("forum_topic_reads")
    op.drop_index("ix_forum_reactions_user", table_name="forum_reactions")
    op.drop_table("forum_reactions")
