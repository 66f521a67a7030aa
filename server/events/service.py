"""The rules of events: who reads and who organises which event, what a valid event is,
registration with a waiting list that never over-books, cancellation that moves it up,
attendance that is written to the directory once, outcomes and follow-on actions, calendar
feeds, and what erasure of an account does to a person's registrations.

Access: a signed-in member reads the events of their platforms and the network-wide ones
(admins read all); an event they may not read is as missing as one that never was. The
organisers of an event are the youth workers and researchers of its platform and the admins;
a network-wide event is the admins'. Registrations are personal data: only the event's
organisers and the person themself see one.

Places: every change to who holds a place (registering, cancelling, a new capacity, erasure)
first locks the event's row (`SELECT ... FOR UPDATE` on PostgreSQL; on SQLite the engine's
write gate already lets one writing transaction through at a time), so the count of confirmed
registrations it reads cannot change before its own write commits.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import secrets
import urllib.parse
import uuid
import zoneinfo
from collections.abc import Sequence
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from server.accounts.models import EVENT_ORGANISERS, AccountStatus, Role, User
from server.audit.service import record_event
from server.db import after_commit, insert_on_conflict, utcnow
from server.events.calendars import calendar_file
from server.events.models import (
    ActionStatus,
    CalendarFeed,
    Event,
    EventKind,
    Outcome,
    OutcomeKind,
    Registration,
    RegistrationStatus,
    typed_check_in_code,
)
from server.events.schemas import (
    EventIn,
    EventOut,
    EventPatch,
    MyRegistration,
    OutcomeIn,
    RegistrationIn,
    RegistrationOut,
)
from server.i18n import DEFAULT_LOCALE, N_, SUPPORTED_LOCALES, message
from server.mail import outbox
from server.pagination import decode_cursor, encode_cursor, keyset_page
from server.problems import (
    AlreadyRegistered,
    EventConflict,
    FieldError,
    InvalidInput,
    NotAllowed,
    NotFound,
)
from server.security import sha256_hex
from server.stakeholders import service as directory
from server.stakeholders.models import Engagement, EngagementKind, StakeholderEntry
from server.stakeholders.schemas import EngagementIn
from server.stakeholders.service import fold

# What attending an event adds to an entry's engagement history.
ENGAGEMENT_OF_EVENT = {
    EventKind.WORKSHOP: EngagementKind.WORKSHOP,
    EventKind.CONFERENCE: EngagementKind.CONFERENCE,
    EventKind.FOCUS_GROUP: EngagementKind.FOCUS_GROUP,
    EventKind.MEETING: EngagementKind.OTHER,
}
# A calendar feed carries the events that end within this many days before now, and later
# ones: calendar apps keep what they once read, and a feed of every year would only grow.
CALENDAR_PAST_DAYS = 180
CALENDAR_MAX_EVENTS = 500


# Who may do what


def may_read(user: User, platform: str | None) -> bool:
    return user.role == Role.ADMIN or platform is None or platform in user.platform_codes


def organises(user: User, platform: str | None) -> bool:
    """Whether the person organises the events of this platform (None: network-wide)."""
    if user.role == Role.ADMIN:
        return True
    return platform is not None and user.role in EVENT_ORGANISERS and platform in user.platform_codes


async def read_event(db: AsyncSession, user: User, event_id: uuid.UUID, *, for_update: bool = False) -> Event:
    event = await db.get(Event, event_id, with_for_update=for_update)
    # An event of a platform that is not the reader's is as missing as one that never was.
    if event is None or not may_read(user, event.platform_code):
        raise NotFound()
    return event


async def organised_event(
    db: AsyncSession, user: User, event_id: uuid.UUID, *, for_update: bool = False
) -> Event:
    event = await read_event(db, user, event_id, for_update=for_update)
    if not organises(user, event.platform_code):
        raise NotAllowed(message(N_("Only the organisers of this event can do this.")))
    return event


def check_may_organise(user: User, platform: str | None) -> None:
    if platform is None and user.role != Role.ADMIN:
        raise NotAllowed(message(N_("Only admins can hold network-wide events.")))
    if not organises(user, platform):
        raise NotAllowed(message(N_("You can organise the events of your own platforms only.")))


# Events


@functools.cache
def known_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_web_address(text: str) -> bool:
    try:
        parts = urllib.parse.urlsplit(text)
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool(parts.hostname) and not any(c.isspace() for c in text)


def event_errors(values: dict[str, Any]) -> list[FieldError]:
    """What is wrong with an event's fields as they would be stored."""
    errors = []
    if values["time_zone"] not in known_time_zones():
        errors.append(
            FieldError("time_zone", message(N_("This is not a time zone. Use one such as Europe/Rome.")))
        )
    if values["starts_at"] >= values["ends_at"]:
        errors.append(FieldError("ends_at", message(N_("The event must end after it starts."))))
    if values["online_url"] is not None and not is_web_address(values["online_url"]):
        errors.append(
            FieldError("online_url", message(N_("This must be a web address beginning with https://.")))
        )
    return errors


