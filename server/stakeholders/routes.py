"""Routes of the stakeholder directory: entries, their engagements, near matches, erasure of a
person, and import and export of a platform's directory as CSV or XLSX."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Annotated, Literal

from litestar import Request, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, Operation, RequestBody, Schema
from litestar.openapi.spec.enums import OpenAPIFormat, OpenAPIType
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import Stream
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from server.accounts.models import DIRECTORY_KEEPERS
from server.audit.service import record_event
from server.db import Database, Databases
from server.exports import formats
from server.i18n import N_, message
from server.pagination import MAX_LIMIT
from server.problems import (
    Conflict,
    DuplicateStakeholder,
    InvalidInput,
    NotAllowed,
    StakeholderConflict,
    TooLarge,
    UnsupportedMediaType,
    answers,
)
from server.security import current_user, role_in
from server.stakeholders import service, spreadsheets
from server.stakeholders.models import Level, Sector
from server.stakeholders.schemas import (
    EngagementIn,
    EntryIn,
    EntryOut,
    EntryPage,
    EntryPatch,
    EntryProblem,
    ImportOut,
    ImportProblem,
    SimilarEntries,
    SimilarEntry,
)

KEEPERS = role_in(*DIRECTORY_KEEPERS)
Platform = Annotated[str, QueryParameter(pattern=r"^[A-Z]{2,3}$")]
SomePlatform = Annotated[str | None, QueryParameter(pattern=r"^[A-Z]{2,3}$")]
# A fixed creation date in the XLSX file: the same directory gives the same bytes.
FIXED_ZIP_DATE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
IMPORT_MEDIA_TYPES = ("text/csv", spreadsheets.XLSX_MEDIA_TYPE, "application/octet-stream")


@answers(NotAllowed)
@get("/api/v1/stakeholders", guards=[KEEPERS], summary="The stakeholder directory of my platforms")
async def list_entries(
    request: Request,
    db: Database,
    platform: SomePlatform = None,
    q: Annotated[str | None, QueryParameter(max_length=200)] = None,
    sector: FromQuery[Sector | None] = None,
    level: FromQuery[Level | None] = None,
    cursor: FromQuery[str | None] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = 50,
) -> EntryPage:
    entries, next_cursor = await service.list_entries(
        db,
        current_user(request),
        platform=platform,
        q=q,
        sector=sector,
        level=level,
        cursor=cursor,
        limit=limit,
    )
    return EntryPage([EntryOut.from_model(entry) for entry in entries], next_cursor)


@answers(NotAllowed, DuplicateStakeholder, bodies={DuplicateStakeholder: EntryProblem})
@post(
    "/api/v1/stakeholders",
    guards=[KEEPERS],
    status_code=HTTP_201_CREATED,
    summary="Add an organisation or person to a platform's directory",
)
async def create_entry(request: Request, db: Database, data: JSONBody[EntryIn]) -> EntryOut:
    return EntryOut.from_model(await service.create_entry(db, current_user(request), data))


@answers(NotAllowed)
@get(
    "/api/v1/stakeholders/similar",
    guards=[KEEPERS],
    summary="Entries whose names come close to these, to look at before adding one",
)
async def similar_entries(
    request: Request,
    db: Database,
    platform: Platform,
    organisation: Annotated[str, QueryParameter(min_length=1, max_length=200)],
    person_name: Annotated[str | None, QueryParameter(max_length=200)] = None,
) -> SimilarEntries:
    found = await service.similar_entries(db, current_user(request), platform, organisation, person_name)
    return SimilarEntries([SimilarEntry(score, EntryOut.from_model(entry)) for score, entry in found])


@answers(NotAllowed)
@get("/api/v1/stakeholders/{entry_id:uuid}", guards=[KEEPERS], summary="One directory entry")
async def read_entry(request: Request, db: Database, entry_id: FromPath[uuid.UUID]) -> EntryOut:
    return EntryOut.from_model(await service.read_entry(db, current_user(request), entry_id))


@answers(
    NotAllowed,
    DuplicateStakeholder,
    StakeholderConflict,
    bodies={StakeholderConflict: EntryProblem, DuplicateStakeholder: EntryProblem},
)
@patch("/api/v1/stakeholders/{entry_id:uuid}", guards=[KEEPERS], summary="Change a directory entry")
async def update_entry(
    request: Request, db: Database, entry_id: FromPath[uuid.UUID], data: JSONBody[EntryPatch]
) -> EntryOut:
    return EntryOut.from_model(await service.update_entry(db, current_user(request), entry_id, data))


@answers(NotAllowed)
@delete(
    "/api/v1/stakeholders/{entry_id:uuid}",
    guards=[KEEPERS],
    status_code=HTTP_204_NO_CONTENT,
    summary="Remove an entry and its engagements",
)
async def delete_entry(request: Request, db: Database, entry_id: FromPath[uuid.UUID]) -> None:
    await service.delete_entry(db, current_user(request), entry_id)


@answers(NotAllowed)
@post(
    "/api/v1/stakeholders/{entry_id:uuid}/erasure",
    guards=[KEEPERS],
    status_code=HTTP_200_OK,
    summary="Erase the person of an entry on their request, keeping the organisation",
)
async def erase_person(request: Request, db: Database, entry_id: FromPath[uuid.UUID]) -> EntryOut:
    return EntryOut.from_model(await service.erase_person(db, current_user(request), entry_id))


@answers(NotAllowed)
@post(
    "/api/v1/stakeholders/{entry_id:uuid}/engagements",
    guards=[KEEPERS],
    status_code=HTTP_201_CREATED,
    summary="Record an engagement of an entry; answers the entry with its engagements",
)
async def add_engagement(
    request: Request, db: Database, entry_id: FromPath[uuid.UUID], data: JSONBody[EngagementIn]
) -> EntryOut:
    return EntryOut.from_model(await service.add_engagement(db, current_user(request), entry_id, data))


@dataclass
class ImportOperation(Operation):
    """The import reads the file itself as the body. Documented as application/octet-stream,
    the one raw body type that client generators (openapi-python-client) take: the route reads
    text/csv and the XLSX type as such, and tells an octet stream by its first bytes."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            required=True,
            description=(
                "A CSV (UTF-8) or XLSX file whose first row names entry fields, sent as text/csv, "
                f"{spreadsheets.XLSX_MEDIA_TYPE} or application/octet-stream"
            ),
            content={
                "application/octet-stream": OpenAPIMediaType(
                    schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
                ),
            },
        )


