"""The rules of policy briefs: who reads and who writes which brief, co-editing against the
version an edit started from, the versions kept, the evidence quoted, review by a researcher who
is not an author before publishing, and what a quoted person's withdrawal or erasure does.

Access: the researchers and admins of a brief's platforms read its drafts; its authors (who
must still be researchers of one of its platforms, or admins) change it; stakeholders read the
published version of the published briefs of their platforms; everyone else, and anyone of no
platform, finds nothing. A brief one may not read is as missing as one that never was. The
public page of a published brief is for everyone, without signing in.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from server.accounts.models import AccountStatus, Role, User, UserPlatform
from server.briefs import evidence
from server.briefs.models import (
    Brief,
    BriefAuthor,
    BriefEvidence,
    BriefPlatform,
    BriefStatus,
    BriefTranslation,
    BriefVersion,
    EvidenceKind,
)
from server.briefs.schemas import (
    AuthorOut,
    BriefIn,
    BriefOut,
    BriefPut,
    BriefSummary,
    EvidenceIn,
    EvidenceOut,
    PublicBrief,
    Recommendation,
    Section,
    TranslationIn,
    TranslationOut,
)
from server.db import utcnow
from server.i18n import N_, message
from server.notes.models import Note, NoteStatus
from server.notes.service import withdrawn_authors
from server.notifications import service as notifications
from server.notifications.models import NotificationEvent
from server.pagination import keyset_page
from server.platforms.models import Platform
from server.problems import (
    BriefConflict,
    BriefNotReviewed,
    FieldError,
    Gone,
    InvalidInput,
    NotAllowed,
    NotFound,
    OriginalNotPublished,
)

MOST_EVIDENCE = 100
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class BriefAccess:
    """A brief with what access to it depends on, read once per request."""

    brief: Brief
    platforms: tuple[str, ...]
    author_ids: frozenset[uuid.UUID]


@dataclass(frozen=True, slots=True)
class Words:
    """What a version of a brief says."""

    title: str
    summary: str
    sections: list[Section]
    recommendations: list[Recommendation]


# Who may do what


def reads_drafts(user: User, platforms: Sequence[str]) -> bool:
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.RESEARCHER and bool(set(platforms) & set(user.platform_codes))


def reads_published(user: User, platforms: Sequence[str]) -> bool:
    return reads_drafts(user, platforms) or (
        user.role == Role.STAKEHOLDER and bool(set(platforms) & set(user.platform_codes))
    )


def is_author(user: User, access: BriefAccess) -> bool:
    return user.id in access.author_ids and reads_drafts(user, access.platforms)


async def _access(db: AsyncSession, brief: Brief) -> BriefAccess:
    platforms = await db.scalars(
        sa.select(BriefPlatform.platform_code)
        .where(BriefPlatform.brief_id == brief.id)
        .order_by(BriefPlatform.platform_code)
    )
    authors = await db.scalars(sa.select(BriefAuthor.user_id).where(BriefAuthor.brief_id == brief.id))
    return BriefAccess(brief, tuple(platforms), frozenset(authors))


async def readable_brief(
    db: AsyncSession, user: User, brief_id: uuid.UUID, *, for_update: bool = False
) -> BriefAccess:
    brief = await db.get(Brief, brief_id, with_for_update=for_update)
    if brief is None:
        raise NotFound()
    access = await _access(db, brief)
    published = brief.status == BriefStatus.PUBLISHED
    if not (reads_drafts(user, access.platforms) or (published and reads_published(user, access.platforms))):
        raise NotFound()
    return access


async def authored_brief(db: AsyncSession, user: User, brief_id: uuid.UUID) -> BriefAccess:
    access = await readable_brief(db, user, brief_id, for_update=True)
    if not is_author(user, access):
        raise NotAllowed(message(N_("Only the authors of this brief can change it.")))
    return access


# Briefs


async def list_briefs(
    db: AsyncSession, user: User, *, platform: str | None, cursor: str | None, limit: int
) -> tuple[list[Brief], str | None]:
    """Researchers' and admins' briefs of their platforms, drafts too; stakeholders' published
    ones. Newest first."""
    query = sa.select(Brief)
    if user.role != Role.ADMIN:
        # An empty list matches nothing: a person of no platform lists nothing.
        mine = sa.select(BriefPlatform.brief_id).where(BriefPlatform.platform_code.in_(user.platform_codes))
        query = query.where(Brief.id.in_(mine))
    if user.role not in {Role.ADMIN, Role.RESEARCHER}:
        query = query.where(Brief.status == BriefStatus.PUBLISHED)
    if platform is not None:
        query = query.where(
            Brief.id.in_(sa.select(BriefPlatform.brief_id).where(BriefPlatform.platform_code == platform))
        )
    return await keyset_page(db, query, key=(Brief.created_at, Brief.id), cursor=cursor, limit=limit)


async def create_brief(db: AsyncSession, user: User, request: BriefIn) -> BriefAccess:
    platforms = sorted(set(request.platforms))
    if user.role != Role.ADMIN and not set(platforms) <= set(user.platform_codes):
        raise NotAllowed(message(N_("You can write briefs for your own platforms only.")))
    known = set(await db.scalars(sa.select(Platform.code).where(Platform.code.in_(platforms))))
    if unknown := [code for code in platforms if code not in known]:
        raise InvalidInput(
            errors=[
                FieldError("platforms", message(N_("There is no platform {code}."), code=", ".join(unknown)))
            ]
        )
    brief = await _new_draft(
        db,
        user,
        language=request.language,
        platforms=platforms,
        title=request.title,
        summary="",
        sections=[],
        recommendations=[],
    )
    return BriefAccess(brief, tuple(platforms), frozenset({user.id}))


async def _new_draft(
    db: AsyncSession,
    user: User,
    *,
    language: str,
    platforms: Sequence[str],
    title: str,
    summary: str,
    sections: list[Any],
    recommendations: list[Any],
    translates: Brief | None = None,
) -> Brief:
    """A new brief's first version, with its platforms and its author (and, for a translation,
    the version of the original it is translated from)."""
    now = utcnow()
    brief = Brief(
        title=title,
        summary=summary,
        sections=sections,
        recommendations=recommendations,
        language=language,
        status=BriefStatus.DRAFT,
        version=1,
        created_by=user.id,
        created_at=now,
        updated_at=now,
    )
    db.add(brief)
    await db.flush()
    db.add_all([BriefPlatform(brief_id=brief.id, platform_code=code) for code in platforms])
    db.add(BriefAuthor(brief_id=brief.id, user_id=user.id))
    if translates is not None:
        db.add(
            BriefTranslation(brief_id=brief.id, original_id=translates.id, from_version=translates.version)
        )
    _keep_version(db, brief, user)
    await db.flush()
    return brief


def _keep_version(db: AsyncSession, brief: Brief, user: User) -> None:
    db.add(
        BriefVersion(
            brief_id=brief.id,
            version=brief.version,
            title=brief.title,
            summary=brief.summary,
            sections=list(brief.sections),
            recommendations=list(brief.recommendations),
            saved_by=user.id,
        )
    )


async def update_brief(db: AsyncSession, user: User, brief_id: uuid.UUID, request: BriefPut) -> BriefAccess:
    """Save the brief's words as a new version, unless someone saved since the version the
    edit started from: then nothing changes and the answer carries what is stored, to merge."""
    access = await authored_brief(db, user, brief_id)
    brief = access.brief
    if request.base_version != brief.version:
        stored = await describe(db, user, access)
        raise BriefConflict(
            message(
                N_("Someone else changed this brief since you opened it. Compare both versions and merge.")
            ),
            extra={"brief": msgspec.to_builtins(stored)},
        )
    if request.translated_from_version is not None:
        await _follow_original(db, brief, request.translated_from_version)
    brief.title = request.title
    brief.summary = request.summary
    brief.sections = msgspec.to_builtins(request.sections)
    brief.recommendations = msgspec.to_builtins(request.recommendations)
    brief.version += 1
    brief.updated_at = utcnow()
    _keep_version(db, brief, user)
    await db.flush()
    return access


async def versions(db: AsyncSession, user: User, brief_id: uuid.UUID) -> list[BriefVersion]:
    access = await readable_brief(db, user, brief_id)
    if not reads_drafts(user, access.platforms):
        raise NotAllowed(message(N_("Only researchers of this brief's platforms can read its versions.")))
    return list(
        await db.scalars(
            sa.select(BriefVersion)
            .where(BriefVersion.brief_id == brief_id)
            .order_by(BriefVersion.version.desc())
        )
    )


async def add_author(db: AsyncSession, user: User, brief_id: uuid.UUID, author_id: uuid.UUID) -> BriefAccess:
    """An author makes a researcher of the brief's platforms (or an admin) a co-author."""
    access = await authored_brief(db, user, brief_id)
    person = await db.get(User, author_id)
    in_platforms = person is not None and bool(
        await db.scalar(
            sa.select(sa.func.count())
            .select_from(UserPlatform)
            .where(UserPlatform.user_id == author_id, UserPlatform.platform_code.in_(access.platforms))
        )
    )
    if (
        person is None
        or person.status == AccountStatus.ERASED
        or not (person.role == Role.ADMIN or (person.role == Role.RESEARCHER and in_platforms))
    ):
        raise InvalidInput(
            errors=[
                FieldError(
                    "user_id",
                    message(N_("Co-authors are researchers of the brief's platforms.")),
                )
            ]
        )
    if author_id not in access.author_ids:
        db.add(BriefAuthor(brief_id=brief_id, user_id=author_id))
        await db.flush()
    return BriefAccess(access.brief, access.platforms, access.author_ids | {author_id})


