"""What goes over the wire for the stakeholder directory, with its limits."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec

from server.db import AwareDateTime
from server.problems import Problem
from server.stakeholders.models import (
    ContactBasis,
    Engagement,
    EngagementKind,
    Level,
    Sector,
    StakeholderEntry,
)
from server.wire import PlatformCode, Strict

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
OptionalText = Annotated[str, msgspec.Meta(max_length=200)]
# Checked by the service (email-validator, phonenumbers): the limits here only bound the work.
EmailText = Annotated[str, msgspec.Meta(max_length=320)]
PhoneText = Annotated[str, msgspec.Meta(max_length=40)]
# A language a person speaks, as a BCP 47 tag: "it", "ar", "pt-BR".
LanguageTag = Annotated[str, msgspec.Meta(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", max_length=35)]
Languages = Annotated[list[LanguageTag], msgspec.Meta(max_length=20)]
Service = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Services = Annotated[list[Service], msgspec.Meta(max_length=50)]
Summary = Annotated[str, msgspec.Meta(max_length=2000)]


class EntryIn(Strict):
    platform: PlatformCode
    organisation: Name
    sector: Sector
    level: Level
    contact_basis: ContactBasis
    person_name: OptionalText | None = None
    role_title: OptionalText | None = None
    email: EmailText | None = None
    phone: PhoneText | None = None
    locality: OptionalText | None = None
    languages: Languages = msgspec.field(default_factory=list)
    services: Services = msgspec.field(default_factory=list)
    # With `consent` and no date, the time the entry is recorded.
    contact_consent_at: AwareDateTime | None = None


class EntryPatch(Strict):
    """The fields to change; `null` clears an optional one. `version` is the one read."""

    version: Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]
    organisation: Name | msgspec.UnsetType = msgspec.UNSET
    sector: Sector | msgspec.UnsetType = msgspec.UNSET
    level: Level | msgspec.UnsetType = msgspec.UNSET
    contact_basis: ContactBasis | msgspec.UnsetType = msgspec.UNSET
    person_name: OptionalText | msgspec.UnsetType | None = msgspec.UNSET
    role_title: OptionalText | msgspec.UnsetType | None = msgspec.UNSET
    email: EmailText | msgspec.UnsetType | None = msgspec.UNSET
    phone: PhoneText | msgspec.UnsetType | None = msgspec.UNSET
    locality: OptionalText | msgspec.UnsetType | None = msgspec.UNSET
    languages: Languages | msgspec.UnsetType = msgspec.UNSET
    services: Services | msgspec.UnsetType = msgspec.UNSET
    contact_consent_at: AwareDateTime | msgspec.UnsetType | None = msgspec.UNSET


class EngagementIn(Strict):
    kind: EngagementKind
    at: AwareDateTime
    summary: Summary | None = None
    event_id: uuid.UUID | None = None


class EngagementOut(msgspec.Struct):
    id: uuid.UUID
    kind: EngagementKind
    at: dt.datetime
    summary: str | None
    event_id: uuid.UUID | None

    @classmethod
    def from_model(cls, engagement: Engagement) -> EngagementOut:
        return cls(engagement.id, engagement.kind, engagement.at, engagement.summary, engagement.event_id)


class EntryOut(msgspec.Struct):
    id: uuid.UUID
    platform: str
    organisation: str
    person_name: str | None
    role_title: str | None
    email: str | None
    phone: str | None
    sector: Sector
    level: Level
    locality: str | None
    languages: list[str]
    services: list[str]
    contact_basis: ContactBasis
    contact_consent_at: dt.datetime | None
    engagements: list[EngagementOut]
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def from_model(cls, entry: StakeholderEntry) -> EntryOut:
        return cls(
            id=entry.id,
            platform=entry.platform_code,
            organisation=entry.organisation,
            person_name=entry.person_name,
            role_title=entry.role_title,
            email=entry.email,
            phone=entry.phone,
            sector=entry.sector,
            level=entry.level,
            locality=entry.locality,
            languages=list(entry.languages),
            services=list(entry.services),
            contact_basis=entry.contact_basis,
            contact_consent_at=entry.contact_consent_at,
            engagements=[EngagementOut.from_model(engagement) for engagement in entry.engagements],
            version=entry.version,
            created_at=entry.created_at,
            updated_at=entry.updated_at,
        )


class EntryPage(msgspec.Struct):
    items: list[EntryOut]
    next_cursor: str | None


class SimilarEntry(msgspec.Struct):
    # How close the names are, 0 to 100 (rapidfuzz's token-set ratio of the folded names).
    score: float
    entry: EntryOut


class SimilarEntries(msgspec.Struct):
    items: list[SimilarEntry]


class EntryProblem(Problem, kw_only=True):
    """A stale edit or a duplicate (409) carries the stored entry."""

    entry: EntryOut


class ImportRowError(msgspec.Struct):
    # The row as a spreadsheet numbers it: the header is row 1.
    row: int
    field: str
    message: str


class ImportProblem(Problem, kw_only=True):
    """An import with any bad row (422) lists every bad row and field; nothing is written."""

    errors: list[ImportRowError] = msgspec.field(default_factory=list)  # type: ignore[assignment]


class ImportOut(msgspec.Struct):
    created: int
    updated: int
    unchanged: int
    errors: list[ImportRowError] = msgspec.field(default_factory=list)
