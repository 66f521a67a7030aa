"""Interview guides: per platform, every text in several languages, a new version at every edit."""

from __future__ import annotations

import uuid
import weakref
from dataclasses import dataclass
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.models import Role, User
from server.audit.service import record_event
from server.db import utcnow
from server.i18n import N_, message
from server.notes.models import CHOICE_TYPES, Guide, GuideVersion, QuestionType
from server.notes.schemas import GuideIn, QuestionIn
from server.platforms.models import NETWORK, Platform
from server.problems import FieldError, InvalidInput, NotAllowed, NotFound

MAX_SCALE_STEPS = 11


@dataclass(frozen=True, slots=True)
class GuideView:
    guide: Guide
    version: GuideVersion


def visible_platforms(user: User) -> list[str]:
    """A person sees the guides of their platforms and the network-wide ones."""
    return sorted({*user.platform_codes, NETWORK})


async def list_guides(db: AsyncSession, user: User) -> list[GuideView]:
    query = (
        sa.select(Guide, GuideVersion)
        .join(
            GuideVersion,
            sa.and_(GuideVersion.guide_id == Guide.id, GuideVersion.version == Guide.current_version),
        )
        .order_by(Guide.created_at, Guide.id)
    )
    if user.role != Role.ADMIN:
        query = query.where(Guide.platform_code.in_(visible_platforms(user)))
    return [GuideView(guide, version) for guide, version in (await db.execute(query)).all()]


async def get_guide_version(
    db: AsyncSession, guide_id: uuid.UUID, version: int | None = None
) -> GuideView | None:
    guide = await db.get(Guide, guide_id)
    if guide is None:
        return None
    stored = await db.get(GuideVersion, (guide_id, version or guide.current_version))
    return GuideView(guide, stored) if stored else None


@dataclass(frozen=True, slots=True)
class Question:
    """A question of a guide version, as a note's answer is checked against it."""

    type: QuestionType
    codes: frozenset[str]
    min: float | None
    max: float | None
    required: bool


@dataclass(frozen=True, slots=True)
class AnsweredVersion:
    """What checking a note's answers needs of a guide version: none of it ever changes (a
    version is never edited, a guide stays on its platform), so it is kept once read."""

    platform_code: str
    version: int
    questions: dict[str, Question]


# Per engine, so that two databases (tests, a restored copy) never share a guide's versions.
_answered_versions: weakref.WeakKeyDictionary[Any, dict[tuple[uuid.UUID, int], AnsweredVersion]] = (
    weakref.WeakKeyDictionary()
)
_KEPT_VERSIONS = 1_000


async def answered_version(
    db: AsyncSession, guide_id: uuid.UUID, version: int | None = None
) -> AnsweredVersion | None:
    """A guide version (the current one unless given) for checking answers; None if there is none."""
    if version is None:
        version = await db.scalar(sa.select(Guide.current_version).where(Guide.id == guide_id))
        if version is None:
            return None
    kept = _answered_versions.setdefault(db.get_bind(), {})
    answered = kept.get((guide_id, version))
    if answered is None:
        row = (
            await db.execute(
                sa.select(Guide.platform_code, GuideVersion.questions)
                .join(GuideVersion, GuideVersion.guide_id == Guide.id)
                .where(Guide.id == guide_id, GuideVersion.version == version)
            )
        ).one_or_none()
        if row is None:
            return None
        questions = {
            question["id"]: Question(
                type=QuestionType(question["type"]),
                codes=frozenset(option["code"] for option in question.get("options", [])),
                min=question.get("min"),
                max=question.get("max"),
                required=question.get("required", False),
            )
            for question in row.questions
        }
        answered = AnsweredVersion(row.platform_code, version, questions)
        if len(kept) >= _KEPT_VERSIONS:
            kept.clear()
        kept[(guide_id, version)] = answered
    return answered


async def read_guide(db: AsyncSession, user: User, guide_id: uuid.UUID, version: int | None) -> GuideView:
    view = await get_guide_version(db, guide_id, version)
    if view is None or (user.role != Role.ADMIN and view.guide.platform_code not in visible_platforms(user)):
        raise NotFound()
    return view


async def guide_versions(
    db: AsyncSession, editor: User, guide_id: uuid.UUID
) -> tuple[Guide, list[GuideVersion]]:
    """Every version of a guide, newest first, for those who may edit it: the texts in every
    language are the editors' working material, not what a reader is shown."""
    guide = await db.get(Guide, guide_id)
    if guide is None or not _may_edit(editor, guide.platform_code):
        raise NotFound()
    versions = await db.scalars(
        sa.select(GuideVersion).where(GuideVersion.guide_id == guide_id).order_by(GuideVersion.version.desc())
    )
    return guide, list(versions)


