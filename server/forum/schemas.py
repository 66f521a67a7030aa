"""The forum on the wire."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

import msgspec

from server.accounts.models import User
from server.forum.models import Category, Post, PostStatus, ReactionKind, ReportReason, Topic
from server.platforms.schemas import platform_name
from server.settings import Settings
from server.wire import Language, PlatformCode, Strict

# Posts may be written in any language the members share, not only the app's twelve.
LanguageTag = Annotated[str, msgspec.Meta(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*\Z", max_length=35)]
# A NUL character, which PostgreSQL cannot store, is refused for every field in one place
# (server.problems.refuse_unstorable_text).
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Body = Annotated[str, msgspec.Meta(min_length=1, max_length=10_000)]
CategoryText = Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
Comment = Annotated[str, msgspec.Meta(max_length=1000)]


class CategoryIn(Strict):
    platform: PlatformCode | None
    names: dict[Language, CategoryText]
    descriptions: dict[Language, CategoryText]
    position: Annotated[int, msgspec.Meta(ge=0, le=1000)] = 0


class CategoryOut(msgspec.Struct):
    id: uuid.UUID
    platform: str | None
    name: str
    description: str
    position: int
    # The platform's name in the reader's language (the country; the network for network-wide
    # categories): an admin sees every platform's "Meet and talk" and must tell them apart.
    platform_name: str

    @classmethod
    def from_model(cls, category: Category, locale: str) -> CategoryOut:
        return cls(
            id=category.id,
            platform=category.platform_code,
            name=category.names.get(locale) or category.names.get("en", ""),
            description=category.descriptions.get(locale) or category.descriptions.get("en", ""),
            position=category.position,
            platform_name=platform_name(category.platform_code, locale),
        )


class CategoryList(msgspec.Struct):
    items: list[CategoryOut]
    next_cursor: str | None = None


class TopicIn(Strict, kw_only=True):
    # Made by the device, as for notes: a topic sent again after a lost answer is not a second one.
    id: uuid.UUID | None = None
    category_id: uuid.UUID
    title: Title
    body: Body
    language: LanguageTag


class ReplyIn(Strict, kw_only=True):
    id: uuid.UUID | None = None
    body: Body
    # The member's own language when left out.
    language: LanguageTag | None = None


class PostEditIn(Strict):
    body: Body


class Created(msgspec.Struct):
    id: uuid.UUID
    status: PostStatus


class TopicCreated(msgspec.Struct):
    id: uuid.UUID
    first_post_id: uuid.UUID
    status: PostStatus


class Author(msgspec.Struct):
    # Null once the member is erased: their posts stay, their name does not.
    id: uuid.UUID | None
    display_name: str | None

    @classmethod
    def named(cls, author_id: uuid.UUID | None, names: dict[uuid.UUID, str | None]) -> Author:
        return cls(author_id, names.get(author_id) if author_id else None)


class ReactionCount(msgspec.Struct):
    kind: ReactionKind
    count: int
    # Whether the reader is among them.
    mine: bool


class Reactions(msgspec.Struct):
    post_id: uuid.UUID
    items: list[ReactionCount]


def reaction_counts(counts: dict[ReactionKind, tuple[int, bool]]) -> list[ReactionCount]:
    """Every kind, in the vocabulary's order, with nobody's reaction counted as zero."""
    return [ReactionCount(kind, *counts.get(kind, (0, False))) for kind in ReactionKind]


class PostOut(msgspec.Struct):
    id: uuid.UUID
    topic_id: uuid.UUID
    author: Author
    body: str
    body_html: str
    language: str
    status: PostStatus
    held_for: str | None
    created_at: dt.datetime
    edited_at: dt.datetime | None
    # Until when the author may still edit it; null for everyone else.
    editable_until: dt.datetime | None
    # For the author of a hidden post: why the youth worker hid it.
    moderation_reason: str | None = None
    # Each kind of reaction with its count, and whether the reader gave it.
    reactions: list[ReactionCount] = msgspec.field(default_factory=list)

    @classmethod
    def from_model(
        cls,
        post: Post,
        names: dict[uuid.UUID, str | None],
        viewer: User,
        settings: Settings,
        hide_reasons: dict[uuid.UUID, str] | None = None,
        reactions: dict[uuid.UUID, dict[ReactionKind, tuple[int, bool]]] | None = None,
    ) -> PostOut:
        return cls(
            id=post.id,
            topic_id=post.topic_id,
            author=Author.named(post.author_id, names),
            body=post.body,
            body_html=post.body_html,
            language=post.language,
            status=post.status,
            held_for=post.held_for,
            created_at=post.created_at,
            edited_at=post.edited_at,
            editable_until=post.editable_until(settings.forum_edit_minutes)
            if post.author_id == viewer.id
            else None,
            moderation_reason=(hide_reasons or {}).get(post.id),
            reactions=reaction_counts((reactions or {}).get(post.id, {})),
        )


class PostPage(msgspec.Struct):
    items: list[PostOut]
    next_cursor: str | None


class TopicSummary(msgspec.Struct):
    id: uuid.UUID
    category_id: uuid.UUID
    title: str
    language: str
    author: Author
    status: PostStatus
    is_pinned: bool
    is_locked: bool
    reply_count: int
    created_at: dt.datetime
    last_post_at: dt.datetime

    @classmethod
    def from_model(cls, topic: Topic, names: dict[uuid.UUID, str | None]) -> TopicSummary:
        return cls(**_topic_fields(topic, names))


class ListedTopic(TopicSummary):
    """A topic in its category's list, with how much of it the reader has not read yet."""

    # When the reader last opened it; null if they never have ("new").
    last_read_at: dt.datetime | None
    # Visible replies by others (not by members the reader blocked) since then; all of them if never opened.
    unread_replies: int

    @classmethod
    def listed(
        cls,
        topic: Topic,
        names: dict[uuid.UUID, str | None],
        last_read_at: dt.datetime | None,
        unread_replies: int,
    ) -> ListedTopic:
        return cls(**_topic_fields(topic, names), last_read_at=last_read_at, unread_replies=unread_replies)


