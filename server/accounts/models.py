"""People's accounts, their platforms, invites, consent records and personal API tokens."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db import Base, UtcDateTime, utcnow

ROLES = ("youth", "youth_worker", "researcher", "admin")
STATUSES = ("active", "suspended", "erased")


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
    role: Mapped[str] = mapped_column(sa.String(16))
    language: Mapped[str] = mapped_column(sa.String(8))
    birth_year: Mapped[int | None] = mapped_column(sa.SmallInteger)
    status: Mapped[str] = mapped_column(sa.String(12), default="active")
    suspended_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # What the moderator told the member, shown to them when they try to sign in.
    suspension_reason: Mapped[str | None] = mapped_column(sa.String(1000))
    # Bumped whenever every session of the person must end (password change, suspension).
    session_epoch: Mapped[int] = mapped_column(sa.Integer, default=0)
    # Which invite brought the person in (no foreign key: invites point at their makers already).
    invite_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    erased_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    platforms: Mapped[list[UserPlatform]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="UserPlatform.platform_code"
    )

    __table_args__ = (
        sa.CheckConstraint(f"role IN {ROLES!r}", name="known_role"),
        sa.CheckConstraint(f"status IN {STATUSES!r}", name="known_status"),
    )

    @property
    def platform_codes(self) -> list[str]:
        return [link.platform_code for link in self.platforms]

    @property
    def is_erased(self) -> bool:
        return self.status == "erased"


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
    role: Mapped[str] = mapped_column(sa.String(16))
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
