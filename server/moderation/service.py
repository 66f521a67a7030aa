"""Moderation: the queue of waiting and reported posts, decisions on posts, topics and members.

Youth workers moderate their own platforms' categories, admins every category including the
network-wide ones. Every decision is written to the moderation log and the audit log with
who, what, when and why.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.models import User
from server.audit.service import record_event
from server.db import utcnow
from server.forum.models import URGENT_REASONS, Category, Mute, Post, Report, Topic
from server.forum.service import (
    moderates,
    post_with_category,
    reply_became_visible,
    take_out_of_view,
    topic_link,
)
from server.i18n import N_, message
from server.moderation.models import ModerationAction
from server.notifications.service import notify
from server.pagination import decode_cursor, encode_cursor
from server.problems import Conflict, FieldError, InvalidInput, NotAllowed, NotFound

DEFAULT_MUTE = dt.timedelta(hours=24)
LONGEST_DECISION = dt.timedelta(days=366)


def _moderated_categories(moderator: User) -> sa.ColumnElement[bool]:
    if moderator.role == "admin":
        return sa.true()
    if moderator.role != "youth_worker":
        return sa.false()
    return Category.platform_code.in_(moderator.platform_codes)


def _require_reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise InvalidInput(
            errors=[
                FieldError("reason", message(N_("Say why: the member and the moderation log will see it.")))
            ]
        )
    return text


def _log(
    db: AsyncSession,
    moderator: User,
    action: str,
    *,
    platform_code: str | None,
    reason: str,
    post: Post | None = None,
    topic_id: uuid.UUID | None = None,
    member_id: uuid.UUID | None = None,
    until: dt.datetime | None = None,
) -> None:
    db.add(
        ModerationAction(
            moderator_id=moderator.id,
            action=action,
            platform_code=platform_code,
            post_id=post.id if post else None,
            topic_id=topic_id or (post.topic_id if post else None),
            member_id=member_id or (post.author_id if post else None),
            until=until,
            reason=reason,
        )
    )
    record_event(
        db,
        f"moderation.{action}",
        actor_id=moderator.id,
        subject_id=member_id or (post.author_id if post else None),
        platform_code=platform_code,
        post_id=str(post.id) if post else None,
        reason=reason,
    )


# The queue


async def queue(
    db: AsyncSession, moderator: User, *, limit: int, cursor: str | None, urgent_only: bool = False
) -> tuple[list[tuple[Post, Topic, Category]], dict[uuid.UUID, list[Report]], str | None]:
    open_reports = sa.select(Report.post_id).where(Report.resolved_at.is_(None))
    if urgent_only:
        open_reports = open_reports.where(Report.reason.in_(URGENT_REASONS))
    waiting = (
        Post.id.in_(open_reports)
        if urgent_only
        else sa.or_(Post.status == "pending", Post.id.in_(open_reports))
    )
    query = (
        sa.select(Post, Topic, Category)
        .join(Topic, Topic.id == Post.topic_id)
        .join(Category, Category.id == Topic.category_id)
        .where(waiting, Post.status != "hidden", _moderated_categories(moderator))
    )
    if cursor:
        at, post_id = decode_cursor(cursor)
        query = query.where(sa.or_(Post.created_at > at, sa.and_(Post.created_at == at, Post.id > post_id)))
    # Oldest first: whoever waited longest is seen first.
    rows = [
        (row[0], row[1], row[2])
        for row in await db.execute(query.order_by(Post.created_at, Post.id).limit(limit + 1))
    ]
    next_cursor = (
        encode_cursor(rows[limit - 1][0].created_at, rows[limit - 1][0].id) if len(rows) > limit else None
    )
    rows = rows[:limit]
    reports: dict[uuid.UUID, list[Report]] = defaultdict(list)
    if rows:
        # Every open report with its words: "she said she would hurt herself tonight" must
        # reach the youth worker, not only a count. Reporters stay unnamed.
        open_for_page = (
            sa.select(Report)
            .where(Report.post_id.in_([post.id for post, _, _ in rows]), Report.resolved_at.is_(None))
            .order_by(Report.created_at)
        )
        for report in await db.scalars(open_for_page):
            reports[report.post_id].append(report)
    return rows, reports, next_cursor


# Decisions on posts and topics


async def decide_on_post(
    db: AsyncSession, moderator: User, post_id: uuid.UUID, action: str, reason: str
) -> Post:
    post, topic, category = await post_with_category(db, moderator, post_id, for_update=True)
    if not moderates(moderator, category.platform_code):
        raise NotFound(message(N_("This post does not exist.")))
    reason = _require_reason(reason) if action == "hide" else reason.strip()
    is_first_post = topic.first_post_id == post.id
    was = post.status
    if action == "approve":
        if was == "hidden":
            raise Conflict(message(N_("This post is hidden: restore it instead.")))
        post.status, held_for, post.held_for = "visible", post.held_for, None
        if was == "pending":
            # A reply published once and held after an edit was already told to the topic's author.
            await _became_visible(
                db, topic, post, is_first_post, tell_author=held_for != "personal_information_in_edit"
            )
            if held_for != "reports" and post.author_id:
                await notify(
                    db,
                    recipient_ids=[post.author_id],
                    event="post_approved",
                    params={},
                    link=topic_link(topic.id),
                )
    elif action == "hide":
        if was == "hidden":
            return post
        take_out_of_view(topic, post, "hidden", None)
        if post.author_id:
            await notify(
                db, recipient_ids=[post.author_id], event="post_hidden", params={}, link=topic_link(topic.id)
            )
    else:
        if was != "hidden":
            raise Conflict(message(N_("Only a hidden post can be restored.")))
        post.status = "visible"
        await _became_visible(db, topic, post, is_first_post, tell_author=False)
    resolved = await db.execute(
        sa.update(Report)
        .where(Report.post_id == post.id, Report.resolved_at.is_(None))
        .values(resolved_at=utcnow())
    )
    # A decision that changed nothing (a retried request, an approval of an approved post) is
    # not logged twice.
    if post.status != was or resolved.rowcount:  # type: ignore[attr-defined]
        _log(db, moderator, action, platform_code=category.platform_code, reason=reason, post=post)
    await db.flush()
    return post


async def _became_visible(
    db: AsyncSession, topic: Topic, post: Post, is_first_post: bool, *, tell_author: bool = True
) -> None:
    if is_first_post:
        topic.status = "visible"
        topic.last_post_at = max(topic.last_post_at, utcnow())
    elif tell_author:
        await reply_became_visible(db, topic, post)
    else:
        topic.reply_count += 1


async def decide_on_topic(
    db: AsyncSession, moderator: User, topic_id: uuid.UUID, action: str, reason: str
) -> Topic:
    topic = await db.get(Topic, topic_id, with_for_update=True)
    category = await db.get(Category, topic.category_id) if topic else None
    if topic is None or category is None or not moderates(moderator, category.platform_code):
        raise NotFound(message(N_("This topic does not exist.")))
    flag, value = {
        "pin": ("is_pinned", True),
        "unpin": ("is_pinned", False),
        "lock": ("is_locked", True),
        "unlock": ("is_locked", False),
    }[action]
    if getattr(topic, flag) != value:
        setattr(topic, flag, value)
        _log(
            db,
            moderator,
            action,
            platform_code=category.platform_code,
            reason=reason.strip(),
            topic_id=topic.id,
            member_id=topic.author_id,
        )
        await db.flush()
    return topic


# Decisions on members


async def decide_on_member(
    db: AsyncSession,
    moderator: User,
    member_id: uuid.UUID,
    action: str,
    until: dt.datetime | None,
    reason: str,
) -> tuple[User, Mute | None]:
    member = await db.get(User, member_id, with_for_update=True)
    shared = set(member.platform_codes) & set(moderator.platform_codes) if member else set()
    if member is None or member.is_erased or (moderator.role != "admin" and not shared):
        raise NotFound(message(N_("This member does not exist.")))
    if (
        member.id == moderator.id
        or member.role == "admin"
        or (moderator.role != "admin" and member.role != "youth")
    ):
        raise NotAllowed(message(N_("Only an admin can restrict a member of staff.")))
    now = utcnow()
    if until is not None and not now < until <= now + LONGEST_DECISION:
        raise InvalidInput(
            errors=[FieldError("until", message(N_("Choose a time in the future, at most a year away.")))]
        )
    # The log entry belongs to a platform both share, so that the moderator's colleagues see it.
    platform_code = min(shared) if shared else next(iter(member.platform_codes), None)
    mute = await db.get(Mute, member.id)
    if action == "mute":
        reason = _require_reason(reason)
        until = until or now + DEFAULT_MUTE
        if mute is None:
            mute = Mute(user_id=member.id, until=until, reason=reason, muted_by=moderator.id)
            db.add(mute)
        else:
            mute.until, mute.reason, mute.muted_by = until, reason, moderator.id
    elif action == "suspend":
        reason = _require_reason(reason)
        member.status, member.suspended_until, member.suspension_reason = "suspended", until, reason
        # A suspension ends every session at once, not at the next login.
        member.session_epoch += 1
    else:
        if mute is not None:
            await db.delete(mute)
            mute = None
        if member.status == "suspended":
            member.status, member.suspended_until, member.suspension_reason = "active", None, None
        reason = reason.strip()
    _log(db, moderator, action, platform_code=platform_code, reason=reason, member_id=member.id, until=until)
    await db.flush()
    return member, mute


# The log


async def moderation_log(
    db: AsyncSession,
    moderator: User,
    *,
    limit: int,
    cursor: str | None,
    platform: str | None = None,
    action: str | None = None,
    member_id: uuid.UUID | None = None,
    moderator_id: uuid.UUID | None = None,
    since: dt.datetime | None = None,
) -> tuple[list[tuple[ModerationAction, str | None]], str | None]:
    query = sa.select(ModerationAction, User.display_name).outerjoin(
        User, User.id == ModerationAction.moderator_id
    )
    if moderator.role != "admin":
        query = query.where(ModerationAction.platform_code.in_(moderator.platform_codes))
    if platform:
        query = query.where(ModerationAction.platform_code == platform)
    if action:
        query = query.where(ModerationAction.action == action)
    if member_id:
        query = query.where(ModerationAction.member_id == member_id)
    if moderator_id:
        query = query.where(ModerationAction.moderator_id == moderator_id)
    if since:
        query = query.where(ModerationAction.created_at >= since)
    if cursor:
        at, action_id = decode_cursor(cursor)
        query = query.where(
            sa.or_(
                ModerationAction.created_at < at,
                sa.and_(ModerationAction.created_at == at, ModerationAction.id < action_id),
            )
        )
    query = query.order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc()).limit(limit + 1)
    rows = [(row[0], row[1]) for row in await db.execute(query)]
    next_cursor = (
        encode_cursor(rows[limit - 1][0].created_at, rows[limit - 1][0].id) if len(rows) > limit else None
    )
    return rows[:limit], next_cursor
