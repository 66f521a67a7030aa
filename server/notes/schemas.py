"""Field notes, interview guides and sync on the wire."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

import msgspec

from server.accounts.schemas import Language, PlatformCode, Strict
from server.db import AwareDateTime

NoteKind = Literal["interview", "focus_group", "observation"]
WritableStatus = Literal["draft", "submitted"]
NoteStatus = Literal["draft", "submitted", "approved", "changes_requested", "withdrawn"]
AgeBand = Literal["under-14", "14-15", "16-17", "18-21", "22-25", "26-29", "30-plus"]
QuestionType = Literal["short_text", "long_text", "single_choice", "multiple_choice", "scale", "number"]
QuestionId = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")]
Tag = Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
Localised = Annotated[
    dict[Language, Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]], msgspec.Meta(min_length=1)
]
AnswerValue = str | int | float | list[str] | None
MAX_BATCH = 100


class ParticipantsIn(Strict):
    """A focus group's size and age bands: never names."""

    count: Annotated[int, msgspec.Meta(ge=2, le=50)]
    age_bands: Annotated[list[AgeBand], msgspec.Meta(max_length=7)] = []


class NoteIn(Strict):
    id: uuid.UUID
    base_version: Annotated[int, msgspec.Meta(ge=0)]
    kind: NoteKind
    platform: PlatformCode
    language: Language
    recorded_at: dt.datetime
    interviewee_code: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    consent_confirmed: bool
    status: WritableStatus = "submitted"
    guide_id: uuid.UUID | None = None
    guide_version: Annotated[int, msgspec.Meta(ge=1)] | None = None
    participants: ParticipantsIn | None = None
    answers: Annotated[dict[QuestionId, AnswerValue], msgspec.Meta(max_length=200)] = {}
    text: Annotated[str, msgspec.Meta(max_length=50_000)] = ""
    tags: Annotated[list[Tag], msgspec.Meta(max_length=30)] = []


class ReviewOut(msgspec.Struct):
    decision: str
    comment: str
    comment_language: str | None
    note_version: int
    created_at: dt.datetime


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


class SyncResult(msgspec.Struct, omit_defaults=True):
    id: uuid.UUID
    status: Literal["created", "updated", "unchanged", "conflict", "invalid", "forbidden"]
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
    decision: Literal["approve", "request_changes"]
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


class GuideList(msgspec.Struct):
    items: list[GuideOut]
