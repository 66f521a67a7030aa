"""Policy briefs: what researchers and stakeholders write from the programme's evidence for
policymakers, its versions, its authors and platforms, and the evidence it quotes."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, UtcDateTime, VocabularyColumn, one_of, utcnow


class BriefStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class EvidenceKind(StrEnum):
    NOTE = "note"
    DELPHI_STATEMENT = "delphi_statement"
    EVENT_OUTCOME = "event_outcome"


class Brief(Base):
    __tablename__ = "briefs"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    # [{heading, body}] and [{text}]: plain text, escaped wherever it is shown.
    sections: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    recommendations: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    language: Mapped[str] = mapped_column(sa.String(8))
    status: Mapped[BriefStatus] = mapped_column(VocabularyColumn(BriefStatus, 12), default=BriefStatus.DRAFT)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    # The version a researcher who is not an author approved for publishing, and the one published:
    # the public page shows the published version, so an edit after publishing waits for review.
    approved_version: Mapped[int | None] = mapped_column(sa.Integer)
    approved_by: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # The version its authors asked a second researcher to review (while it is the current one
    # and not yet approved, the brief is "in review").
    review_requested_version: Mapped[int | None] = mapped_column(sa.Integer)
    published_version: Mapped[int | None] = mapped_column(sa.Integer)
    # Made when it is first published; the public page's address never changes after.
    slug: Mapped[str | None] = mapped_column(sa.String(80), unique=True)
    published_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    created_by: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (
        one_of("status", BriefStatus, name="known_status"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
        sa.Index("ix_briefs_created", "created_at", "id"),
        sa.Index("ix_briefs_status_published", "status", "published_at", "id"),
    )


class BriefPlatform(Base):
    """A platform a brief belongs to: its researchers read it, its stakeholders once published."""

    __tablename__ = "brief_platforms"

    brief_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("briefs.id", ondelete="CASCADE"), primary_key=True
    )
    platform_code: Mapped[str] = mapped_column(sa.ForeignKey("platforms.code"), primary_key=True)

    __table_args__ = (sa.Index("ix_brief_platforms_platform", "platform_code", "brief_id"),)


class BriefAuthor(Base):
    __tablename__ = "brief_authors"

    brief_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("briefs.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    added_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (sa.Index("ix_brief_authors_user", "user_id"),)


class BriefVersion(Base):
    """Each version of a brief's words as it was saved: nothing is lost to a later edit."""

    __tablename__ = "brief_versions"

    brief_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("briefs.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.Text)
    sections: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    recommendations: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    saved_by: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    saved_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class BriefEvidence(Base):
    """A quote a brief holds, as it may leave the platform: redacted, its author a pseudonym."""

    __tablename__ = "brief_evidence"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    brief_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("briefs.id", ondelete="CASCADE"))
    kind: Mapped[EvidenceKind] = mapped_column(VocabularyColumn(EvidenceKind, 20))
    # The note, outcome or statement quoted (no foreign key: the kinds live in different tables).
    ref_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    excerpt: Mapped[str] = mapped_column(sa.Text)
    # Who or what it comes from, as the public may read it: a pseudonym, an event's title.
    attribution: Mapped[str] = mapped_column(sa.String(300))
    platform_code: Mapped[str | None] = mapped_column(sa.ForeignKey("platforms.code"))
    # The person quoted, for a note: if they withdraw consent or are erased the quote leaves.
    # Never shown.
    quoted_person_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    added_by: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    added_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (
        one_of("kind", EvidenceKind, name="known_kind"),
        sa.Index("ix_brief_evidence_brief_added", "brief_id", "added_at", "id"),
        sa.Index("ix_brief_evidence_quoted_person", "quoted_person_id"),
    )


class BriefTranslation(Base):
    """A brief that translates another (its original), from the version of the original it was
    translated from: when the original moves past that version, the translation is out of date."""

    __tablename__ = "brief_translations"

    brief_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("briefs.id", ondelete="CASCADE"), primary_key=True
    )
    original_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("briefs.id", ondelete="CASCADE"))
    from_version: Mapped[int] = mapped_column(sa.Integer)

    __table_args__ = (
        sa.CheckConstraint("from_version >= 1", name="from_version_positive"),
        sa.Index("ix_brief_translations_original", "original_id"),
    )
