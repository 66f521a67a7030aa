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

from server.accounts.models import AccountStatus, Role, User
from server.audit.service import record_event
from server.db import utcnow
from server.forum.models import URGENT_REASONS, Category, HoldReason, Mute, Post, PostStatus, Report, Topic
from server.forum.service import (
    moderates,
    post_with_category,
    reply_became_visible,
    take_out_of_view,
    topic_link,
)
from server.i18n import N_, message
from server.moderation.models import MemberAction, ModerationAction, PostAction, TopicAction
from server.notifications.models import NotificationEvent
from server.notifications.service import notify
from server.pagination import keyset_page
from server.problems import FieldError, InvalidInput, NotAllowed, NotFound, PostHidden, PostNotHidden

DEFAULT_MUTE = dt.timedelta(hours=24)
LONGEST_DECISION = dt.timedelta(days=366)


def _moderated_categories(moderator: User) -> sa.ColumnElement[bool]:
    if moderator.role == Role.ADMIN:
        return sa.true()
    if moderator.role != Role.YOUTH_WORKER:
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
    action: PostAction | TopicAction | MemberAction,
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


def waiting_posts(moderator: User, *, urgent_only: bool = False) -> sa.Select[Post, Topic, Category]:
    """The queue: posts of the moderator's categories held for a youth worker or reported and
    not yet decided; with urgent_only, those with an open safety report."""
    open_reports = sa.select(Report.post_id).where(Report.resolved_at.is_(None))
    if urgent_only:
        open_reports = open_reports.where(Report.reason.in_(URGENT_REASONS))
    waiting = (
        Post.id.in_(open_reports)
        if urgent_only
        else sa.or_(Post.status == PostStatus.PENDING, Post.id.in_(open_reports))
    )
    return (
        sa.select(Post, Topic, Category)
        .join(Topic, Topic.id == Post.topic_id)
        .join(Category, Category.id == Topic.category_id)
        .where(waiting, Post.status != PostStatus.HIDDEN, _moderated_categories(moderator))
    )


async def queue(
    db: AsyncSession, moderator: User, *, limit: int, cursor: str | None, urgent_only: bool = False
) -> tuple[list[tuple[Post, Topic, Category]], dict[uuid.UUID, list[Report]], str | None]:
    query = waiting_posts(moderator, urgent_only=urgent_only)
    # Oldest first: whoever waited longest is seen first.
    rows, next_cursor = await keyset_page(
        db, query, key=(Post.created_at, Post.id), cursor=cursor, limit=limit, newest_first=False
    )
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
    db: AsyncSession, moderator: User, post_id: uuid.UUID, action: PostAction, reason: str
) -> Post:
    post, topic, category = await post_with_category(db, moderator, post_id, for_update=True)
    if not moderates(moderator, category.platform_code):
        raise NotFound(message(N_("This post does not exist.")))
    reason = _require_reason(reason) if action == PostAction.HIDE else reason.strip()
    is_first_post = topic.first_post_id == post.id
    was = post.status
    if action == PostAction.APPROVE:
        if was == PostStatus.HIDDEN:
            raise PostHidden(message(N_("This post is hidden: restore it instead.")))
        post.status, held_for, post.held_for = PostStatus.VISIBLE, post.held_for, None
        if was == PostStatus.PENDING:
            # A reply published once and held after an edit was already told to the topic's author.
            await _became_visible(
                db,
                topic,
                post,
                is_first_post,
                tell_author=held_for != HoldReason.PERSONAL_INFORMATION_IN_EDIT,
            )
            if held_for != HoldReason.REPORTS and post.author_id:
                await notify(
                    db,
                    recipient_ids=[post.author_id],
                    event=NotificationEvent.POST_APPROVED,
                    params={},
                    link=topic_link(topic.id),
                )
    elif action == PostAction.HIDE:
        if was == PostStatus.HIDDEN:
            return post
        take_out_of_view(topic, post, PostStatus.HIDDEN, None)
        if post.author_id:
            await notify(
                db,
                recipient_ids=[post.author_id],
                event=NotificationEvent.POST_HIDDEN,
                params={},
                link=topic_link(topic.id),
            )
    else:
        if was != PostStatus.HIDDEN:
            raise PostNotHidden(message(N_("Only a hidden post can be restored.")))
        post.status = PostStatus.VISIBLE
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
        topic.status = PostStatus.VISIBLE
        topic.last_post_at = max(topic.last_post_at, utcnow())
    elif tell_author:
        await reply_became_visible(db, topic, post)
    else:
        topic.reply_count += 1


async def decide_on_topic(
    db: AsyncSession, moderator: User, topic_id: uuid.UUID, action: TopicAction, reason: str
) -> Topic:
    topic = await db.get(Topic, topic_id, with_for_update=True)
    category = await db.get(Category, topic.category_id) if topic else None
    if topic is None or category is None or not moderates(moderator, category.platform_code):
        raise NotFound(message(N_("This topic does not exist.")))
    flag, value = {
        TopicAction.PIN: ("is_pinned", True),
        TopicAction.UNPIN: ("is_pinned", False),
        TopicAction.LOCK: ("is_locked", True),
        TopicAction.UNLOCK: ("is_locked", False),
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
    action: MemberAction,
    until: dt.datetime | None,
    reason: str,
) -> tuple[User, Mute | None]:
    member = await db.get(User, member_id, with_for_update=True)
    shared = set(member.platform_codes) & set(moderator.platform_codes) if member else set()
    if member is None or member.is_erased or (moderator.role != Role.ADMIN and not shared):
        raise NotFound(message(N_("This member does not exist.")))
    if (
        member.id == moderator.id
        or member.role == Role.ADMIN
        or (moderator.role != Role.ADMIN and member.role != Role.YOUTH)
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
    if action == MemberAction.MUTE:
        reason = _require_reason(reason)
        until = until or now + DEFAULT_MUTE
        if mute is None:
            mute = Mute(user_id=member.id, until=until, reason=reason, muted_by=moderator.id)
            db.add(mute)
        else:
            mute.until, mute.reason, mute.muted_by = until, reason, moderator.id
    elif action == MemberAction.SUSPEND:
        reason = _require_reason(reason)
        member.status, member.suspended_until, member.suspension_reason = (
            AccountStatus.SUSPENDED,
            until,
            reason,
        )
        # A suspension ends every session at once, not at the next login.
        member.session_epoch += 1
    else:
        if mute is not None:
            await db.delete(mute)
            mute = None
        if member.status == AccountStatus.SUSPENDED:
            member.status, member.suspended_until, member.suspension_reason = AccountStatus.ACTIVE, None, None
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
    if moderator.role != Role.ADMIN:
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
    return await keyset_page(
        db, query, key=(ModerationAction.created_at, ModerationAction.id), cursor=cursor, limit=limit
    )
