"""Routes of interview guides, field notes, review and offline sync."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from server.accounts.models import AUTHORS, NOTE_READERS, RESEARCHERS, STAFF, User
from server.db import Database, Databases, utcnow
from server.i18n import N_, message, request_locale
from server.notes import guides, service
from server.notes.models import Note, NoteStatus
from server.notes.schemas import (
    MAX_VERSION,
    GuideIn,
    GuideList,
    GuideOut,
    GuideVersionOut,
    GuideVersions,
    ItemError,
    NoteConflictProblem,
    NoteIn,
    NoteOut,
    NotePage,
    ReviewIn,
    SyncIn,
    SyncOut,
    SyncResult,
    WriteResult,
)
from server.pagination import MAX_LIMIT
from server.problems import (
    CHECKS_TEXT_PER_ITEM,
    TITLES,
    ConsentWithdrawn,
    FieldError,
    InvalidInput,
    NotAllowed,
    NoteConflict,
    NotFound,
    answers,
    describe_decoding_error,
    refuse_times_without_zone,
    unstorable_text_errors,
)
from server.security import current_user, role_in

AUTHOR_ROLES = role_in(*AUTHORS)
GUIDE_EDITORS = role_in(*RESEARCHERS)
REVIEWER_ROLES = role_in(*STAFF)
NOTE_READER_ROLES = role_in(*NOTE_READERS)


async def notes_out(db: Database, notes: list[Note], viewer: User) -> list[NoteOut]:
    reviews = await service.reviews_of(db, [note.id for note in notes])
    return [NoteOut.from_model(note, reviews[note.id], viewer) for note in notes]


# Guides


@answers(NotAllowed)
@get("/api/v1/guides", guards=[NOTE_READER_ROLES], summary="Interview guides of my platforms, in my language")
async def list_guides(request: Request, db: Database) -> GuideList:
    locale = request_locale(request)
    return GuideList(
        [
            GuideOut.from_model(view.guide, view.version, locale)
            for view in await guides.list_guides(db, current_user(request))
        ]
    )


@answers(NotAllowed, NotFound)
@get(
    "/api/v1/guides/{guide_id:uuid}",
    guards=[NOTE_READER_ROLES],
    summary="One guide, its current or a given version",
)
async def read_guide(
    request: Request,
    db: Database,
    guide_id: FromPath[uuid.UUID],
    version: Annotated[int | None, QueryParameter(ge=1, le=MAX_VERSION)] = None,
) -> GuideOut:
    view = await guides.read_guide(db, current_user(request), guide_id, version)
    return GuideOut.from_model(view.guide, view.version, request_locale(request))


@answers(NotAllowed)
@post("/api/v1/guides", guards=[GUIDE_EDITORS], status_code=HTTP_201_CREATED, summary="Create a guide")
async def create_guide(request: Request, db: Database, data: JSONBody[GuideIn]) -> GuideOut:
    view = await guides.create_guide(db, current_user(request), data)
    return GuideOut.from_model(view.guide, view.version, request_locale(request))


@answers(NotAllowed, NotFound)
@put("/api/v1/guides/{guide_id:uuid}", guards=[GUIDE_EDITORS], summary="Edit a guide (a new version)")
async def update_guide(
    request: Request, db: Database, guide_id: FromPath[uuid.UUID], data: JSONBody[GuideIn]
) -> GuideOut:
    view = await guides.update_guide(db, current_user(request), guide_id, data)
    return GuideOut.from_model(view.guide, view.version, request_locale(request))


@answers(NotAllowed, NotFound)
@get(
    "/api/v1/guides/{guide_id:uuid}/versions",
    guards=[GUIDE_EDITORS],
    summary="Every version of a guide with its texts in every language (an extension of the contract)",
)
async def list_guide_versions(request: Request, db: Database, guide_id: FromPath[uuid.UUID]) -> GuideVersions:
    guide, versions = await guides.guide_versions(db, current_user(request), guide_id)
    return GuideVersions(
        id=guide.id,
        platform=guide.platform_code,
        source_language=guide.source_language,
        current_version=guide.current_version,
        items=[GuideVersionOut.from_model(version) for version in versions],
    )


# Writing notes


@answers(NotAllowed, ConsentWithdrawn, NoteConflict, bodies={NoteConflict: NoteConflictProblem})
@put(
    "/api/v1/notes/{note_id:uuid}",
    guards=[AUTHOR_ROLES],
    summary="Create or update a note",
    response_description="The note was updated, or was already so (a replay)",
    responses={201: ResponseSpec(NoteOut, description="The note was created", generate_examples=False)},
)
async def put_note(
    request: Request,
    db: Database,
    databases: NamedDependency[Databases],
    note_id: FromPath[uuid.UUID],
    data: JSONBody[NoteIn],
) -> Response[NoteOut]:
    if data.id != note_id:
        raise InvalidInput(
            errors=[FieldError("id", message(N_("The id in the body must be the one in the address.")))]
        )
    author = current_user(request)
    async with databases.reading() as reading:
        plan = await service.plan_writes(reading, author, [data])
    outcome = (await service.write_notes(db, plan))[0]
    if outcome.status == WriteResult.INVALID:
        raise InvalidInput(errors=outcome.errors)
    if outcome.status == WriteResult.FORBIDDEN:
        # The service says why only when the author withdrew their consent.
        if outcome.detail:
            raise ConsentWithdrawn(outcome.detail)
        raise NotAllowed(message(N_("This note belongs to someone else.")))
    if outcome.status == WriteResult.CONFLICT:
        stored = outcome.note or await db.get(Note, note_id)
        extra = {"note": msgspec.to_builtins((await notes_out(db, [stored], author))[0])} if stored else {}
        raise NoteConflict(
            message(N_("This note was changed elsewhere. Compare both versions and choose.")), extra=extra
        )
    if outcome.created_row is not None:
        # The note as this very request stored it; nobody has reviewed it yet.
        created = NoteOut.from_model(Note(**outcome.created_row), [], author)
        return Response(created, status_code=HTTP_201_CREATED)
    note = await service.read_note(db, author, note_id)
    return Response((await notes_out(db, [note], author))[0], status_code=HTTP_200_OK)


@answers(NotAllowed)
@post(
    "/api/v1/sync",
    guards=[AUTHOR_ROLES],
    status_code=HTTP_200_OK,
    # A bad character makes its note invalid, never the batch: _decode_items checks each.
    opt={CHECKS_TEXT_PER_ITEM: True},
    summary="Send up to 100 notes from a device",
)
async def sync(
    request: Request, db: Database, databases: NamedDependency[Databases], data: JSONBody[SyncIn]
) -> SyncOut:
    author = current_user(request)
    locale = request_locale(request)
    server_time = utcnow()
    # Only an escaped NUL in the body can bring a character no column stores: msgspec refuses
    # unpaired surrogates already, so without one no item needs the walk through its text.
    decoded = _decode_items(data.notes, may_hold_unstorable=_ESCAPED_NUL in await request.body())
    items = [item for item in decoded if isinstance(item, NoteIn)]
    changes: list[NoteOut] = []
    async with databases.reading() as reading:
        plan = await service.plan_writes(reading, author, items)
        if data.since is not None:
            # Read before the writes: a device never hears of its own batch (excluded), and
            # what others change meanwhile is heard of at its next sync (CHANGES_OVERLAP).
            changed = await service.changes_for_author(
                reading, author, data.since, exclude={item.id for item in items}
            )
            changes = await notes_out(reading, changed, author)
    written = iter(await service.write_notes(db, plan))
    # One outcome per item, in the order the device sent them.
    outcomes = [
        next(written)
        if isinstance(item, NoteIn)
        else service.Outcome(uuid.UUID(str(raw["id"])), WriteResult.INVALID, errors=item)
        for raw, item in zip(data.notes, decoded, strict=True)
    ]
    conflicts = [outcome.note for outcome in outcomes if outcome.note is not None]
    stored_notes = {
        note.id: out for note, out in zip(conflicts, await notes_out(db, conflicts, author), strict=True)
    }
    results = [
        SyncResult(
            id=outcome.id,
            status=outcome.status,
            version=outcome.version,
            error=_item_error(outcome, locale),
            errors=[ItemError(error.field, error.message.render(locale)) for error in outcome.errors],
            note=stored_notes.get(outcome.id) if outcome.status == WriteResult.CONFLICT else None,
        )
        for outcome in outcomes
    ]
    return SyncOut(results=results, server_time=server_time, changes=changes)


def _item_error(outcome: service.Outcome, locale: str) -> str | None:
    if outcome.status == WriteResult.INVALID:
        return message(TITLES[422]).render(locale)
    if outcome.status == WriteResult.FORBIDDEN:
        return (outcome.detail or message(N_("This note belongs to someone else."))).render(locale)
    return None


_ESCAPED_NUL = b"\\u0000"


def _decode_items(
    raw_items: list[dict[str, Any]], *, may_hold_unstorable: bool = True
) -> list[NoteIn | list[FieldError]]:
    """Each item on its own, in order: a note, or what is wrong with it.

    A bad item is reported by its id while the others are applied; an item without a valid
    id cannot be reported at all, so it refuses the whole batch.
    """
    decoded: list[NoteIn | list[FieldError]] = []
    for index, raw in enumerate(raw_items):
        try:
            # Only text can be a UUID: an id nested deep in lists is not even turned into text.
            uuid.UUID(raw["id"] if isinstance(raw.get("id"), str) else "")
        except ValueError:
            raise InvalidInput(
                errors=[FieldError(f"notes[{index}].id", message(N_("Must be a UUID.")))]
            ) from None
        try:
            note = msgspec.convert(raw, NoteIn, strict=False)
        except msgspec.ValidationError as error:
            decoded.append([describe_decoding_error(str(error))])
        else:
            decoded.append((may_hold_unstorable and unstorable_text_errors(raw)) or note)
    return decoded


# Reading, reviewing, withdrawing


@answers(NotAllowed)
@get("/api/v1/notes", guards=[NOTE_READER_ROLES], summary="Notes: my own, or my platforms' for reviewers")
async def list_notes(
    request: Request,
    db: Database,
    status: FromQuery[NoteStatus | None] = None,
    platform: Annotated[str | None, QueryParameter(max_length=8)] = None,
    since: FromQuery[dt.datetime | None] = None,
    cursor: FromQuery[str | None] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = 50,
) -> NotePage:
    refuse_times_without_zone(since=since)
    user = current_user(request)
    notes, next_cursor = await service.list_notes(
        db, user, limit=limit, cursor=cursor, status=status, platform=platform, since=since
    )
    return NotePage(await notes_out(db, notes, user), next_cursor)


@answers(NotAllowed, NotFound)
@get(
    "/api/v1/notes/{note_id:uuid}",
    guards=[NOTE_READER_ROLES],
    summary="One note with its version and reviews",
)
async def read_note(request: Request, db: Database, note_id: FromPath[uuid.UUID]) -> NoteOut:
    user = current_user(request)
    note = await service.read_note(db, user, note_id)
    return (await notes_out(db, [note], user))[0]


@answers(NotAllowed, NotFound)
@post(
    "/api/v1/notes/{note_id:uuid}/review",
    guards=[REVIEWER_ROLES],
    status_code=HTTP_200_OK,
    summary="Approve a note or ask for changes",
)
async def review_note(
    request: Request, db: Database, note_id: FromPath[uuid.UUID], data: JSONBody[ReviewIn]
) -> NoteOut:
    user = current_user(request)
    note = await service.review_note(
        db, user, note_id, data.decision, data.comment, request_locale(request), data.cleared
    )
    return (await notes_out(db, [note], user))[0]


@answers(NotAllowed, NotFound)
@delete(
    "/api/v1/notes/{note_id:uuid}",
    guards=[AUTHOR_ROLES],
    status_code=HTTP_204_NO_CONTENT,
    summary="Withdraw my note",
)
async def withdraw_note(request: Request, db: Database, note_id: FromPath[uuid.UUID]) -> None:
    await service.withdraw_note(db, current_user(request), note_id)


routes = [
    list_guides,
    read_guide,
    create_guide,
    update_guide,
    list_guide_versions,
    put_note,
    sync,
    list_notes,
    read_note,
    review_note,
    withdraw_note,
]
