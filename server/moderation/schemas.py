"""Moderation on the wire."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec

from server.accounts.schemas import Strict
from server.forum.schemas import PostOut

Reason = Annotated[str, msgspec.Meta(max_length=1000)]


class PostDecisionIn(Strict):
    action: Literal["approve", "hide", "restore"]
    # Needed to hide; welcome on every decision (issue: every decision traceable).
    reason: Reason = ""


class TopicDecisionIn(Strict):
    action: Literal["pin", "unpin", "lock", "unlock"]
    reason: Reason = ""


class MemberDecisionIn(Strict):
    action: Literal["mute", "suspend", "reinstate"]
    # A mute lasts 24 hours unless told otherwise; a suspension without an end lasts until reinstated.
    until: dt.datetime | None = None
    reason: Reason = ""


class ReportSummary(msgspec.Struct):
    reason: str
    count: int


class QueueItem(msgspec.Struct):
    post: PostOut
    topic_title: str
    platform: str | None
    reports: list[ReportSummary]
    urgent: bool


class QueuePage(msgspec.Struct):
    items: list[QueueItem]
    next_cursor: str | None


class ActionOut(msgspec.Struct):
    id: uuid.UUID
    moderator_id: uuid.UUID | None
    moderator_name: str | None
    action: str
    platform: str | None
    post_id: uuid.UUID | None
    topic_id: uuid.UUID | None
    member_id: uuid.UUID | None
    until: dt.datetime | None
    reason: str
    created_at: dt.datetime


class ActionPage(msgspec.Struct):
    items: list[ActionOut]
    next_cursor: str | None


class MemberStateOut(msgspec.Struct):
    member_id: uuid.UUID
    status: str
    muted_until: dt.datetime | None
    suspended_until: dt.datetime | None
