"""The counted notes of each peer researcher, kept as they change so that the programme's
figures are read from a few thousand rows instead of a million notes."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, VocabularyColumn, one_of
from server.notes.models import NoteKind


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