@answers(NotAllowed, Conflict, TooLarge, UnsupportedMediaType, bodies={InvalidInput: ImportProblem})
@post(
    "/api/v1/stakeholders/import",
    guards=[KEEPERS],
    status_code=HTTP_200_OK,
    request_max_body_size=spreadsheets.MAX_IMPORT_BYTES,
    operation_class=ImportOperation,
    summary="Import a CSV or XLSX file into a platform's directory, all or nothing",
)
async def import_entries(
    request: Request, db: Database, platform: Platform, dry_run: FromQuery[bool] = False
) -> ImportOut:
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type not in IMPORT_MEDIA_TYPES:
        raise UnsupportedMediaType(
            message(
                N_("Send the file as text/csv or as an XLSX workbook ({media_type})."),
                media_type=spreadsheets.XLSX_MEDIA_TYPE,
            )
        )
    body = await request.body()
    counts = await spreadsheets.import_entries(
        db, current_user(request), platform, body, media_type, dry_run=dry_run
    )
    return ImportOut(counts.created, counts.updated, counts.unchanged)


@dataclass
class ExportOperation(Operation):
    """The export answers with a file, CSV or XLSX; Litestar would describe it as JSON."""

    def __post_init__(self) -> None:
        file = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
        self.responses = {
            **(self.responses or {}),
            "200": OpenAPIResponse(
                description="Every entry of the platform",
                content={
                    "text/csv": OpenAPIMediaType(schema=file),
                    spreadsheets.XLSX_MEDIA_TYPE: OpenAPIMediaType(schema=file),
                },
            ),
        }


@answers(NotAllowed)
@get(
    "/api/v1/stakeholders/export",
    guards=[KEEPERS],
    operation_class=ExportOperation,
    summary="Download a platform's directory (CSV or XLSX)",
)
async def export_entries(
    request: Request,
    db: Database,
    databases: NamedDependency[Databases],
    platform: Platform,
    format: FromQuery[Literal["csv", "xlsx"]] = "csv",
) -> Stream:
    keeper = current_user(request)
    service.check_may_keep(keeper, platform)
    await service.check_platform(db, platform)
    entries = await service.platform_entries(db, platform)
    # The request's unit of work only reads: the audit record is kept in one of its own,
    # before the first byte leaves.
    async with databases.separate_unit_of_work() as writing:
        record_event(
            writing,
            "stakeholders.exported",
            actor_id=keeper.id,
            platform_code=platform,
            format=format,
            count=len(entries),
        )
    headers = {
        "Content-Disposition": f'attachment; filename="tessera-stakeholders-{platform}.{format}"',
        "Cache-Control": "no-store",
    }
    if format == "csv":
        return Stream(
            spreadsheets.export_csv(entries), media_type=formats.MEDIA_TYPES["csv"], headers=headers
        )
    chunks, size = await formats.written_off_the_loop(
        lambda handle: spreadsheets.export_xlsx(entries, handle, FIXED_ZIP_DATE)
    )
    return Stream(
        chunks, media_type=formats.MEDIA_TYPES["xlsx"], headers={**headers, "Content-Length": str(size)}
    )


routes = [
    list_entries,
    create_entry,
    similar_entries,
    import_entries,
    export_entries,
    read_entry,
    update_entry,
    delete_entry,
    erase_person,
    add_engagement,
]