async def create_event(db: AsyncSession, user: User, request: EventIn) -> Event:
    check_may_organise(user, request.platform)
    if request.platform is not None:
        await directory.check_platform(db, request.platform)
    values = {
        "kind": request.kind,
        "title": request.title.strip() or request.title,
        "description": request.description,
        "starts_at": request.starts_at,
        "ends_at": request.ends_at,
        "time_zone": request.time_zone,
        "place": (request.place or "").strip() or None,
        "online_url": (request.online_url or "").strip() or None,
        "capacity": request.capacity,
        "languages": list(dict.fromkeys(request.languages)),
    }
    if errors := event_errors(values):
        raise InvalidInput(errors=errors)
    now = utcnow()
    event = Event(
        platform_code=request.platform,
        version=1,
        created_by=user.id,
        created_at=now,
        updated_at=now,
        **values,
    )
    db.add(event)
    await db.flush()
    record_event(
        db, "event.created", actor_id=user.id, platform_code=event.platform_code, event_id=str(event.id)
    )
    return event


async def update_event(db: AsyncSession, user: User, event_id: uuid.UUID, request: EventPatch) -> Event:
    event = await organised_event(db, user, event_id, for_update=True)
    if request.version != event.version:
        raise EventConflict(
            message(N_("This event was changed elsewhere. Compare both versions and choose.")),
            extra={
                "event": msgspec.to_builtins(EventOut.from_model(event, *await summary_of(db, event, user)))
            },
        )
    changes: dict[str, Any] = {
        name: getattr(request, name)
        for name in request.__struct_fields__
        if name != "version" and getattr(request, name) is not msgspec.UNSET
    }
    for name in ("place", "online_url"):
        if name in changes:
            changes[name] = (changes[name] or "").strip() or None
    if "languages" in changes:
        changes["languages"] = list(dict.fromkeys(changes["languages"]))
    values = {name: changes.get(name, getattr(event, name)) for name in EventPatch.__struct_fields__[1:]}
    if errors := event_errors(values):
        raise InvalidInput(errors=errors)
    changed = {name: value for name, value in changes.items() if getattr(event, name) != value}
    if not changed:
        return event
    for name, value in changed.items():
        setattr(event, name, value)
    event.version += 1
    event.updated_at = utcnow()
    if "starts_at" in changed:
        # A moved event is reminded of again, a day before its new time.
        await db.execute(
            sa.update(Registration)
            .where(Registration.event_id == event.id)
            .values(reminded_at=None)
            .execution_options(synchronize_session=False)
        )
    if "capacity" in changed:
        # More places (or no limit any more) go to the waiting list, first come first.
        # Fewer places confirm no one new, and take no place back from anyone.
        await fill_places(db, event)
    await db.flush()
    record_event(
        db,
        "event.updated",
        actor_id=user.id,
        platform_code=event.platform_code,
        event_id=str(event.id),
        fields=sorted(changed),
    )
    return event


