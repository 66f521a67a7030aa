"""Forum tables: categories (network-wide or per platform), topics, posts, reports, blocks, mutes."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, UtcDateTime, utcnow

POST_STATUSES = ("visible", "pending", "hidden")
# Why a post waits for a youth worker: a new member's first posts, personal information in it
# (from the start, or brought in by an edit of a published post), or enough reports from
# different members.
HOLD_REASONS = ("new_member", "personal_information", "personal_information_in_edit", "reports")
REPORT_REASONS = ("spam", "bullying", "hate", "personal_information", "safety")
# "Worried about someone's safety" goes straight to the platform's youth workers.
URGENT_REASONS = ("safety",)


class Category(Base):
    __tablename__ = "forum_categories"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    # Null for the network-wide categories every member sees, moderated by admins.
    platform_code: Mapped[str | None] = mapped_column(sa.ForeignKey("platforms.code"), index=True)
    # {locale: text} in every supported locale.
    names: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    descriptions: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    position: Mapped[int] = mapped_column(sa.Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class Topic(Base):
    __tablename__ = "forum_topics"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    category_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("forum_categories.id", ondelete="CASCADE"))
    author_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(sa.String(200))
    language: Mapped[str] = mapped_column(sa.String(35))
    # The status of the topic's first post: a topic is seen exactly when its opening post is.
    status: Mapped[str] = mapped_column(sa.String(12))
    first_post_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    is_pinned: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    is_locked: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    reply_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    # When the last visible post arrived: the order of a category's topics.
    last_post_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (
        sa.CheckConstraint(f"status IN {POST_STATUSES!r}", name="known_status"),
        # Serves a category's page in index order: nearly every topic is visible, so the scan
        # stops after a page's worth of rows (bench/forum_reading.py).
        sa.Index("ix_forum_topics_listing", "category_id", "is_pinned", "last_post_at", "id"),
    )


class Post(Base):
    __tablename__ = "forum_posts"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    topic_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("forum_topics.id", ondelete="CASCADE"))
    author_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # What the member wrote (plain text with light formatting); the HTML is made when read.
    body: Mapped[str] = mapped_column(sa.Text)
    # Rendered and cleaned once, when written: rendering on every read was most of the cost
    # of reading a topic (bench/forum_reading.py).
    body_html: Mapped[str] = mapped_column(sa.Text)
    language: Mapped[str] = mapped_column(sa.String(35))
    status: Mapped[str] = mapped_column(sa.String(12))
    held_for: Mapped[str | None] = mapped_column(sa.String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    edited_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        sa.CheckConstraint(f"status IN {POST_STATUSES!r}", name="known_status"),
        sa.Index("ix_forum_posts_reading", "topic_id", "created_at", "id"),
        sa.Index("ix_forum_posts_author", "author_id", "status"),
        sa.Index("ix_forum_posts_waiting", "status", "created_at"),
    )


class Report(Base):
    """A member's report of a post; one per member and post, so that a crowd is counted honestly."""

    __tablename__ = "forum_reports"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    post_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("forum_posts.id", ondelete="CASCADE"))
    reporter_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(sa.String(24))
    comment: Mapped[str] = mapped_column(sa.String(1000), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Set when a moderator decided on the post: the report leaves the queue.
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        sa.UniqueConstraint("post_id", "reporter_id", name="one_report_per_member"),
        sa.CheckConstraint(f"reason IN {REPORT_REASONS!r}", name="known_reason"),
        sa.Index("ix_forum_reports_open", "resolved_at", "post_id"),
    )


class Block(Base):
    """The blocker no longer sees the blocked member's topics and posts, nor hears of their replies."""

    __tablename__ = "forum_blocks"

    blocker_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    blocked_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class Mute(Base):
    """A member who may read but not post until a time, set by a youth worker with a reason."""

    __tablename__ = "forum_mutes"

    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    until: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    reason: Mapped[str] = mapped_column(sa.String(1000))
    muted_by: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
