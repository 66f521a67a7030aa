"""Routes of interview guides, field notes, review and offline sync."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, delete, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from server.accounts.models import User
from server.db import Database, utcnow
from server.i18n import N_, message, request_locale
from server.notes import guides, service
from server.notes.models import Note, NoteReview
from server.notes.schemas import (
    GuideIn,
    GuideList,
    GuideOut,
    ItemError,
    NoteIn,
    NoteOut,
    NotePage,
    NoteStatus,
    PersonalInformationSpan,
    ReviewIn,
    ReviewOut,
    SyncIn,
    SyncOut,
    SyncResult,
)
from server.pagination import MAX_LIMIT
from server.problems import (
    TITLES,
    Conflict,
    FieldError,
    InvalidInput,
    NotAllowed,
    describe_decoding_error,
    refuse_times_without_zone,
)
from server.security import current_user, role_in, signed_in

AUTHORS = role_in("youth")
GUIDE_EDITORS = role_in("researcher", "admin")
REVIEWER_ROLES = role_in("youth_worker", "researcher", "admin")


def note_out(note: Note, reviews: list[NoteReview], viewer: User) -> NoteOut:
    return NoteOut(
        id=note.id,
        version=note.version,
        kind=note.kind,  # type: ignore[arg-type]
        platform=note.platform_code,
        language=note.language,
        recorded_at=note.recorded_at,
        received_at=note.received_at,
        changed_at=note.changed_at,
        interviewee_code=note.interviewee_code,
        consent_confirmed=note.consent_confirmed,
        status=note.status,  # type: ignore[arg-type]
        guide_id=note.guide_id,
        guide_version=note.guide_version,
        participants=note.participants,
        answers=note.answers,
        text=note.text,
        tags=note.tags,
        personal_information=[PersonalInformationSpan(**span) for span in note.personal_information],
        reviews=[
            ReviewOut(r.decision, r.comment, r.comment_language, r.note_version, r.created_at)
            for r in reviews
        ],
        # Researchers work with pseudonymous notes: who wrote one is for the author and youth workers.
        author_id=note.author_id if viewer.role in ("youth", "youth_worker", "admin") else None,
    )


async def notes_out(db: Database, notes: list[Note], viewer: User) -> list[NoteOut]:
    reviews = await service.reviews_of(db, [note.id for note in notes])
    return [note_out(note, reviews[note.id], viewer) for note in notes]


# Guides


@get("/api/v1/guides", guards=[signed_in], summary="Interview guides of my platforms, in my language")
async def list_guides(request: Request, db: Database) -> GuideList:
    locale = request_locale(request)
    return GuideList(
        [guides.guide_out(view, locale) for view in await guides.list_guides(db, current_user(request))]
    )


@get(
    "/api/v1/guides/{guide_id:uuid}", guards=[signed_in], summary="One guide, its current or a given version"
)
async def read_guide(
    request: Request,
    db: Database,
    guide_id: FromPath[uuid.UUID],
    version: Annotated[int | None, QueryParameter(ge=1)] = None,
) -> GuideOut:
    view = await guides.read_guide(db, current_user(request), guide_id, version)
    return guides.guide_out(view, request_locale(request))


@post("/api/v1/guides", guards=[GUIDE_EDITORS], status_code=HTTP_201_CREATED, summary="Create a guide")
async def create_guide(request: Request, db: Database, data: JSONBody[GuideIn]) -> GuideOut:
    view = await guides.create_guide(db, current_user(request), data)
    return guides.guide_out(view, request_locale(request))


@put("/api/v1/guides/{guide_id:uuid}", guards=[GUIDE_EDITORS], summary="Edit a guide (a new version)")
async def update_guide(
    request: Request, db: Database, guide_id: FromPath[uuid.UUID], data: JSONBody[GuideIn]
) -> GuideOut:
    view = await guides.update_guide(db, current_user(request), guide_id, data)
    return guides.guide_out(view, request_locale(request))


# Writing notes


@put("/api/v1/notes/{note_id:uuid}", guards=[AUTHORS], summary="Create or update a note")
async def put_note(
    request: Request, db: Database, note_id: FromPath[uuid.UUID], data: JSONBody[NoteIn]
) -> Response[NoteOut]:
    if data.id != note_id:
        raise InvalidInput(
            errors=[FieldError("id", message(N_("The id in the body must be the one in the address.")))]
        )
    author = current_user(request)
    async with request.app.state.write_gate:
        outcome = (await service.write_notes(db, author, [data]))[0]
        await db.commit()
    if outcome.status == "invalid":
        raise InvalidInput(errors=outcome.errors)
    if outcome.status == "forbidden":
        raise NotAllowed(message(N_("This note belongs to someone else.")))
    if outcome.status == "conflict":
        stored = outcome.note or await db.get(Note, note_id)
        extra = {"note": msgspec.to_builtins((await notes_out(db, [stored], author))[0])} if stored else {}
        raise Conflict(
            message(N_("This note was changed elsewhere. Compare both versions and choose.")), extra=extra
        )
    await db.flush()
    note = await service.read_note(db, author, note_id)
    body = (await notes_out(db, [note], author))[0]
    return Response(body, status_code=HTTP_201_CREATED if outcome.status == "created" else HTTP_200_OK)


@post("/api/v1/sync", guards=[AUTHORS], status_code=HTTP_200_OK, summary="Send up to 100 notes from a device")
async def sync(request: Request, db: Database, data: JSONBody[SyncIn]) -> SyncOut:
    author = current_user(request)
    locale = request_locale(request)
    server_time = utcnow()
    decoded = _decode_items(data.notes)
    items = [item for item in decoded if isinstance(item, NoteIn)]
    async with request.app.state.write_gate:
        written = iter(await service.write_notes(db, author, items))
        await db.commit()
    # One outcome per item, in the order the device sent them.
    outcomes = [
        next(written) if isinstance(item, NoteIn) else service.Outcome(item_id, "invalid", errors=item)
        for item_id, item in zip((uuid.UUID(str(raw["id"])) for raw in data.notes), decoded, strict=True)
    ]
    await db.flush()
    conflicts = [outcome.note for outcome in outcomes if outcome.note is not None]
    stored_notes = {
        note.id: out for note, out in zip(conflicts, await notes_out(db, conflicts, author), strict=True)
    }
    results = [
        SyncResult(
            id=outcome.id,
            status=outcome.status,  # type: ignore[arg-type]
            version=outcome.version,
            error=_item_error(outcome.status, locale),
            errors=[ItemError(error.field, error.message.render(locale)) for error in outcome.errors],
            note=stored_notes.get(outcome.id) if outcome.status == "conflict" else None,
        )
        for outcome in outcomes
    ]
    changes: list[NoteOut] = []
    if data.since is not None:
        changed = await service.changes_for_author(
            db, author, data.since, exclude={item.id for item in items}
        )
        changes = await notes_out(db, changed, author)
    return SyncOut(results=results, server_time=server_time, changes=changes)


def _item_error(status: str, locale: str) -> str | None:
    if status == "invalid":
        return message(TITLES[422]).render(locale)
    if status == "forbidden":
        return message(N_("This note belongs to someone else.")).render(locale)
    return None


def _decode_items(raw_items: list[dict[str, Any]]) -> list[NoteIn | list[FieldError]]:
    """Each item on its own, in order: a note, or what is wrong with it.

    A bad item is reported by its id while the others are applied; an item without a valid
    id cannot be reported at all, so it refuses the whole batch.
    """
    decoded: list[NoteIn | list[FieldError]] = []
    for index, raw in enumerate(raw_items):
        try:
            uuid.UUID(str(raw.get("id")))
        except ValueError:
            raise InvalidInput(
                errors=[FieldError(f"notes[{index}].id", message(N_("Must be a UUID.")))]
            ) from None
        try:
            decoded.append(msgspec.convert(raw, NoteIn, strict=False))
        except msgspec.ValidationError as error:
            decoded.append([describe_decoding_error(str(error))])
    return decoded


# Reading, reviewing, withdrawing


@get("/api/v1/notes", guards=[signed_in], summary="Notes: my own, or my platforms' for reviewers")
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


@get("/api/v1/notes/{note_id:uuid}", guards=[signed_in], summary="One note with its version and reviews")
async def read_note(request: Request, db: Database, note_id: FromPath[uuid.UUID]) -> NoteOut:
    user = current_user(request)
    note = await service.read_note(db, user, note_id)
    return (await notes_out(db, [note], user))[0]


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


@delete(
    "/api/v1/notes/{note_id:uuid}",
    guards=[AUTHORS],
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
    put_note,
    sync,
    list_notes,
    read_note,
    review_note,
    withdraw_note,
]
