"""The rules of field notes: validation against the guide, the write semantics of the contract
(the same for PUT and every item of a sync), review, withdrawal, and who sees which note.

A young person's interview is written once and cannot be redone, so a write is never lost
and never doubled: the note's id is the device's, a replay of stored content changes
nothing, a stale edit is a conflict that leaves the stored note as it was, and the
primary key in the database, not only this code, refuses a second note with the same id.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.models import User
from server.audit.service import record_event
from server.db import utcnow
from server.i18n import N_, message
from server.notes.guides import GuideView, get_guide_version, visible_platforms
from server.notes.models import Note, NoteReview
from server.notes.personal_information import interviewee_code_problem, scan_note
from server.notes.schemas import NoteIn
from server.notifications.service import notify
from server.pagination import decode_cursor, encode_cursor
from server.problems import FieldError, InvalidInput, NotFound

# Phones' clocks drift; a note "recorded" further in the future than this is a mistake.
CLOCK_SKEW = dt.timedelta(minutes=15)
REVIEWABLE = ("submitted", "approved", "changes_requested")
REVIEWERS = ("youth_worker", "researcher")
SHORT_TEXT_LIMIT = 500
LONG_TEXT_LIMIT = 20_000
_CONTENT_ENCODER = msgspec.json.Encoder(order="sorted")


@dataclass
class Outcome:
    """What became of one written note: the contract's per-item result."""

    id: uuid.UUID
    status: str
    version: int | None = None
    errors: list[FieldError] = field(default_factory=list)
    note: Note | None = None


# Content and its comparison


def note_content(item: NoteIn) -> dict[str, Any]:
    """Everything the device wrote except id and base_version, the thing a replay is compared by."""
    content = msgspec.to_builtins(item, order="sorted")
    del content["id"], content["base_version"]
    content["recorded_at"] = item.recorded_at.astimezone(dt.UTC).isoformat()
    return content


def content_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(_CONTENT_ENCODER.encode(content)).hexdigest()


# Validation


class Validator:
    """Checks notes for one author, fetching each guide version once per batch."""

    def __init__(self, db: AsyncSession, author: User, now: dt.datetime) -> None:
        self.db = db
        self.author = author
        self.now = now
        self._guides: dict[tuple[uuid.UUID, int | None], GuideView | None] = {}

    async def guide(self, guide_id: uuid.UUID, version: int | None) -> GuideView | None:
        key = (guide_id, version)
        if key not in self._guides:
            self._guides[key] = await get_guide_version(self.db, guide_id, version)
        return self._guides[key]

    async def errors(self, item: NoteIn, stored: Note | None) -> tuple[list[FieldError], int | None]:
        """The item's errors, and the guide version its answers were checked against."""
        errors: list[FieldError] = []
        if item.platform not in self.author.platform_codes:
            errors.append(
                FieldError("platform", message(N_("You can write notes for your own platforms only.")))
            )
        if item.recorded_at.tzinfo is None:
            errors.append(
                FieldError("recorded_at", message(N_("Give the time with its time zone, such as 14:30:00Z.")))
            )
        elif item.recorded_at - self.now > CLOCK_SKEW:
            errors.append(
                FieldError("recorded_at", message(N_("This time is in the future. Check the phone's clock.")))
            )
        if problem := interviewee_code_problem(item.interviewee_code):
            errors.append(FieldError("interviewee_code", message(problem)))
        if item.kind == "focus_group" and item.participants is None:
            errors.append(
                FieldError("participants", message(N_("A focus group needs its number of participants.")))
            )
        if item.kind != "focus_group" and item.participants is not None:
            errors.append(FieldError("participants", message(N_("Only focus groups have participants."))))
        if item.status == "submitted" and not item.consent_confirmed:
            errors.append(
                FieldError(
                    "consent_confirmed",
                    message(N_("A note can only be sent when the person you talked with has agreed.")),
                )
            )
        if stored is not None and stored.status != "draft" and item.status == "draft":
            errors.append(FieldError("status", message(N_("A sent note cannot become a draft again."))))
        guide_errors, guide_version = await self._answer_errors(item, stored)
        return errors + guide_errors, guide_version

    async def _answer_errors(self, item: NoteIn, stored: Note | None) -> tuple[list[FieldError], int | None]:
        if item.guide_id is None:
            if item.answers:
                return [FieldError("answers", message(N_("Answers need an interview guide.")))], None
            return [], None
        version = item.guide_version
        if version is None and stored is not None and stored.guide_id == item.guide_id:
            version = stored.guide_version  # a note keeps the guide version it first answered
        view = await self.guide(item.guide_id, version)
        if (
            view is None
            or view.guide.platform_code not in visible_platforms(self.author)
            or (view.guide.platform_code != item.platform and view.guide.platform_code != "NET")
        ):
            return [
                FieldError("guide_id", message(N_("There is no such interview guide for this platform.")))
            ], None
        questions = {question["id"]: question for question in view.version.questions}
        errors = [
            FieldError(f"answers.{question_id}", problem)
            for question_id, value in item.answers.items()
            if (problem := answer_problem(questions.get(question_id), value)) is not None
        ]
        if item.status == "submitted":
            errors.extend(
                FieldError(f"answers.{question_id}", message(N_("This question needs an answer.")))
                for question_id, question in questions.items()
                if question.get("required") and item.answers.get(question_id) in (None, "", [])
            )
        return errors, view.version.version


