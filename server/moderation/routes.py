"""Routes of forum moderation: the queue, decisions and the moderation log."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from server.accounts.models import MODERATORS
from server.db import Database
from server.forum import service as forum
from server.forum.schemas import PostOut, TopicSummary
from server.moderation import service
from server.moderation.schemas import (
    ActionOut,
    ActionPage,
    MemberDecisionIn,
    MemberStateOut,
    PostDecisionIn,
    QueueItem,
    QueuePage,
    TopicDecisionIn,
)
from server.pagination import MAX_LIMIT
from server.problems import (
    NotAllowed,
    NotFound,
    PostHidden,
    PostNotHidden,
    answers,
    refuse_times_without_zone,
)
from server.security import current_user, role_in
from server.settings import AppSettings

MODERATOR_ROLES = role_in(*MODERATORS)
PageLimit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)]


@answers(NotAllowed)
@get(
    "/api/v1/moderation/queue",
    guards=[MODERATOR_ROLES],
    summary="Posts waiting for approval or reported, oldest first",
)
async def moderation_queue(
    request: Request,
    db: Database,
    settings: AppSettings,
    urgent: FromQuery[bool] = False,
    cursor: FromQuery[str | None] = None,
    limit: PageLimit = 30,
) -> QueuePage:
    user = current_user(request)
    rows, reports, next_cursor = await service.queue(db, user, limit=limit, cursor=cursor, urgent_only=urgent)
    names = await forum.authors_of(db, (post.author_id for post, _, _ in rows))
    return QueuePage(
        [
            QueueItem.from_model(post, topic, category, reports[post.id], names, user, settings)
            for post, topic, category in rows
        ],
        next_cursor,
    )


@answers(NotAllowed, NotFound, PostHidden, PostNotHidden)
@post(
    "/api/v1/moderation/posts/{post_id:uuid}",
    guards=[MODERATOR_ROLES],
    status_code=HTTP_200_OK,
    summary="Approve, hide or restore a post",
)
async def decide_on_post(
    request: Request,
    db: Database,
    settings: AppSettings,
    post_id: FromPath[uuid.UUID],
    data: JSONBody[PostDecisionIn],
) -> PostOut:
    user = current_user(request)
    decided = await service.decide_on_post(db, user, post_id, data.action, data.reason)
    return PostOut.from_model(decided, await forum.authors_of(db, [decided.author_id]), user, settings)


@answers(NotAllowed, NotFound)
@post(
    "/api/v1/moderation/topics/{topic_id:uuid}",
    guards=[MODERATOR_ROLES],
    status_code=HTTP_200_OK,
    summary="Pin, unpin, lock or unlock a topic",
)
async def decide_on_topic(
    request: Request, db: Database, topic_id: FromPath[uuid.UUID], data: JSONBody[TopicDecisionIn]
) -> TopicSummary:
    topic = await service.decide_on_topic(db, current_user(request), topic_id, data.action, data.reason)
    return TopicSummary.from_model(topic, await forum.authors_of(db, [topic.author_id]))


@answers(NotAllowed, NotFound)
@post(
    "/api/v1/moderation/users/{user_id:uuid}",
    guards=[MODERATOR_ROLES],
    status_code=HTTP_200_OK,
    summary="Mute, suspend or reinstate a member, with a reason they see",
)
async def decide_on_member(
    request: Request, db: Database, user_id: FromPath[uuid.UUID], data: JSONBody[MemberDecisionIn]
) -> MemberStateOut:
    member, mute = await service.decide_on_member(
        db, current_user(request), user_id, data.action, data.until, data.reason
    )
    return MemberStateOut.from_model(member, mute)


@answers(NotAllowed)
@get(
    "/api/v1/moderation/log",
    guards=[MODERATOR_ROLES],
    summary="Every moderation decision: who, what, when, why",
)
async def moderation_log(
    request: Request,
    db: Database,
    platform: Annotated[str | None, QueryParameter(max_length=8)] = None,
    action: Annotated[str | None, QueryParameter(max_length=16)] = None,
    member: FromQuery[uuid.UUID | None] = None,
    moderator: FromQuery[uuid.UUID | None] = None,
    since: FromQuery[dt.datetime | None] = None,
    cursor: FromQuery[str | None] = None,
    limit: PageLimit = 50,
) -> ActionPage:
    refuse_times_without_zone(since=since)
    rows, next_cursor = await service.moderation_log(
        db,
        current_user(request),
        limit=limit,
        cursor=cursor,
        platform=platform,
        action=action,
        member_id=member,
        moderator_id=moderator,
        since=since,
    )
    return ActionPage(
        [ActionOut.from_model(entry, name) for entry, name in rows],
        next_cursor,
    )


routes = [moderation_queue, decide_on_post, decide_on_topic, decide_on_member, moderation_log]
