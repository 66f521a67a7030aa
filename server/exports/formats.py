"""The file formats of an export: CSV (RFC 4180), NDJSON and XLSX, written as a stream.

Each writer takes export rows one at a time, so memory stays flat however many notes there
are; XLSX and QDPX are zip files, written in a worker thread and sent as they are written
(server/exports/streamed.py). No cell of a CSV or XLSX file is ever a formula a spreadsheet would run.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import tempfile
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from typing import IO, Any

import anyio
import anyio.from_thread
import msgspec
import xlsxwriter

from server.exports import codebook, workbook
from server.exports.rows import ExportNote, QuestionColumn
from server.exports.streamed import CHUNK_BYTES

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
# OWASP, "CSV Injection" (https://owasp.org/www-community/attacks/CSV_Injection): a spreadsheet
# opening a CSV runs a cell that begins with one of these as a formula; the full-width forms
# do so in some locales (Japanese ones, say).
FORMULA_STARTS = "=+-@\t\r\n＝＋－＠"
_PREFIXED_STARTS = frozenset(FORMULA_STARTS + "'")
_FORMULA_BEHIND_SPACES = re.compile(r"\s++[=+\-@＝＋－＠]")
# Litestar adds "; charset=utf-8" to a text/* type itself: naming it here too said it twice.
MEDIA_TYPES = {
    "csv": "text/csv",
    "ndjson": "application/x-ndjson",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "qdpx": "application/zip",
    "sav": "application/x-spss-sav",
    "dta": "application/x-stata-dta",
    "codebook": "text/csv",
    "codebook-html": "text/html",
}
# Excel on Windows reads a CSV without a byte-order mark in the local code page (mojibake for
# anything but ASCII); bom=true puts one in front.
UTF8_BOM = "\ufeff".encode()
# Excel's limit for one cell, in its (UTF-16) characters: xlsxwriter would cut a longer text.
EXCEL_CELL_CHARACTERS = 32_767
LONG_TEXTS_SHEET = "long_texts"
# Beyond 2**53 a double no longer holds every whole number: such a number is written as text.
EXACT_INTEGERS = 2**53


def answer_columns(questions: Sequence[QuestionColumn]) -> list[str]:
    """One column per question id, in guide order; a question kept across versions is one column."""
    return list(dict.fromkeys(question.column for question in questions))


def header(columns: Sequence[str]) -> list[str]:
    """The names of a CSV's or a workbook's columns. A question whose id is also a note
    field's name ("text", say) is "answer:<id>", as in the REFI-QDA project: two columns of one
    name would make a reader keep only one of them."""
    return [
        *METADATA_COLUMNS,
        *(f"answer:{column}" if column in METADATA_COLUMNS else column for column in columns),
    ]


def as_stored(value: str) -> str:
    return value


def spreadsheet_text(value: str) -> str:
    """A CSV cell that a spreadsheet shows as text and never runs as a formula.

    OWASP, "CSV Injection": a cell beginning with one of FORMULA_STARTS gets a leading
    apostrophe, inside the quotes every field has. Also prefixed: such a character behind
    leading spaces (importers that trim spaces, like LibreOffice's "Trim spaces", would find
    it), and a cell that begins with an apostrophe, so that every cell beginning with an
    apostrophe had exactly one added and a script gets the stored text back by removing it.
    """
    first = value[:1]
    if first in _PREFIXED_STARTS or (first.isspace() and _FORMULA_BEHIND_SPACES.match(value)):
        return "'" + value
    return value


def cell(value: Any, text: Callable[[str], str]) -> str:
    """An answer as one cell. Only its words go through text: numbers (of number and scale
    questions) are data a spreadsheet reads as numbers, so -3 stays -3."""
    if value is None:
        return ""
    if isinstance(value, str):
        return text(value)
    if isinstance(value, list | tuple):
        return text("; ".join(cell(item, as_stored) for item in value))
    if isinstance(value, dt.datetime):
        return timestamp(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def timestamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def row_values(note: ExportNote, columns: Sequence[str], text: Callable[[str], str]) -> list[str]:
    """A note's cells; what people wrote goes through text (spreadsheet_text or as_stored).
    The other cells are made by the server: ids, codes, timestamps and counts."""
    # Written out field by field: this runs for every note of an export of 100,000.
    answers = note.answers
    return [
        str(note.id),
        note.platform,
        note.kind,
        note.status,
        note.language,
        note.author,
        text(note.interviewee_code),
        timestamp(note.recorded_at),
        timestamp(note.received_at),
        str(note.guide_id) if note.guide_id else "",
        "" if note.guide_version is None else str(note.guide_version),
        "" if note.participants_count is None else str(note.participants_count),
        "; ".join(note.participant_age_bands),
        text("; ".join(note.tags)),
        text(note.text),
        *[cell(answers.get(column), text) for column in columns],
    ]


def csv_line(values: Sequence[str]) -> str:
    """One RFC 4180 record, every field quoted (the RFC allows it): a third of the csv
    module's time, and no field is ever misread for having a comma or a line break."""
    return '"' + '","'.join([value.replace('"', '""') for value in values]) + '"\r\n'


