"""The rules of platforms: listing them, their names, and admins' edits."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.models import User
from server.audit.service import record_event
from server.platforms.models import NETWORK, Platform
from server.problems import NotFound


async def list_platforms(db: AsyncSession) -> list[Platform]:
    # The network-wide space first, then the countries by code.
    return list(await db.scalars(sa.select(Platform).order_by(Platform.code != NETWORK, Platform.code)))


async def update_platform(
    db: AsyncSession, admin: User, code: str, *, languages: list[str] | None, consent_age: int | None
) -> Platform:
    platform = await db.get(Platform, code)
    if platform is None:
        raise NotFound()
    changes: dict[str, object] = {}
    if languages is not None and languages != platform.languages:
        changes["languages"] = {"before": platform.languages, "after": languages}
        platform.languages = list(languages)
    if consent_age is not None and consent_age != platform.digital_consent_age:
        changes["digital_consent_age"] = {"before": platform.digital_consent_age, "after": consent_age}
        platform.digital_consent_age = consent_age
    if changes:
        record_event(db, "platform.updated", actor_id=admin.id, platform_code=code, changes=changes)
        await db.flush()
    return platform
