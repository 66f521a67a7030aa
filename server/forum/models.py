"""Forum tables: categories (network-wide or per platform), topics, posts, reports, blocks, mutes."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, UtcDateTime, VocabularyColumn, one_of, utcnow


class PostStatus(StrEnum):
    VISIBLE = "visible"
    PENDING = "pending"
    HIDDEN = "hidden"


class HoldReason(StrEnum):
    """Why a post waits for a youth worker: a new member's first posts, personal information in it
    (from the start, or brought in by an edit of a published post), or enough reports from
    different members."""

    NEW_MEMBER = "new_member"
    PERSONAL_INFORMATION = "personal_information"
    PERSONAL_INFORMATION_IN_EDIT = "personal_information_in_edit"
    REPORTS = "reports"


class ReportReason(StrEnum):
    SPAM = "spam"
    BULLYING = "bullying"
    HATE = "hate"
    PERSONAL_INFORMATION = "personal_information"
    SAFETY = "safety"


# "Worried about someone's safety" goes straight to the platform's youth workers.
URGENT_REASONS = frozenset({ReportReason.SAFETY})


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
    status: Mapped[PostStatus] = mapped_column(VocabularyColumn(PostStatus, 12))
    first_post_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    is_pinned: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    is_locked: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    reply_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    # When the last visible post arrived: the order of a category's topics.
    last_post_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (
        one_of("status", PostStatus, name="known_status"),
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
    status: Mapped[PostStatus] = mapped_column(VocabularyColumn(PostStatus, 12))
    held_for: Mapped[HoldReason | None] = mapped_column(VocabularyColumn(HoldReason, 32))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    edited_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        one_of("status", PostStatus, name="known_status"),
        sa.Index("ix_forum_posts_reading", "topic_id", "created_at", "id"),
        sa.Index("ix_forum_posts_author", "author_id", "status"),
        sa.Index("ix_forum_posts_waiting", "status", "created_at"),
    )

    def editable_until(self, edit_minutes: int) -> dt.datetime:
        """Its author may change a post for a while after writing it (TESSERA_FORUM_EDIT_MINUTES)."""
        return self.created_at + dt.timedelta(minutes=edit_minutes)


class Report(Base):
    """A member's report of a post; one per member and post, so that a crowd is counted honestly."""

    __tablename__ = "forum_reports"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    post_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("forum_posts.id", ondelete="CASCADE"))
    reporter_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[ReportReason] = mapped_column(VocabularyColumn(ReportReason, 24))
    comment: Mapped[str] = mapped_column(sa.String(1000), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Set when a moderator decided on the post: the report leaves the queue.
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        sa.UniqueConstraint("post_id", "reporter_id", name="one_report_per_member"),
        one_of("reason", ReportReason, name="known_reason"),
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


class ReactionKind(StrEnum):
    """Two are enough (issue 14): a quick "I agree" and "I feel with you", without words."""

    THUMBS_UP = "thumbs_up"
    HEART = "heart"


class Reaction(Base):
    """A member's reaction to a post, one per member, post and kind.

    Taking a reaction back keeps the row, marked withdrawn: reacting again brings it back without
    telling the author a second time, so toggling cannot flood anyone with notifications."""

    __tablename__ = "forum_reactions"

    post_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("forum_posts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[ReactionKind] = mapped_column(VocabularyColumn(ReactionKind, 16), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        one_of("kind", ReactionKind, name="known_kind"),
        # A member's reactions, found at once when they are erased.
        sa.Index("ix_forum_reactions_user", "user_id"),
    )


class TopicRead(Base):
    """How far a member has read a topic: the newest post they were shown. Posts after it are
    unread for them."""

    __tablename__ = "forum_topic_reads"

    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    topic_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("forum_topics.id", ondelete="CASCADE"), primary_key=True
    )
    read_up_to: Mapped[dt.datetime] = mapped_column(UtcDateTime)