def answer_problem(question: dict[str, Any] | None, value: Any) -> Any:
    """Why an answer does not fit its question, as a message; None when it fits."""
    if question is None:
        return message(N_("This guide has no such question."))
    if value is None:
        return None
    kind = question["type"]
    codes = {option["code"] for option in question.get("options", [])}
    if kind in ("short_text", "long_text"):
        limit = SHORT_TEXT_LIMIT if kind == "short_text" else LONG_TEXT_LIMIT
        if not isinstance(value, str):
            return message(N_("Must be text."))
        if len(value) > limit:
            return message(N_("Must be at most {n} characters long."), n=limit)
        return None
    if kind == "single_choice":
        return (
            None if isinstance(value, str) and value in codes else message(N_("Choose one of the options."))
        )
    if kind == "multiple_choice":
        if not isinstance(value, list) or not set(value) <= codes or len(set(value)) != len(value):
            return message(N_("Choose among the options, each once."))
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or (kind == "scale" and value != int(value))
    ):
        return message(N_("Must be a whole number.") if kind == "scale" else N_("Must be a number."))
    low, high = question.get("min"), question.get("max")
    if (low is not None and value < low) or (high is not None and value > high):
        return message(
            N_("Must be between {low} and {high}."),
            low=low if low is not None else "…",
            high=high if high is not None else "…",
        )
    return None


# Writing


def _row(
    item: NoteIn, author: User, guide_version: int | None, now: dt.datetime, digest: str
) -> dict[str, Any]:
    return {
        "id": item.id,
        "author_id": author.id,
        "platform_code": item.platform,
        "guide_id": item.guide_id,
        "guide_version": guide_version,
        "kind": item.kind,
        "language": item.language,
        "recorded_at": item.recorded_at,
        "changed_at": now,
        "interviewee_code": item.interviewee_code,
        "participants": msgspec.to_builtins(item.participants) if item.participants else None,
        "answers": dict(item.answers),
        "text": item.text,
        "tags": list(item.tags),
        "consent_confirmed": item.consent_confirmed,
        "status": item.status,
        "content_hash": digest,
        "personal_information": scan_note(item.text, item.answers),
    }


async def write_notes(db: AsyncSession, author: User, items: Sequence[NoteIn]) -> list[Outcome]:
    """Apply a batch with the contract's write semantics; one item's failure never affects another."""
    now = utcnow()
    validator = Validator(db, author, now)
    ids = list({item.id for item in items})
    stored: dict[uuid.UUID, Note] = (
        {note.id: note for note in await db.scalars(sa.select(Note).where(Note.id.in_(ids)))} if ids else {}
    )
    pending: dict[uuid.UUID, dict[str, Any]] = {}  # notes this batch creates, inserted together
    outcomes: list[Outcome] = []
    for item in items:
        outcome = await _decide(db, validator, author, item, stored.get(item.id), pending, now)
        outcomes.append(outcome)
    if pending:
        lost = await _insert_new(db, list(pending.values()))
        if lost:
            # Another request created these notes between our read and our insert (two tabs,
            # a retry racing its first try): decide again against what it stored.
            outcomes = await _redecide(db, validator, author, items, outcomes, lost, now)
    return outcomes


