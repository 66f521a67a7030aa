"""People's accounts, their platforms, invites, consent records and personal API tokens."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db import Base, UtcDateTime, VocabularyColumn, one_of, utcnow


class Role(StrEnum):
    YOUTH = "youth"
    YOUTH_WORKER = "youth_worker"
    RESEARCHER = "researcher"
    ADMIN = "admin"
    # A person of a partner organisation on a country platform: reads the platform's
    # published briefs, impact figures and events, answers Delphi ballots; never notes, the
    # forum or anybody's personal data.
    STAKEHOLDER = "stakeholder"


# Who writes field notes (and so keeps an outbox of them on the phone).
AUTHORS = frozenset({Role.YOUTH})
# Who reviews the notes of their own platforms (admins review every platform's by their role).
REVIEWERS = frozenset({Role.YOUTH_WORKER, Role.RESEARCHER})
# Who moderates the forum: youth workers on their platforms, admins everywhere.
MODERATORS = frozenset({Role.YOUTH_WORKER, Role.ADMIN})
# Who downloads notes, keeps personal API tokens and writes interview guides.
RESEARCHERS = frozenset({Role.RESEARCHER, Role.ADMIN})
# Who works for the programme rather than taking part in it: opens the review screen, and
# is trusted in the forum (no first posts held for a youth worker).
STAFF = REVIEWERS | {Role.ADMIN}
# Who may know which young person wrote a note: researchers work with pseudonymous notes.
SEE_NOTE_AUTHORS = frozenset({Role.YOUTH, Role.YOUTH_WORKER, Role.ADMIN})
# Who works within a country platform and so belongs to at least one from the start.
PLATFORM_BOUND = frozenset({Role.YOUTH, Role.YOUTH_WORKER, Role.STAKEHOLDER})
# Who may open field notes and interview guides at all (each rule then narrows to what is
# theirs): the peer researchers and the staff, never stakeholders.
NOTE_READERS = AUTHORS | STAFF
# Who meets in the Migrant Youth Network forum. The contract gives stakeholders no forum, so
# they have none: a partner organisation's staff never read what young people write there.
FORUM_MEMBERS = AUTHORS | STAFF
# Who invites people: youth workers (young people and stakeholders) and researchers
# (stakeholders) to their own platforms, admins anyone anywhere.
INVITERS = STAFF
# Who keeps a platform's stakeholder directory: its youth workers and researchers, and admins.
DIRECTORY_KEEPERS = STAFF
# Who organises a platform's events (registers people, marks attendance, records outcomes) and
# keeps its follow-on actions: its youth workers and researchers, and admins.
EVENT_ORGANISERS = STAFF
# Who reads a platform's follow-on actions: its organisers and its stakeholders.
ACTION_READERS = EVENT_ORGANISERS | {Role.STAKEHOLDER}
# Who may keep an e-mail address on their account (for a password reset by e-mail): the staff
# and stakeholders. Young people, many of them minors, never do (data minimisation).
MAY_KEEP_EMAIL = STAFF | {Role.STAKEHOLDER}
# Who reads the programme's impact figures: staff and stakeholders of their platforms, admins
# of all.
IMPACT_READERS = STAFF | {Role.STAKEHOLDER}
# Who reads a Delphi study's results: its facilitators (researchers of its platforms, admins),
# and its platforms' stakeholders once it is closed.
DELPHI_RESULT_READERS = RESEARCHERS | {Role.STAKEHOLDER}


class AccountStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    ERASED = "erased"


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    # Null once the person is erased: nothing of their name stays.
    username: Mapped[str | None] = mapped_column(sa.String(32))
    # The username folded for comparison (case, width, confusable letters), unique, so that
    # "Amina", "amina" and "аmina" with a Cyrillic а are one name.
    username_key: Mapped[str] = mapped_column(sa.String(128), unique=True)
    display_name: Mapped[str | None] = mapped_column(sa.String(64))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(VocabularyColumn(Role, 16))
    language: Mapped[str] = mapped_column(sa.String(8))
    birth_year: Mapped[int | None] = mapped_column(sa.SmallInteger)
    status: Mapped[AccountStatus] = mapped_column(
        VocabularyColumn(AccountStatus, 12), default=AccountStatus.ACTIVE
    )
    suspended_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # What the moderator told the member, shown to them when they try to sign in.
    suspension_reason: Mapped[str | None] = mapped_column(sa.String(1000))
    # Bumped whenever every session of the person must end (password change, suspension).
    session_epoch: Mapped[int] = mapped_column(sa.Integer, default=0)
    # Which invite brought the person in (no foreign key: invites point at their makers already).
    invite_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    erased_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # Staff and stakeholders only (MAY_KEEP_EMAIL): a young person's account never holds an
    # address. Stored once the person has confirmed it with the code sent to it; it is where
    # a password reset code goes. ``email_key`` is the address folded for looking it up.
    email: Mapped[str | None] = mapped_column(sa.String(320))
    email_key: Mapped[str | None] = mapped_column(sa.String(320), index=True)
    # An address the person asked for and has not confirmed yet, with the hash of the code
    # sent to it and when that code stops working.
    pending_email: Mapped[str | None] = mapped_column(sa.String(320))
    pending_email_code_hash: Mapped[str | None] = mapped_column(sa.String(64))
    pending_email_expires_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    platforms: Mapped[list[UserPlatform]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="UserPlatform.platform_code"
    )

    __table_args__ = (
        one_of("role", Role, name="known_role"),
        one_of("status", AccountStatus, name="known_status"),
    )

    @property
    def platform_codes(self) -> list[str]:
        return [link.platform_code for link in self.platforms]

    @property
    def is_erased(self) -> bool:
        return self.status == AccountStatus.ERASED


class UserPlatform(Base):
    __tablename__ = "user_platforms"

    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    platform_code: Mapped[str] = mapped_column(sa.ForeignKey("platforms.code"), primary_key=True)


class Invite(Base):
    __tablename__ = "invites"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    # Only a hash is kept: a leaked database gives no working invite codes.
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    role: Mapped[Role] = mapped_column(VocabularyColumn(Role, 16))
    platform_code: Mapped[str] = mapped_column(sa.ForeignKey("platforms.code"))
    max_uses: Mapped[int] = mapped_column(sa.Integer)
    uses: Mapped[int] = mapped_column(sa.Integer, default=0)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (sa.CheckConstraint("uses >= 0 AND uses <= max_uses", name="uses_within_limit"),)


class ConsentEvent(Base):
    """One consent given or withdrawn. Events are only ever added, never changed."""

    __tablename__ = "consent_events"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    version: Mapped[str] = mapped_column(sa.String(32))
    locale: Mapped[str] = mapped_column(sa.String(8))
    accepted: Mapped[bool] = mapped_column(sa.Boolean)
    # Given when the person is below their platform's age of digital consent; wiped on erasure.
    guardian_name: Mapped[str | None] = mapped_column(sa.String(100))
    guardian_consented: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    # Whose consent stands withdrawn is read from the few withdrawals (notes.withdrawn_authors).
    __table_args__ = (sa.Index("ix_consent_events_withdrawals", "accepted", "user_id", "recorded_at"),)


class ApiToken(Base):
    """A researcher's personal token for scripts; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(64))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class PasswordResetCode(Base):
    """A one-time code a youth worker or an admin hands over in person to someone who forgot
    their password (many young people have no e-mail). Only its SHA-256 is kept; it is valid
    for minutes, once, and a newer code for the same person replaces it."""

    __tablename__ = "password_reset_codes"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
