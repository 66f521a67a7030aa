"""Moderation on the wire."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter

import msgspec

from server.accounts.models import AccountStatus, User
from server.db import AwareDateTime
from server.forum.models import URGENT_REASONS, Category, Mute, Post, Report, ReportReason, Topic
from server.forum.schemas import Comment, PostOut
from server.moderation.models import MemberAction, ModerationAction, PostAction, TopicAction
from server.settings import Settings
from server.wire import Strict

Reason = Comment


class PostDecisionIn(Strict):
    action: PostAction
    # Needed to hide; welcome on every decision (issue: every decision traceable).
    reason: Reason = ""


class TopicDecisionIn(Strict):
    action: TopicAction
    reason: Reason = ""


class MemberDecisionIn(Strict):
    action: MemberAction
    # A mute lasts 24 hours unless told otherwise; a suspension without an end lasts until reinstated.
    until: AwareDateTime | None = None
    reason: Reason = ""


class ReportSummary(msgspec.Struct):
    reason: ReportReason
    count: int


class ReportDetail(msgspec.Struct):
    reason: ReportReason
    comment: str
    created_at: dt.datetime

    @classmethod
    def from_model(cls, report: Report) -> ReportDetail:
        return cls(report.reason, report.comment, report.created_at)


class QueueItem(msgspec.Struct):
    post: PostOut
    topic_title: str
    platform: str | None
    reports: list[ReportSummary]
    # The open reports one by one, with what each reporter wrote (but not who they are).
    report_details: list[ReportDetail]
    urgent: bool

    @classmethod
    def from_model(
        cls,
        post: Post,
        topic: Topic,
        category: Category,
        reports: list[Report],
        names: dict[uuid.UUID, str | None],
        viewer: User,
        settings: Settings,
    ) -> QueueItem:
        return cls(
            post=PostOut.from_model(post, names, viewer, settings),
            topic_title=topic.title,
            platform=category.platform_code,
            reports=[
                ReportSummary(reason, count)
                for reason, count in sorted(Counter(report.reason for report in reports).items())
            ],
            report_details=[ReportDetail.from_model(report) for report in reports],
            urgent=any(report.reason in URGENT_REASONS for report in reports),
        )


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

    @classmethod
    def from_model(cls, entry: ModerationAction, moderator_name: str | None) -> ActionOut:
        return cls(
            id=entry.id,
            moderator_id=entry.moderator_id,
            moderator_name=moderator_name,
            action=entry.action,
            platform=entry.platform_code,
            post_id=entry.post_id,
            topic_id=entry.topic_id,
            member_id=entry.member_id,
            until=entry.until,
            reason=entry.reason,
            created_at=entry.created_at,
        )


class ActionPage(msgspec.Struct):
    items: list[ActionOut]
    next_cursor: str | None


class MemberStateOut(msgspec.Struct):
    member_id: uuid.UUID
    status: AccountStatus
    muted_until: dt.datetime | None
    suspended_until: dt.datetime | None

    @classmethod
    def from_model(cls, member: User, mute: Mute | None) -> MemberStateOut:
        return cls(member.id, member.status, mute.until if mute else None, member.suspended_until)
