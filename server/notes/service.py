"""The rules of field notes: validation against the guide, the write semantics of the contract
(the same for PUT and every item of a sync), review, withdrawal, and who sees which note.

A young person's interview is written once and cannot be redone, so a write is never lost
and never doubled: the note's id is the device's, a replay of stored content changes
nothing, a stale edit is a conflict that leaves the stored note as it was, and the
primary key in the database, not only this code, refuses a second note with the same id.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from server.accounts.models import REVIEWERS, STAFF, AccountStatus, ConsentEvent, Role, User
from server.audit.service import record_event
from server.db import dialect_insert, utcnow
from server.i18n import N_, Message, message
from server.notes.guides import AnsweredVersion, Question, answered_version, visible_platforms
from server.notes.models import (
    REVIEWABLE_STATUSES,
    TEXT_TYPES,
    ApprovedNotesOnErasure,
    Guide,
    Note,
    NoteKind,
    NoteReview,
    NoteStatus,
    QuestionType,
    ReviewDecision,
    note_characters,
)
from server.notes.personal_information import interviewee_code_problem, scan_notes_off_loop
from server.notes.schemas import NoteIn, WriteResult
from server.notifications.models import NotificationEvent
from server.notifications.service import notify
from server.pagination import keyset_page
from server.problems import FieldError, InvalidInput, NotFound

# Phones' clocks drift; a note "recorded" further in the future than this is a mistake.
CLOCK_SKEW = dt.timedelta(minutes=15)
SHORT_TEXT_LIMIT = 500
LONG_TEXT_LIMIT = 20_000
_CONTENT_ENCODER = msgspec.json.Encoder(order="sorted")


@dataclass
class Outcome:
    """What became of one written note: the contract's per-item result."""

    id: uuid.UUID
    status: WriteResult
    version: int | None = None
    errors: list[FieldError] = field(default_factory=list)
    note: Note | None = None
    # Why a forbidden item was refused, when it is not "someone else's note".
    detail: Message | None = None
    # The row a created note was stored as, so that a PUT answers without reading it back.
    created_row: dict[str, Any] | None = None


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

    def __init__(
        self,
        db: AsyncSession,
        author: User,
        now: dt.datetime,
        current_versions: dict[uuid.UUID, int] | None = None,
    ) -> None:
        self.db = db
        self.author = author
        self.now = now
        self._guides: dict[tuple[uuid.UUID, int | None], AnsweredVersion | None] = {}
        self._platforms = frozenset(visible_platforms(author))
        self._own_platforms = frozenset(author.platform_codes)
        # Guides' current versions, when already read with the rest of what a batch needs.
        self._current_versions = current_versions or {}

    async def guide(self, guide_id: uuid.UUID, version: int | None) -> AnsweredVersion | None:
        if version is None:
            version = self._current_versions.get(guide_id)
        key = (guide_id, version)
        if key not in self._guides:
            self._guides[key] = await answered_version(self.db, guide_id, version)
        return self._guides[key]

    async def errors(self, item: NoteIn, stored: Note | None) -> tuple[list[FieldError], int | None]:
        """The item's errors, and the guide version its answers were checked against."""
        errors: list[FieldError] = []
        if item.platform not in self._own_platforms:
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
        if item.kind == NoteKind.FOCUS_GROUP and item.participants is None:
            errors.append(
                FieldError("participants", message(N_("A focus group needs its number of participants.")))
            )
        if item.kind != NoteKind.FOCUS_GROUP and item.participants is not None:
            errors.append(FieldError("participants", message(N_("Only focus groups have participants."))))
        if item.status == NoteStatus.SUBMITTED and not item.consent_confirmed:
            errors.append(
                FieldError(
                    "consent_confirmed",
                    message(N_("A note can only be sent when the person you talked with has agreed.")),
                )
            )
        if stored is not None and stored.status != NoteStatus.DRAFT and item.status == NoteStatus.DRAFT:
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
        guide = await self.guide(item.guide_id, version)
        if (
            guide is None
            or guide.platform_code not in self._platforms
            or (guide.platform_code != item.platform and guide.platform_code != "NET")
        ):
            return [
                FieldError("guide_id", message(N_("There is no such interview guide for this platform.")))
            ], None
        questions = guide.questions
        errors = [
            FieldError(f"answers.{question_id}", problem)
            for question_id, value in item.answers.items()
            if (problem := answer_problem(questions.get(question_id), value)) is not None
        ]
        if item.status == NoteStatus.SUBMITTED:
            errors.extend(
                FieldError(f"answers.{question_id}", message(N_("This question needs an answer.")))
                for question_id, question in questions.items()
                if question.required and item.answers.get(question_id) in (None, "", [])
            )
        return errors, guide.version


