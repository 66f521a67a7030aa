"""The file formats of an export: CSV (RFC 4180), NDJSON and XLSX, written as a stream.

Each writer takes export rows one at a time, so memory stays flat however many notes there
are; XLSX and QDPX are zip files, written to a temporary file in constant memory and then
sent in chunks.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from typing import IO, Any

import anyio
import anyio.from_thread
import msgspec
import xlsxwriter

from server.exports.rows import ExportNote, QuestionColumn

CHUNK_BYTES = 256 * 1024
METADATA_COLUMNS = (
    "id",
    "platform",
    "kind",
    "status",
    "language",
    "author",
    "interviewee_code",
    "recorded_at",
    "received_at",
    "guide_id",
    "guide_version",
    "participants_count",
    "participant_age_bands",
    "tags",
    "text",
)
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "ndjson": "application/x-ndjson",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "qdpx": "application/zip",
}


def answer_columns(questions: Sequence[QuestionColumn]) -> list[str]:
    """One column per question id, in guide order; a question kept across versions is one column."""
    return list(dict.fromkeys(question.column for question in questions))


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        return "; ".join(cell(item) for item in value)
    if isinstance(value, dt.datetime):
        return timestamp(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def timestamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def row_values(note: ExportNote, columns: Sequence[str]) -> list[str]:
    # Written out field by field: this runs for every note of an export of 100,000.
    answers = note.answers
    return [
        str(note.id),
        note.platform,
        note.kind,
        note.status,
        note.language,
        note.author,
        note.interviewee_code,
        timestamp(note.recorded_at),
        timestamp(note.received_at),
        str(note.guide_id) if note.guide_id else "",
        "" if note.guide_version is None else str(note.guide_version),
        "" if note.participants_count is None else str(note.participants_count),
        "; ".join(note.participant_age_bands),
        "; ".join(note.tags),
        note.text,
        *[cell(answers.get(column)) for column in columns],
    ]


def csv_line(values: Sequence[str]) -> str:
    """One RFC 4180 record, every field quoted (the RFC allows it): a third of the csv
    module's time, and no field is ever misread for having a comma or a line break."""
    return ",".join(['"' + value.replace('"', '""') + '"' for value in values]) + "\r\n"


async def csv_chunks(
    rows: AsyncIterator[ExportNote], questions: Sequence[QuestionColumn]
) -> AsyncIterator[bytes]:
    columns = answer_columns(questions)
    lines = [csv_line([*METADATA_COLUMNS, *columns])]
    size = 0
    async for note in rows:
        line = csv_line(row_values(note, columns))
        lines.append(line)
        size += len(line)
        if size > CHUNK_BYTES:
            yield "".join(lines).encode()
            lines.clear()
            size = 0
    yield "".join(lines).encode()


_NDJSON = msgspec.json.Encoder(order="deterministic")


async def ndjson_chunks(rows: AsyncIterator[ExportNote]) -> AsyncIterator[bytes]:
    chunk = bytearray()
    async for note in rows:
        chunk += _NDJSON.encode(note)
        chunk += b"\n"
        if len(chunk) > CHUNK_BYTES:
            yield bytes(chunk)
            chunk.clear()
    yield bytes(chunk)


def write_xlsx(
    target: IO[bytes],
    rows: Iterable[ExportNote],
    questions: Sequence[QuestionColumn],
    created_at: dt.datetime,
) -> int:
    """A workbook of two sheets: the notes, and the codebook (questions, options, codes)."""
    columns = answer_columns(questions)
    workbook = xlsxwriter.Workbook(
        target,
        {
            # Rows go to disk as they are written: memory stays flat for 100,000 notes.
            "constant_memory": True,
            # Young people's words are text, never formulas or links to follow.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "in_memory": False,
            "tmpdir": tempfile.gettempdir(),
        },
    )
    # A fixed creation date: the same data gives the same bytes.
    workbook.set_properties({"title": "Tessera notes", "created": created_at.replace(tzinfo=None)})
    notes_sheet = workbook.add_worksheet("notes")
    codebook = workbook.add_worksheet("codebook")
    header = [*METADATA_COLUMNS, *columns]
    for position, name in enumerate(header):
        notes_sheet.write_string(0, position, name)
    count = 0
    for note in rows:
        count += 1
        for position, value in enumerate(row_values(note, columns)):
            notes_sheet.write_string(count, position, value)
    for position, name in enumerate(
        ("question_id", "guide_id", "guide_version", "type", "prompt", "code", "label")
    ):
        codebook.write_string(0, position, name)
    line = 1
    for question in questions:
        entries = question.options or (("", ""),)
        for code, label in entries:
            values = (
                question.question_id,
                str(question.guide_id),
                str(question.guide_version),
                question.type,
                question.prompt,
                code,
                label,
            )
            for position, value in enumerate(values):
                codebook.write_string(line, position, value)
            line += 1
    workbook.close()
    return count


def blocking_rows(rows: AsyncIterator[ExportNote], batch: int = 500) -> Iterator[ExportNote]:
    """The rows of an async query for a writer running in a worker thread.

    Zip-based formats are written by synchronous libraries: they run off the event loop and
    pull rows from it a batch at a time.
    """

    async def next_batch() -> list[ExportNote]:
        taken: list[ExportNote] = []
        async for note in rows:
            taken.append(note)
            if len(taken) >= batch:
                break
        return taken

    while taken := anyio.from_thread.run(next_batch):
        yield from taken


def file_chunks(handle: IO[bytes], start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
    """The bytes of a temporary file from start to end (exclusive), closing it when done."""

    async def chunks() -> AsyncIterator[bytes]:
        try:
            handle.seek(start)
            remaining = None if end is None else end - start
            while remaining is None or remaining > 0:
                piece = handle.read(CHUNK_BYTES if remaining is None else min(CHUNK_BYTES, remaining))
                if not piece:
                    break
                if remaining is not None:
                    remaining -= len(piece)
                yield piece
        finally:
            handle.close()

    return chunks()