def visible_events(user: User) -> sa.Select[Event]:
    query = sa.select(Event)
    if user.role != Role.ADMIN:
        query = query.where(
            sa.or_(Event.platform_code.is_(None), Event.platform_code.in_(user.platform_codes))
        )
    return query


async def list_events(
    db: AsyncSession,
    user: User,
    *,
    platform: str | None,
    kind: EventKind | None,
    starting: dt.datetime | None,
    until: dt.datetime | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Event], str | None]:
    """Soonest first; `starting` and `until` keep the events that take place, at least in
    part, between them: one that began before `starting` and is still going on is listed."""
    query = visible_events(user)
    if platform is not None:
        if not may_read(user, platform):
            raise NotAllowed(message(N_("You can see the events of your own platforms only.")))
        query = query.where(Event.platform_code == platform)
    if kind is not None:
        query = query.where(Event.kind == kind)
    if starting is not None:
        query = query.where(Event.ends_at > starting)
    if until is not None:
        query = query.where(Event.starts_at < until)
    return await keyset_page(
        db, query, key=(Event.starts_at, Event.id), cursor=cursor, limit=limit, newest_first=False
    )


async def summaries(
    db: AsyncSession, events: Sequence[Event], user: User
) -> dict[uuid.UUID, tuple[tuple[int, int], MyRegistration | None]]:
    """For each event, how many are confirmed and waiting, and the caller's own registration."""
    ids = [event.id for event in events]
    counts: dict[uuid.UUID, dict[str, int]] = {event_id: {} for event_id in ids}
    if ids:
        rows = await db.execute(
            sa.select(Registration.event_id, Registration.status, sa.func.count())
            .where(Registration.event_id.in_(ids))
            .group_by(Registration.event_id, Registration.status)
        )
        for event_id, status, count in rows:
            counts[event_id][status] = count
    mine: dict[uuid.UUID, MyRegistration] = {}
    if ids:
        position = waitlist_position()
        own = await db.execute(
            sa.select(Registration, position).where(
                Registration.event_id.in_(ids), Registration.user_id == user.id
            )
        )
        for registration, place in own:
            mine[registration.event_id] = MyRegistration(
                registration.id,
                registration.status,
                place if registration.status == RegistrationStatus.WAITLISTED else None,
                registration.check_in_code,
            )
    return {
        event_id: (
            (
                counts[event_id].get(RegistrationStatus.CONFIRMED, 0),
                counts[event_id].get(RegistrationStatus.WAITLISTED, 0),
            ),
            mine.get(event_id),
        )
        for event_id in ids
    }


async def summary_of(
    db: AsyncSession, event: Event, user: User
) -> tuple[tuple[int, int], MyRegistration | None]:
    return (await summaries(db, [event], user))[event.id]


# Registrations


def waitlist_position() -> sa.ScalarSelect[int]:
    """A registration's place on its event's waiting list: how many of the event's waiting
    registrations came before it or are it (registration times are unique per event)."""
    waiting = aliased(Registration)
    return (
        sa.select(sa.func.count())
        .select_from(waiting)
        .where(
            waiting.event_id == Registration.event_id,
            waiting.status == RegistrationStatus.WAITLISTED,
            waiting.created_at <= Registration.created_at,
        )
        .scalar_subquery()
    )


async def position_of(db: AsyncSession, registration: Registration) -> int | None:
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    return await db.scalar(
        sa.select(sa.func.count()).where(
            Registration.event_id == registration.event_id,
            Registration.status == RegistrationStatus.WAITLISTED,
            Registration.created_at <= registration.created_at,
        )
    )


async def confirmed_count(db: AsyncSession, event: Event) -> int:
    return (
        await db.scalar(
            sa.select(sa.func.count()).where(
                Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED
            )
        )
        or 0
    )


