"""Routes of events: the events themselves, registrations with their QR codes, attendance and
check-in, outcomes and follow-on actions, and calendar files and feeds."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Annotated

from litestar import Request, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, Operation, Schema
from litestar.openapi.spec.enums import OpenAPIFormat, OpenAPIType
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from server.accounts.models import ACTION_READERS, EVENT_ORGANISERS
from server.db import Database
from server.events import calendars, service
from server.events.models import ActionStatus, EventKind
from server.events.schemas import (
    ActionPatch,
    AttendanceIn,
    AttendanceOut,
    CalendarFeedOut,
    CheckInIn,
    EventIn,
    EventOut,
    EventPage,
    EventPatch,
    EventProblem,
    OutcomeIn,
    OutcomeOut,
    OutcomePage,
    RegistrationIn,
    RegistrationOut,
    RegistrationPage,
)
from server.i18n import N_, message, request_locale
from server.pagination import MAX_LIMIT
from server.problems import (
    AlreadyRegistered,
    EventConflict,
    NotAllowed,
    NotFound,
    answers,
    refuse_times_without_zone,
)
from server.security import current_user, role_in, signed_in
from server.settings import Settings

ORGANISERS = role_in(*EVENT_ORGANISERS)
SomePlatform = Annotated[str | None, QueryParameter(pattern=r"^[A-Z]{2,3}$")]
Limit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)]
NO_STORE = {"Cache-Control": "no-store"}
OCTET_STREAM = "application/octet-stream"


@dataclass
class CalendarOperation(Operation):
    """The route answers with an RFC 5545 calendar file; Litestar would describe it as JSON."""

    def __post_init__(self) -> None:
        self.responses = {
            **(self.responses or {}),
            "200": OpenAPIResponse(
                description="An RFC 5545 calendar",
                content={"text/calendar": OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING))},
            ),
        }


@dataclass
class QrOperation(Operation):
    """The route answers with an SVG image."""

    def __post_init__(self) -> None:
        self.responses = {
            **(self.responses or {}),
            "200": OpenAPIResponse(
                description="The registration's QR code for check-in, as SVG",
                # Client generators take no image types: the same bytes come as
                # application/octet-stream to a client that asks for that alone.
                content={
                    media_type: OpenAPIMediaType(
                        schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
                    )
                    for media_type in (calendars.SVG_MEDIA_TYPE, OCTET_STREAM)
                },
            ),
        }


# Events


@answers(NotAllowed)
@get(
    "/api/v1/events",
    guards=[signed_in],
    summary="Events of my platforms and network-wide ones, soonest first",
)
async def list_events(
    request: Request,
    db: Database,
    platform: SomePlatform = None,
    kind: FromQuery[EventKind | None] = None,
    starting: Annotated[dt.datetime | None, QueryParameter(name="from")] = None,
    until: FromQuery[dt.datetime | None] = None,
    cursor: FromQuery[str | None] = None,
    limit: Limit = 50,
) -> EventPage:
    refuse_times_without_zone(**{"from": starting, "until": until})
    user = current_user(request)
    events, next_cursor = await service.list_events(
        db, user, platform=platform, kind=kind, starting=starting, until=until, cursor=cursor, limit=limit
    )
    summaries = await service.summaries(db, events, user)
    return EventPage([EventOut.from_model(event, *summaries[event.id]) for event in events], next_cursor)


@answers(NotAllowed)
@post(
    "/api/v1/events",
    guards=[ORGANISERS],
    status_code=HTTP_201_CREATED,
    summary="Hold an event: a workshop, focus group, conference or meeting",
)
async def create_event(request: Request, db: Database, data: JSONBody[EventIn]) -> EventOut:
    return EventOut.from_model(await service.create_event(db, current_user(request), data))


@answers(NotAllowed)
@get(
    "/api/v1/events/calendar.ics",
    guards=[signed_in],
    operation_class=CalendarOperation,
    summary="The events of my platforms (or one of them) as a calendar file",
)
async def events_calendar(request: Request, db: Database, platform: SomePlatform = None) -> Response[bytes]:
    events = await service.calendar_events(db, current_user(request), platform)
    name = f"Tessera {platform}" if platform else "Tessera"
    return Response(calendars.calendar_file(events, name), media_type=calendars.MEDIA_TYPE, headers=NO_STORE)


@answers()
@get("/api/v1/events/{event_id:uuid}", guards=[signed_in], summary="One event, with my registration")
async def read_event(request: Request, db: Database, event_id: FromPath[uuid.UUID]) -> EventOut:
    user = current_user(request)
    event = await service.read_event(db, user, event_id)
    return EventOut.from_model(event, *await service.summary_of(db, event, user))


@answers(NotAllowed, EventConflict, bodies={EventConflict: EventProblem})
@patch("/api/v1/events/{event_id:uuid}", guards=[ORGANISERS], summary="Change an event")
async def update_event(
    request: Request, db: Database, event_id: FromPath[uuid.UUID], data: JSONBody[EventPatch]
) -> EventOut:
    user = current_user(request)
    event = await service.update_event(db, user, event_id, data)
    return EventOut.from_model(event, *await service.summary_of(db, event, user))


@answers()
@get(
    "/api/v1/events/{event_id:uuid}/calendar.ics",
    guards=[signed_in],
    operation_class=CalendarOperation,
    summary="One event as a calendar file",
)
async def event_calendar(request: Request, db: Database, event_id: FromPath[uuid.UUID]) -> Response[bytes]:
    event = await service.read_event(db, current_user(request), event_id)
    return Response(
        calendars.calendar_file([event], event.title),
        media_type=calendars.MEDIA_TYPE,
        headers={**NO_STORE, "Content-Disposition": f'attachment; filename="event-{event.id}.ics"'},
    )


# Registrations


@answers(AlreadyRegistered)
@post(
    "/api/v1/events/{event_id:uuid}/registrations",
    guards=[signed_in],
    status_code=HTTP_201_CREATED,
    summary="Register myself, or (organisers) the person named, for an event",
)
async def register(
    request: Request, db: Database, event_id: FromPath[uuid.UUID], data: JSONBody[RegistrationIn]
) -> RegistrationOut:
    registration, position = await service.register(db, current_user(request), event_id, data)
    return RegistrationOut.from_model(registration, position)


@answers(NotAllowed)
@get(
    "/api/v1/events/{event_id:uuid}/registrations",
    guards=[ORGANISERS],
    summary="Who registered for an event, in registration order, or those q finds (organisers only)",
)
async def list_registrations(
    request: Request,
    db: Database,
    event_id: FromPath[uuid.UUID],
    q: Annotated[str | None, QueryParameter(max_length=200)] = None,
    cursor: FromQuery[str | None] = None,
    limit: Limit = 50,
) -> RegistrationPage:
    rows, next_cursor = await service.list_registrations(
        db, current_user(request), event_id, cursor=cursor, limit=limit, q=q
    )
    return RegistrationPage(
        [RegistrationOut.from_model(registration, position) for registration, position in rows], next_cursor
    )


@answers()
@delete(
    "/api/v1/events/{event_id:uuid}/registrations/{registration_id:uuid}",
    guards=[signed_in],
    status_code=HTTP_204_NO_CONTENT,
    summary="Cancel a registration; the first on the waiting list takes the place",
)
async def cancel_registration(
    request: Request, db: Database, event_id: FromPath[uuid.UUID], registration_id: FromPath[uuid.UUID]
) -> None:
    await service.cancel_registration(db, current_user(request), event_id, registration_id)


@answers()
@get(
    "/api/v1/events/{event_id:uuid}/registrations/{registration_id:uuid}/qr.svg",
    guards=[signed_in],
    operation_class=QrOperation,
    summary="A registration's QR code, shown at the door for check-in",
)
async def registration_qr_code(
    request: Request,
    db: Database,
    settings: NamedDependency[Settings],
    event_id: FromPath[uuid.UUID],
    registration_id: FromPath[uuid.UUID],
) -> Response[bytes]:
    registration = await service.read_registration(db, current_user(request), event_id, registration_id)
    title = message(N_("Check-in code")).render(request_locale(request))
    svg = calendars.qr_code_svg(service.check_in_url(settings.public_url, registration), title)
    media_type = request.accept.best_match([calendars.SVG_MEDIA_TYPE, OCTET_STREAM], calendars.SVG_MEDIA_TYPE)
    return Response(svg, media_type=media_type or calendars.SVG_MEDIA_TYPE, headers=NO_STORE)


# Attendance


@answers(NotAllowed)
@post(
    "/api/v1/events/{event_id:uuid}/attendance",
    guards=[ORGANISERS],
    status_code=HTTP_200_OK,
    summary="Mark who came, at the door or afterwards",
)
async def mark_attendance(
    request: Request, db: Database, event_id: FromPath[uuid.UUID], data: JSONBody[AttendanceIn]
) -> AttendanceOut:
    return AttendanceOut(
        await service.mark_attendance(db, current_user(request), event_id, data.registration_ids)
    )


@answers(NotAllowed)
@post(
    "/api/v1/events/{event_id:uuid}/check-in",
    guards=[ORGANISERS],
    status_code=HTTP_200_OK,
    summary="Check in the person whose QR code was scanned at the door",
)
async def check_in(
    request: Request, db: Database, event_id: FromPath[uuid.UUID], data: JSONBody[CheckInIn]
) -> RegistrationOut:
    registration = await service.check_in(db, current_user(request), event_id, data.token)
    return RegistrationOut.from_model(registration, await service.position_of(db, registration))


# Outcomes and follow-on actions


@answers(NotAllowed)
@post(
    "/api/v1/events/{event_id:uuid}/outcomes",
    guards=[ORGANISERS],
    status_code=HTTP_201_CREATED,
    summary="Record a finding, a recommendation or a follow-on action of an event",
)
async def add_outcome(
    request: Request, db: Database, event_id: FromPath[uuid.UUID], data: JSONBody[OutcomeIn]
) -> OutcomeOut:
    return OutcomeOut.from_model(await service.add_outcome(db, current_user(request), event_id, data))


@answers()
@get(
    "/api/v1/events/{event_id:uuid}/outcomes",
    guards=[signed_in],
    summary="What came out of an event, oldest first",
)
async def list_outcomes(
    request: Request,
    db: Database,
    event_id: FromPath[uuid.UUID],
    cursor: FromQuery[str | None] = None,
    limit: Limit = 50,
) -> OutcomePage:
    outcomes, next_cursor = await service.list_outcomes(
        db, current_user(request), event_id, cursor=cursor, limit=limit
    )
    return OutcomePage([OutcomeOut.from_model(outcome) for outcome in outcomes], next_cursor)


@answers(NotAllowed)
@get(
    "/api/v1/actions",
    guards=[role_in(*ACTION_READERS)],
    summary="Follow-on actions across the events of my platforms",
)
async def list_actions(
    request: Request,
    db: Database,
    platform: SomePlatform = None,
    status: FromQuery[ActionStatus | None] = None,
    cursor: FromQuery[str | None] = None,
    limit: Limit = 50,
) -> OutcomePage:
    actions, next_cursor = await service.list_actions(
        db, current_user(request), platform=platform, status=status, cursor=cursor, limit=limit
    )
    return OutcomePage([OutcomeOut.from_model(action) for action in actions], next_cursor)


@answers(NotAllowed)
@patch("/api/v1/actions/{action_id:uuid}", guards=[ORGANISERS], summary="Change the status of an action")
async def update_action(
    request: Request, db: Database, action_id: FromPath[uuid.UUID], data: JSONBody[ActionPatch]
) -> OutcomeOut:
    return OutcomeOut.from_model(
        await service.update_action(db, current_user(request), action_id, data.status)
    )


# Personal calendar feeds


@answers()
@post(
    "/api/v1/me/calendar-feed",
    guards=[signed_in],
    status_code=HTTP_201_CREATED,
    summary="A secret address of my events for calendar apps (replaces the one before)",
)
async def create_calendar_feed(
    request: Request, db: Database, settings: NamedDependency[Settings]
) -> CalendarFeedOut:
    created_at, token = await service.create_calendar_feed(db, current_user(request))
    url = f"{settings.public_url.rstrip('/')}/api/v1/calendar-feeds/{token}/calendar.ics"
    return CalendarFeedOut(url, created_at)


@answers()
@delete(
    "/api/v1/me/calendar-feed",
    guards=[signed_in],
    status_code=HTTP_204_NO_CONTENT,
    summary="Revoke my calendar feed's address",
)
async def revoke_calendar_feed(request: Request, db: Database) -> None:
    await service.revoke_calendar_feed(db, current_user(request))


@answers(NotFound)
@get(
    "/api/v1/calendar-feeds/{token:str}/calendar.ics",
    operation_class=CalendarOperation,
    summary="A person's calendar feed, read by calendar apps with the secret address alone",
)
async def calendar_feed(db: Database, token: FromPath[str]) -> Response[bytes]:
    owner = await service.feed_owner(db, token)
    events = await service.calendar_events(db, owner)
    return Response(
        calendars.calendar_file(events, "Tessera"),
        media_type=calendars.MEDIA_TYPE,
        # A feed names the events of a person's platforms: no shared cache keeps it.
        headers={"Cache-Control": "private, no-cache", "Referrer-Policy": "no-referrer"},
    )


routes = [
    list_events,
    create_event,
    events_calendar,
    read_event,
    update_event,
    event_calendar,
    register,
    list_registrations,
    cancel_registration,
    registration_qr_code,
    mark_attendance,
    check_in,
    add_outcome,
    list_outcomes,
    list_actions,
    update_action,
    create_calendar_feed,
    revoke_calendar_feed,
    calendar_feed,
]