# Evidence


def _live_evidence(brief_id: uuid.UUID) -> sa.Select[BriefEvidence]:
    """A brief's quotes, but never one of a person who has withdrawn consent or been erased
    (even in the moment before their quotes are removed), nor of a note no longer approved."""
    quoted = aliased(User)
    return (
        sa.select(BriefEvidence)
        .outerjoin(quoted, quoted.id == BriefEvidence.quoted_person_id)
        .where(
            BriefEvidence.brief_id == brief_id,
            sa.or_(
                BriefEvidence.quoted_person_id.is_(None),
                sa.and_(
                    quoted.status != AccountStatus.ERASED,
                    BriefEvidence.quoted_person_id.not_in(withdrawn_authors()),
                ),
            ),
            # A note withdrawn by its author, or taken back for review, is quoted nowhere.
            sa.or_(
                BriefEvidence.kind != EvidenceKind.NOTE,
                sa.exists().where(Note.id == BriefEvidence.ref_id, Note.status == NoteStatus.APPROVED),
            ),
        )
        .order_by(BriefEvidence.added_at, BriefEvidence.id)
    )


async def evidence_of(
    db: AsyncSession, brief_id: uuid.UUID, *, published_at: dt.datetime | None = None
) -> list[BriefEvidence]:
    """The brief's quotes; with ``published_at``, only those the published version was reviewed
    with: a quote added since waits, like the words, for the next review and publication."""
    query = _live_evidence(brief_id)
    if published_at is not None:
        query = query.where(BriefEvidence.added_at <= published_at)
    return list(await db.scalars(query))


