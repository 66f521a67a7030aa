"""The Migrant Youth Network forum: categories (seeded), topics, posts, reports, blocks, mutes,
the moderation log, and the reason a suspended member is told.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

import datetime as dt
import json
import uuid
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

Timestamp = sa.DateTime(timezone=True)
COUNTRY_PLATFORMS = ("DE", "IT", "LU", "NL", "PL", "SI", "SE", "CH", "GB")
# The first categories, named in every language as the catalogues named them when this revision
# was written; in a file of its own that is never edited, so a later translation never changes
# what this revision installs. Network-wide ones are shared by all platforms and moderated by
# admins; each country platform gets its own set, moderated by its youth workers.
FIRST_CATEGORIES = Path(__file__).with_name("0004_forum_categories.json")


def upgrade() -> None:
    op.add_column("users", sa.Column("suspension_reason", sa.String(1000), nullable=True))

    categories = op.create_table(
        "forum_categories",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("platform_code", sa.String(8), nullable=True),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("descriptions", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_code"], ["platforms.code"], name=op.f("fk_forum_categories_platform_code_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forum_categories")),
    )
    op.create_index(op.f("ix_forum_categories_platform_code"), "forum_categories", ["platform_code"])

    op.create_table(
        "forum_topics",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("category_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("language", sa.String(35), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("first_post_id", sa.Uuid(), nullable=True),
        sa.Column("is_pinned", sa.Boolean(), nullable=False),
        sa.Column("is_locked", sa.Boolean(), nullable=False),
        sa.Column("reply_count", sa.Integer(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("last_post_at", Timestamp, nullable=False),
        sa.CheckConstraint(
            "status IN ('visible', 'pending', 'hidden')", name=op.f("ck_forum_topics_known_status")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_forum_topics_author_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["forum_categories.id"],
            name=op.f("fk_forum_topics_category_id_forum_categories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forum_topics")),
    )
    op.create_index(
        "ix_forum_topics_listing", "forum_topics", ["category_id", "is_pinned", "last_post_at", "id"]
    )

    op.create_table(
        "forum_posts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("topic_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("language", sa.String(35), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("held_for", sa.String(32), nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("edited_at", Timestamp, nullable=True),
        sa.CheckConstraint(
            "status IN ('visible', 'pending', 'hidden')", name=op.f("ck_forum_posts_known_status")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_forum_posts_author_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["forum_topics.id"],
            name=op.f("fk_forum_posts_topic_id_forum_topics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forum_posts")),
    )
    op.create_index("ix_forum_posts_reading", "forum_posts", ["topic_id", "created_at", "id"])
    op.create_index("ix_forum_posts_author", "forum_posts", ["author_id", "status"])
    op.create_index("ix_forum_posts_waiting", "forum_posts", ["status", "created_at"])

    op.create_table(
        "forum_reports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("post_id", sa.Uuid(), nullable=False),
        sa.Column("reporter_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.String(24), nullable=False),
        sa.Column("comment", sa.String(1000), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("resolved_at", Timestamp, nullable=True),
        sa.CheckConstraint(
            "reason IN ('spam', 'bullying', 'hate', 'personal_information', 'safety')",
            name=op.f("ck_forum_reports_known_reason"),
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["forum_posts.id"],
            name=op.f("fk_forum_reports_post_id_forum_posts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["users.id"],
            name=op.f("fk_forum_reports_reporter_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forum_reports")),
        sa.UniqueConstraint("post_id", "reporter_id", name=op.f("uq_forum_reports_one_report_per_member")),
    )
    op.create_index("ix_forum_reports_open", "forum_reports", ["resolved_at", "post_id"])

    op.create_table(
        "forum_blocks",
        sa.Column("blocker_id", sa.Uuid(), nullable=False),
        sa.Column("blocked_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["blocked_id"], ["users.id"], name=op.f("fk_forum_blocks_blocked_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["blocker_id"], ["users.id"], name=op.f("fk_forum_blocks_blocker_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("blocker_id", "blocked_id", name=op.f("pk_forum_blocks")),
    )

    op.create_table(
        "forum_mutes",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("until", Timestamp, nullable=False),
        sa.Column("reason", sa.String(1000), nullable=False),
        sa.Column("muted_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["muted_by"], ["users.id"], name=op.f("fk_forum_mutes_muted_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_forum_mutes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_forum_mutes")),
    )

    op.create_table(
        "moderation_actions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("moderator_id", sa.Uuid(), nullable=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("platform_code", sa.String(8), nullable=True),
        sa.Column("post_id", sa.Uuid(), nullable=True),
        sa.Column("topic_id", sa.Uuid(), nullable=True),
        sa.Column("member_id", sa.Uuid(), nullable=True),
        sa.Column("until", Timestamp, nullable=True),
        sa.Column("reason", sa.String(1000), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["users.id"],
            name=op.f("fk_moderation_actions_member_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["moderator_id"],
            ["users.id"],
            name=op.f("fk_moderation_actions_moderator_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_actions")),
    )
    op.create_index(op.f("ix_moderation_actions_platform_code"), "moderation_actions", ["platform_code"])
    op.create_index("ix_moderation_actions_log", "moderation_actions", ["created_at", "id"])

    now = dt.datetime.now(dt.UTC)
    first = json.loads(FIRST_CATEGORIES.read_text(encoding="utf-8"))
    seeded = [(None, position, category) for position, category in enumerate(first["network_wide"])] + [
        (code, position, category)
        for code in COUNTRY_PLATFORMS
        for position, category in enumerate(first["per_platform"])
    ]
    op.bulk_insert(
        categories,
        [
            {
                "id": uuid.uuid4(),
                "platform_code": code,
                "names": category["names"],
                "descriptions": category["descriptions"],
                "position": position,
                "created_at": now,
            }
            for code, position, category in seeded
        ],
    )


def downgrade() -> None:
    for table in (
        "moderation_actions",
        "forum_mutes",
        "forum_blocks",
        "forum_reports",
        "forum_posts",
        "forum_topics",
        "forum_categories",
    ):
        op.drop_table(table)
    with op.batch_alter_table("users") as batch:
        batch.drop_column("suspension_reason")
