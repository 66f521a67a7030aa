"""Liveness for load balancers and the compose health check, and the vocabularies the app shares
with the server."""

from __future__ import annotations

import msgspec
import sqlalchemy as sa
from litestar import Request, Response, get
from litestar.openapi.datastructures import ResponseSpec
from sqlalchemy.exc import SQLAlchemyError

from server.accounts.models import (
    ACTION_READERS,
    AUTHORS,
    DELPHI_RESULT_READERS,
    DIRECTORY_KEEPERS,
    EVENT_ORGANISERS,
    FORUM_MEMBERS,
    IMPACT_READERS,
    INVITERS,
    MAY_KEEP_EMAIL,
    MODERATORS,
    NOTE_READERS,
    RESEARCHERS,
    REVIEWERS,
    STAFF,
    Role,
)
from server.events.models import ActionStatus, EventKind, OutcomeKind, RegistrationStatus
from server.forum.models import URGENT_REASONS, PostStatus, ReportReason
from server.mail.models import MailStatus
from server.notes.models import AgeBand, NoteKind, NoteStatus, QuestionType
from server.notifications.models import NotificationEvent
from server.problems import STORE_OUTAGES, answers
from server.stakeholders.models import ContactBasis, EngagementKind, Level, Sector


class Health(msgspec.Struct):
    status: str
    database: str
    # Only where TESSERA_REDIS_URL is set: sessions and limits live there, so without it
    # no signed-in request can be served and a load balancer must look elsewhere.
    redis: str | msgspec.UnsetType = msgspec.UNSET


@get(
    "/health",
    summary="Whether Tessera, its database and its Redis (where configured) answer",
    responses={
        503: ResponseSpec(
            Health, description="The database or Redis does not answer", generate_examples=False
        )
    },
)
async def health(request: Request) -> Response[Health]:
    database = "ok" if await _database_answers(request) else "unavailable"
    redis: str | msgspec.UnsetType = msgspec.UNSET
    if request.app.state.settings.redis_url:
        redis = "ok" if await _store_answers(request) else "unavailable"
    if "unavailable" in (database, redis):
        return Response(Health("error", database, redis), status_code=503)
    return Response(Health("ok", database, redis))


async def _database_answers(request: Request) -> bool:
    try:
        async with request.app.state.databases.reading() as db:
            await db.execute(sa.text("SELECT 1"))
    except (SQLAlchemyError, OSError):
        return False
    return True


async def _store_answers(request: Request) -> bool:
    try:
        await request.app.state.store.exists("health")
    except STORE_OUTAGES:
        return False
    return True


class Vocabularies(msgspec.Struct):
    """The words of Tessera's vocabularies and who belongs to each role group, so that the app
    never keeps a copy of its own that could drift from the server's."""

    roles: list[Role]
    # Group name: its roles, e.g. "moderators": ["youth_worker", "admin"].
    role_groups: dict[str, list[Role]]
    note_kinds: list[NoteKind]
    note_statuses: list[NoteStatus]
    age_bands: list[AgeBand]
    question_types: list[QuestionType]
    post_statuses: list[PostStatus]
    report_reasons: list[ReportReason]
    urgent_report_reasons: list[ReportReason]
    notification_events: list[NotificationEvent]
    stakeholder_sectors: list[Sector]
    stakeholder_levels: list[Level]
    contact_bases: list[ContactBasis]
    engagement_kinds: list[EngagementKind]
    event_kinds: list[EventKind]
    registration_statuses: list[RegistrationStatus]
    outcome_kinds: list[OutcomeKind]
    action_statuses: list[ActionStatus]
    mail_statuses: list[MailStatus]


# Researchers and admins write briefs; stakeholders read the published ones of their platforms.
BRIEF_READERS = RESEARCHERS | {Role.STAKEHOLDER}


def _roles_of(group: frozenset[Role]) -> list[Role]:
    return [role for role in Role if role in group]


VOCABULARIES = Vocabularies(
    roles=list(Role),
    role_groups={
        "authors": _roles_of(AUTHORS),
        "admins": [Role.ADMIN],
        "reviewers": _roles_of(REVIEWERS),
        "moderators": _roles_of(MODERATORS),
        "researchers": _roles_of(RESEARCHERS),
        "staff": _roles_of(STAFF),
        "note_readers": _roles_of(NOTE_READERS),
        "forum_members": _roles_of(FORUM_MEMBERS),
        "inviters": _roles_of(INVITERS),
        "directory_keepers": _roles_of(DIRECTORY_KEEPERS),
        "event_organisers": _roles_of(EVENT_ORGANISERS),
        "action_readers": _roles_of(ACTION_READERS),
        "impact_readers": _roles_of(IMPACT_READERS),
        "brief_readers": _roles_of(BRIEF_READERS),
        "delphi_result_readers": _roles_of(DELPHI_RESULT_READERS),
        "email_keepers": _roles_of(MAY_KEEP_EMAIL),
    },
    note_kinds=list(NoteKind),
    note_statuses=list(NoteStatus),
    age_bands=list(AgeBand),
    question_types=list(QuestionType),
    post_statuses=list(PostStatus),
    report_reasons=list(ReportReason),
    urgent_report_reasons=[reason for reason in ReportReason if reason in URGENT_REASONS],
    notification_events=list(NotificationEvent),
    stakeholder_sectors=list(Sector),
    stakeholder_levels=list(Level),
    contact_bases=list(ContactBasis),
    engagement_kinds=list(EngagementKind),
    event_kinds=list(EventKind),
    registration_statuses=list(RegistrationStatus),
    outcome_kinds=list(OutcomeKind),
    action_statuses=list(ActionStatus),
    mail_statuses=list(MailStatus),
)


@answers()
@get("/api/v1/vocabularies", summary="Roles, role groups, note kinds, statuses and report reasons")
async def vocabularies() -> Vocabularies:
    return VOCABULARIES


routes = [health, vocabularies]