async def add_evidence(
    db: AsyncSession, user: User, brief_id: uuid.UUID, request: EvidenceIn
) -> BriefEvidence:
    access = await authored_brief(db, user, brief_id)
    held = await db.scalar(
        sa.select(sa.func.count()).select_from(BriefEvidence).where(BriefEvidence.brief_id == brief_id)
    )
    if (held or 0) >= MOST_EVIDENCE:
        raise InvalidInput(
            errors=[
                FieldError(
                    "ref_id", message(N_("A brief holds at most {count} quotes."), count=MOST_EVIDENCE)
                )
            ]
        )
    found = await evidence.quote(
        db,
        user,
        EvidenceKind(request.kind),
        frozenset(access.platforms),
        request.ref_id,
        request.excerpt,
        access.brief.language,
    )
    item = BriefEvidence(
        brief_id=brief_id,
        kind=request.kind,
        ref_id=request.ref_id,
        excerpt=found.excerpt,
        attribution=found.attribution,
        platform_code=found.platform_code,
        quoted_person_id=found.quoted_person_id,
        added_by=user.id,
        added_at=utcnow(),
    )
    db.add(item)
    access.brief.updated_at = utcnow()
    await db.flush()
    return item


async def remove_evidence(db: AsyncSession, user: User, brief_id: uuid.UUID, evidence_id: uuid.UUID) -> None:
    await authored_brief(db, user, brief_id)
    removed = await db.execute(
        sa.delete(BriefEvidence).where(BriefEvidence.id == evidence_id, BriefEvidence.brief_id == brief_id)
    )
    if not removed.rowcount:  # type: ignore[attr-defined]
        raise NotFound()