async def csv_chunks(
    rows: AsyncIterator[ExportNote], questions: Sequence[QuestionColumn], *, raw: bool, bom: bool = False
) -> AsyncIterator[bytes]:
    """CSV whose cells a spreadsheet never runs as formulas; raw: every cell as stored;
    bom: a UTF-8 byte-order mark first, for Excel."""
    columns = answer_columns(questions)
    text = as_stored if raw else spreadsheet_text
    if bom:
        yield UTF8_BOM
    lines = [csv_line(header(columns))]
    size = 0
    async for note in rows:
        line = csv_line(row_values(note, columns, text))
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


def text_workbook(target: IO[bytes], title: str, created_at: dt.datetime) -> xlsxwriter.Workbook:
    """A workbook written row by row whose text stays text: never a formula, a link or a number."""
    workbook = xlsxwriter.Workbook(
        target,
        {
            # Rows go to disk as they are written: memory stays flat for 100,000 notes.
            "constant_memory": True,
            # People's words are text, never formulas or links to follow.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "in_memory": False,
            "tmpdir": tempfile.gettempdir(),
        },
    )
    # A fixed creation date: the same data gives the same bytes.
    workbook.set_properties({"title": title, "created": created_at.replace(tzinfo=None)})
    return workbook


def typed_values(note: ExportNote, columns: Sequence[str]) -> list[Any]:
    """A note's cells as values of their own type, for files that keep types (XLSX, SPSS,
    Stata): counts, versions and number answers as numbers, times as datetimes, None for empty."""
    answers = note.answers
    return [
        str(note.id),
        note.platform,
        note.kind,
        note.status,
        note.language,
        note.author,
        note.interviewee_code,
        note.recorded_at,
        note.received_at,
        str(note.guide_id) if note.guide_id else None,
        note.guide_version,
        note.participants_count,
        "; ".join(note.participant_age_bands),
        "; ".join(note.tags),
        note.text,
        *[typed_answer(answers.get(column)) for column in columns],
    ]


def typed_answer(value: Any) -> Any:
    if value is None or isinstance(value, str | dt.datetime):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, list | tuple):
        return "; ".join(cell(item, as_stored) for item in value)
    return str(value)


