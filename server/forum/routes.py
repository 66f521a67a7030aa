"""Routes of the Migrant Youth Network forum."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Request, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from server.accounts.models import User
from server.db import Database
from server.forum import service
from server.forum.models import URGENT_REASONS, Category, Post, Topic
from server.forum.schemas import (
    Author,
    BlockedMember,
    BlockIn,
    BlockList,
    CategoryIn,
    CategoryList,
    CategoryOut,
    Created,
    PostEditIn,
    PostOut,
    PostPage,
    ReplyIn,
    ReportIn,
    ReportOut,
    TopicCreated,
    TopicIn,
    TopicOut,
    TopicPage,
    TopicSummary,
)
from server.i18n import request_locale
from server.pagination import MAX_LIMIT
from server.security import current_user, role_in, signed_in
from server.settings import AppSettings, Settings

# Route handlers tagged with one of these are rate limited per member (see server/app.py).
TOPIC_RATE_LIMIT = {"rate_limit": "forum_topics"}
POST_RATE_LIMIT = {"rate_limit": "forum_posts"}
# A "safety" report alerts every youth worker of the platform: one member must not flood them.
REPORT_RATE_LIMIT = {"rate_limit": "forum_reports"}
PageLimit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)]


def category_out(category: Category, locale: str) -> CategoryOut:
    return CategoryOut(
        id=category.id,
        platform=category.platform_code,
        name=category.names.get(locale) or category.names.get("en", ""),
        description=category.descriptions.get(locale) or category.descriptions.get("en", ""),
        position=category.position,
    )


def post_out(
    post: Post,
    names: dict[uuid.UUID, str | None],
    viewer: User,
    settings: Settings,
    hide_reasons: dict[uuid.UUID, str] | None = None,
) -> PostOut:
    return PostOut(
        id=post.id,
        topic_id=post.topic_id,
        author=Author(post.author_id, names.get(post.author_id) if post.author_id else None),
        body=post.body,
        body_html=post.body_html,
        language=post.language,
        status=post.status,  # type: ignore[arg-type]
        held_for=post.held_for,
        created_at=post.created_at,
        edited_at=post.edited_at,
        editable_until=service.editable_until(post, settings) if post.author_id == viewer.id else None,
        moderation_reason=(hide_reasons or {}).get(post.id),
    )


def topic_summary(topic: Topic, names: dict[uuid.UUID, str | None]) -> TopicSummary:
    return TopicSummary(
        id=topic.id,
        category_id=topic.category_id,
        title=topic.title,
        language=topic.language,
        author=Author(topic.author_id, names.get(topic.author_id) if topic.author_id else None),
        status=topic.status,  # type: ignore[arg-type]
        is_pinned=topic.is_pinned,
        is_locked=topic.is_locked,
        reply_count=topic.reply_count,
        created_at=topic.created_at,
        last_post_at=topic.last_post_at,
    )


@get("/api/v1/forum/categories", guards=[signed_in], summary="Forum categories I can see, in my language")
async def list_categories(request: Request, db: Database) -> CategoryList:
    locale = request_locale(request)
    return CategoryList(
        [category_out(c, locale) for c in await service.list_categories(db, current_user(request))]
    )


@post(
    "/api/v1/forum/categories",
    guards=[role_in("admin")],
    status_code=HTTP_201_CREATED,
    summary="Create a category (names and descriptions in every language)",
)
async def create_category(request: Request, db: Database, data: JSONBody[CategoryIn]) -> CategoryOut:
    category = await service.create_category(db, current_user(request), data)
    return category_out(category, request_locale(request))


@get("/api/v1/forum/topics", guards=[signed_in], summary="A category's visible topics, pinned first")
async def list_topics(
    request: Request,
    db: Database,
    category: FromQuery[uuid.UUID],
    cursor: FromQuery[str | None] = None,
    limit: PageLimit = 30,
) -> TopicPage:
    topics, next_cursor = await service.list_topics(
        db, current_user(request), category, limit=limit, cursor=cursor
    )
    names = await service.authors_of(db, (topic.author_id for topic in topics))
    return TopicPage([topic_summary(topic, names) for topic in topics], next_cursor)


@post(
    "/api/v1/forum/topics",
    guards=[signed_in],
    status_code=HTTP_201_CREATED,
    opt=TOPIC_RATE_LIMIT,
    summary="Start a topic; a new member's first posts wait for a youth worker",
)
async def create_topic(
    request: Request, db: Database, settings: AppSettings, data: JSONBody[TopicIn]
) -> TopicCreated:
    topic, first_post = await service.create_topic(db, current_user(request), data, settings)
    return TopicCreated(topic.id, first_post.id, first_post.status)  # type: ignore[arg-type]


@get("/api/v1/forum/topics/{topic_id:uuid}", guards=[signed_in], summary="A topic with a page of its posts")
async def read_topic(
    request: Request,
    db: Database,
    settings: AppSettings,
    topic_id: FromPath[uuid.UUID],
    cursor: FromQuery[str | None] = None,
    limit: PageLimit = 30,
) -> TopicOut:
    user = current_user(request)
    topic, posts, next_cursor = await service.read_topic(db, user, topic_id, limit=limit, cursor=cursor)
    names = await service.authors_of(db, [topic.author_id, *(post.author_id for post in posts)])
    reasons = await service.hide_reasons(db, user, posts)
    summary = topic_summary(topic, names)
    return TopicOut(
        **{field: getattr(summary, field) for field in summary.__struct_fields__},
        posts=PostPage([post_out(post, names, user, settings, reasons) for post in posts], next_cursor),
    )


@post(
    "/api/v1/forum/topics/{topic_id:uuid}/posts",
    guards=[signed_in],
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
    return Created(created.id, created.status)  # type: ignore[arg-type]


@patch(
    "/api/v1/forum/posts/{post_id:uuid}", guards=[signed_in], summary="Edit my post within the edit window"
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
    return post_out(edited, await service.authors_of(db, [edited.author_id]), user, settings)


@post(
    "/api/v1/forum/posts/{post_id:uuid}/flags",
    guards=[signed_in],
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


@get("/api/v1/forum/blocks", guards=[signed_in], summary="Members I have blocked")
async def list_blocks(request: Request, db: Database) -> BlockList:
    rows = await service.list_blocks(db, current_user(request))
    return BlockList([BlockedMember(user_id, name, at) for user_id, name, at in rows])


@post(
    "/api/v1/forum/blocks",
    guards=[signed_in],
    status_code=HTTP_204_NO_CONTENT,
    summary="Block a member: I no longer see them nor hear of their replies",
)
async def block_member(request: Request, db: Database, data: JSONBody[BlockIn]) -> None:
    await service.block_member(db, current_user(request), data.user_id)


@delete("/api/v1/forum/blocks/{user_id:uuid}", guards=[signed_in], summary="Unblock a member")
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
    list_blocks,
    block_member,
    unblock_member,
]
