"""The forum on the wire."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec

from server.accounts.schemas import Language, PlatformCode, Strict

PostStatus = Literal["visible", "pending", "hidden"]
ReportReason = Literal["spam", "bullying", "hate", "personal_information", "safety"]
# Posts may be written in any language the members share, not only the app's twelve.
LanguageTag = Annotated[str, msgspec.Meta(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*\Z", max_length=35)]
# PostgreSQL cannot store a NUL character in text: such input is refused, never a 500.
NO_NUL = r"^[^\x00]*\Z"
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=NO_NUL)]
Body = Annotated[str, msgspec.Meta(min_length=1, max_length=10_000, pattern=NO_NUL)]
CategoryText = Annotated[str, msgspec.Meta(min_length=1, max_length=500, pattern=NO_NUL)]
Comment = Annotated[str, msgspec.Meta(max_length=1000, pattern=NO_NUL)]


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


class TopicPage(msgspec.Struct):
    items: list[TopicSummary]
    next_cursor: str | None


class TopicOut(TopicSummary):
    """The topic as listed, with a page of its posts."""

    posts: PostPage


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