async def remove_quotes_of(db: AsyncSession, person_id: uuid.UUID) -> None:
    """A person withdrew consent or was erased: every quote of theirs leaves every brief and
    its public page at once, and the briefs' authors are told (without who or what)."""
    brief_ids = list(
        await db.scalars(
            sa.select(BriefEvidence.brief_id).where(BriefEvidence.quoted_person_id == person_id).distinct()
        )
    )
    if not brief_ids:
        return
    await db.execute(sa.delete(BriefEvidence).where(BriefEvidence.quoted_person_id == person_id))
    for brief_id in brief_ids:
        authors = await db.scalars(sa.select(BriefAuthor.user_id).where(BriefAuthor.brief_id == brief_id))
        await notifications.notify(
            db,
            recipient_ids=list(authors),
            event=NotificationEvent.BRIEF_QUOTE_REMOVED,
            link=f"/#/briefs/{brief_id}",
        )


# Review and publishing


async def approve(db: AsyncSession, user: User, brief_id: uuid.UUID, version: int) -> BriefAccess:
    """A researcher of the brief's platforms who is not one of its authors approves the version
    they read: the one a later publish may put out."""
    access = await readable_brief(db, user, brief_id, for_update=True)
    if not reads_drafts(user, access.platforms):
        raise NotAllowed(message(N_("Only researchers of this brief's platforms can review it.")))
    if user.id in access.author_ids:
        raise NotAllowed(message(N_("A brief is reviewed by a researcher who is not one of its authors.")))
    brief = access.brief
    if version != brief.version:
        stored = await describe(db, user, access)
        raise BriefConflict(
            message(N_("This brief was changed since the version you reviewed. Read it again.")),
            extra={"brief": msgspec.to_builtins(stored)},
        )
    brief.approved_version = version
    brief.approved_by = user.id
    await db.flush()
    return access


def _new_slug(title: str) -> str:
    words = _NOT_SLUG.sub("-", title.lower()).strip("-")[:60].strip("-")
    return f"{words or 'brief'}-{secrets.token_hex(4)}"


async def publish(db: AsyncSession, user: User, brief_id: uuid.UUID) -> Brief:
    """Put the approved version out on the brief's public page (its authors or an admin). A
    translation only while its original is published; the original is locked before the
    translation, in the order unpublishing the original takes them."""
    link = await db.get(BriefTranslation, brief_id)
    original_status = (
        await db.scalar(sa.select(Brief.status).where(Brief.id == link.original_id).with_for_update())
        if link is not None
        else None
    )
    access = await readable_brief(db, user, brief_id, for_update=True)
    if not (is_author(user, access) or user.role == Role.ADMIN):
        raise NotAllowed(message(N_("Only the authors of this brief can publish it.")))
    brief = access.brief
    if brief.approved_version != brief.version:
        raise BriefNotReviewed(
            message(N_("A researcher who is not an author must approve this version before it is published."))
        )
    if link is not None and original_status != BriefStatus.PUBLISHED:
        raise OriginalNotPublished(
            message(
                N_("Publish the original brief first: a translation is published only while its original is.")
            )
        )
    brief.status = BriefStatus.PUBLISHED
    brief.published_version = brief.version
    brief.published_at = utcnow()
    if brief.slug is None:
        brief.slug = _new_slug(brief.title)
    await db.flush()
    return brief


