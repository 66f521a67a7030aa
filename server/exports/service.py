"""The rules of exports: which notes may leave the platform, and in what shape.

Researchers get only their platforms, approved notes unless they ask for more, never a
withdrawn note nor one by a person who withdrew consent, nor one of an erased person but the
approved ones they chose to keep, never a username:
authors appear by a stable pseudonym, and what the personal-information guard marked is
redacted. Every export is written to the audit log.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.models import Role, User
from server.audit.service import record_event
from server.db import insert_on_conflict
from server.exports.rows import ExportNote, QuestionColumn
from server.i18n import N_, message
from server.instance import InstanceSecret
from server.notes.models import (
    CHOICE_TYPES,
    REVIEWABLE_STATUSES,
    Guide,
    GuideVersion,
    Note,
    NoteStatus,
    QuestionType,
)
from server.notes.schemas import localised
from server.notes.service import by_consenting_author
from server.problems import FieldError, InvalidInput, NotAllowed

REDACTED = "[redacted]"
BATCH_ROWS = 1000


class ExportStatus(StrEnum):
    """Which notes an export holds: one status, or every note that was sent (never drafts)."""

    APPROVED = NoteStatus.APPROVED.value
    SUBMITTED = NoteStatus.SUBMITTED.value
    CHANGES_REQUESTED = NoteStatus.CHANGES_REQUESTED.value
    ANY = "any"


@dataclass(frozen=True, slots=True)
class ExportFilters:
    # The platforms whose notes may leave; empty means none. Only an admin's export without
    # a platform named is network-wide, and says so here rather than by an empty list.
    platforms: tuple[str, ...]
    statuses: tuple[NoteStatus, ...]
    guide_id: uuid.UUID | None = None
    kind: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    tags: tuple[str, ...] = ()
    every_platform: bool = False


def check_filters(
    researcher: User,
    *,
    platform: str | None,
    status: ExportStatus,
    guide_id: uuid.UUID | None,
    kind: str | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
    tags: Sequence[str],
) -> ExportFilters:
    """The filters of an export request, refused before any byte if they ask for too much."""
    if since and until and since > until:
        raise InvalidInput(
            errors=[FieldError("until", message(N_("The end of the date range is before its start.")))]
        )
    statuses = REVIEWABLE_STATUSES if status == ExportStatus.ANY else (NoteStatus(status),)
    every_platform = False
    platforms: tuple[str, ...]
    if researcher.role == Role.ADMIN:
        # Admins are network-wide (the contract): every platform unless they name one.
        every_platform = platform is None
        platforms = () if platform is None else (platform,)
    elif platform is not None:
        if platform not in researcher.platform_codes:
            raise NotAllowed(message(N_("You can export the notes of your own platforms only.")))
        platforms = (platform,)
    else:
        # A researcher of no platform exports nothing: access to data fails closed.
        platforms = tuple(researcher.platform_codes)
    return ExportFilters(
        platforms, statuses, guide_id, kind, since, until, tuple(tags), every_platform=every_platform
    )


def _where(filters: ExportFilters) -> list[sa.ColumnElement[bool]]:
    """The conditions of the notes the filters match."""
    conditions: list[sa.ColumnElement[bool]] = [Note.status.in_(filters.statuses), by_consenting_author()]
    if not filters.every_platform:
        # An empty list matches no note: it never means "no filter".
        conditions.append(Note.platform_code.in_(filters.platforms))
    if filters.guide_id:
        conditions.append(Note.guide_id == filters.guide_id)
    if filters.kind:
        conditions.append(Note.kind == filters.kind)
    if filters.since:
        conditions.append(Note.recorded_at >= filters.since)
    if filters.until:
        conditions.append(Note.recorded_at <= filters.until)
    return conditions


@dataclass(frozen=True, slots=True)
class Scan:
    """What the export index tells of the notes the filters match (all but the tags, which
    live in a JSON list): how many, when they last changed, the sum of their versions and of
    their characters (Note.characters), and the guide versions they answered."""

    count: int
    last_change: dt.datetime | None
    versions: int
    characters: int
    answered: tuple[tuple[uuid.UUID, int], ...]


async def scan(db: AsyncSession, filters: ExportFilters, beside: AsyncSession) -> Scan:
    """Two passes over the notes the filters match, each read from the index ix_notes_export
    alone (every column asked here is in it): no note's text is read before an export starts.
    They run at once, the second on its own connection (beside): the export's first byte waits
    for the longer, not for both, and a pass that fails cancels the other. (One pass grouped by
    guide version took twice as long on SQLite: it sorts the matches.)"""
    totals = sa.select(
        sa.func.count(),
        sa.func.max(Note.changed_at),
        sa.func.sum(Note.version),
        sa.func.sum(Note.characters),
    ).where(*_where(filters))
    versions_answered = (
        sa.select(Note.guide_id, Note.guide_version)
        .where(*_where(filters), Note.guide_id.is_not(None))
        .distinct()
    )
    async with asyncio.TaskGroup() as passes:
        counting = passes.create_task(db.execute(totals))
        answering = passes.create_task(beside.execute(versions_answered))
    counted, answered = counting.result(), answering.result().all()
    count, last_change, versions, characters = counted.one()
    return Scan(
        count=int(count or 0),
        last_change=last_change,
        versions=int(versions or 0),
        characters=int(characters or 0),
        answered=tuple(
            sorted(
                (
                    (guide_id, version)
                    for guide_id, version in answered
                    if guide_id is not None and version is not None
                ),
                key=_by_guide,
            )
        ),
    )


def _by_guide(pair: tuple[uuid.UUID, int]) -> tuple[str, int]:
    return str(pair[0]), pair[1]


@dataclass(frozen=True, slots=True)
class Summary:
    count: int
    # Changes whenever the export's bytes would: a note added, edited, reviewed or left out.
    fingerprint: str
    # With may_pass_zip32 only: whether an XLSX of these notes must be ZIP64.
    may_pass_zip32: bool = False


# An XLSX cell's XML takes at most 7 bytes a stored character (a control character becomes
# "_x000D_"), and a note's other cells and markup well under 4 KB.
XML_BYTES_PER_CHARACTER = 7
XML_BYTES_PER_NOTE = 4096
ZIP32_LIMIT = 0xFFFFFFFF


async def summarise(
    db: AsyncSession,
    filters: ExportFilters,
    scanned: Scan,
    variant: str,
    questions: Sequence[QuestionColumn] = (),
    *,
    may_pass_zip32: bool = False,
) -> Summary:
    """How many notes the export holds and its fingerprint, from the scan; with
    may_pass_zip32, whether an XLSX of them might hold a sheet larger than a plain zip entry
    can (4 GiB): such a sheet is written as ZIP64, which Excel reads only when it must. A
    choice may be written as its label, longer than its stored code: each note is allowed
    every label of every question on top of its stored text."""
    count = scanned.count
    large = False
    if may_pass_zip32 and count:
        labels = sum(len(label) for question in questions for _, label in question.options)
        per_note = XML_BYTES_PER_NOTE + labels * XML_BYTES_PER_CHARACTER
        # Over every note the filters match but the tags: an upper bound when tags are asked for.
        large = scanned.characters * XML_BYTES_PER_CHARACTER + count * per_note > ZIP32_LIMIT
    if filters.tags:  # tags live in a JSON list: counted while reading
        count = sum([1 async for _ in _note_rows(db, filters)])
    text = f"{variant}|{filters!r}|{count}|{scanned.last_change}|{scanned.versions}"
    return Summary(count, hashlib.sha256(text.encode()).hexdigest()[:32], large)


async def question_columns(db: AsyncSession, scanned: Scan, locale: str) -> list[QuestionColumn]:
    """One column per question of the guide versions the exported notes answered."""
    columns: list[QuestionColumn] = []
    for guide_id, version in scanned.answered:
        guide = await db.get(Guide, guide_id)
        stored = await db.get(GuideVersion, (guide_id, version))
        if guide is None or stored is None:
            continue
        for question in stored.questions:
            options = tuple(
                (option["code"], localised(option["label"], locale, guide.source_language))
                for option in question.get("options", [])
            )
            columns.append(
                QuestionColumn(
                    guide.id,
                    stored.version,
                    question["id"],
                    QuestionType(question["type"]),
                    localised(question["prompt"], locale, guide.source_language),
                    options,
                    minimum=question.get("min"),
                    maximum=question.get("max"),
                )
            )
    return columns


async def pseudonym_key(db: AsyncSession) -> bytes:
    """The instance's secret for pseudonyms, made once: the same person gets the same
    pseudonym in every export, and nobody without the key can link it back."""
    await db.execute(
        insert_on_conflict(db, InstanceSecret)
        .values(name="pseudonym_key", value=secrets.token_hex(32))
        .on_conflict_do_nothing(index_elements=[InstanceSecret.name])
    )
    value = await db.scalar(sa.select(InstanceSecret.value).where(InstanceSecret.name == "pseudonym_key"))
    return bytes.fromhex(str(value))


def pseudonym(key: bytes, author_id: uuid.UUID) -> str:
    digest = hmac.new(key, author_id.bytes, hashlib.sha256).digest()
    return "PR-" + base64.b32encode(digest[:5]).decode().rstrip("=")


def redact(text: str, field: str, spans: list[dict[str, Any]]) -> str:
    if not spans:
        return text
    # Pieces joined once: cutting the whole text again for each span took a tenth of a second
    # for a note holding thousands of addresses, for every export of it.
    pieces: list[str] = []
    done = 0
    for span in sorted((s for s in spans if s["field"] == field), key=lambda s: s["start"]):
        pieces += (text[done : max(done, span["start"])], REDACTED)
        done = max(done, span["end"])
    return "".join(pieces) + text[done:] if pieces else text


def export_answers(
    answers: dict[str, Any], spans: list[dict[str, Any]], labels: dict[str, dict[str, str]] | None
) -> dict[str, Any]:
    """Answers as exported: text redacted, choices as labels (when asked) or codes."""
    exported: dict[str, Any] = {}
    for question_id, value in answers.items():
        if isinstance(value, str):
            value = redact(value, f"answers.{question_id}", spans)
            if labels is not None and question_id in labels:
                value = labels[question_id].get(value, value)
        elif isinstance(value, list):
            value = [
                redact(item, f"answers.{question_id}.{index}", spans) if isinstance(item, str) else item
                for index, item in enumerate(value)
            ]
            if labels is not None and question_id in labels:
                value = [labels[question_id].get(item, item) for item in value]
        exported[question_id] = value
    return exported


def _as_read(column: Any) -> Any:
    """A column as the driver reads it, without SQLAlchemy's conversion of every value: an
    export reads 100,000 rows, and making a UUID, an enum and JSON of each took a third of
    its time. export_rows converts what it keeps (_uuid_text, _json)."""
    return sa.type_coerce(column, sa.Text).label(column.key)


def _as_text(column: Any) -> Any:
    """A JSON column as its text on both databases: PostgreSQL's driver would decode every
    note's marked passages, and most notes have none (export_rows decodes only those)."""
    return sa.cast(column, sa.Text).label(column.key)


