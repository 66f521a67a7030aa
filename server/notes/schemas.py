"""Field notes, interview guides and sync on the wire."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Annotated, Any

import msgspec

from server.accounts.models import SEE_NOTE_AUTHORS, User
from server.db import AwareDateTime
from server.notes.models import (
    AgeBand,
    Guide,
    GuideVersion,
    Note,
    NoteKind,
    NoteReview,
    NoteStatus,
    QuestionType,
    ReviewDecision,
    WritableStatus,
)
from server.problems import Problem
from server.wire import Language, PlatformCode, Strict

QuestionId = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")]
Tag = Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
Localised = Annotated[
    dict[Language, Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]], msgspec.Meta(min_length=1)
]
AnswerValue = str | int | float | list[str] | None
MAX_BATCH = 100
# Versions are PostgreSQL integer columns: a larger number is refused, not a 500.
MAX_VERSION = 2**31 - 1


class ParticipantsIn(Strict):
    """A focus group's size and age bands: never names."""

    count: Annotated[int, msgspec.Meta(ge=2, le=50)]
    age_bands: Annotated[list[AgeBand], msgspec.Meta(max_length=7)] = []


class NoteIn(Strict):
    id: uuid.UUID
    base_version: Annotated[int, msgspec.Meta(ge=0, le=MAX_VERSION)]
    kind: NoteKind
    platform: PlatformCode
    language: Language
    recorded_at: dt.datetime
    interviewee_code: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    consent_confirmed: bool
    status: WritableStatus = WritableStatus.SUBMITTED
    guide_id: uuid.UUID | None = None
    guide_version: Annotated[int, msgspec.Meta(ge=1, le=MAX_VERSION)] | None = None
    participants: ParticipantsIn | None = None
    answers: Annotated[dict[QuestionId, AnswerValue], msgspec.Meta(max_length=200)] = {}
    text: Annotated[str, msgspec.Meta(max_length=50_000)] = ""
    tags: Annotated[list[Tag], msgspec.Meta(max_length=30)] = []


class ReviewOut(msgspec.Struct):
    decision: ReviewDecision
    comment: str
    comment_language: str | None
    note_version: int
    created_at: dt.datetime

    @classmethod
    def from_model(cls, review: NoteReview) -> ReviewOut:
        return cls(
            review.decision, review.comment, review.comment_language, review.note_version, review.created_at
        )


class PersonalInformationSpan(msgspec.Struct):
    field: str
    start: int
    end: int
    kind: str
    # Cleared by a reviewer as harmless; a span not cleared is redacted in every export.
    cleared: bool = False


class NoteOut(msgspec.Struct):
    id: uuid.UUID
    version: int
    kind: NoteKind
    platform: str
    language: str
    recorded_at: dt.datetime
    received_at: dt.datetime
    changed_at: dt.datetime
    interviewee_code: str
    consent_confirmed: bool
    status: NoteStatus
    guide_id: uuid.UUID | None
    guide_version: int | None
    participants: dict[str, Any] | None
    answers: dict[str, Any]
    text: str
    tags: list[str]
    personal_information: list[PersonalInformationSpan]
    reviews: list[ReviewOut]
    author_id: uuid.UUID | None = None

    @classmethod
    def from_model(cls, note: Note, reviews: list[NoteReview], viewer: User) -> NoteOut:
        return cls(
            id=note.id,
            version=note.version,
            kind=note.kind,
            platform=note.platform_code,
            language=note.language,
            recorded_at=note.recorded_at,
            received_at=note.received_at,
            changed_at=note.changed_at,
            interviewee_code=note.interviewee_code,
            consent_confirmed=note.consent_confirmed,
            status=note.status,
            guide_id=note.guide_id,
            guide_version=note.guide_version,
            participants=note.participants,
            answers=note.answers,
            text=note.text,
            tags=note.tags,
            personal_information=[PersonalInformationSpan(**span) for span in note.personal_information],
            reviews=[ReviewOut.from_model(review) for review in reviews],
            # Researchers work with pseudonymous notes: who wrote one is for the author and youth workers.
            author_id=note.author_id if viewer.role in SEE_NOTE_AUTHORS else None,
        )


class NoteConflictProblem(Problem, kw_only=True):
    """A note conflict (409) carries the stored note, so the device can show both versions."""

    note: NoteOut


class NotePage(msgspec.Struct):
    items: list[NoteOut]
    next_cursor: str | None


class SyncIn(Strict):
    # Each item is checked on its own, so one bad note is reported and the rest applied.
    notes: Annotated[list[dict[str, Any]], msgspec.Meta(max_length=MAX_BATCH)]
    # The server_time of the device's last sync: what changed since then comes back.
    since: AwareDateTime | None = None