def answer_problem(question: Question | None, value: Any) -> Any:
    """Why an answer does not fit its question, as a message; None when it fits."""
    if question is None:
        return message(N_("This guide has no such question."))
    if value is None:
        return None
    kind, codes = question.type, question.codes
    if kind in TEXT_TYPES:
        limit = SHORT_TEXT_LIMIT if kind == QuestionType.SHORT_TEXT else LONG_TEXT_LIMIT
        if not isinstance(value, str):
            return message(N_("Must be text."))
        if len(value) > limit:
            return message(N_("Must be at most {n} characters long."), n=limit)
        return None
    if kind == QuestionType.SINGLE_CHOICE:
        return (
            None if isinstance(value, str) and value in codes else message(N_("Choose one of the options."))
        )
    if kind == QuestionType.MULTIPLE_CHOICE:
        if not isinstance(value, list) or not set(value) <= codes or len(set(value)) != len(value):
            return message(N_("Choose among the options, each once."))
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or (kind == QuestionType.SCALE and value != int(value))
    ):
        return message(
            N_("Must be a whole number.") if kind == QuestionType.SCALE else N_("Must be a number.")
        )
    low, high = question.min, question.max
    if (low is not None and value < low) or (high is not None and value > high):
        return message(
            N_("Must be between {low} and {high}."),
            low=low if low is not None else "…",
            high=high if high is not None else "…",
        )
    return None


# Writing


def _row(
    item: NoteIn,
    author: User,
    guide_version: int | None,
    now: dt.datetime,
    digest: str,
    personal_information: list[dict[str, Any]],
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
        "personal_information": personal_information,
        "characters": note_characters(item.text, item.answers),
    }


@dataclass(frozen=True, slots=True)
class Content:
    """What a note's content gives whatever is stored: the hash a replay is recognised by, and
    the passages the personal-information guard marks."""

    digest: str
    marked: list[dict[str, Any]]


async def _contents(items: Sequence[NoteIn]) -> list[Content]:
    marked = await scan_notes_off_loop([(item.text, item.answers, item.tags) for item in items])
    return [
        Content(content_hash(note_content(item)), spans) for item, spans in zip(items, marked, strict=True)
    ]


@dataclass
class WritePlan:
    """A batch checked against what a reading session saw: the outcomes decided before any
    write, and the new notes to insert. Items whose note is already stored are decided when
    written (None here), against the note as the writing transaction reads it."""

    author: User
    items: Sequence[NoteIn]
    contents: list[Content]
    now: dt.datetime
    outcomes: list[Outcome | None]
    pending: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)


async def plan_writes(reading: AsyncSession, author: User, items: Sequence[NoteIn]) -> WritePlan:
    """Everything a batch needs before it writes: each note scanned and hashed, consent, the
    guides, and the outcome of every new note, read in a session that takes no lock.

    On SQLite a writing transaction holds the one write gate from its first statement to its
    commit, so what is read and checked there makes every other writer wait; here it does not.
    """
    if not items:
        return WritePlan(author, items, [], utcnow(), [])
    contents = await _contents(items)
    ids = list({item.id for item in items})
    guide_ids = list({item.guide_id for item in items if item.guide_id and item.guide_version is None})
    found = await reading.execute(
        _BEFORE_WRITING, {"person_id": author.id, "note_ids": ids, "guide_ids": guide_ids}
    )
    stored: set[uuid.UUID] = set()
    current_versions: dict[uuid.UUID, int] = {}
    withdrawn = False
    for fact, found_id, version in found:
        if fact == "note":
            stored.add(found_id)
        elif fact == "guide":
            current_versions[found_id] = version
        else:
            withdrawn = True
    now = utcnow()
    if withdrawn:
        # Without consent nothing new is kept, until the person consents again.
        refused = [Outcome(item.id, WriteResult.FORBIDDEN, detail=message(CONSENT_NEEDED)) for item in items]
        return WritePlan(author, items, contents, now, list(refused))
    plan = WritePlan(author, items, contents, now, [])
    validator = Validator(reading, author, now, current_versions)
    for item, content in zip(items, contents, strict=True):
        if item.id in stored:
            plan.outcomes.append(None)
        else:
            plan.outcomes.append(
                await _decide(reading, validator, author, item, content, None, plan.pending, now)
            )
    return plan


