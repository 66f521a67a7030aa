"""GET /api/v1/exports/notes: the researchers' download, streamed, in every format, and its codebook."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import IO, Annotated, BinaryIO, Literal, cast

import anyio
from litestar import Request, get
from litestar.di import NamedDependency
from litestar.openapi.spec import (
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    Operation,
    Reference,
    Schema,
)
from litestar.openapi.spec.enums import OpenAPIFormat, OpenAPIType
from litestar.params import FromQuery, QueryParameter
from litestar.response import Stream

from server.accounts.models import RESEARCHERS
from server.db import Database, Databases
from server.exports import codebook, formats, service, streamed
from server.exports.labelled import LabelledFormat, write_labelled
from server.exports.qdpx import write_qdpx
from server.i18n import N_, message, request_locale
from server.notes.models import NoteKind
from server.problems import (
    FieldError,
    InvalidInput,
    NotAllowed,
    RangeNotSatisfiable,
    answers,
    refuse_times_without_zone,
)
from server.security import current_user, role_in

ExportFormat = Literal["csv", "xlsx", "ndjson", "qdpx", "sav", "dta", "codebook", "codebook-html"]
FILE_NAMES = {
    "codebook": "tessera-codebook.csv",
    "codebook-html": "tessera-codebook.html",
}
# Zip formats carry a fixed date, so that a re-run over the same data gives the same bytes.
FIXED_ZIP_DATE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
# A misspelt filter would silently export more than meant: it is refused instead.
EXPORT_PARAMETERS = frozenset(
    {"format", "platform", "status", "guide_id", "kind", "since", "until", "tags", "choices", "raw", "bom"}
)


@dataclass
class ExportOperation(Operation):
    """The export answers with a file in the format asked for, whole (200) or the byte range
    a resumed download asks for (206); Litestar would describe a stream as JSON."""

    def __post_init__(self) -> None:
        file = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
        # The media types without parameters: `text/csv; charset=utf-8` is served as text/csv.
        content = {
            media_type.partition(";")[0]: OpenAPIMediaType(schema=file)
            for media_type in formats.MEDIA_TYPES.values()
        }
        headers: dict[str, OpenAPIHeader | Reference] = {
            name: OpenAPIHeader(schema=Schema(type=OpenAPIType.STRING), description=description)
            for name, description in (
                (
                    "Content-Disposition",
                    "attachment, with the file name tessera-notes.<format>, or tessera-codebook.csv"
                    " or tessera-codebook.html for the codebook",
                ),
                ("X-Export-Count", "how many notes the export holds"),
                ("ETag", "the same filters over the same data give the same bytes, and the same tag"),
            )
        }
        ranged: dict[str, OpenAPIHeader | Reference] = {
            "Content-Range": OpenAPIHeader(schema=Schema(type=OpenAPIType.STRING))
        }
        self.responses = {
            **(self.responses or {}),
            "200": OpenAPIResponse(
                description=(
                    "The notes, as CSV, XLSX, NDJSON, a REFI-QDA project (a zip), SPSS (.sav) or"
                    " Stata (.dta); or the codebook, as CSV or an HTML page"
                ),
                content=content,
                headers=headers,
            ),
            "206": OpenAPIResponse(
                description="The byte range the Range header asked for",
                content=content,
                headers={**headers, **ranged},
            ),
        }


@answers(NotAllowed, RangeNotSatisfiable)
@get(
    "/api/v1/exports/notes",
    guards=[role_in(*RESEARCHERS)],
    summary="Download notes for analysis (CSV, XLSX, NDJSON, REFI-QDA, SPSS, Stata) or their codebook",
    operation_class=ExportOperation,
)
async def export_notes(
    request: Request,
    db: Database,
    databases: NamedDependency[Databases],
    format: FromQuery[ExportFormat] = "csv",
    platform: Annotated[str | None, QueryParameter(pattern=r"^[A-Z]{2,3}$")] = None,
    status: FromQuery[service.ExportStatus] = service.ExportStatus.APPROVED,
    guide_id: FromQuery[uuid.UUID | None] = None,
    kind: FromQuery[NoteKind | None] = None,
    since: FromQuery[dt.datetime | None] = None,
    until: FromQuery[dt.datetime | None] = None,
    tags: Annotated[list[str] | None, QueryParameter(max_items=20)] = None,
    choices: FromQuery[Literal["labels", "codes"]] = "labels",
    # CSV only: the cells as stored, without the apostrophe that keeps a spreadsheet from
    # running a cell as a formula. For scripts; the other formats always hold text as stored.
    raw: FromQuery[bool] = False,
    # CSV and the codebook's CSV only: a UTF-8 byte-order mark first, so that Excel on
    # Windows reads the file as UTF-8.
    bom: FromQuery[bool] = False,
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
    # Asked of an index before the first byte: the count, the fingerprint, the guides; the
    # latter on a second connection at the same time.
    async with databases.reading() as beside:
        scanned = await service.scan(db, filters, beside)
    questions = await service.question_columns(db, scanned, locale)
    summary = await service.summarise(
        db,
        filters,
        scanned,
        f"{format}|{choices}|{locale}|raw={raw}|bom={bom}",
        questions,
        may_pass_zip32=format == "xlsx",
    )
    count, large = summary.count, summary.may_pass_zip32
    # A GET that writes: the audit record, kept before the first byte (an export that starts
    # is an export that happened, whatever becomes of the stream), and the pseudonym key on
    # the very first export. The request's own unit of work only reads.
    async with databases.separate_unit_of_work() as writing:
        key = await service.pseudonym_key(writing)
        service.audit_export(writing, researcher, filters, format, count, raw=raw)

    # The rows are read while the answer streams, after the request's unit of work has ended.
    async def rows() -> AsyncIterator[formats.ExportNote]:
        async with databases.reading() as reading:
            async for note in service.export_rows(
                # SPSS and Stata store a choice as a number labelled with its option.
                reading,
                filters,
                questions,
                key,
                as_labels=choices == "labels" and format not in ("sav", "dta"),
            ):
                yield note

    etag = f'"{summary.fingerprint}"'
    headers = {
        "Content-Disposition": f'attachment; filename="{FILE_NAMES.get(format, f"tessera-notes.{format}")}"',
        "X-Export-Count": str(count),
        "Cache-Control": "no-store",
        "Accept-Ranges": "bytes",
        "ETag": etag,
    }
    wanted = _requested_range(request, etag)
    # CSV, NDJSON, XLSX and QDPX are sent as they are written; a resumed download, the
    # codebook, SPSS and Stata are written whole first (below).
    if format in ("csv", "ndjson", "xlsx", "qdpx") and wanted is None:
        if format == "csv":
            body = formats.csv_chunks(rows(), questions, raw=raw, bom=bom)
        elif format == "ndjson":
            body = formats.ndjson_chunks(rows())
        else:
            body = streamed.streamed(_zip_writer(format, rows(), questions, locale, large=large))
        return Stream(body, media_type=formats.MEDIA_TYPES[format], headers=headers)
    handle = await _written_file(format, rows(), questions, raw=raw, bom=bom, locale=locale, large=large)
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
    format_: str,
    rows: AsyncIterator[formats.ExportNote],
    questions: list[formats.QuestionColumn],
    *,
    raw: bool,
    bom: bool,
    locale: str,
    large: bool,
) -> IO[bytes]:
    """The whole export in a temporary file: zip formats, SPSS and Stata always, streams when resumed."""
    if format_ in ("sav", "dta"):
        return await _labelled_file(format_, rows, questions)
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by file_chunks when sent
    if format_ == "codebook":
        handle.write(formats.codebook_csv(questions, locale, bom=bom))
        return handle
    if format_ == "codebook-html":
        handle.write(codebook.html_page(questions, formats.METADATA_COLUMNS, locale).encode())
        return handle
    if format_ in ("csv", "ndjson"):
        chunks = (
            formats.csv_chunks(rows, questions, raw=raw, bom=bom)
            if format_ == "csv"
            else formats.ndjson_chunks(rows)
        )
        async for chunk in chunks:
            handle.write(chunk)
        return handle

    await anyio.to_thread.run_sync(
        streamed.write_to_file, _zip_writer(format_, rows, questions, locale, large=large), handle
    )
    return handle


def _zip_writer(
    format_: str,
    rows: AsyncIterator[formats.ExportNote],
    questions: list[formats.QuestionColumn],
    locale: str,
    *,
    large: bool,
) -> Callable[[BinaryIO], object]:
    """Writes the XLSX or QDPX file, pulling the rows, in a worker thread; ``large`` for an
    XLSX whose sheets must be ZIP64."""
    codebook_notes = codebook.notes(locale)

    def write(target: BinaryIO) -> None:
        pulled = formats.blocking_rows(rows)
        if format_ == "xlsx":
            formats.write_xlsx(
                target, pulled, questions, FIXED_ZIP_DATE, codebook_notes=codebook_notes, large=large
            )
        else:
            write_qdpx(target, pulled, questions, project_name="Tessera notes", created_at=FIXED_ZIP_DATE)

    return write


async def _labelled_file(
    format_: str, rows: AsyncIterator[formats.ExportNote], questions: list[formats.QuestionColumn]
) -> IO[bytes]:
    """An SPSS or Stata file: pyreadstat writes to a path, off the event loop; the file is open
    for sending and already unlinked, so nothing is left on disk whatever becomes of the stream."""
    directory = tempfile.mkdtemp(prefix="tessera-export-")
    path = os.path.join(directory, f"notes.{format_}")
    try:

        def write() -> IO[bytes]:
            write_labelled(
                path,
                cast(LabelledFormat, format_),
                formats.blocking_rows(rows),
                questions,
                file_label="Tessera notes",
            )
            return open(path, "rb")

        return await anyio.to_thread.run_sync(write)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


routes = [export_notes]
