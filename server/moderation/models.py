"""The moderation log: every decision, who made it, when, and why."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, UtcDateTime, utcnow


class PostAction(StrEnum):
    APPROVE = "approve"
    HIDE = "hide"
    RESTORE = "restore"


class TopicAction(StrEnum):
    PIN = "pin"
    UNPIN = "unpin"
    LOCK = "lock"
    UNLOCK = "unlock"


class MemberAction(StrEnum):
    MUTE = "mute"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"


class ModerationAction(Base):
    __tablename__ = "moderation_actions"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    moderator_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(16))
    # Null for decisions in network-wide categories.
    platform_code: Mapped[str | None] = mapped_column(sa.String(8), index=True)
    post_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    topic_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    member_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    reason: Mapped[str] = mapped_column(sa.String(1000), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (sa.Index("ix_moderation_actions_log", "created_at", "id"),)