async def write_notes(db: AsyncSession, plan: WritePlan) -> list[Outcome]:
    """Apply a planned batch with the contract's write semantics; one item's failure never
    affects another. A note stored or changed since the plan was read is decided again here."""
    author, items, contents, now = plan.author, plan.items, plan.contents, plan.now
    pending = plan.pending  # notes this batch creates, inserted together
    outcomes = list(plan.outcomes)
    validator = Validator(db, author, now)
    if deferred := [position for position, outcome in enumerate(outcomes) if outcome is None]:
        ids = list({items[position].id for position in deferred})
        stored = {note.id: note for note in await db.scalars(sa.select(Note).where(Note.id.in_(ids)))}
        for position in deferred:
            item = items[position]
            outcomes[position] = await _decide(
                db, validator, author, item, contents[position], stored.get(item.id), pending, now
            )
    decided = cast(list[Outcome], outcomes)
    if pending:
        lost = await _insert_new(db, list(pending.values()))
        if lost:
            # Another request created these notes between our read and our insert (two tabs,
            # a retry racing its first try): decide again against what it stored.
            decided = await _redecide(db, validator, author, items, contents, decided, lost, now)
        for outcome in decided:
            row = pending.get(outcome.id)
            if outcome.status == WriteResult.CREATED and row and row["version"] == outcome.version:
                outcome.created_row = row
    return decided


async def _decide(
    db: AsyncSession,
    validator: Validator,
    author: User,
    item: NoteIn,
    content: Content,
    note: Note | None,
    pending: dict[uuid.UUID, dict[str, Any]],
    now: dt.datetime,
) -> Outcome:
    if note is not None and note.author_id != author.id:
        return Outcome(item.id, WriteResult.FORBIDDEN)
    errors, guide_version = await validator.errors(item, note)
    if errors:
        return Outcome(item.id, WriteResult.INVALID, errors=errors)
    digest = content.digest
    row = _row(item, author, guide_version, now, digest, content.marked)
    created = pending.get(item.id)
    if created is not None:  # written earlier in this same batch
        if digest == created["content_hash"]:
            return Outcome(item.id, WriteResult.UNCHANGED, created["version"])
        if item.base_version != created["version"]:
            return Outcome(item.id, WriteResult.CONFLICT, created["version"])
        pending[item.id] = {**row, "version": created["version"] + 1, "received_at": created["received_at"]}
        return Outcome(item.id, WriteResult.UPDATED, created["version"] + 1)
    if note is None:
        if item.base_version != 0:
            return Outcome(item.id, WriteResult.CONFLICT)
        pending[item.id] = {**row, "version": 1, "received_at": now}
        return Outcome(item.id, WriteResult.CREATED, 1)
    return await _update(db, note, item, row)


async def _update(db: AsyncSession, note: Note, item: NoteIn, row: dict[str, Any]) -> Outcome:
    if note.status == NoteStatus.WITHDRAWN:
        return Outcome(item.id, WriteResult.CONFLICT, note.version, note=note)
    if row["content_hash"] == note.content_hash:
        return Outcome(item.id, WriteResult.UNCHANGED, note.version)
    if item.base_version != note.version:
        return Outcome(item.id, WriteResult.CONFLICT, note.version, note=note)
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
            return Outcome(item.id, WriteResult.CONFLICT)
        if fresh.content_hash == row["content_hash"]:
            return Outcome(item.id, WriteResult.UNCHANGED, fresh.version)
        return Outcome(item.id, WriteResult.CONFLICT, fresh.version, note=fresh)
    new_version = note.version + 1
    await _reload(db, note.id)  # later items of the batch must see the note as it now is
    return Outcome(item.id, WriteResult.UPDATED, new_version)


async def _reload(db: AsyncSession, note_id: uuid.UUID) -> Note | None:
    return await db.scalar(
        sa.select(Note).where(Note.id == note_id).execution_options(populate_existing=True)
    )


_NOTES: sa.Table = Note.__table__  # type: ignore[assignment]
# The columns that tell a note this batch inserted from one someone else inserted first.
_AS_WRITTEN = ("author_id", "version", "content_hash", "received_at")


@functools.cache
def _insert_statement(dialect: str, *, returning: bool) -> Any:
    """INSERT ... ON CONFLICT (id) DO NOTHING, built once per dialect: building and keying the
    statement anew costs more than the insert of a note."""
    statement = dialect_insert(dialect, _NOTES).on_conflict_do_nothing(index_elements=["id"])
    return statement.returning(_NOTES.c.id) if returning else statement