class ItemError(msgspec.Struct):
    field: str
    message: str


class WriteResult(StrEnum):
    """What became of one written note: the same words for PUT and for each item of a sync."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    CONFLICT = "conflict"
    INVALID = "invalid"
    FORBIDDEN = "forbidden"


class SyncResult(msgspec.Struct, omit_defaults=True):
    id: uuid.UUID
    status: WriteResult
    version: int | None = None
    # For an invalid or forbidden item: what is wrong, in the caller's language, and per field.
    error: str | None = None
    errors: list[ItemError] = []
    # The stored note, for a conflict: the device shows both and the person chooses.
    note: NoteOut | None = None


class SyncOut(msgspec.Struct):
    results: list[SyncResult]
    server_time: dt.datetime
    changes: list[NoteOut]


class ReviewIn(Strict):
    decision: ReviewDecision
    comment: Annotated[str, msgspec.Meta(max_length=5000)] = ""
    # Positions in the note's personal_information list that the reviewer judged harmless
    # (a public office's phone number, say): exports leave them unredacted.
    cleared: Annotated[list[Annotated[int, msgspec.Meta(ge=0)]], msgspec.Meta(max_length=200)] = []


class OptionIn(Strict):
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")]
    label: Localised


class QuestionIn(Strict):
    id: QuestionId
    type: QuestionType
    prompt: Localised
    options: Annotated[list[OptionIn], msgspec.Meta(max_length=50)] = []
    min: float | None = None
    max: float | None = None
    required: bool = False


class GuideIn(Strict):
    platform: PlatformCode
    source_language: Language
    title: Localised
    questions: Annotated[list[QuestionIn], msgspec.Meta(min_length=1, max_length=200)]


class OptionOut(msgspec.Struct):
    code: str
    label: str


class QuestionOut(msgspec.Struct):
    id: str
    type: QuestionType
    prompt: str
    options: list[OptionOut]
    min: float | None
    max: float | None
    required: bool


class GuideOut(msgspec.Struct):
    id: uuid.UUID
    platform: str
    version: int
    language: str
    title: str
    questions: list[QuestionOut]

    @classmethod
    def from_model(cls, guide: Guide, version: GuideVersion, locale: str) -> GuideOut:
        source = guide.source_language
        return cls(
            id=guide.id,
            platform=guide.platform_code,
            version=version.version,
            language=locale if locale in version.title else source,
            title=localised(version.title, locale, source),
            questions=[
                QuestionOut(
                    id=question["id"],
                    type=question["type"],
                    prompt=localised(question["prompt"], locale, source),
                    options=[
                        OptionOut(option["code"], localised(option["label"], locale, source))
                        for option in question.get("options", [])
                    ],
                    min=question.get("min"),
                    max=question.get("max"),
                    required=question.get("required", False),
                )
                for question in version.questions
            ],
        )


def localised(texts: dict[str, str], locale: str, source_language: str) -> str:
    """The text in the reader's language, else in the guide's own."""
    return texts.get(locale) or texts.get(source_language) or next(iter(texts.values()), "")


class GuideList(msgspec.Struct):
    items: list[GuideOut]


class OptionTexts(msgspec.Struct):
    code: str
    label: dict[str, str]


class QuestionTexts(msgspec.Struct):
    """A question with its texts in every language: the shape PUT takes, so an editor sends it back."""

    id: str
    type: QuestionType
    prompt: dict[str, str]
    options: list[OptionTexts]
    min: float | None
    max: float | None
    required: bool


class GuideVersionOut(msgspec.Struct):
    version: int
    title: dict[str, str]
    questions: list[QuestionTexts]
    saved_at: dt.datetime

    @classmethod
    def from_model(cls, version: GuideVersion) -> GuideVersionOut:
        return cls(
            version=version.version,
            title=dict(version.title),
            questions=[
                QuestionTexts(
                    id=question["id"],
                    type=question["type"],
                    prompt=dict(question["prompt"]),
                    options=[
                        OptionTexts(option["code"], dict(option["label"]))
                        for option in question.get("options", [])
                    ],
                    min=question.get("min"),
                    max=question.get("max"),
                    required=question.get("required", False),
                )
                for question in version.questions
            ],
            saved_at=version.created_at,
        )


class GuideVersions(msgspec.Struct):
    """Every version of a guide, newest first, untranslated: what its editors work from (an
    extension of the contract)."""

    id: uuid.UUID
    platform: str
    source_language: str
    current_version: int
    items: list[GuideVersionOut]
