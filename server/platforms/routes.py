"""Platform routes: anyone may list them; admins edit their languages and consent age."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Request, get, patch
from litestar.params import JSONBody, PathParameter

from server.db import Database
from server.i18n import request_locale
from server.platforms import service
from server.platforms.models import Platform
from server.platforms.schemas import PlatformList, PlatformOut, PlatformPatch
from server.security import current_user, role_in

PlatformCodeParam = Annotated[str, PathParameter(pattern=r"^[A-Z]{2,3}$", max_length=3)]


def platform_out(platform: Platform, locale: str) -> PlatformOut:
    return PlatformOut(
        platform.code,
        service.platform_name(platform, locale),
        platform.is_network,
        list(platform.languages),
        platform.digital_consent_age,
    )


@get("/api/v1/platforms", summary="The country platforms and the network-wide space")
async def list_platforms(request: Request, db: Database) -> PlatformList:
    locale = request_locale(request)
    return PlatformList([platform_out(p, locale) for p in await service.list_platforms(db)])


@patch("/api/v1/platforms/{code:str}", guards=[role_in("admin")], summary="Edit a platform (admins)")
async def update_platform(
    request: Request, code: PlatformCodeParam, data: JSONBody[PlatformPatch], db: Database
) -> PlatformOut:
    platform = await service.update_platform(
        db,
        current_user(request),
        code,
        languages=None if data.languages is msgspec.UNSET else list(data.languages),
        consent_age=None if data.digital_consent_age is msgspec.UNSET else data.digital_consent_age,
    )
    return platform_out(platform, request_locale(request))


routes = [list_platforms, update_platform]