async def unpublish(db: AsyncSession, user: User, brief_id: uuid.UUID) -> BriefAccess:
    """Take the brief off its public page (its authors or an admin): its address then answers
    410, stakeholders no longer read it, and it is a draft again. Its translations say what it
    says, so they are taken off with it (each can be published again once the original is).
    Unpublishing a draft changes nothing, so a retried request is harmless. Publishing again
    needs no new review while the approved version is still the current one."""
    access = await readable_brief(db, user, brief_id, for_update=True)
    if not (is_author(user, access) or user.role == Role.ADMIN):
        raise NotAllowed(message(N_("Only the authors of this brief can unpublish it.")))
    withdrawn = (
        await db.scalars(
            sa.select(Brief)
            .join(BriefTranslation, BriefTranslation.brief_id == Brief.id)
            .where(BriefTranslation.original_id == access.brief.id, Brief.status == BriefStatus.PUBLISHED)
            .with_for_update()
        )
    ).all()
    for brief in (access.brief, *withdrawn):
        if brief.status == BriefStatus.PUBLISHED:
            brief.status = BriefStatus.DRAFT
            brief.published_version = None
            brief.published_at = None
    await db.flush()
    return access


async def request_review(db: AsyncSession, user: User, brief_id: uuid.UUID, version: int) -> BriefAccess:
    """Its authors ask a researcher who is not one of them to review the version they read. The
    researchers of its platforms who are not its authors are told, once per version: a retried
    request tells nobody twice (the brief is locked while this runs)."""
    access = await authored_brief(db, user, brief_id)
    brief = access.brief
    if version != brief.version:
        stored = await describe(db, user, access)
        raise BriefConflict(
            message(
                N_("Someone else changed this brief since you opened it. Compare both versions and merge.")
            ),
            extra={"brief": msgspec.to_builtins(stored)},
        )
    if brief.review_requested_version == version or brief.approved_version == version:
        return access
    brief.review_requested_version = version
    reviewers = await db.scalars(
        sa.select(User.id)
        .join(UserPlatform, UserPlatform.user_id == User.id)
        .where(
            UserPlatform.platform_code.in_(access.platforms),
            User.role == Role.RESEARCHER,
            User.status == AccountStatus.ACTIVE,
            User.id.not_in(access.author_ids),
        )
        .distinct()
    )
    await notifications.notify(
        db,
        recipient_ids=list(reviewers),
        event=NotificationEvent.BRIEF_REVIEW_REQUESTED,
        link=f"/#/briefs/{brief.id}",
    )
    await db.flush()
    return access


def list_published(*, platform: str | None) -> sa.Select[Brief]:
    """Published briefs, network-wide or of one platform, for anyone."""
    query = sa.select(Brief).where(Brief.status == BriefStatus.PUBLISHED)
    if platform is not None:
        query = query.where(
            Brief.id.in_(sa.select(BriefPlatform.brief_id).where(BriefPlatform.platform_code == platform))
        )
    return query


async def published_page(
    db: AsyncSession, base_url: str, *, platform: str | None, cursor: str | None, limit: int
) -> tuple[list[PublicBrief], str | None]:
    briefs, next_cursor = await keyset_page(
        db,
        list_published(platform=platform),
        key=(Brief.published_at, Brief.id),  # type: ignore[arg-type]
        cursor=cursor,
        limit=limit,
    )
    platforms = await platforms_of(db, briefs)
    items = []
    for brief in briefs:
        # The list shows what the public page shows: the published version's title.
        stored = await db.get(BriefVersion, (brief.id, brief.published_version))
        items.append(
            PublicBrief(
                title=stored.title if stored else brief.title,
                language=brief.language,
                platforms=platforms[brief.id],
                url=public_url(base_url, brief) or "",
                published_at=brief.published_at or brief.updated_at,
            )
        )
    return items, next_cursor


# Translations