def excel_parts(text: str) -> list[str]:
    """The text in pieces of at most EXCEL_CELL_CHARACTERS UTF-16 units, never splitting a
    character: joined in order they are the text again."""
    if len(text) * 2 <= EXCEL_CELL_CHARACTERS:  # no character takes more than two units
        return [text]
    parts: list[str] = []
    start = 0
    while start < len(text):
        end = min(len(text), start + EXCEL_CELL_CHARACTERS)
        while (units := len(text[start:end].encode("utf-16-le")) // 2) > EXCEL_CELL_CHARACTERS:
            end -= (units - EXCEL_CELL_CHARACTERS + 1) // 2 or 1
        parts.append(text[start:end])
        start = end
    return parts or [""]


def write_xlsx(
    target: IO[bytes],
    rows: Iterable[ExportNote],
    questions: Sequence[QuestionColumn],
    created_at: dt.datetime,
    *,
    codebook_notes: Sequence[str],
    large: bool = False,
) -> int:
    """A workbook of three sheets, streamed (server/exports/workbook.py): the notes; the
    codebook (questions, options, codes, bounds, then, below an empty row, codebook_notes: how
    to read the export, in the reader's language); and long_texts, the continuation of every
    text longer than a cell holds, kept aside while the notes are written.

    Text is always a string cell, never a formula, with no apostrophe added. Numbers are number
    cells and times date cells (UTC), so that a spreadsheet sums and sorts them as such.
    ``large``: the sheets may pass 4 GiB unpacked, and are written as ZIP64.
    """
    columns = answer_columns(questions)
    names = header(columns)
    book = workbook.StreamedWorkbook(
        target,
        ["notes", "codebook", LONG_TEXTS_SHEET],
        title="Tessera notes",
        created_at=created_at,
        large=large,
    )
    notes_sheet = workbook.Sheet("notes")
    long_texts = workbook.Sheet(LONG_TEXTS_SHEET)
    count = 0
    with tempfile.TemporaryFile() as spill:
        spill.write(long_texts.values(("id", "column", "part", "text")).encode())
        with book.sheet_file("notes") as out:
            out.write(workbook.sheet_head(len(names)))
            out.write(notes_sheet.values(names).encode())
            for note in rows:
                count += 1
                out.write(
                    notes_sheet.row(
                        _note_cells(note, columns, names, notes_sheet, long_texts, spill)
                    ).encode()
                )
            out.write(workbook.SHEET_TAIL)
        entries = codebook.rows(questions, METADATA_COLUMNS)
        book.small_sheet("codebook", [codebook.COLUMNS, *entries, (), *((text,) for text in codebook_notes)])
        book.spilled_sheet(long_texts, 4, spill)
    book.close()
    return count


def _note_cells(
    note: ExportNote,
    columns: Sequence[str],
    names: Sequence[str],
    notes_sheet: workbook.Sheet,
    long_texts: workbook.Sheet,
    spill: IO[bytes],
) -> list[str]:
    """A note's cells in the notes sheet; what its cells cannot hold goes to long_texts."""
    values = typed_values(note, columns)
    cells = []
    for position, (reference, value) in enumerate(
        zip(notes_sheet.references(len(values)), values, strict=True)
    ):
        if value is None:
            continue
        if isinstance(value, str):
            first, *rest = excel_parts(value)
            if first:
                cells.append(workbook.text_cell(reference, first))
            for part, text in enumerate(rest, start=2):
                spill.write(long_texts.values((str(note.id), names[position], part, text)).encode())
        elif isinstance(value, dt.datetime):
            cells.append(workbook.date_cell(reference, value))
        elif math.isfinite(value) and abs(value) < EXACT_INTEGERS:
            cells.append(workbook.number_cell(reference, value))
        else:
            cells.append(workbook.text_cell(reference, str(value)))
    return cells


def codebook_csv(questions: Sequence[QuestionColumn], locale: str, *, bom: bool = False) -> bytes:
    """The codebook as CSV: its table, then, below an empty line, how to read the export.
    Prompts and labels go through spreadsheet_text like every CSV cell people wrote."""
    lines = [csv_line(codebook.COLUMNS)]
    for entry in codebook.rows(questions, METADATA_COLUMNS):
        lines.append(
            csv_line(
                [
                    spreadsheet_text(value) if isinstance(value, str) else codebook.as_text(value)
                    for value in entry
                ]
            )
        )
    lines.append("\r\n")
    lines += [csv_line([text]) for text in codebook.notes(locale)]
    return (UTF8_BOM if bom else b"") + "".join(lines).encode()


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


async def written_off_the_loop(write: Callable[[IO[bytes]], object]) -> tuple[AsyncIterator[bytes], int]:
    """A file ``write`` fills in a worker thread (a workbook, say): its chunks to send and its
    size. The temporary file is closed once sent, or at once if writing fails."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by file_chunks when sent
    try:
        await anyio.to_thread.run_sync(write, handle)
    except BaseException:
        handle.close()
        raise
    return file_chunks(handle), handle.seek(0, 2)


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
