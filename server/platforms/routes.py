"""Platform routes: anyone may list them; admins edit their languages and consent age."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Request, get, patch
from litestar.params import JSONBody, PathParameter

from server.accounts.models import Role
from server.db import Database
from server.i18n import request_locale
from server.platforms import service
from server.platforms.schemas import PlatformList, PlatformOut, PlatformPatch
from server.problems import NotAllowed, NotFound, answers
from server.security import current_user, role_in

PlatformCodeParam = Annotated[str, PathParameter(pattern=r"^[A-Z]{2,3}$", max_length=3)]


@answers()
@get("/api/v1/platforms", summary="The country platforms and the network-wide space")
async def list_platforms(request: Request, db: Database) -> PlatformList:
    locale = request_locale(request)
    return PlatformList([PlatformOut.from_model(p, locale) for p in await service.list_platforms(db)])


@answers(NotAllowed, NotFound)
@patch("/api/v1/platforms/{code:str}", guards=[role_in(Role.ADMIN)], summary="Edit a platform (admins)")
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
    return PlatformOut.from_model(platform, request_locale(request))


routes = [list_platforms, update_platform]