async def create_translation(
    db: AsyncSession, user: User, brief_id: uuid.UUID, request: TranslationIn
) -> tuple[BriefAccess, bool]:
    """A researcher of the brief's platforms starts a translation: a brief of its own, in
    another language, of the same platforms, holding the original's latest words to translate,
    marked as translated from the original's current version. One per language: asking again
    gives the one there is (and False: nothing new was made)."""
    original = await readable_brief(db, user, brief_id, for_update=True)
    if not reads_drafts(user, original.platforms):
        raise NotAllowed(message(N_("Only researchers of this brief's platforms can translate it.")))
    source = original.brief
    if await db.get(BriefTranslation, source.id) is not None:
        raise InvalidInput(
            errors=[
                FieldError("language", message(N_("Translate the original brief, not a translation of it.")))
            ]
        )
    if request.language == source.language:
        raise InvalidInput(
            errors=[
                FieldError("language", message(N_("A translation is in another language than the brief.")))
            ]
        )
    existing = await db.scalar(
        sa.select(Brief)
        .join(BriefTranslation, BriefTranslation.brief_id == Brief.id)
        .where(BriefTranslation.original_id == source.id, Brief.language == request.language)
    )
    if existing is not None:
        return await _access(db, existing), False
    brief = await _new_draft(
        db,
        user,
        language=request.language,
        platforms=original.platforms,
        title=request.title or source.title,
        summary=source.summary,
        sections=list(source.sections),
        recommendations=list(source.recommendations),
        translates=source,
    )
    return BriefAccess(brief, original.platforms, frozenset({user.id})), True


async def _follow_original(db: AsyncSession, brief: Brief, version: int) -> None:
    """The translator brought the translation up to the original's ``version``."""
    link = await db.get(BriefTranslation, brief.id, with_for_update=True)
    if link is None:
        raise InvalidInput(
            errors=[FieldError("translated_from_version", message(N_("This brief is not a translation.")))]
        )
    original_version = await db.scalar(sa.select(Brief.version).where(Brief.id == link.original_id))
    if original_version is None or version > original_version:
        raise InvalidInput(
            errors=[
                FieldError(
                    "translated_from_version",
                    message(N_("The original brief has no version {version}."), version=version),
                )
            ]
        )
    link.from_version = version


async def translations(
    db: AsyncSession, user: User, brief_id: uuid.UUID, base_url: str
) -> list[TranslationOut]:
    """The translations of a brief the person may read: drafts for its researchers, the
    published ones for its stakeholders; each says whether the original moved on since."""
    original = await readable_brief(db, user, brief_id)
    rows = await db.execute(
        sa.select(Brief, BriefTranslation.from_version)
        .join(BriefTranslation, BriefTranslation.brief_id == Brief.id)
        .where(BriefTranslation.original_id == brief_id)
        .order_by(Brief.language, Brief.id)
    )
    drafts_too = reads_drafts(user, original.platforms)
    return [
        TranslationOut(
            id=brief.id,
            title=brief.title,
            language=brief.language,
            status=brief.status,
            translated_from_version=from_version,
            out_of_date=original.brief.version > from_version,
            url=public_url(base_url, brief),
        )
        for brief, from_version in rows
        if drafts_too or brief.status == BriefStatus.PUBLISHED
    ]


@dataclass(frozen=True, slots=True)
class Translated:
    original_id: uuid.UUID
    from_version: int
    original_version: int


async def translated_of(db: AsyncSession, brief_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Translated]:
    rows = await db.execute(
        sa.select(
            BriefTranslation.brief_id,
            BriefTranslation.original_id,
            BriefTranslation.from_version,
            Brief.version,
        )
        .join(Brief, Brief.id == BriefTranslation.original_id)
        .where(BriefTranslation.brief_id.in_(list(brief_ids)))
    )
    return {row[0]: Translated(row[1], row[2], row[3]) for row in rows}


async def published_brief(db: AsyncSession, slug: str) -> Brief:
    brief = await db.scalar(sa.select(Brief).where(Brief.slug == slug))
    if brief is None:
        raise NotFound()
    if brief.status != BriefStatus.PUBLISHED:
        # It was published once, and its authors took it back: gone, and nothing of it shown.
        raise Gone(message(N_("This brief is no longer published.")))
    return brief


# What a reader sees


