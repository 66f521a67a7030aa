"""What goes over the wire for policy briefs, their evidence, reviews and versions, with its limits."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec

from server.briefs.models import BriefStatus, EvidenceKind
from server.problems import Problem
from server.wire import Language, PlatformCode, Strict

Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Summary = Annotated[str, msgspec.Meta(max_length=10_000)]
Heading = Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
Body = Annotated[str, msgspec.Meta(max_length=20_000)]
RecommendationText = Annotated[str, msgspec.Meta(min_length=1, max_length=2_000)]
# A brief is read by policymakers on paper: these bounds also keep its PDF a few dozen pages.
Platforms = Annotated[list[PlatformCode], msgspec.Meta(min_length=1, max_length=12)]
Version = Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]
Excerpt = Annotated[str, msgspec.Meta(min_length=1, max_length=5_000)]


class Section(msgspec.Struct, forbid_unknown_fields=True):
    heading: Heading
    body: Body


class Recommendation(msgspec.Struct, forbid_unknown_fields=True):
    text: RecommendationText


Sections = Annotated[list[Section], msgspec.Meta(max_length=30)]
Recommendations = Annotated[list[Recommendation], msgspec.Meta(max_length=30)]


class BriefIn(Strict):
    title: Title
    platforms: Platforms
    language: Language


class BriefPut(Strict):
    """The brief's words as a whole; `base_version` is the version the edit started from."""

    title: Title
    base_version: Version
    summary: Summary = ""
    sections: Sections = msgspec.field(default_factory=list)
    recommendations: Recommendations = msgspec.field(default_factory=list)
    # A translation only (an extension of the contract): the version of the original it now
    # follows, once its translator brought it up to date.
    translated_from_version: Version | None = None


class TranslationIn(Strict):
    """Start a translation of the brief into another language (an extension of the contract)."""

    language: Language
    title: Title | None = None


class EvidenceIn(Strict):
    """What to quote: a note or an event outcome of the brief's platforms (a Delphi statement
    once Delphi studies exist). `excerpt`, if given, is a passage of it; else the whole text."""

    kind: EvidenceKind
    ref_id: uuid.UUID
    excerpt: Excerpt | None = None


class BriefReviewIn(Strict):
    """A second researcher's approval of the version they read (an extension of the contract)."""

    decision: Literal["approve"]
    version: Version


class BriefReviewRequestIn(Strict):
    """Its authors ask for a review of the version they read (an extension of the contract)."""

    version: Version


class AuthorIn(Strict):
    user_id: uuid.UUID


class AuthorOut(msgspec.Struct):
    id: uuid.UUID
    name: str


class EvidenceOut(msgspec.Struct):
    id: uuid.UUID
    kind: EvidenceKind
    ref_id: uuid.UUID
    # Redacted as exports redact; a note's author only as a pseudonym.
    excerpt: str
    attribution: str
    platform: str | None
    added_at: dt.datetime


class BriefSummary(msgspec.Struct):
    id: uuid.UUID
    title: str
    language: str
    platforms: list[str]
    status: BriefStatus
    version: int
    url: str | None
    published_at: dt.datetime | None
    updated_at: dt.datetime
    # Extensions of the contract: the review its authors asked for, and for a translation, its
    # original, the original's version it was translated from, and whether the original moved on.
    in_review: bool = False
    translation_of: uuid.UUID | None = None
    translated_from_version: int | None = None
    out_of_date: bool = False


class BriefOut(BriefSummary, kw_only=True):
    summary: str
    sections: list[Section]
    recommendations: list[Recommendation]
    authors: list[AuthorOut]
    approved_version: int | None
    published_version: int | None
    evidence: list[EvidenceOut]
    created_at: dt.datetime


class BriefPage(msgspec.Struct):
    items: list[BriefSummary]
    next_cursor: str | None


class BriefVersionOut(msgspec.Struct):
    version: int
    title: str
    summary: str
    sections: list[Section]
    recommendations: list[Recommendation]
    saved_at: dt.datetime


class PublicBrief(msgspec.Struct):
    """A published brief as anyone may list it (an extension of the contract)."""

    title: str
    language: str
    platforms: list[str]
    url: str
    published_at: dt.datetime


class PublicBriefPage(msgspec.Struct):
    items: list[PublicBrief]
    next_cursor: str | None


class TranslationOut(msgspec.Struct):
    id: uuid.UUID
    title: str
    language: str
    status: BriefStatus
    translated_from_version: int
    out_of_date: bool
    url: str | None


class PublishedOut(msgspec.Struct):
    url: str


class BriefProblem(Problem, kw_only=True):
    """A stale edit (409) carries the stored brief."""

    brief: BriefOut