def next_registration_time(event: Event) -> dt.datetime:
    """Now, or just after the event's latest registration: under the event's lock, each one
    is later than the one before, so created_at alone orders the waiting list."""
    now = utcnow()
    if event.last_registration_at is not None and now <= event.last_registration_at:
        now = event.last_registration_at + dt.timedelta(microseconds=1)
    event.last_registration_at = now
    return now


def registration_body(registration: Registration, position: int | None) -> Any:
    return msgspec.to_builtins(RegistrationOut.from_model(registration, position))


async def register(
    db: AsyncSession, user: User, event_id: uuid.UUID, request: RegistrationIn
) -> tuple[Registration, int | None]:
    # The lock comes first: from here to the commit, no one else's registration or
    # cancellation for this event can change the count of places taken.
    event = await read_event(db, user, event_id, for_update=True)
    organiser = organises(user, event.platform_code)
    on_behalf = organiser and request.name is not None
    errors: list[FieldError] = []
    email = None
    if request.email:
        try:
            email, _ = directory.checked_email(request.email)
        except ValueError:
            errors.append(FieldError("email", message(directory.NOT_AN_EMAIL)))
    stakeholder_id = request.stakeholder_id if organiser else None
    if stakeholder_id is not None and not await is_entry_of_event_platform(db, stakeholder_id, event):
        errors.append(
            FieldError("stakeholder_id", message(N_("There is no such entry in this platform's directory.")))
        )
    if errors:
        raise InvalidInput(errors=errors)
    if on_behalf:
        member_id, name = None, (request.name or "").strip() or request.name
    else:
        member_id, name = user.id, user.display_name or user.username
        stored = await db.scalar(
            sa.select(Registration).where(Registration.event_id == event.id, Registration.user_id == user.id)
        )
        if stored is not None:
            raise already_registered(stored, await position_of(db, stored))
    has_place = event.capacity is None or await confirmed_count(db, event) < event.capacity
    registration = Registration(
        event_id=event.id,
        user_id=member_id,
        name=name,
        email=email,
        organisation=(request.organisation or "").strip() or None,
        country=request.country,
        needs=(request.needs or "").strip() or None,
        stakeholder_id=stakeholder_id,
        status=RegistrationStatus.CONFIRMED if has_place else RegistrationStatus.WAITLISTED,
        check_in_token=secrets.token_urlsafe(24),
        created_by=user.id,
        created_at=next_registration_time(event),
    )
    try:
        # The member's second registration sent at once (a double tap, two devices): the
        # unique key decides, and the one that loses learns of the other.
        async with db.begin_nested():
            db.add(registration)
            await db.flush()
    except IntegrityError:
        if member_id is None:
            raise
        stored = await db.scalar(
            sa.select(Registration).where(
                Registration.event_id == event.id, Registration.user_id == member_id
            )
        )
        if stored is None:
            raise
        raise already_registered(stored, await position_of(db, stored)) from None
    position = await position_of(db, registration)
    if registration.status == RegistrationStatus.CONFIRMED:
        await write_to(db, event, registration, "event_registration_confirmed")
    else:
        await write_to(db, event, registration, "event_registration_waitlisted", position=position)
    return registration, position


def already_registered(registration: Registration, position: int | None) -> AlreadyRegistered:
    return AlreadyRegistered(
        message(N_("You are already registered for this event.")),
        extra={"registration": registration_body(registration, position)},
    )


async def is_entry_of_event_platform(db: AsyncSession, entry_id: uuid.UUID, event: Event) -> bool:
    """A network-wide event's organisers (admins) keep every directory; a platform's event
    links only to its own directory."""
    platform = await db.scalar(
        sa.select(StakeholderEntry.platform_code).where(StakeholderEntry.id == entry_id)
    )
    return platform is not None and (event.platform_code is None or platform == event.platform_code)


