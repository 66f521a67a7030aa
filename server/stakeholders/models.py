"""Each country platform's stakeholder directory: the organisations and people the programme
engages, and the history of each one's engagements."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db import Base, UtcDateTime, VocabularyColumn, one_of, utcnow


class Sector(StrEnum):
    PUBLIC_AUTHORITY = "public_authority"
    NGO = "ngo"
    EDUCATION = "education"
    YOUTH_ORGANISATION = "youth_organisation"
    EMPLOYER = "employer"
    MIGRANT_LED = "migrant_led"
    RESEARCH = "research"
    HEALTH = "health"
    FAITH = "faith"
    OTHER = "other"


class Level(StrEnum):
    LOCAL = "local"
    REGIONAL = "regional"
    NATIONAL = "national"
    INTERNATIONAL = "international"


class ContactBasis(StrEnum):
    """The legal basis for contacting a person (GDPR Art. 6(1)(a) or (f)): their consent, or
    the legitimate interest that covers an organisation's public contacts."""

    CONSENT = "consent"
    LEGITIMATE_INTEREST = "legitimate_interest"


class EngagementKind(StrEnum):
    MAPPING = "mapping"
    INTERVIEW = "interview"
    FOCUS_GROUP = "focus_group"
    DELPHI = "delphi"
    WORKSHOP = "workshop"
    CONFERENCE = "conference"
    FOLLOW_UP = "follow_up"
    OTHER = "other"


class StakeholderEntry(Base):
    __tablename__ = "stakeholder_entries"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    platform_code: Mapped[str] = mapped_column(sa.ForeignKey("platforms.code"))
    organisation: Mapped[str] = mapped_column(sa.String(200))
    person_name: Mapped[str | None] = mapped_column(sa.String(200))
    # The organisation and the person folded (case, accents, spacing): two entries of one
    # platform with the same key are the same entry, however each was typed.
    identity_key: Mapped[str] = mapped_column(sa.String(900))
    # What `q` searches: the same folding, of both names, so that "Jose" finds "JOSÉ". On
    # PostgreSQL a trigram index (pg_trgm) and an index on (created_at, id) serve the search;
    # revision 0015 makes them there only (bench/directory_search.py says why).
    search_key: Mapped[str] = mapped_column(sa.String(900))
    role_title: Mapped[str | None] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    # The address compared without case: one address is one entry per platform.
    email_key: Mapped[str | None] = mapped_column(sa.String(254))
    # E.164 (+390612345678): one spelling of a number, whatever the spreadsheet held.
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    sector: Mapped[Sector] = mapped_column(VocabularyColumn(Sector, 24))
    level: Mapped[Level] = mapped_column(VocabularyColumn(Level, 16))
    locality: Mapped[str | None] = mapped_column(sa.String(200))
    languages: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    services: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    contact_basis: Mapped[ContactBasis] = mapped_column(VocabularyColumn(ContactBasis, 24))
    contact_consent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    created_by: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    engagements: Mapped[list[Engagement]] = relationship(
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="(Engagement.at, Engagement.id)",
        passive_deletes=True,
    )

    __table_args__ = (
        one_of("sector", Sector, name="known_sector"),
        one_of("level", Level, name="known_level"),
        one_of("contact_basis", ContactBasis, name="known_contact_basis"),
        sa.UniqueConstraint("platform_code", "identity_key"),
        sa.UniqueConstraint("platform_code", "email_key", name="uq_stakeholder_entries_email_key"),
        sa.Index("ix_stakeholder_entries_platform_created", "platform_code", "created_at", "id"),
        # The impact figures count a platform's entries by sector and level from this alone.
        sa.Index("ix_stakeholder_entries_platform_sector_level", "platform_code", "sector", "level"),
    )


class Engagement(Base):
    """One time the programme engaged an entry: mapped, interviewed, met at a workshop..."""

    __tablename__ = "stakeholder_engagements"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    entry_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("stakeholder_entries.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[EngagementKind] = mapped_column(VocabularyColumn(EngagementKind, 16))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    summary: Mapped[str | None] = mapped_column(sa.String(2000))
    # An event of the events domain; no foreign key, so that the directory stands on its own.
    event_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    created_by: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (one_of("kind", EngagementKind, name="known_kind"),)