class TopicPage(msgspec.Struct):
    items: list[ListedTopic]
    next_cursor: str | None


class TopicOut(TopicSummary):
    """The topic as listed, with a page of its posts."""

    posts: PostPage

    @classmethod
    def with_posts(cls, topic: Topic, names: dict[uuid.UUID, str | None], posts: PostPage) -> TopicOut:
        return cls(**_topic_fields(topic, names), posts=posts)


def _topic_fields(topic: Topic, names: dict[uuid.UUID, str | None]) -> dict[str, Any]:
    """A topic's fields as listed: TopicSummary's, which TopicOut shares."""
    return {
        "id": topic.id,
        "category_id": topic.category_id,
        "title": topic.title,
        "language": topic.language,
        "author": Author.named(topic.author_id, names),
        "status": topic.status,
        "is_pinned": topic.is_pinned,
        "is_locked": topic.is_locked,
        "reply_count": topic.reply_count,
        "created_at": topic.created_at,
        "last_post_at": topic.last_post_at,
    }


class ReportIn(Strict):
    reason: ReportReason
    comment: Comment = ""


class ReportOut(msgspec.Struct):
    id: uuid.UUID
    post_id: uuid.UUID
    reason: ReportReason
    # True when the report reached the platform's youth workers as urgent.
    urgent: bool
    # True when this report was the one that hid the post until a youth worker looks.
    post_hidden: bool


class BlockIn(Strict):
    user_id: uuid.UUID


class BlockedMember(msgspec.Struct):
    user_id: uuid.UUID
    display_name: str | None
    blocked_at: dt.datetime


class BlockList(msgspec.Struct):
    items: list[BlockedMember]
    next_cursor: str | None = None
