"""Routes of a person's notifications and of their notification settings."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, get, post, put
from litestar.params import FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_204_NO_CONTENT

from server.db import Database
from server.i18n import request_locale
from server.notifications import service
from server.notifications.schemas import (
    EventSetting,
    MarkReadIn,
    NotificationOut,
    NotificationPage,
    NotificationSettings,
)
from server.pagination import MAX_LIMIT
from server.problems import answers
from server.security import current_user, signed_in


@answers()
@get("/api/v1/notifications", guards=[signed_in], summary="My notifications, newest first")
async def list_notifications(
    request: Request,
    db: Database,
    cursor: FromQuery[str | None] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = 50,
) -> NotificationPage:
    user = current_user(request)
    locale = request_locale(request)
    rows, next_cursor = await service.list_notifications(db, user, limit=limit, cursor=cursor)
    items = [
        NotificationOut.from_model(row, service.title(row.event, row.params).render(locale)) for row in rows
    ]
    return NotificationPage(items, next_cursor, await service.count_unread(db, user))


@answers()
@post(
    "/api/v1/notifications/read",
    guards=[signed_in],
    status_code=HTTP_204_NO_CONTENT,
    summary="Mark my notifications as read",
)
async def mark_read(request: Request, db: Database, data: JSONBody[MarkReadIn]) -> None:
    await service.mark_read(db, current_user(request), data.ids, everything=data.all)


def _settings_out(choices: list[service.Choice]) -> NotificationSettings:
    return NotificationSettings(
        [EventSetting(choice.event, choice.in_app, choice.push) for choice in choices]
    )


@answers()
@get(
    "/api/v1/me/notification-settings",
    guards=[signed_in],
    summary="Which events reach me, in the app and by push",
)
async def read_settings(request: Request, db: Database) -> NotificationSettings:
    return _settings_out(await service.read_settings(db, current_user(request)))


@answers()
@put("/api/v1/me/notification-settings", guards=[signed_in], summary="Choose which events reach me, and how")
async def change_settings(
    request: Request, db: Database, data: JSONBody[NotificationSettings]
) -> NotificationSettings:
    choices = [service.Choice(item.event, item.in_app, item.push) for item in data.events]
    return _settings_out(await service.change_settings(db, current_user(request), choices))


routes = [list_notifications, mark_read, read_settings, change_settings]