async def _insert_new(db: AsyncSession, rows: list[dict[str, Any]]) -> set[uuid.UUID]:
    """Insert new notes with one statement executed for every row; the ids that already
    existed come back as lost.

    RETURNING makes SQLAlchemy build a multi-row VALUES statement on every call, a cost that
    grows with the batch. SQLite counts the rows an executemany inserted, so there it is
    needed only when the count falls short (a race), and the rows tell then which notes are
    ours. PostgreSQL's driver counts nothing, so there RETURNING says which rows went in.
    """
    # On the session's connection, as Core: the ORM's bulk machinery costs a third of a batch.
    connection = await db.connection()
    dialect = connection.dialect
    if not dialect.supports_sane_multi_rowcount:
        result = await connection.execute(_insert_statement(dialect.name, returning=True), rows)
        return {row["id"] for row in rows} - set(result.scalars())
    result = await connection.execute(_insert_statement(dialect.name, returning=False), rows)
    if result.rowcount == len(rows):
        return set()
    written = {row["id"]: tuple(row[column] for column in _AS_WRITTEN) for row in rows}
    found = await connection.execute(
        sa.select(Note.id, *(getattr(Note, column) for column in _AS_WRITTEN)).where(
            Note.id.in_(list(written))
        )
    )
    # A note stored exactly as this batch would have stored it, to the microsecond of its
    # receipt, is the same note whoever wrote it.
    return {note_id for note_id, *stored in found if tuple(stored) != written[note_id]}


async def _redecide(
    db: AsyncSession,
    validator: Validator,
    author: User,
    items: Sequence[NoteIn],
    contents: list[Content],
    outcomes: list[Outcome],
    lost: set[uuid.UUID],
    now: dt.datetime,
) -> list[Outcome]:
    redone = list(outcomes)
    for position, (item, content) in enumerate(zip(items, contents, strict=True)):
        if item.id not in lost:
            continue
        note = await _reload(db, item.id)
        if note is None or note.author_id != author.id:
            redone[position] = Outcome(item.id, WriteResult.FORBIDDEN if note else WriteResult.CONFLICT)
            continue
        errors, guide_version = await validator.errors(item, note)
        if errors:
            redone[position] = Outcome(item.id, WriteResult.INVALID, errors=errors)
        else:
            row = _row(item, author, guide_version, now, content.digest, content.marked)
            redone[position] = await _update(db, note, item, row)
    return redone


# Reading, reviewing, withdrawing

CONSENT_NEEDED = N_(
    "You have withdrawn your consent, so Tessera takes no new notes from you. "
    "Give your consent again to write notes."
)


def withdrawn_authors(person_id: Any = None) -> sa.Select[uuid.UUID]:
    """The people whose notes nobody else may see, and who may write none: those whose latest
    consent event withdraws consent. Withdrawal is not erasure: consenting again brings their
    notes back. An erased person's notes are deleted with the account, but for the approved
    ones they chose to keep, pseudonymised, for the research (forget_author): those stay
    readable, whatever their consent said before. The one definition for every read of
    others' notes; with ``person_id``, of that one person only (what every write asks, read
    through the indexes instead of everyone's consent events)."""
    # A withdrawal with no later consent event: read from the few withdrawals, each checked
    # through the person's own events, instead of grouping everyone's consent events.
    later = aliased(ConsentEvent)
    query = (
        sa.select(ConsentEvent.user_id)
        .join(User, User.id == ConsentEvent.user_id)
        .where(
            ConsentEvent.accepted.is_(False),
            User.status != AccountStatus.ERASED,
            ~sa.exists().where(
                later.user_id == ConsentEvent.user_id, later.recorded_at > ConsentEvent.recorded_at
            ),
        )
    )
    if person_id is not None:
        query = query.where(ConsentEvent.user_id == person_id)
    return query


def by_consenting_author() -> sa.ColumnElement[bool]:
    """Notes whose author has not withdrawn consent (an erased author's remaining notes are
    the approved ones they chose to keep)."""
    return Note.author_id.not_in(withdrawn_authors())


# Asked on every write and every read of someone else's note: built once, for any person.
_HAS_WITHDRAWN = sa.select(sa.exists(withdrawn_authors(sa.bindparam("person_id", type_=sa.Uuid()))))


# What a batch of notes needs to know before it writes, in one statement: whether the author
# withdrew consent, which of the notes are stored already, and the current version of the
# guides that notes answer without naming one. Each row is (fact, id, version).
_BEFORE_WRITING = sa.union_all(
    sa.select(sa.literal_column("'note'"), Note.id, sa.cast(sa.null(), sa.Integer)).where(
        Note.id.in_(sa.bindparam("note_ids", expanding=True))
    ),
    sa.select(sa.literal_column("'guide'"), Guide.id, Guide.current_version).where(
        Guide.id.in_(sa.bindparam("guide_ids", expanding=True))
    ),
    sa.select(
        sa.literal_column("'withdrawn'"), sa.cast(sa.null(), sa.Uuid), sa.cast(sa.null(), sa.Integer)
    ).where(sa.exists(withdrawn_authors(sa.bindparam("person_id", type_=sa.Uuid())))),
)


