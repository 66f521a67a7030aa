"""Moderation on the wire."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

import msgspec

from server.accounts.schemas import Strict
from server.db import AwareDateTime
from server.forum.schemas import Comment, PostOut

Reason = Comment


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
    until: AwareDateTime | None = None
    reason: Reason = ""


class ReportSummary(msgspec.Struct):
    reason: str
    count: int


class ReportDetail(msgspec.Struct):
    reason: str
    comment: str
    created_at: dt.datetime


class QueueItem(msgspec.Struct):
    post: PostOut
    topic_title: str
    platform: str | None
    reports: list[ReportSummary]
    # The open reports one by one, with what each reporter wrote (but not who they are).
    report_details: list[ReportDetail]
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
