"""Events of the programme (workshops, focus groups, conferences, meetings), the people
registered for them with the waiting list, what came out of them, and personal calendar feeds."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, UtcDateTime, VocabularyColumn, one_of, utcnow


class EventKind(StrEnum):
    WORKSHOP = "workshop"
    FOCUS_GROUP = "focus_group"
    CONFERENCE = "conference"
    MEETING = "meeting"


class RegistrationStatus(StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"


class OutcomeKind(StrEnum):
    FINDING = "finding"
    RECOMMENDATION = "recommendation"
    # A follow-on activity, with an owner, a due date and a status.
    ACTION = "action"


class ActionStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class Event(Base):
    __tablename__ = "events"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    # Null for a network-wide event (the closing conference), which only admins hold.
    platform_code: Mapped[str | None] = mapped_column(sa.ForeignKey("platforms.code"))
    kind: Mapped[EventKind] = mapped_column(VocabularyColumn(EventKind, 16))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    starts_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    # The IANA zone the event takes place in (Europe/Rome): calendars show its local time.
    time_zone: Mapped[str] = mapped_column(sa.String(64))
    place: Mapped[str | None] = mapped_column(sa.String(300))
    online_url: Mapped[str | None] = mapped_column(sa.String(2000))
    # Null: as many as come.
    capacity: Mapped[int | None] = mapped_column(sa.Integer)
    languages: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # The time of the latest registration: each new one is later still, so that the order of
    # registration (and so the waiting list) is the order of created_at, ties impossible.
    last_registration_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    created_by: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (
        one_of("kind", EventKind, name="known_kind"),
        sa.CheckConstraint("starts_at < ends_at", name="starts_before_it_ends"),
        sa.CheckConstraint("capacity IS NULL OR capacity >= 1", name="capacity_positive"),
        sa.Index("ix_events_platform_starts", "platform_code", "starts_at", "id"),
        sa.Index("ix_events_starts", "starts_at", "id"),
        # Each platform's workshops and conferences, counted from the index alone (impact).
        sa.Index("ix_events_platform_kind", "platform_code", "kind"),
    )


class Registration(Base):
    """A person registered for an event: a member themself, or someone staff registered."""

    __tablename__ = "event_registrations"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    event_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    # The member who registered themself; null for a person staff registered by name.
    user_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # Null only once the person is erased and their attendance is kept without them.
    name: Mapped[str | None] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    organisation: Mapped[str | None] = mapped_column(sa.String(200))
    country: Mapped[str | None] = mapped_column(sa.String(2))
    needs: Mapped[str | None] = mapped_column(sa.String(1000))
    # The person's entry in the directory: attending writes an engagement there.
    stakeholder_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("stakeholder_entries.id", ondelete="SET NULL")
    )
    status: Mapped[RegistrationStatus] = mapped_column(VocabularyColumn(RegistrationStatus, 12))
    attended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # What the registration's QR code carries for check-in at the door. Kept as it is, not
    # hashed: the code is drawn again whenever the person opens it.
    check_in_token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    # When the reminder e-mail a day before the event was queued: set in the same UPDATE that
    # claims it (WHERE reminded_at IS NULL), so that it goes once however many workers look.
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        one_of("status", RegistrationStatus, name="known_status"),
        # One registration per member and event; people staff register (no user) are many.
        sa.UniqueConstraint("event_id", "user_id", name="uq_event_registrations_member"),
        sa.Index("ix_event_registrations_event_created", "event_id", "created_at", "id"),
        sa.Index("ix_event_registrations_user_id", "user_id"),
        # The impact figures count who attended, and from which countries, from this alone.
        sa.Index("ix_event_registrations_attended", "event_id", "attended_at", "country"),
    )

    @property
    def check_in_code(self) -> str:
        return check_in_code(self.check_in_token)


# Crockford's base-32 alphabet: no I, L, O or U, so a code read aloud or typed from a phone is
# not mistaken (a typed O is read as 0, I and L as 1).
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CODE_READINGS = str.maketrans("OIL", "011")


def check_in_code(token: str) -> str:
    """The short code printed under a registration's QR code, for staff to type at the door
    when the code cannot be scanned: 40 bits of a hash of the check-in token, as "K3F9-7QXM".
    It finds the registration in the event's list (organisers only) and opens nothing itself."""
    digest = int.from_bytes(hashlib.sha256(b"check-in-code:" + token.encode()).digest()[:5])
    letters = "".join(_CODE_ALPHABET[(digest >> shift) & 31] for shift in range(35, -1, -5))
    return letters[:4] + "-" + letters[4:]


def typed_check_in_code(text: str) -> str | None:
    """A check-in code as staff may type it (any case, with or without the dash or spaces,
    O for 0), written as check_in_code writes it; None if the text is not one."""
    letters = "".join(char for char in text.upper() if char.isascii() and char.isalnum())
    letters = letters.translate(_CODE_READINGS)
    if len(letters) != 8 or any(char not in _CODE_ALPHABET for char in letters):
        return None
    return letters[:4] + "-" + letters[4:]


class Outcome(Base):
    """A finding, a recommendation or a follow-on action that came out of an event."""

    __tablename__ = "event_outcomes"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    event_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    # The event's platform, kept here so that a platform's actions are one indexed range.
    platform_code: Mapped[str | None] = mapped_column(sa.ForeignKey("platforms.code"))
    kind: Mapped[OutcomeKind] = mapped_column(VocabularyColumn(OutcomeKind, 16))
    text: Mapped[str] = mapped_column(sa.String(5000))
    language: Mapped[str] = mapped_column(sa.String(8))
    owner: Mapped[str | None] = mapped_column(sa.String(200))
    due: Mapped[dt.date | None] = mapped_column(sa.Date)
    # Only an action has one.
    status: Mapped[ActionStatus | None] = mapped_column(VocabularyColumn(ActionStatus, 12))
    created_by: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (
        one_of("kind", OutcomeKind, name="known_kind"),
        one_of("status", ActionStatus, name="known_status"),
        sa.CheckConstraint("(kind = 'action') = (status IS NOT NULL)", name="status_of_actions_only"),
        sa.Index("ix_event_outcomes_event_created", "event_id", "created_at", "id"),
        sa.Index("ix_event_outcomes_platform_created", "platform_code", "created_at", "id"),
    )


class CalendarFeed(Base):
    """A person's calendar feed: a secret address a calendar app reads without signing in.
    Only the token's SHA-256 is kept; a new one replaces the old, and deleting it revokes."""

    __tablename__ = "calendar_feeds"

    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
