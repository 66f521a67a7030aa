"""What reaches a person about their own things: notifications and which events they want, and how."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, UtcDateTime, utcnow


class NotificationEvent(StrEnum):
    TOPIC_REPLY = "topic_reply"
    POST_APPROVED = "post_approved"
    POST_HIDDEN = "post_hidden"
    POST_REACTION = "post_reaction"
    NOTE_REVIEWED = "note_reviewed"
    URGENT_REPORT = "urgent_report"
    BRIEF_QUOTE_REMOVED = "brief_quote_removed"
    BRIEF_REVIEW_REQUESTED = "brief_review_requested"


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    recipient_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(sa.String(32))
    # Only what the title needs (a review's decision), never a note's or a post's words:
    # the text is made from the event in the reader's language when it is read.
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    # Where the app opens when the notification is tapped: a path inside the app.
    link: Mapped[str] = mapped_column(sa.String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (sa.Index("ix_notifications_recipient_created", "recipient_id", "created_at", "id"),)


class NotificationSetting(Base):
    """A person's choice for one event; no row means the default, in the app and by push."""

    __tablename__ = "notification_settings"

    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    event: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    in_app: Mapped[bool] = mapped_column(sa.Boolean)
    push: Mapped[bool] = mapped_column(sa.Boolean)