async def has_withdrawn(db: AsyncSession, person_id: uuid.UUID) -> bool:
    found = await db.scalar(_HAS_WITHDRAWN, {"person_id": person_id})
    return bool(found)


async def forget_author(db: AsyncSession, author_id: uuid.UUID, approved: ApprovedNotesOnErasure) -> int:
    """An erased person's notes go, reviews and all, but for those already approved for research
    when they chose to keep them: those stay under the pseudonym exports give every author, and
    nothing links them to a name any more. Answers how many were kept."""
    doomed = Note.author_id == author_id
    if approved == ApprovedNotesOnErasure.KEEP_PSEUDONYMISED:
        doomed = sa.and_(doomed, Note.status != NoteStatus.APPROVED)
    await db.execute(sa.delete(NoteReview).where(NoteReview.note_id.in_(sa.select(Note.id).where(doomed))))
    await db.execute(sa.delete(Note).where(doomed).execution_options(synchronize_session=False))
    kept = await db.scalar(sa.select(sa.func.count()).select_from(Note).where(Note.author_id == author_id))
    return int(kept or 0)


def may_read(user: User, note: Note) -> bool:
    if note.status == NoteStatus.WITHDRAWN:
        return False
    if note.author_id == user.id:
        return True
    if note.status == NoteStatus.DRAFT:
        return False  # drafts are the author's alone
    if user.role == Role.ADMIN:
        return True
    return user.role in REVIEWERS and note.platform_code in user.platform_codes


async def readable(db: AsyncSession, user: User, note: Note) -> bool:
    """Whether the person may see the note; someone else's only while its author consents.
    Authors keep seeing their own notes after withdrawing: the data is still theirs."""
    if not may_read(user, note):
        return False
    return note.author_id == user.id or not await has_withdrawn(db, note.author_id)


async def read_note(db: AsyncSession, user: User, note_id: uuid.UUID) -> Note:
    note = await db.get(Note, note_id)
    # Someone else's note is as missing as one that never was: ids are not confirmed to strangers.
    if note is None or not await readable(db, user, note):
        raise NotFound()
    return note


def notes_listed_for(user: User) -> sa.Select[Note]:
    """The notes a person's lists hold: a young person's own, and for staff the sent notes of
    consenting authors of their platforms (every platform for admins); for anyone else none."""
    query = sa.select(Note).where(Note.status != NoteStatus.WITHDRAWN)
    if user.role == Role.YOUTH:
        return query.where(Note.author_id == user.id)
    query = query.where(Note.status.in_(REVIEWABLE_STATUSES), by_consenting_author())
    # Admins are network-wide by their role; reviewers see their platforms (none: nothing);
    # any other role sees no one's notes.
    if user.role in REVIEWERS:
        return query.where(Note.platform_code.in_(user.platform_codes))
    if user.role != Role.ADMIN:
        return query.where(sa.false())
    return query


async def list_notes(
    db: AsyncSession,
    user: User,
    *,
    limit: int,
    cursor: str | None = None,
    status: NoteStatus | None = None,
    platform: str | None = None,
    since: dt.datetime | None = None,
) -> tuple[list[Note], str | None]:
    query = notes_listed_for(user)
    if status:
        query = query.where(Note.status == status)
    if platform:
        query = query.where(Note.platform_code == platform)
    if since:
        query = query.where(Note.changed_at >= since)
    return await keyset_page(db, query, key=(Note.changed_at, Note.id), cursor=cursor, limit=limit)


async def notes_of(db: AsyncSession, author: User) -> list[Note]:
    """Every note the person wrote, withdrawn ones too: what is stored is theirs to see."""
    query = sa.select(Note).where(Note.author_id == author.id).order_by(Note.recorded_at, Note.id)
    return list(await db.scalars(query))


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
    decision: ReviewDecision,
    comment: str,
    comment_language: str,
    cleared: Sequence[int] = (),
) -> Note:
    note = await db.get(Note, note_id, with_for_update=True)
    if note is None or note.author_id == reviewer.id or not await readable(db, reviewer, note):
        raise NotFound()
    if reviewer.role not in STAFF:
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
    note.status = NoteStatus.APPROVED if decision == ReviewDecision.APPROVE else NoteStatus.CHANGES_REQUESTED
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
        event=NotificationEvent.NOTE_REVIEWED,
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
    if note.status != NoteStatus.WITHDRAWN:
        note.status = NoteStatus.WITHDRAWN
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
