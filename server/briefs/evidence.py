"""The kinds of evidence a brief can quote, one function each, in one registry.

Each finds the thing quoted among what the brief's platforms hold and the author may read, and
answers the quote as it may leave the platform. A kind without a function is refused with a
422 that says so.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from server import i18n
from server.accounts.models import AccountStatus, Role, User
from server.briefs.models import EvidenceKind
from server.delphi.models import Consensus, Round, Statement, StatementResult, Study, StudyPlatform
from server.events.models import Event, Outcome
from server.exports.service import pseudonym, pseudonym_key, redact
from server.i18n import N_, message
from server.notes.models import Note, NoteStatus
from server.notes.personal_information import find_spans
from server.notes.service import by_consenting_author
from server.problems import FieldError, InvalidInput

# A quote of a whole text is cut here: a brief quotes, it does not reprint.
LONGEST_QUOTE = 5_000


@dataclass(frozen=True, slots=True)
class Quote:
    excerpt: str
    attribution: str
    platform_code: str | None
    # The person quoted, whose consent the quote depends on.
    quoted_person_id: uuid.UUID | None = None


# (db, the author adding it, the brief's platforms, the id, the excerpt asked for, the brief's
# language) -> the quote
Finder = Callable[[AsyncSession, User, frozenset[str], uuid.UUID, str | None, str], Awaitable[Quote]]


def _not_found() -> InvalidInput:
    return InvalidInput(
        errors=[
            FieldError(
                "ref_id",
                message(N_("There is nothing to quote with this id among what this brief's platforms hold.")),
            )
        ]
    )


def _passage(text: str, excerpt: str | None) -> tuple[int, int]:
    """Where the excerpt stands in the text (all of it without one); refused if it is not there."""
    if excerpt is None:
        return 0, len(text)
    start = text.find(excerpt)
    if start < 0:
        raise InvalidInput(
            errors=[
                FieldError("excerpt", message(N_("The excerpt must be a passage of the text it quotes.")))
            ]
        )
    return start, start + len(excerpt)


def _shortened(text: str) -> str:
    return text if len(text) <= LONGEST_QUOTE else text[: LONGEST_QUOTE - 1] + "…"


def _may_read_platform(user: User, platform: str | None) -> bool:
    return user.role == Role.ADMIN or (platform is not None and platform in user.platform_codes)


async def quote_note(
    db: AsyncSession,
    user: User,
    platforms: frozenset[str],
    ref_id: uuid.UUID,
    excerpt: str | None,
    language: str,
) -> Quote:
    """An approved note of the brief's platforms by a person who has neither withdrawn consent
    nor been erased, redacted exactly as exports redact it, its author a pseudonym."""
    row = (
        await db.execute(
            sa.select(Note.author_id, Note.platform_code, Note.text, Note.personal_information)
            .join(User, User.id == Note.author_id)
            .where(
                Note.id == ref_id,
                Note.status == NoteStatus.APPROVED,
                Note.platform_code.in_(platforms),
                by_consenting_author(),
                User.status != AccountStatus.ERASED,
            )
        )
    ).one_or_none()
    if row is None or not _may_read_platform(user, row.platform_code):
        raise _not_found()
    start, end = _passage(row.text, excerpt)
    # The spans the exports redact (those a reviewer has not cleared), moved into the passage.
    spans: list[dict[str, Any]] = [
        {**span, "start": max(span["start"], start) - start, "end": min(span["end"], end) - start}
        for span in row.personal_information or ()
        if not span.get("cleared")
        and span.get("field") == "text"
        and span["start"] < end
        and span["end"] > start
    ]
    text = redact(row.text[start:end], "text", spans)
    return Quote(
        _shortened(text), pseudonym(await pseudonym_key(db), row.author_id), row.platform_code, row.author_id
    )


async def quote_event_outcome(
    db: AsyncSession,
    user: User,
    platforms: frozenset[str],
    ref_id: uuid.UUID,
    excerpt: str | None,
    language: str,
) -> Quote:
    """A finding, recommendation or action of an event of the brief's platforms, by the event.
    Staff wrote it, not a peer researcher, so no reviewer marked it: the personal-information
    guard runs on the passage and what it finds is redacted as exports redact."""
    row = (
        await db.execute(
            sa.select(Outcome.text, Outcome.platform_code, Event.title)
            .join(Event, Event.id == Outcome.event_id)
            .where(Outcome.id == ref_id, Outcome.platform_code.in_(platforms))
        )
    ).one_or_none()
    if row is None or not _may_read_platform(user, row.platform_code):
        raise _not_found()
    start, end = _passage(row.text, excerpt)
    passage = row.text[start:end]
    spans = await anyio.to_thread.run_sync(find_spans, passage, "text")
    return Quote(_shortened(redact(passage, "text", spans)), row.title, row.platform_code)


CONSENSUS_WORDS = {
    Consensus.IN: N_("reached, in agreement"),
    Consensus.OUT: N_("reached, in disagreement"),
    Consensus.NONE: N_("not reached"),
}


async def quote_delphi_statement(
    db: AsyncSession,
    user: User,
    platforms: frozenset[str],
    ref_id: uuid.UUID,
    excerpt: str | None,
    language: str,
) -> Quote:
    """A Delphi statement of a study held on one of the brief's platforms, in the brief's
    language where the statement has it (else the study's first), with the panel's figures
    from the last closed round in which it was rated. Figures only: no rating, comment or
    panellist leaves the study. A statement no closed round has figures of is refused."""
    statement = await db.get(Statement, ref_id)
    if statement is None:
        raise _not_found()
    study = await db.get(Study, statement.study_id)
    held = set(
        await db.scalars(
            sa.select(StudyPlatform.platform_code).where(StudyPlatform.study_id == statement.study_id)
        )
    )
    shared = sorted(held & platforms)
    if study is None or not any(_may_read_platform(user, code) for code in shared):
        raise _not_found()
    last = (
        await db.execute(
            sa.select(StatementResult, Round.number)
            .join(Round, Round.id == StatementResult.round_id)
            # A round in which nobody rated it gave it no figures to quote.
            .where(
                StatementResult.statement_id == statement.id,
                Round.closed_at.is_not(None),
                StatementResult.n > 0,
            )
            .order_by(Round.number.desc())
            .limit(1)
        )
    ).one_or_none()
    if last is None:
        raise _not_found()
    result, number = last
    text = statement.texts.get(language) or statement.texts[study.languages[0]]
    start, end = _passage(text, excerpt)
    figures = i18n.translate(
        language,
        N_(
            "{study}, round {round}: {n} ratings, median {median}, quartiles {q1} and {q3}, "
            "{agree} % agree, {disagree} % disagree; consensus {consensus}"
        ),
        params={
            "study": study.title,
            "round": number,
            "n": result.n,
            "median": i18n.format_value(result.median, language),
            "q1": i18n.format_value(result.q1, language),
            "q3": i18n.format_value(result.q3, language),
            "agree": i18n.format_value(round(result.agree_percent or 0), language),
            "disagree": i18n.format_value(round(result.disagree_percent or 0), language),
            "consensus": i18n.translate(language, CONSENSUS_WORDS[result.consensus]),
        },
    )
    return Quote(
        _shortened(text[start:end]), figures, next(code for code in shared if _may_read_platform(user, code))
    )


FINDERS: dict[EvidenceKind, Finder] = {
    EvidenceKind.NOTE: quote_note,
    EvidenceKind.EVENT_OUTCOME: quote_event_outcome,
    EvidenceKind.DELPHI_STATEMENT: quote_delphi_statement,
}


async def quote(
    db: AsyncSession,
    user: User,
    kind: EvidenceKind,
    platforms: frozenset[str],
    ref_id: uuid.UUID,
    excerpt: str | None,
    language: str,
) -> Quote:
    return await FINDERS[kind](db, user, platforms, ref_id, excerpt, language)