def _note_query(filters: ExportFilters) -> Any:
    return (
        sa.select(
            _as_read(Note.id),
            Note.platform_code,
            _as_read(Note.kind),
            _as_read(Note.status),
            Note.language,
            _as_read(Note.author_id),
            Note.interviewee_code,
            Note.recorded_at,
            Note.received_at,
            _as_read(Note.guide_id),
            Note.guide_version,
            _as_read(Note.participants),
            _as_read(Note.tags),
            Note.text,
            _as_read(Note.answers),
            _as_text(Note.personal_information),
        )
        .where(*_where(filters))
        # A stable order: the same filters over the same data give the same file.
        .order_by(Note.received_at, Note.id)
    )


def _uuid_text(value: Any) -> str:
    """A uuid as read (SQLite keeps 32 hex digits, PostgreSQL's driver gives a UUID) in its
    usual dashed form."""
    text = str(value)
    if len(text) == 32:
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
    return text


def _json(value: Any) -> Any:
    """A JSON column as read: SQLite gives its text, PostgreSQL's driver decodes it itself."""
    return msgspec.json.decode(value) if isinstance(value, str) else value


async def _note_rows(db: AsyncSession, filters: ExportFilters) -> AsyncIterator[tuple[Any, list[str]]]:
    """The matching notes' rows as read, each with its tags."""
    # Core rows from the connection: the ORM's loading machinery adds nothing to an export.
    connection = await db.connection()
    result = await connection.stream(_note_query(filters).execution_options(yield_per=BATCH_ROWS))
    # A batch at a time: fetching row by row would cross from the event loop into
    # SQLAlchemy's greenlet for every row, a third of an export's time.
    async for rows in result.partitions(BATCH_ROWS):
        for row in rows:
            tags = _json(row.tags)
            if filters.tags and not set(filters.tags) & set(tags):
                continue
            yield row, tags