async def words_of(db: AsyncSession, brief: Brief, *, published: bool) -> Words:
    """The words of the brief: as published (for the public and stakeholders), else the latest."""
    if published and brief.published_version is not None:
        stored = await db.get(BriefVersion, (brief.id, brief.published_version))
        if stored is not None:
            return Words(
                stored.title,
                stored.summary,
                msgspec.convert(stored.sections, list[Section]),
                msgspec.convert(stored.recommendations, list[Recommendation]),
            )
    return Words(
        brief.title,
        brief.summary,
        msgspec.convert(brief.sections, list[Section]),
        msgspec.convert(brief.recommendations, list[Recommendation]),
    )


def shows_published_only(user: User, access: BriefAccess) -> bool:
    return not reads_drafts(user, access.platforms)


def public_url(base: str, brief: Brief) -> str | None:
    return (
        f"{base.rstrip('/')}/briefs/{brief.slug}"
        if brief.slug and brief.status == BriefStatus.PUBLISHED
        else None
    )


def summary_of(
    brief: Brief, platforms: Sequence[str], base_url: str = "", translated: Translated | None = None
) -> BriefSummary:
    return BriefSummary(
        id=brief.id,
        title=brief.title,
        language=brief.language,
        platforms=list(platforms),
        status=brief.status,
        version=brief.version,
        url=public_url(base_url, brief),
        published_at=brief.published_at,
        updated_at=brief.updated_at,
        in_review=brief.review_requested_version == brief.version and brief.approved_version != brief.version,
        translation_of=translated.original_id if translated else None,
        translated_from_version=translated.from_version if translated else None,
        out_of_date=bool(translated and translated.original_version > translated.from_version),
    )


async def platforms_of(db: AsyncSession, briefs: Sequence[Brief]) -> dict[uuid.UUID, list[str]]:
    found: dict[uuid.UUID, list[str]] = {brief.id: [] for brief in briefs}
    rows = await db.execute(
        sa.select(BriefPlatform.brief_id, BriefPlatform.platform_code)
        .where(BriefPlatform.brief_id.in_(list(found)))
        .order_by(BriefPlatform.platform_code)
    )
    for brief_id, code in rows:
        found[brief_id].append(code)
    return found


def evidence_out(item: BriefEvidence) -> EvidenceOut:
    return EvidenceOut(
        id=item.id,
        kind=item.kind,
        ref_id=item.ref_id,
        excerpt=item.excerpt,
        attribution=item.attribution,
        platform=item.platform_code,
        added_at=item.added_at,
    )


async def describe(db: AsyncSession, user: User, access: BriefAccess, base_url: str = "") -> BriefOut:
    brief = access.brief
    published_only = shows_published_only(user, access)
    words = await words_of(db, brief, published=published_only)
    translated = (await translated_of(db, [brief.id])).get(brief.id)
    summary = msgspec.structs.asdict(summary_of(brief, access.platforms, base_url, translated))
    items = [
        evidence_out(item)
        for item in await evidence_of(
            db, brief.id, published_at=brief.published_at if published_only else None
        )
    ]
    if published_only:
        # A stakeholder reads what was published: its words, and no authors' names.
        return BriefOut(
            **{
                **summary,
                "title": words.title,
                "version": brief.published_version or brief.version,
                "in_review": False,
            },
            summary=words.summary,
            sections=words.sections,
            recommendations=words.recommendations,
            authors=[],
            approved_version=None,
            published_version=brief.published_version,
            evidence=items,
            created_at=brief.created_at,
        )
    authors = await db.execute(
        sa.select(User.id, User.display_name, User.username)
        .join(BriefAuthor, BriefAuthor.user_id == User.id)
        .where(BriefAuthor.brief_id == brief.id)
        .order_by(BriefAuthor.added_at, User.id)
    )
    return BriefOut(
        **summary,
        summary=words.summary,
        sections=words.sections,
        recommendations=words.recommendations,
        authors=[AuthorOut(row.id, row.display_name or row.username or "") for row in authors],
        approved_version=brief.approved_version,
        published_version=brief.published_version,
        evidence=items,
        created_at=brief.created_at,
    )