async def fill_places(db: AsyncSession, event: Event) -> list[Registration]:
    """Confirm the first waiting registrations for the places that are free, in the order
    they registered. The caller holds the event's lock."""
    await db.flush()
    waiting = sa.select(Registration).where(
        Registration.event_id == event.id, Registration.status == RegistrationStatus.WAITLISTED
    )
    if event.capacity is not None:
        free = event.capacity - await confirmed_count(db, event)
        if free <= 0:
            return []
        waiting = waiting.limit(free)
    moved = list(await db.scalars(waiting.order_by(Registration.created_at, Registration.id)))
    for registration in moved:
        registration.status = RegistrationStatus.CONFIRMED
        await write_to(db, event, registration, "event_waitlist_confirmed")
    await db.flush()
    return moved


# E-mail to the people registered


async def write_to(
    db: AsyncSession,
    event: Event,
    registration: Registration,
    template: str,
    *,
    position: int | None = None,
    to: str | None = None,
) -> None:
    """Queue an e-mail about their registration to the person (at ``to``, else the address
    they registered with), in their language, with the event's calendar file when they have
    a place; nothing for a person without an e-mail."""
    address = to or registration.email
    if not address:
        return
    has_place = registration.status == RegistrationStatus.CONFIRMED
    await outbox.queue(
        db,
        to=address,
        language=await language_of(db, event, registration),
        template=template,
        context={
            "title": event.title,
            "starts_at": event.starts_at.astimezone(zoneinfo.ZoneInfo(event.time_zone)),
            "time_zone": event.time_zone,
            "place": event.place,
            "online_url": event.online_url,
            "position": position,
        },
        attachments=(
            [outbox.Attachment("event.ics", "text/calendar", calendar_file([event], event.title))]
            if has_place
            else []
        ),
        user_id=registration.user_id,
        stakeholder_id=registration.stakeholder_id,
    )
    after_commit(db, outbox.wake_delivery)


async def language_of(db: AsyncSession, event: Event, registration: Registration) -> str:
    """A member's own language; else the first of their directory entry's languages that
    Tessera speaks; else the event's first; else the default."""
    if registration.user_id is not None:
        language = await db.scalar(sa.select(User.language).where(User.id == registration.user_id))
        if language in SUPPORTED_LOCALES:
            return str(language)
    candidates = list(event.languages)
    if registration.stakeholder_id is not None:
        entry_languages = await db.scalar(
            sa.select(StakeholderEntry.languages).where(StakeholderEntry.id == registration.stakeholder_id)
        )
        candidates = list(entry_languages or []) + candidates
    return next((language for language in candidates if language in SUPPORTED_LOCALES), DEFAULT_LOCALE)


async def cancel_registration(
    db: AsyncSession, user: User, event_id: uuid.UUID, registration_id: uuid.UUID
) -> None:
    event = await read_event(db, user, event_id, for_update=True)
    registration = await visible_registration(db, user, event, registration_id)
    await db.delete(registration)
    await fill_places(db, event)
    record_event(
        db,
        "event.registration_cancelled",
        actor_id=user.id,
        platform_code=event.platform_code,
        event_id=str(event.id),
    )


async def visible_registration(
    db: AsyncSession, user: User, event: Event, registration_id: uuid.UUID
) -> Registration:
    """The registration, for the person themself or the event's organisers; to anyone else
    it is as missing as one that never was."""
    registration = await db.get(Registration, registration_id)
    if (
        registration is None
        or registration.event_id != event.id
        or not (registration.user_id == user.id or organises(user, event.platform_code))
    ):
        raise NotFound()
    return registration


async def read_registration(
    db: AsyncSession, user: User, event_id: uuid.UUID, registration_id: uuid.UUID
) -> Registration:
    event = await read_event(db, user, event_id)
    return await visible_registration(db, user, event, registration_id)


