"""What an export carries of a note: pseudonymised, redacted, ready for any file format.

Every format writer reads these rows, so what leaves the platform is decided in one place.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import msgspec

from server.notes.models import QuestionType


@dataclass(frozen=True, slots=True)
class QuestionColumn:
    """A question of a guide version, as a column and a codebook entry."""

    guide_id: uuid.UUID
    guide_version: int
    question_id: str
    type: QuestionType
    prompt: str
    # (code, label in the researcher's language)
    options: tuple[tuple[str, str], ...] = ()
    # The guide's bounds of a number or scale question (None where it sets none).
    minimum: int | float | None = None
    maximum: int | float | None = None

    @property
    def column(self) -> str:
        return self.question_id


class ExportNote(msgspec.Struct, frozen=True):
    """A note as it leaves the platform. A Struct: made for every note of an export, several
    times faster than a frozen dataclass, and written by NDJSON field by field as declared."""

    # Ids in their dashed form, as every format writes them.
    id: str
    platform: str
    kind: str
    status: str
    language: str
    # A stable pseudonym of the peer researcher: never a username or display name.
    author: str
    interviewee_code: str
    recorded_at: dt.datetime
    received_at: dt.datetime
    guide_id: str | None
    guide_version: int | None
    participants_count: int | None
    participant_age_bands: tuple[str, ...]
    tags: tuple[str, ...]
    # The free text, with what the personal-information guard marked replaced by [redacted].
    text: str
    # question id -> the answer as exported (labels or codes, already redacted)
    answers: dict[str, Any] = msgspec.field(default_factory=dict)
