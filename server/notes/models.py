"""Interview guides (versioned), field notes, and the reviews of notes."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, UtcDateTime, utcnow

NOTE_KINDS = ("interview", "focus_group", "observation")
NOTE_STATUSES = ("draft", "submitted", "approved", "changes_requested", "withdrawn")


class Guide(Base):
    __tablename__ = "guides"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    # The network-wide platform's guides serve every platform.
    platform_code: Mapped[str] = mapped_column(sa.ForeignKey("platforms.code"), index=True)
    source_language: Mapped[str] = mapped_column(sa.String(8))
    current_version: Mapped[int] = mapped_column(sa.Integer, default=1)
    created_by: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class GuideVersion(Base):
    """One version of a guide, never changed once written: notes point at the one they answered."""

    __tablename__ = "guide_versions"

    guide_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("guides.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    # {language: text}; questions: [{id, type, prompt: {language: text}, options, min, max, required}]
    title: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    questions: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class Note(Base):
    __tablename__ = "notes"

    # Made by the device when the note is first written: it is the note's identity through
    # every retry, so a replayed write can never become a second note.
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    author_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    platform_code: Mapped[str] = mapped_column(sa.ForeignKey("platforms.code"))
    guide_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    guide_version: Mapped[int | None] = mapped_column(sa.Integer)
    kind: Mapped[str] = mapped_column(sa.String(16))
    language: Mapped[str] = mapped_column(sa.String(8))
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    # When the server last changed the note (a write, a review): what a device's sync catches up on.
    changed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    interviewee_code: Mapped[str] = mapped_column(sa.String(32))
    participants: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    answers: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    text: Mapped[str] = mapped_column(sa.Text)
    tags: Mapped[list[str]] = mapped_column(sa.JSON)
    consent_confirmed: Mapped[bool] = mapped_column(sa.Boolean)
    status: Mapped[str] = mapped_column(sa.String(20))
    version: Mapped[int] = mapped_column(sa.Integer)
    # SHA-256 of the content last written, so a replay is recognised in one comparison.
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    # Spans that look like personal information: [{field, start, end, kind}].
    personal_information: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)

    __table_args__ = (
        sa.CheckConstraint(f"kind IN {NOTE_KINDS!r}", name="known_kind"),
        sa.CheckConstraint(f"status IN {NOTE_STATUSES!r}", name="known_status"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
        sa.Index("ix_notes_platform_status", "platform_code", "status"),
    )


class NoteReview(Base):
    __tablename__ = "note_reviews"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    note_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("notes.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    decision: Mapped[str] = mapped_column(sa.String(20))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    comment_language: Mapped[str | None] = mapped_column(sa.String(8))
    note_version: Mapped[int] = mapped_column(sa.Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