async def list_registrations(
    db: AsyncSession, user: User, event_id: uuid.UUID, *, cursor: str | None, limit: int, q: str | None = None
) -> tuple[list[tuple[Registration, int]], str | None]:
    event = await organised_event(db, user, event_id)
    query = sa.select(Registration, waitlist_position()).where(Registration.event_id == event.id)
    if q and q.strip():
        return await found_registrations(db, query, q, cursor=cursor, limit=limit)
    return await keyset_page(
        db,
        query,
        key=(Registration.created_at, Registration.id),
        cursor=cursor,
        limit=limit,
        newest_first=False,
    )


# An event's registrations are few (hundreds): searching them folds each in Python, as the
# directory folds its entries, rather than keeping a folded column for a list this short.
MAX_SEARCHED_REGISTRATIONS = 20_000


async def found_registrations(
    db: AsyncSession, query: sa.Select[Registration, int], q: str, *, cursor: str | None, limit: int
) -> tuple[list[tuple[Registration, int]], str | None]:
    """The registrations whose folded name, organisation and e-mail hold every word of q
    ("jose ong" finds "ONG José"), or whose check-in code q is, in registration order. At
    most MAX_SEARCHED_REGISTRATIONS are read per request; past them the cursor goes on."""
    code = typed_check_in_code(q)
    words = fold(q).split()
    if cursor:
        after = decode_cursor(cursor)
        query = query.where(sa.tuple_(Registration.created_at, Registration.id) > after)
    rows = list(
        await db.execute(
            query.order_by(Registration.created_at, Registration.id).limit(MAX_SEARCHED_REGISTRATIONS)
        )
    )
    # Folding is string work, a few milliseconds for hundreds: off the event loop.
    found = await asyncio.to_thread(matching, [(row[0], row[1]) for row in rows], words, code, limit + 1)
    if len(found) > limit:
        last = found[limit - 1][0]
        return found[:limit], encode_cursor(last.created_at, last.id)
    if len(rows) == MAX_SEARCHED_REGISTRATIONS:
        last = rows[-1][0]
        return found, encode_cursor(last.created_at, last.id)
    return found, None


def matching(
    rows: list[tuple[Registration, int]], words: list[str], code: str | None, wanted: int
) -> list[tuple[Registration, int]]:
    """The first ``wanted`` rows that hold every word or carry the code, in their order."""
    found = []
    for registration, position in rows:
        if code is not None and registration.check_in_code == code:
            found.append((registration, position))
        else:
            text = fold(
                " ".join(filter(None, (registration.name, registration.organisation, registration.email)))
            )
            if words and all(word in text for word in words):
                found.append((registration, position))
        if len(found) == wanted:
            break
    return found


# Attendance


async def mark_attendance(
    db: AsyncSession, user: User, event_id: uuid.UUID, registration_ids: list[uuid.UUID]
) -> int:
    """Marks who came, at the door or afterwards; marking someone again changes nothing.
    Returns how many were marked now."""
    event = await organised_event(db, user, event_id, for_update=True)
    wanted = list(dict.fromkeys(registration_ids))
    found = {
        registration.id: registration
        for registration in await db.scalars(
            sa.select(Registration).where(Registration.event_id == event.id, Registration.id.in_(wanted))
        )
    }
    errors = [
        FieldError(f"registration_ids[{index}]", message(N_("This event has no registration with this id.")))
        for index, registration_id in enumerate(registration_ids)
        if registration_id not in found
    ]
    if errors:
        raise InvalidInput(errors=errors)
    marked = 0
    for registration in found.values():
        marked += await attend(db, user, event, registration)
    return marked


