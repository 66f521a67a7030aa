"""GET /api/v1/exports/notes: the researchers' download, streamed, in four formats."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import uuid
from collections.abc import AsyncIterator
from typing import IO, Annotated, Literal

import anyio
from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter
from litestar.response import Stream
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.db import Database
from server.exports import formats, service
from server.exports.qdpx import write_qdpx
from server.i18n import N_, message, request_locale
from server.notes.schemas import NoteKind
from server.problems import FieldError, InvalidInput, RangeNotSatisfiable, refuse_times_without_zone
from server.security import current_user, role_in

ExportFormat = Literal["csv", "xlsx", "ndjson", "qdpx"]
ExportStatus = Literal["approved", "submitted", "changes_requested", "any"]
# Zip formats carry a fixed date, so that a re-run over the same data gives the same bytes.
FIXED_ZIP_DATE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
# A misspelt filter would silently export more than meant: it is refused instead.
EXPORT_PARAMETERS = frozenset(
    {"format", "platform", "status", "guide_id", "kind", "since", "until", "tags", "choices"}
)


@get(
    "/api/v1/exports/notes",
    guards=[role_in("researcher", "admin")],
    summary="Download notes for analysis (CSV, XLSX, NDJSON or a REFI-QDA project)",
)
async def export_notes(
    request: Request,
    db: Database,
    db_sessionmaker: NamedDependency[async_sessionmaker[AsyncSession]],
    format: FromQuery[ExportFormat] = "csv",
    platform: Annotated[str | None, QueryParameter(pattern=r"^[A-Z]{2,3}$")] = None,
    status: FromQuery[ExportStatus] = "approved",
    guide_id: FromQuery[uuid.UUID | None] = None,
    kind: FromQuery[NoteKind | None] = None,
    since: FromQuery[dt.datetime | None] = None,
    until: FromQuery[dt.datetime | None] = None,
    tags: Annotated[list[str] | None, QueryParameter(max_items=20)] = None,
    choices: FromQuery[Literal["labels", "codes"]] = "labels",
) -> Stream:
    refuse_times_without_zone(since=since, until=until)
    researcher = current_user(request)
    if unknown := sorted(set(request.query_params) - EXPORT_PARAMETERS):
        raise InvalidInput(
            errors=[FieldError(name, message(N_("This filter is not known."))) for name in unknown]
        )
    filters = service.check_filters(
        researcher,
        platform=platform,
        status=status,
        guide_id=guide_id,
        kind=kind,
        since=since,
        until=until,
        tags=tags or [],
    )
    locale = request_locale(request)
    questions = await service.question_columns(db, filters, locale)
    count, fingerprint = await service.summarise(db, filters, f"{format}|{choices}|{locale}")
    # A GET that writes: the audit record, recorded before the first byte (an export that
    # starts is an export that happened), and the pseudonym key on the very first export.
    async with db_sessionmaker() as writing:
        key = await service.pseudonym_key(writing)
        service.audit_export(writing, researcher, filters, format, count)
        await writing.commit()

    async def rows() -> AsyncIterator[formats.ExportNote]:
        async with request.app.state.db_reader() as reading:
            async for note in service.export_rows(
                reading, filters, questions, key, as_labels=choices == "labels"
            ):
                yield note

    etag = f'"{fingerprint}"'
    headers = {
        "Content-Disposition": f'attachment; filename="tessera-notes.{format}"',
        "X-Export-Count": str(count),
        "Cache-Control": "no-store",
        "Accept-Ranges": "bytes",
        "ETag": etag,
    }
    wanted = _requested_range(request, etag)
    if format in ("csv", "ndjson") and wanted is None:
        body = formats.csv_chunks(rows(), questions) if format == "csv" else formats.ndjson_chunks(rows())
        return Stream(body, media_type=formats.MEDIA_TYPES[format], headers=headers)
    handle = await _written_file(format, rows(), questions)
    size = handle.seek(0, 2)
    if wanted is None:
        return Stream(
            formats.file_chunks(handle),
            media_type=formats.MEDIA_TYPES[format],
            headers={**headers, "Content-Length": str(size)},
        )
    # A resumed download: the same filters over the same data give the same bytes (the
    # ETag says so), so the rest of the file continues the part the client already has.
    start, end = wanted
    end = min(end if end is not None else size - 1, size - 1)
    if start >= size or start > end:
        handle.close()
        raise RangeNotSatisfiable(headers={"Content-Range": f"bytes */{size}"})
    return Stream(
        formats.file_chunks(handle, start, end + 1),
        status_code=206,
        media_type=formats.MEDIA_TYPES[format],
        headers={
            **headers,
            "Content-Range": f"bytes {start}-{end}/{size}",
            "Content-Length": str(end - start + 1),
        },
    )


_RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")


def _requested_range(request: Request, etag: str) -> tuple[int, int | None] | None:
    """The single byte range asked for, if any and if it still applies to this data (If-Range)."""
    header = request.headers.get("range")
    if not header:
        return None
    if_range = request.headers.get("if-range")
    if if_range is not None and if_range != etag:
        return None  # the data changed since the first part: send the whole new file
    match = _RANGE.match(header.strip())
    if not match:
        return None  # not a form we serve (several ranges, suffixes): the whole file it is
    return int(match.group(1)), int(match.group(2)) if match.group(2) else None


async def _written_file(
    format_: str, rows: AsyncIterator[formats.ExportNote], questions: list[formats.QuestionColumn]
) -> IO[bytes]:
    """The whole export in a temporary file: zip formats always, streams when resumed."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by file_chunks when sent
    if format_ in ("csv", "ndjson"):
        chunks = formats.csv_chunks(rows, questions) if format_ == "csv" else formats.ndjson_chunks(rows)
        async for chunk in chunks:
            handle.write(chunk)
        return handle

    def write() -> None:
        pulled = formats.blocking_rows(rows)
        if format_ == "xlsx":
            formats.write_xlsx(handle, pulled, questions, FIXED_ZIP_DATE)
        else:
            write_qdpx(handle, pulled, questions, project_name="Tessera notes", created_at=FIXED_ZIP_DATE)

    await anyio.to_thread.run_sync(write)
    return handle


routes = [export_notes]