async def export_rows(
    db: AsyncSession,
    filters: ExportFilters,
    columns: Sequence[QuestionColumn],
    key: bytes,
    *,
    as_labels: bool,
) -> AsyncIterator[ExportNote]:
    labels = (
        {column.question_id: dict(column.options) for column in columns if column.type in CHOICE_TYPES}
        if as_labels
        else None
    )
    authors: dict[Any, str] = {}
    async for row, tags in _note_rows(db, filters):
        # Most notes have nothing marked: their spans are not even decoded.
        marked = row.personal_information
        spans = (
            [span for span in _json(marked) if not span.get("cleared")] if marked and marked != "[]" else []
        )
        author = authors.get(row.author_id)
        if author is None:
            author = authors[row.author_id] = pseudonym(key, uuid.UUID(str(row.author_id)))
        participants = _json(row.participants) or {}
        yield ExportNote(
            id=_uuid_text(row.id),
            platform=row.platform_code,
            kind=row.kind,
            status=row.status,
            language=row.language,
            author=author,
            interviewee_code=row.interviewee_code,
            recorded_at=row.recorded_at,
            received_at=row.received_at,
            guide_id=None if row.guide_id is None else _uuid_text(row.guide_id),
            guide_version=row.guide_version,
            participants_count=participants.get("count"),
            participant_age_bands=tuple(participants.get("age_bands", ())),
            # A tag is a column value and a QDPX code name: redacted like the text.
            tags=tuple(redact(tag, f"tags.{index}", spans) for index, tag in enumerate(tags))
            if spans
            else tuple(tags),
            text=redact(row.text, "text", spans),
            answers=export_answers(_json(row.answers), spans, labels),
        )


def audit_export(
    db: AsyncSession, researcher: User, filters: ExportFilters, format_: str, count: int, *, raw: bool
) -> None:
    record_event(
        db,
        "export.notes",
        actor_id=researcher.id,
        format=format_,
        notes=count,
        raw=raw,
        every_platform=filters.every_platform,
        platforms=list(filters.platforms),
        statuses=list(filters.statuses),
        guide_id=str(filters.guide_id) if filters.guide_id else None,
        note_kind=filters.kind,
        since=filters.since.isoformat() if filters.since else None,
        until=filters.until.isoformat() if filters.until else None,
        tags=list(filters.tags),
    )