async def attend(db: AsyncSession, user: User, event: Event, registration: Registration) -> int:
    """Mark one registration attended and, for a person of the directory, add the event to
    their engagements once. The caller holds the event's lock."""
    newly = 0
    if registration.attended_at is None:
        registration.attended_at = utcnow()
        newly = 1
        record_event(
            db,
            "event.attended",
            actor_id=user.id,
            platform_code=event.platform_code,
            event_id=str(event.id),
            registration_id=str(registration.id),
        )
    if registration.stakeholder_id is not None:
        engaged = await db.scalar(
            sa.select(Engagement.id).where(
                Engagement.entry_id == registration.stakeholder_id, Engagement.event_id == event.id
            )
        )
        if engaged is None:
            await directory.add_engagement(
                db,
                user,
                registration.stakeholder_id,
                EngagementIn(kind=ENGAGEMENT_OF_EVENT[event.kind], at=event.starts_at, event_id=event.id),
            )
    await db.flush()
    return newly


async def check_in(db: AsyncSession, user: User, event_id: uuid.UUID, token: str) -> Registration:
    """The door: the token of a registration's QR code marks its person attended."""
    event = await organised_event(db, user, event_id, for_update=True)
    registration = await db.scalar(
        sa.select(Registration).where(Registration.event_id == event.id, Registration.check_in_token == token)
    )
    if registration is None:
        raise NotFound(message(N_("This code is not a registration for this event.")))
    await attend(db, user, event, registration)
    return registration


def check_in_url(public_url: str, registration: Registration) -> str:
    """What a registration's QR code says: the app's check-in screen for its event, with
    the registration's token, which only the event's organisers can use."""
    return f"{public_url.rstrip('/')}/#/check-in/{registration.event_id}/{registration.check_in_token}"


# Outcomes and follow-on actions


async def add_outcome(db: AsyncSession, user: User, event_id: uuid.UUID, request: OutcomeIn) -> Outcome:
    event = await organised_event(db, user, event_id)
    now = utcnow()
    outcome = Outcome(
        event_id=event.id,
        platform_code=event.platform_code,
        kind=request.kind,
        text=request.text,
        language=request.language,
        owner=(request.owner or "").strip() or None,
        due=request.due,
        status=ActionStatus.PLANNED if request.kind == OutcomeKind.ACTION else None,
        created_by=user.id,
        created_at=now,
        updated_at=now,
    )
    db.add(outcome)
    await db.flush()
    return outcome


async def list_outcomes(
    db: AsyncSession, user: User, event_id: uuid.UUID, *, cursor: str | None, limit: int
) -> tuple[list[Outcome], str | None]:
    event = await read_event(db, user, event_id)
    query = sa.select(Outcome).where(Outcome.event_id == event.id)
    return await keyset_page(
        db, query, key=(Outcome.created_at, Outcome.id), cursor=cursor, limit=limit, newest_first=False
    )


async def list_actions(
    db: AsyncSession,
    user: User,
    *,
    platform: str | None,
    status: ActionStatus | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Outcome], str | None]:
    query = sa.select(Outcome).where(Outcome.kind == OutcomeKind.ACTION)
    if platform is not None:
        if not may_read(user, platform):
            raise NotAllowed(message(N_("You can see the actions of your own platforms only.")))
        query = query.where(Outcome.platform_code == platform)
    elif user.role != Role.ADMIN:
        query = query.where(
            sa.or_(Outcome.platform_code.is_(None), Outcome.platform_code.in_(user.platform_codes))
        )
    if status is not None:
        query = query.where(Outcome.status == status)
    return await keyset_page(
        db, query, key=(Outcome.created_at, Outcome.id), cursor=cursor, limit=limit, newest_first=False
    )


async def update_action(db: AsyncSession, user: User, action_id: uuid.UUID, status: ActionStatus) -> Outcome:
    action = await db.get(Outcome, action_id, with_for_update=True)
    if action is None or action.kind != OutcomeKind.ACTION or not may_read(user, action.platform_code):
        raise NotFound()
    if not organises(user, action.platform_code):
        raise NotAllowed(message(N_("Only the organisers of this platform's events can change its actions.")))
    if action.status != status:
        action.status = status
        action.updated_at = utcnow()
        await db.flush()
    return action


