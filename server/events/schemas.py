"""What goes over the wire for events, registrations, outcomes and calendar feeds, with its limits."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec

from server.db import AwareDateTime
from server.events.models import (
    ActionStatus,
    Event,
    EventKind,
    Outcome,
    OutcomeKind,
    Registration,
    RegistrationStatus,
)
from server.problems import Problem
from server.wire import Language, PlatformCode, Strict

Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Description = Annotated[str, msgspec.Meta(max_length=10_000)]
Place = Annotated[str, msgspec.Meta(max_length=300)]
# Checked by the service: http or https, with a host.
Url = Annotated[str, msgspec.Meta(max_length=2000)]
# Checked by the service against the IANA time zone database (zoneinfo).
TimeZone = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Capacity = Annotated[int, msgspec.Meta(ge=1, le=100_000)]
Languages = Annotated[list[Language], msgspec.Meta(max_length=12)]
Version = Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]
PersonName = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Organisation = Annotated[str, msgspec.Meta(max_length=200)]
# Checked by the service with email-validator, as the directory checks addresses.
EmailText = Annotated[str, msgspec.Meta(max_length=320)]
Country = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{2}$")]
Needs = Annotated[str, msgspec.Meta(max_length=1000)]
OutcomeText = Annotated[str, msgspec.Meta(min_length=1, max_length=5000)]
Owner = Annotated[str, msgspec.Meta(max_length=200)]
CheckInToken = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class EventIn(Strict):
    platform: PlatformCode | None
    kind: EventKind
    title: Title
    starts_at: AwareDateTime
    ends_at: AwareDateTime
    time_zone: TimeZone
    description: Description = ""
    place: Place | None = None
    online_url: Url | None = None
    capacity: Capacity | None = None
    languages: Languages = msgspec.field(default_factory=list)


class EventPatch(Strict):
    """The fields to change; `null` clears an optional one. `version` is the one read."""

    version: Version
    kind: EventKind | msgspec.UnsetType = msgspec.UNSET
    title: Title | msgspec.UnsetType = msgspec.UNSET
    description: Description | msgspec.UnsetType = msgspec.UNSET
    starts_at: AwareDateTime | msgspec.UnsetType = msgspec.UNSET
    ends_at: AwareDateTime | msgspec.UnsetType = msgspec.UNSET
    time_zone: TimeZone | msgspec.UnsetType = msgspec.UNSET
    place: Place | msgspec.UnsetType | None = msgspec.UNSET
    online_url: Url | msgspec.UnsetType | None = msgspec.UNSET
    capacity: Capacity | msgspec.UnsetType | None = msgspec.UNSET
    languages: Languages | msgspec.UnsetType = msgspec.UNSET


class MyRegistration(msgspec.Struct):
    """The caller's own registration for the event, if they registered themself."""

    id: uuid.UUID
    status: RegistrationStatus
    position: int | None
    # Extension: the code under the QR code, for staff to type when it cannot be scanned.
    check_in_code: str


class EventOut(msgspec.Struct):
    id: uuid.UUID
    platform: str | None
    kind: EventKind
    title: str
    description: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    time_zone: str
    place: str | None
    online_url: str | None
    capacity: int | None
    languages: list[str]
    # How many are confirmed and waiting: numbers only, never who.
    confirmed: int
    waitlisted: int
    my_registration: MyRegistration | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def from_model(
        cls, event: Event, counts: tuple[int, int] = (0, 0), mine: MyRegistration | None = None
    ) -> EventOut:
        return cls(
            id=event.id,
            platform=event.platform_code,
            kind=event.kind,
            title=event.title,
            description=event.description,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            time_zone=event.time_zone,
            place=event.place,
            online_url=event.online_url,
            capacity=event.capacity,
            languages=list(event.languages),
            confirmed=counts[0],
            waitlisted=counts[1],
            my_registration=mine,
            version=event.version,
            created_at=event.created_at,
            updated_at=event.updated_at,
        )


class EventPage(msgspec.Struct):
    items: list[EventOut]
    next_cursor: str | None


class EventProblem(Problem, kw_only=True):
    """A stale edit (409) carries the stored event."""

    event: EventOut


class RegistrationIn(Strict):
    """A member registering themself sends what they like of these (`name` is ignored: it is
    their own); staff registering someone else name them."""

    name: PersonName | None = None
    email: EmailText | None = None
    organisation: Organisation | None = None
    country: Country | None = None
    stakeholder_id: uuid.UUID | None = None
    needs: Needs | None = None


class RegistrationOut(msgspec.Struct):
    id: uuid.UUID
    event_id: uuid.UUID
    name: str | None
    email: str | None
    organisation: str | None
    country: str | None
    needs: str | None
    stakeholder_id: uuid.UUID | None
    status: RegistrationStatus
    # The place on the waiting list (1 is next); null once confirmed.
    position: int | None
    attended: bool
    created_at: dt.datetime
    # Extension: the code under the registration's QR code (see models.check_in_code).
    check_in_code: str

    @classmethod
    def from_model(cls, registration: Registration, position: int | None) -> RegistrationOut:
        return cls(
            id=registration.id,
            event_id=registration.event_id,
            name=registration.name,
            email=registration.email,
            organisation=registration.organisation,
            country=registration.country,
            needs=registration.needs,
            stakeholder_id=registration.stakeholder_id,
            status=registration.status,
            position=position if registration.status == RegistrationStatus.WAITLISTED else None,
            attended=registration.attended_at is not None,
            created_at=registration.created_at,
            check_in_code=registration.check_in_code,
        )


class RegistrationPage(msgspec.Struct):
    items: list[RegistrationOut]
    next_cursor: str | None


class AttendanceIn(Strict):
    registration_ids: Annotated[list[uuid.UUID], msgspec.Meta(min_length=1, max_length=500)]


class AttendanceOut(msgspec.Struct):
    # How many of the registrations named were marked now (those marked before are not counted).
    marked: int


class CheckInIn(Strict):
    token: CheckInToken


class OutcomeIn(Strict):
    kind: OutcomeKind
    text: OutcomeText
    language: Language
    owner: Owner | None = None
    due: dt.date | None = None


class OutcomeOut(msgspec.Struct):
    id: uuid.UUID
    event_id: uuid.UUID
    platform: str | None
    kind: OutcomeKind
    text: str
    language: str
    owner: str | None
    due: dt.date | None
    # Only an action has one.
    status: ActionStatus | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def from_model(cls, outcome: Outcome) -> OutcomeOut:
        return cls(
            id=outcome.id,
            event_id=outcome.event_id,
            platform=outcome.platform_code,
            kind=outcome.kind,
            text=outcome.text,
            language=outcome.language,
            owner=outcome.owner,
            due=outcome.due,
            status=outcome.status,
            created_at=outcome.created_at,
            updated_at=outcome.updated_at,
        )


class OutcomePage(msgspec.Struct):
    items: list[OutcomeOut]
    next_cursor: str | None


class ActionPatch(Strict):
    status: ActionStatus


class CalendarFeedOut(msgspec.Struct):
    """The feed's address, shown once: only a hash of its token is kept."""

    url: str
    created_at: dt.datetime
