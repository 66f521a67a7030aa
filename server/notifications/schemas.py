"""Notifications and a person's notification settings on the wire."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec

from server.notifications.models import Notification, NotificationEvent
from server.wire import Strict


class NotificationOut(msgspec.Struct):
    id: uuid.UUID
    event: str
    # In the reader's language; the app shows it as it is.
    title: str
    link: str
    read: bool
    created_at: dt.datetime

    @classmethod
    def from_model(cls, notification: Notification, title: str) -> NotificationOut:
        return cls(
            id=notification.id,
            event=notification.event,
            title=title,
            link=notification.link,
            read=notification.read_at is not None,
            created_at=notification.created_at,
        )


class NotificationPage(msgspec.Struct):
    items: list[NotificationOut]
    next_cursor: str | None
    # How many of all the caller's notifications are unread: the app's badge.
    unread: int


class MarkReadIn(Strict):
    ids: Annotated[list[uuid.UUID], msgspec.Meta(max_length=100)] = []
    # Every one of the caller's notifications, whatever ids says.
    all: bool = False


class EventSetting(Strict):
    event: NotificationEvent
    in_app: bool
    push: bool


class NotificationSettings(Strict):
    events: Annotated[list[EventSetting], msgspec.Meta(max_length=20)]