# Calendars


async def calendar_events(db: AsyncSession, user: User, platform: str | None = None) -> list[Event]:
    query = visible_events(user).where(Event.ends_at > utcnow() - dt.timedelta(days=CALENDAR_PAST_DAYS))
    if platform is not None:
        if not may_read(user, platform):
            raise NotAllowed(message(N_("You can see the events of your own platforms only.")))
        query = query.where(Event.platform_code == platform)
    return list(await db.scalars(query.order_by(Event.starts_at, Event.id).limit(CALENDAR_MAX_EVENTS)))


async def create_calendar_feed(db: AsyncSession, user: User) -> tuple[dt.datetime, str]:
    """A new secret feed address for the person; the one they had before stops working.
    One statement, so that two taps at once leave one feed, the later one's."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    insert = insert_on_conflict(db, CalendarFeed).values(
        user_id=user.id, token_hash=sha256_hex(token), created_at=now
    )
    await db.execute(
        insert.on_conflict_do_update(
            index_elements=["user_id"],
            set_={"token_hash": insert.excluded.token_hash, "created_at": insert.excluded.created_at},
        )
    )
    record_event(db, "calendar_feed.created", actor_id=user.id)
    return now, token


async def revoke_calendar_feed(db: AsyncSession, user: User) -> None:
    result = await db.execute(sa.delete(CalendarFeed).where(CalendarFeed.user_id == user.id))
    if getattr(result, "rowcount", 0):
        record_event(db, "calendar_feed.revoked", actor_id=user.id)


async def feed_owner(db: AsyncSession, token: str) -> User:
    """Whose feed this token opens; an unknown or revoked token, or the feed of an account
    that is erased or suspended, is as missing as one that never was."""
    user = await db.scalar(
        sa.select(User)
        .join(CalendarFeed, CalendarFeed.user_id == User.id)
        .where(CalendarFeed.token_hash == sha256_hex(token))
    )
    if user is None or user.status == AccountStatus.ERASED:
        raise NotFound()
    if user.status == AccountStatus.SUSPENDED and (
        user.suspended_until is None or user.suspended_until > utcnow()
    ):
        raise NotFound()
    return user


# The person's own data


async def registrations_of(db: AsyncSession, user: User) -> list[tuple[Registration, Event]]:
    query = (
        sa.select(Registration, Event)
        .join(Event, Event.id == Registration.event_id)
        .where(Registration.user_id == user.id)
        .order_by(Registration.created_at)
    )
    return [(registration, event) for registration, event in await db.execute(query)]


async def forget_person(db: AsyncSession, user_id: uuid.UUID) -> None:
    """Erasure of an account: the person's registrations go, and their places go to the
    waiting list; where they attended, the attendance stays, with nothing of them (no name,
    e-mail, organisation, country, needs or directory link), so that the event's numbers stay
    true. Their calendar feed stops."""
    registrations = list(await db.scalars(sa.select(Registration).where(Registration.user_id == user_id)))
    # E-mail to the addresses they registered with, not yet sent, goes; what was sent keeps
    # neither address nor text. (What carries their account, accounts.erase forgets.)
    await outbox.forget_recipient(db, addresses=[r.email for r in registrations if r.email is not None])
    for registration in registrations:
        event = await db.get(Event, registration.event_id, with_for_update=True)
        if registration.attended_at is not None:
            registration.user_id = None
            registration.name = None
            registration.email = None
            registration.organisation = None
            registration.country = None
            registration.needs = None
            registration.stakeholder_id = None
            # The old QR code opens nothing any more.
            registration.check_in_token = secrets.token_urlsafe(24)
            continue
        await db.delete(registration)
        if event is not None:
            await fill_places(db, event)
    await db.execute(sa.delete(CalendarFeed).where(CalendarFeed.user_id == user_id))
    await db.flush()