async def _decide(
    db: AsyncSession,
    validator: Validator,
    author: User,
    item: NoteIn,
    note: Note | None,
    pending: dict[uuid.UUID, dict[str, Any]],
    now: dt.datetime,
) -> Outcome:
    if note is not None and note.author_id != author.id:
        return Outcome(item.id, "forbidden")
    errors, guide_version = await validator.errors(item, note)
    if errors:
        return Outcome(item.id, "invalid", errors=errors)
    digest = content_hash(note_content(item))
    row = _row(item, author, guide_version, now, digest)
    created = pending.get(item.id)
    if created is not None:  # written earlier in this same batch
        if digest == created["content_hash"]:
            return Outcome(item.id, "unchanged", created["version"])
        if item.base_version != created["version"]:
            return Outcome(item.id, "conflict", created["version"])
        pending[item.id] = {**row, "version": created["version"] + 1, "received_at": created["received_at"]}
        return Outcome(item.id, "updated", created["version"] + 1)
    if note is None:
        if item.base_version != 0:
            return Outcome(item.id, "conflict")
        pending[item.id] = {**row, "version": 1, "received_at": now}
        return Outcome(item.id, "created", 1)
    return await _update(db, note, item, row)


async def _update(db: AsyncSession, note: Note, item: NoteIn, row: dict[str, Any]) -> Outcome:
    if note.status == "withdrawn":
        return Outcome(item.id, "conflict", note.version, note=note)
    if row["content_hash"] == note.content_hash:
        return Outcome(item.id, "unchanged", note.version)
    if item.base_version != note.version:
        return Outcome(item.id, "conflict", note.version, note=note)
    # The version in the WHERE clause makes a concurrent edit of the same base lose cleanly.
    result = await db.execute(
        sa.update(Note)
        .where(Note.id == note.id, Note.version == note.version)
        .values(**{key: value for key, value in row.items() if key != "id"}, version=note.version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        fresh = await _reload(db, note.id)
        if fresh is None:
            return Outcome(item.id, "conflict")
        if fresh.content_hash == row["content_hash"]:
            return Outcome(item.id, "unchanged", fresh.version)
        return Outcome(item.id, "conflict", fresh.version, note=fresh)
    new_version = note.version + 1
    await _reload(db, note.id)  # later items of the batch must see the note as it now is
    return Outcome(item.id, "updated", new_version)


async def _reload(db: AsyncSession, note_id: uuid.UUID) -> Note | None:
    return await db.scalar(
        sa.select(Note).where(Note.id == note_id).execution_options(populate_existing=True)
    )


async def _insert_new(db: AsyncSession, rows: list[dict[str, Any]]) -> set[uuid.UUID]:
    """Insert new notes in one statement; the ids that already existed come back as lost."""
    insert = postgresql_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    table: sa.Table = Note.__table__  # type: ignore[assignment]
    statement = insert(table).on_conflict_do_nothing(index_elements=["id"]).returning(table.c.id)
    # On the session's connection, as Core: the ORM's bulk machinery costs a third of a batch.
    connection = await db.connection()
    inserted = set((await connection.execute(statement, rows)).scalars())
    return {row["id"] for row in rows} - inserted


async def _redecide(
    db: AsyncSession,
    validator: Validator,
    author: User,
    items: Sequence[NoteIn],
    outcomes: list[Outcome],
    lost: set[uuid.UUID],
    now: dt.datetime,
) -> list[Outcome]:
    redone = list(outcomes)
    for position, item in enumerate(items):
        if item.id not in lost:
            continue
        note = await _reload(db, item.id)
        if note is None or note.author_id != author.id:
            redone[position] = Outcome(item.id, "forbidden" if note else "conflict")
            continue
        errors, guide_version = await validator.errors(item, note)
        digest = content_hash(note_content(item))
        if errors:
            redone[position] = Outcome(item.id, "invalid", errors=errors)
        else:
            redone[position] = await _update(db, note, item, _row(item, author, guide_version, now, digest))
    return redone


# Reading, reviewing, withdrawing


def may_read(user: User, note: Note) -> bool:
    if note.status == "withdrawn":
        return False
    if note.author_id == user.id:
        return True
    if note.status == "draft":
        return False  # drafts are the author's alone
    if user.role == "admin":
        return True
    return user.role in REVIEWERS and note.platform_code in user.platform_codes


async def read_note(db: AsyncSession, user: User, note_id: uuid.UUID) -> Note:
    note = await db.get(Note, note_id)
    # Someone else's note is as missing as one that never was: ids are not confirmed to strangers.
    if note is None or not may_read(user, note):
        raise NotFound()
    return note


async def list_notes(
    db: AsyncSession,
    user: User,
    *,
    limit: int,
    cursor: str | None = None,
    status: str | None = None,
    platform: str | None = None,
    since: dt.datetime | None = None,
) -> tuple[list[Note], str | None]:
    query = sa.select(Note).where(Note.status != "withdrawn")
    if user.role == "youth":
        query = query.where(Note.author_id == user.id)
    else:
        query = query.where(Note.status.in_(REVIEWABLE))
        if user.role != "admin":
            query = query.where(Note.platform_code.in_(user.platform_codes))
    if status:
        query = query.where(Note.status == status)
    if platform:
        query = query.where(Note.platform_code == platform)
    if since:
        query = query.where(Note.changed_at >= since)
    if cursor:
        at, note_id = decode_cursor(cursor)
        query = query.where(sa.or_(Note.changed_at < at, sa.and_(Note.changed_at == at, Note.id < note_id)))
    query = query.order_by(Note.changed_at.desc(), Note.id.desc()).limit(limit + 1)
    notes = list(await db.scalars(query))
    next_cursor = (
        encode_cursor(notes[limit - 1].changed_at, notes[limit - 1].id) if len(notes) > limit else None
    )
    return notes[:limit], next_cursor


async def reviews_of(db: AsyncSession, note_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[NoteReview]]:
    reviews: dict[uuid.UUID, list[NoteReview]] = {note_id: [] for note_id in note_ids}
    if note_ids:
        query = sa.select(NoteReview).where(NoteReview.note_id.in_(note_ids)).order_by(NoteReview.created_at)
        for review in await db.scalars(query):
            reviews[review.note_id].append(review)
    return reviews


async def review_note(
    db: AsyncSession,
    reviewer: User,
    note_id: uuid.UUID,
    decision: str,
    comment: str,
    comment_language: str,
    cleared: Sequence[int] = (),
) -> Note:
    note = await db.get(Note, note_id, with_for_update=True)
    if note is None or not may_read(reviewer, note) or note.author_id == reviewer.id:
        raise NotFound()
    if reviewer.role not in (*REVIEWERS, "admin"):
        raise NotFound()
    spans = note.personal_information
    if unknown := [position for position in cleared if position >= len(spans)]:
        raise InvalidInput(
            errors=[
                FieldError(
                    "cleared",
                    message(N_("This note has no marked passage number {position}."), position=unknown[0]),
                )
            ]
        )
    if cleared:
        # A new list, so the JSON column is written; an edit by the author rescans and
        # every span must be judged again.
        note.personal_information = [
            {**span, "cleared": span.get("cleared", False) or position in cleared}
            for position, span in enumerate(spans)
        ]
    note.status = "approved" if decision == "approve" else "changes_requested"
    note.changed_at = utcnow()
    db.add(
        NoteReview(
            note_id=note.id,
            reviewer_id=reviewer.id,
            decision=decision,
            comment=comment.strip(),
            comment_language=comment_language if comment.strip() else None,
            note_version=note.version,
        )
    )
    record_event(
        db,
        "note.reviewed",
        actor_id=reviewer.id,
        subject_id=note.author_id,
        platform_code=note.platform_code,
        note_id=str(note.id),
        decision=decision,
        # Which marked passages the reviewer let through to exports: a decision to be traceable.
        cleared_passages=sorted(set(cleared)),
    )
    await notify(
        db,
        recipient_ids=[note.author_id],
        event="note_reviewed",
        params={"decision": decision},
        link=f"/#/notes/{note.id}",
    )
    await db.flush()
    return note


async def withdraw_note(db: AsyncSession, author: User, note_id: uuid.UUID) -> None:
    """Withdrawal is final: the note stays out of every list and export, and no write revives it."""
    note = await db.get(Note, note_id, with_for_update=True)
    if note is None or note.author_id != author.id:
        raise NotFound()
    if note.status != "withdrawn":
        note.status = "withdrawn"
        note.version += 1
        note.changed_at = utcnow()
        record_event(
            db, "note.withdrawn", actor_id=author.id, platform_code=note.platform_code, note_id=str(note.id)
        )


# A review that took its timestamp before a sync's server_time may commit after the sync read;
# looking back this much further makes sure the device still hears of it. A device applies a
# change it already has as a no-op, so hearing twice costs nothing.
CHANGES_OVERLAP = dt.timedelta(minutes=2)


async def changes_for_author(
    db: AsyncSession, author: User, since: dt.datetime, exclude: set[uuid.UUID]
) -> list[Note]:
    """The author's notes changed on the server since the device's last sync: reviews, and
    edits or withdrawals from their other devices."""
    query = (
        sa.select(Note)
        .where(Note.author_id == author.id, Note.changed_at > since - CHANGES_OVERLAP)
        .order_by(Note.changed_at)
        .limit(500)
    )
    return [note for note in await db.scalars(query) if note.id not in exclude]