def _may_edit(user: User, platform: str) -> bool:
    return user.role == Role.ADMIN or (user.role == Role.RESEARCHER and platform in user.platform_codes)


def _check_may_edit(user: User, platform: str) -> None:
    if not _may_edit(user, platform):
        raise NotAllowed(message(N_("You can edit the guides of your own platforms only.")))


async def create_guide(db: AsyncSession, author: User, request: GuideIn) -> GuideView:
    _check_may_edit(author, request.platform)
    if await db.get(Platform, request.platform) is None:
        raise InvalidInput(errors=[FieldError("platform", message(N_("There is no such platform.")))])
    _check_guide(request)
    guide = Guide(
        platform_code=request.platform, source_language=request.source_language, created_by=author.id
    )
    db.add(guide)
    await db.flush()
    version = _new_version(guide, 1, request)
    db.add(version)
    record_event(
        db, "guide.created", actor_id=author.id, platform_code=request.platform, guide_id=str(guide.id)
    )
    await db.flush()
    return GuideView(guide, version)


async def update_guide(db: AsyncSession, editor: User, guide_id: uuid.UUID, request: GuideIn) -> GuideView:
    """Editing makes a new version; notes keep the version they answered."""
    guide = await db.get(Guide, guide_id, with_for_update=True)
    if guide is None or (editor.role != Role.ADMIN and guide.platform_code not in visible_platforms(editor)):
        raise NotFound()
    _check_may_edit(editor, guide.platform_code)
    if request.platform != guide.platform_code:
        raise InvalidInput(errors=[FieldError("platform", message(N_("A guide stays on its platform.")))])
    _check_guide(request)
    guide.current_version += 1
    guide.source_language = request.source_language
    guide.updated_at = utcnow()
    version = _new_version(guide, guide.current_version, request)
    db.add(version)
    record_event(
        db,
        "guide.updated",
        actor_id=editor.id,
        platform_code=guide.platform_code,
        guide_id=str(guide.id),
        version=guide.current_version,
    )
    await db.flush()
    return GuideView(guide, version)


def _new_version(guide: Guide, number: int, request: GuideIn) -> GuideVersion:
    questions = [msgspec.to_builtins(question, order="deterministic") for question in request.questions]
    return GuideVersion(guide_id=guide.id, version=number, title=dict(request.title), questions=questions)


def _check_guide(request: GuideIn) -> None:
    errors: list[FieldError] = []
    source = request.source_language
    if source not in request.title:
        errors.append(FieldError("title", _missing_source_language(source)))
    seen: set[str] = set()
    for index, question in enumerate(request.questions):
        where = f"questions[{index}]"
        if question.id in seen:
            errors.append(FieldError(f"{where}.id", message(N_("Each question needs its own id."))))
        seen.add(question.id)
        if source not in question.prompt:
            errors.append(FieldError(f"{where}.prompt", _missing_source_language(source)))
        errors.extend(_question_errors(question, where, source))
    if errors:
        raise InvalidInput(errors=errors)


def _question_errors(question: QuestionIn, where: str, source: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if question.type in CHOICE_TYPES:
        codes = [option.code for option in question.options]
        if len(codes) < 2:
            errors.append(FieldError(f"{where}.options", message(N_("A choice needs at least two options."))))
        if len(set(codes)) != len(codes):
            errors.append(FieldError(f"{where}.options", message(N_("Each option needs its own code."))))
        for position, option in enumerate(question.options):
            if source not in option.label:
                errors.append(
                    FieldError(f"{where}.options[{position}].label", _missing_source_language(source))
                )
    elif question.options:
        errors.append(FieldError(f"{where}.options", message(N_("Only choice questions have options."))))
    if question.type == QuestionType.SCALE:
        low, high = question.min, question.max
        if low is None or high is None or low != int(low) or high != int(high) or not low < high:
            errors.append(
                FieldError(f"{where}.max", message(N_("A scale needs whole numbers with min below max.")))
            )
        elif high - low + 1 > MAX_SCALE_STEPS:
            errors.append(FieldError(f"{where}.max", message(N_("A scale has at most 11 steps."))))
    elif question.min is not None and question.max is not None and question.min > question.max:
        errors.append(FieldError(f"{where}.max", message(N_("The maximum must not be below the minimum."))))
    return errors


def _missing_source_language(source: str) -> Any:
    return message(N_("A text is needed in the guide's own language ({language})."), language=source)
