"""Routes of the Migrant Youth Network forum."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Request, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from server.accounts.models import FORUM_MEMBERS, Role
from server.db import Database, Databases
from server.forum import service
from server.forum.models import URGENT_REASONS, ReactionKind
from server.forum.schemas import (
    BlockedMember,
    BlockIn,
    BlockList,
    CategoryIn,
    CategoryList,
    CategoryOut,
    Created,
    ListedTopic,
    PostEditIn,
    PostOut,
    PostPage,
    Reactions,
    ReplyIn,
    ReportIn,
    ReportOut,
    TopicCreated,
    TopicIn,
    TopicOut,
    TopicPage,
    reaction_counts,
)
from server.i18n import request_locale
from server.pagination import MAX_LIMIT
from server.problems import (
    DuplicateReport,
    EditWindowClosed,
    IdTaken,
    NotAllowed,
    NotFound,
    PostHidden,
    PostingPaused,
    Throttled,
    TopicLocked,
    TopicPending,
    answers,
)
from server.security import current_user, role_in
from server.settings import AppSettings

# Route handlers tagged with one of these are rate limited per member (see server/app.py).
TOPIC_RATE_LIMIT = {"rate_limit": "forum_topics"}
POST_RATE_LIMIT = {"rate_limit": "forum_posts"}
# A "safety" report alerts every youth worker of the platform: one member must not flood them.
REPORT_RATE_LIMIT = {"rate_limit": "forum_reports"}
# Each reaction may notify a post's author: reactions are limited like every other forum write.
REACTION_RATE_LIMIT = {"rate_limit": "forum_reactions"}
FORUM_MEMBER_ROLES = role_in(*FORUM_MEMBERS)
PageLimit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)]


@answers(NotAllowed)
@get(
    "/api/v1/forum/categories",
    guards=[FORUM_MEMBER_ROLES],
    summary="Forum categories I can see, in my language",
)
async def list_categories(request: Request, db: Database) -> CategoryList:
    locale = request_locale(request)
    return CategoryList(
        [CategoryOut.from_model(c, locale) for c in await service.list_categories(db, current_user(request))]
    )


@answers(NotAllowed)
@post(
    "/api/v1/forum/categories",
    guards=[role_in(Role.ADMIN)],
    status_code=HTTP_201_CREATED,
    summary="Create a category (names and descriptions in every language)",
)
async def create_category(request: Request, db: Database, data: JSONBody[CategoryIn]) -> CategoryOut:
    category = await service.create_category(db, current_user(request), data)
    return CategoryOut.from_model(category, request_locale(request))


@answers(NotAllowed, NotFound)
@get("/api/v1/forum/topics", guards=[FORUM_MEMBER_ROLES], summary="A category's visible topics, pinned first")
async def list_topics(
    request: Request,
    db: Database,
    category: FromQuery[uuid.UUID],
    cursor: FromQuery[str | None] = None,
    limit: PageLimit = 30,
) -> TopicPage:
    topics, next_cursor, names = await service.list_topics(
        db, current_user(request), category, limit=limit, cursor=cursor
    )
    return TopicPage(
        [ListedTopic.listed(topic, names, read_at, unread) for topic, read_at, unread in topics], next_cursor
    )


@answers(NotAllowed, NotFound, PostingPaused, IdTaken, Throttled)
@post(
    "/api/v1/forum/topics",
    guards=[FORUM_MEMBER_ROLES],
    status_code=HTTP_201_CREATED,
    opt=TOPIC_RATE_LIMIT,
    summary="Start a topic; a new member's first posts wait for a youth worker",
)
async def create_topic(
    request: Request, db: Database, settings: AppSettings, data: JSONBody[TopicIn]
) -> TopicCreated:
    topic, first_post = await service.create_topic(db, current_user(request), data, settings)
    return TopicCreated(topic.id, first_post.id, first_post.status)


@answers(NotAllowed, NotFound)
@get(
    "/api/v1/forum/topics/{topic_id:uuid}",
    guards=[FORUM_MEMBER_ROLES],
    summary="A topic with a page of its posts",
)
async def read_topic(
    request: Request,
    db: Database,
    databases: NamedDependency[Databases],
    settings: AppSettings,
    topic_id: FromPath[uuid.UUID],
    cursor: FromQuery[str | None] = None,
    limit: PageLimit = 30,
) -> TopicOut:
    user = current_user(request)
    topic, posts, next_cursor, names = await service.read_topic(
        db, user, topic_id, limit=limit, cursor=cursor
    )
    reasons = await service.hide_reasons(db, user, posts)
    reactions = await service.reactions_to(db, user, [post.id for post in posts])
    posts_page = PostPage(
        [PostOut.from_model(post, names, user, settings, reasons, reactions) for post in posts], next_cursor
    )
    # A GET reads from a reader session: the reading mark is written in a short unit of its own.
    up_to = await service.read_up_to(db, user, topic, posts)
    if up_to is not None:
        async with databases.separate_unit_of_work() as writing:
            await service.mark_read(writing, user, topic.id, up_to)
    return TopicOut.with_posts(topic, names, posts_page)


@answers(NotAllowed, NotFound, PostingPaused, IdTaken, TopicPending, TopicLocked, Throttled)
@post(
    "/api/v1/forum/topics/{topic_id:uuid}/posts",
    guards=[FORUM_MEMBER_ROLES],
    status_code=HTTP_201_CREATED,
    opt=POST_RATE_LIMIT,
    summary="Reply in a topic",
)
async def reply(
    request: Request,
    db: Database,
    settings: AppSettings,
    topic_id: FromPath[uuid.UUID],
    data: JSONBody[ReplyIn],
) -> Created:
    created = await service.reply(db, current_user(request), topic_id, data, settings)
    return Created(created.id, created.status)


@answers(NotAllowed, PostingPaused, NotFound, PostHidden, EditWindowClosed)
@patch(
    "/api/v1/forum/posts/{post_id:uuid}",
    guards=[FORUM_MEMBER_ROLES],
    summary="Edit my post within the edit window",
)
async def edit_post(
    request: Request,
    db: Database,
    settings: AppSettings,
    post_id: FromPath[uuid.UUID],
    data: JSONBody[PostEditIn],
) -> PostOut:
    user = current_user(request)
    edited = await service.edit_post(db, user, post_id, data.body, settings)
    return PostOut.from_model(edited, await service.authors_of(db, [edited.author_id]), user, settings)


@answers(NotAllowed, NotFound, DuplicateReport, Throttled)
@post(
    "/api/v1/forum/posts/{post_id:uuid}/flags",
    guards=[FORUM_MEMBER_ROLES],
    status_code=HTTP_201_CREATED,
    opt=REPORT_RATE_LIMIT,
    summary="Report a post; 'safety' reaches the platform's youth workers at once",
)
async def report_post(
    request: Request,
    db: Database,
    settings: AppSettings,
    post_id: FromPath[uuid.UUID],
    data: JSONBody[ReportIn],
) -> ReportOut:
    report, hidden = await service.report_post(
        db, current_user(request), post_id, data.reason, data.comment, settings
    )
    return ReportOut(report.id, report.post_id, data.reason, data.reason in URGENT_REASONS, hidden)


@answers(NotAllowed, NotFound, PostHidden, PostingPaused, Throttled)
@put(
    "/api/v1/forum/posts/{post_id:uuid}/reactions/{kind:str}",
    guards=[FORUM_MEMBER_ROLES],
    opt=REACTION_RATE_LIMIT,
    summary="React to a post (thumbs_up or heart); the same reaction again changes nothing",
)
async def react(
    request: Request, db: Database, post_id: FromPath[uuid.UUID], kind: FromPath[ReactionKind]
) -> Reactions:
    tally = await service.react(db, current_user(request), post_id, kind)
    return Reactions(post_id, reaction_counts(tally.get(post_id, {})))


@answers(NotAllowed, NotFound, Throttled)
@delete(
    "/api/v1/forum/posts/{post_id:uuid}/reactions/{kind:str}",
    guards=[FORUM_MEMBER_ROLES],
    status_code=200,
    opt=REACTION_RATE_LIMIT,
    summary="Take my reaction back",
)
async def take_back_reaction(
    request: Request, db: Database, post_id: FromPath[uuid.UUID], kind: FromPath[ReactionKind]
) -> Reactions:
    tally = await service.take_back_reaction(db, current_user(request), post_id, kind)
    return Reactions(post_id, reaction_counts(tally.get(post_id, {})))


@answers(NotAllowed)
@get("/api/v1/forum/blocks", guards=[FORUM_MEMBER_ROLES], summary="Members I have blocked")
async def list_blocks(request: Request, db: Database) -> BlockList:
    rows = await service.list_blocks(db, current_user(request))
    return BlockList([BlockedMember(user_id, name, at) for user_id, name, at in rows])


@answers(NotAllowed, NotFound)
@post(
    "/api/v1/forum/blocks",
    guards=[FORUM_MEMBER_ROLES],
    status_code=HTTP_204_NO_CONTENT,
    summary="Block a member: I no longer see them nor hear of their replies",
)
async def block_member(request: Request, db: Database, data: JSONBody[BlockIn]) -> None:
    await service.block_member(db, current_user(request), data.user_id)


@answers(NotAllowed)
@delete("/api/v1/forum/blocks/{user_id:uuid}", guards=[FORUM_MEMBER_ROLES], summary="Unblock a member")
async def unblock_member(request: Request, db: Database, user_id: FromPath[uuid.UUID]) -> None:
    await service.unblock_member(db, current_user(request), user_id)


routes = [
    list_categories,
    create_category,
    list_topics,
    create_topic,
    read_topic,
    reply,
    edit_post,
    report_post,
    react,
    take_back_reaction,
    list_blocks,
    block_member,
    unblock_member,
]
