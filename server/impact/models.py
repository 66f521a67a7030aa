"""The counted notes of each peer researcher, each platform's figures and the directory's
counts, kept as they change so that the programme's figures are read from a few rows per
platform instead of a million notes."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, VocabularyColumn, one_of
from server.events.models import ActionStatus
from server.notes.models import NoteKind
from server.stakeholders.models import Level, Sector


class NoteTally(Base):
    """How many counted notes (sent, neither drafts nor withdrawn) one author has of one kind
    on one platform, and the sum of their focus groups' participants.

    Database triggers on `notes` (migration 0013, one for SQLite and one for PostgreSQL) keep
    it: every way a note is written, reviewed, withdrawn or deleted with its author passes
    through them, so no write path can forget it. Consent is not in it: whose notes are hidden
    is decided when the figures are read, by the same rule as every other read of notes."""

    __tablename__ = "note_tallies"

    author_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    platform_code: Mapped[str] = mapped_column(sa.ForeignKey("platforms.code"), primary_key=True)
    kind: Mapped[NoteKind] = mapped_column(VocabularyColumn(NoteKind, 16), primary_key=True)
    notes: Mapped[int] = mapped_column(sa.Integer, default=0)
    participants: Mapped[int] = mapped_column(sa.Integer, default=0)

    __table_args__ = (
        one_of("kind", NoteKind, name="known_kind"),
        sa.Index(
            "ix_note_tallies_platform_author", "platform_code", "author_id", "kind", "notes", "participants"
        ),
    )


class PlatformTally(Base):
    """One platform's note tallies added up: its counted interviews, focus groups and their
    participants, and its peer researchers (authors with a counted note there), whoever's
    consent stands; those who withdrew it are taken away when the figures are read.

    Triggers on `note_tallies` keep it (migration 0020), so it changes exactly when they do."""

    __tablename__ = "platform_tallies"

    platform_code: Mapped[str] = mapped_column(sa.ForeignKey("platforms.code"), primary_key=True)
    interviews: Mapped[int] = mapped_column(sa.Integer, default=0)
    focus_groups: Mapped[int] = mapped_column(sa.Integer, default=0)
    focus_group_participants: Mapped[int] = mapped_column(sa.Integer, default=0)
    peer_researchers: Mapped[int] = mapped_column(sa.Integer, default=0)


class AuthorTally(Base):
    """On how many platforms one author has counted notes: a peer researcher of several is
    counted once in a total of them, and these are the few to look at for that.

    Kept by the same triggers as PlatformTally (migration 0020)."""

    __tablename__ = "author_tallies"

    author_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    platforms: Mapped[int] = mapped_column(sa.Integer, default=0)

    __table_args__ = (sa.Index("ix_author_tallies_platforms", "platforms", "author_id"),)


class StakeholderTally(Base):
    """How many directory entries one platform has of one sector and level, kept by triggers
    on `stakeholder_entries` (migration 0020)."""

    __tablename__ = "stakeholder_tallies"

    platform_code: Mapped[str] = mapped_column(sa.ForeignKey("platforms.code"), primary_key=True)
    sector: Mapped[Sector] = mapped_column(VocabularyColumn(Sector, 24), primary_key=True)
    level: Mapped[Level] = mapped_column(VocabularyColumn(Level, 16), primary_key=True)
    entries: Mapped[int] = mapped_column(sa.Integer, default=0)

    __table_args__ = (
        one_of("sector", Sector, name="known_sector"),
        one_of("level", Level, name="known_level"),
    )


class AttendanceTally(Base):
    """How many people came to one platform's events from one country: registrations marked
    as attended, on their event's platform (NETWORK for a network-wide event), under the
    country they gave ('' for none given, or erased since).

    Triggers on `event_registrations` and `events` keep it (migration 0020): a registration
    marked, unmarked, changed or cancelled, and an event moved to another platform."""

    __tablename__ = "attendance_tallies"

    platform_code: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    country: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    participants: Mapped[int] = mapped_column(sa.Integer, default=0)


class ActionTally(Base):
    """How many follow-on actions one platform (NETWORK for a network-wide event's) has in one
    status, kept by triggers on `event_outcomes` (migration 0020)."""

    __tablename__ = "action_tallies"

    platform_code: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    status: Mapped[ActionStatus] = mapped_column(VocabularyColumn(ActionStatus, 12), primary_key=True)
    actions: Mapped[int] = mapped_column(sa.Integer, default=0)

    __table_args__ = (one_of("status", ActionStatus, name="known_status"),)
