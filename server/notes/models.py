"""Interview guides (versioned), field notes, and the reviews of notes."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, UtcDateTime, VocabularyColumn, one_of, utcnow


class NoteKind(StrEnum):
    INTERVIEW = "interview"
    FOCUS_GROUP = "focus_group"
    OBSERVATION = "observation"


class NoteStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    WITHDRAWN = "withdrawn"


class WritableStatus(StrEnum):
    """What an author may set; reviews and withdrawal move a note on from there."""

    DRAFT = NoteStatus.DRAFT.value
    SUBMITTED = NoteStatus.SUBMITTED.value


# Notes in front of reviewers (and in "any" exports): sent, and neither a draft nor withdrawn.
class ApprovedNotesOnErasure(StrEnum):
    """What a person who erases their account chooses for their notes already approved for
    research; every other note of theirs is deleted with the account."""

    KEEP_PSEUDONYMISED = "keep_pseudonymised"
    DELETE = "delete"


REVIEWABLE_STATUSES = (NoteStatus.SUBMITTED, NoteStatus.APPROVED, NoteStatus.CHANGES_REQUESTED)


class ReviewDecision(StrEnum):
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"


class AgeBand(StrEnum):
    """A focus group's participants are counted by age band: never by name or birth date."""

    UNDER_14 = "under-14"
    FROM_14_TO_15 = "14-15"
    FROM_16_TO_17 = "16-17"
    FROM_18_TO_21 = "18-21"
    FROM_22_TO_25 = "22-25"
    FROM_26_TO_29 = "26-29"
    FROM_30 = "30-plus"


class QuestionType(StrEnum):
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    SCALE = "scale"
    NUMBER = "number"


# Questions answered with the codes of their options.
CHOICE_TYPES = frozenset({QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE})
# Questions answered in the person's own words.
TEXT_TYPES = frozenset({QuestionType.SHORT_TEXT, QuestionType.LONG_TEXT})


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
    kind: Mapped[NoteKind] = mapped_column(VocabularyColumn(NoteKind, 16))
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
    status: Mapped[NoteStatus] = mapped_column(VocabularyColumn(NoteStatus, 20))
    version: Mapped[int] = mapped_column(sa.Integer)
    # SHA-256 of the content last written, so a replay is recognised in one comparison.
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    # Spans that look like personal information: [{field, start, end, kind}].
    personal_information: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    # The characters of the text and of the answers written as JSON (note_characters): what an
    # XLSX asks of its notes' size before its first byte, read from ix_notes_export alone.
    characters: Mapped[int] = mapped_column(sa.Integer, server_default="0")

    __table_args__ = (
        one_of("kind", NoteKind, name="known_kind"),
        one_of("status", NoteStatus, name="known_status"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
        # Every column an export filters on or asks about before its first byte
        # (server/exports/service.py scan), its size included, so that it reads no note before
        # it starts; platform and status first, for the review queue too.
        sa.Index(
            "ix_notes_export",
            "platform_code",
            "status",
            "author_id",
            "guide_id",
            "guide_version",
            "changed_at",
            "version",
            "kind",
            "recorded_at",
            "characters",
        ),
        # An export's notes in its order (received, then id) on one platform: the first note
        # leaves without a sort of every match first (12.9 s at 1,000,000 notes on SQLite).
        sa.Index("ix_notes_platform_received", "platform_code", "received_at", "id"),
    )


def note_characters(text: str, answers: Mapping[str, Any]) -> int:
    """What a note keeps in Note.characters: its text's characters and the bytes of its answers
    as JSON, at least as many as its answers' characters in any export."""
    return len(text) + len(msgspec.json.encode(answers))


class NoteReview(Base):
    __tablename__ = "note_reviews"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    note_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("notes.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    decision: Mapped[ReviewDecision] = mapped_column(VocabularyColumn(ReviewDecision, 20))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    comment_language: Mapped[str | None] = mapped_column(sa.String(8))
    note_version: Mapped[int] = mapped_column(sa.Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
