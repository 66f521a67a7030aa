"""The forum's rules: who sees what, when a post waits for a youth worker, reports and blocks."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.models import MODERATORS, STAFF, AccountStatus, Role, User, UserPlatform
from server.audit.service import record_event
from server.db import insert_on_conflict, utcnow
from server.forum.formatting import contains_markup, render_post
from server.forum.models import (
    URGENT_REASONS,
    Block,
    Category,
    HoldReason,
    Mute,
    Post,
    PostStatus,
    Reaction,
    ReactionKind,
    Report,
    ReportReason,
    Topic,
    TopicRead,
)
from server.forum.schemas import CategoryIn, ReplyIn, TopicIn
from server.i18n import N_, SUPPORTED_LOCALES, message
from server.moderation.models import ModerationAction, PostAction
from server.notes.personal_information import find_spans
from server.notifications.models import NotificationEvent
from server.notifications.service import notify
from server.pagination import keyset_page
from server.problems import (
    DuplicateReport,
    EditWindowClosed,
    FieldError,
    IdTaken,
    InvalidInput,
    NotAllowed,
    NotFound,
    PostHidden,
    PostingPaused,
    TopicLocked,
    TopicPending,
)
from server.settings import Settings

Written = TypeVar("Written", Topic, Post)

# Links are what a forum is for; an e-mail address, a phone number, an IBAN or a social-media
# handle in a young person's post is what must wait for a youth worker.
HELD_KINDS = ("email", "phone_or_number", "iban", "handle")


def has_personal_information(text: str) -> bool:
    return any(span["kind"] in HELD_KINDS for span in find_spans(text, "body"))


# Who may do what


def moderates(user: User, platform_code: str | None) -> bool:
    """Youth workers moderate their platforms' categories; admins every one, network-wide included."""
    if user.role == Role.ADMIN:
        return True
    return (
        user.role == Role.YOUTH_WORKER and platform_code is not None and platform_code in user.platform_codes
    )


def may_see_category(user: User, category: Category) -> bool:
    return (
        category.platform_code is None
        or user.role == Role.ADMIN
        or category.platform_code in user.platform_codes
    )


def visible_categories_clause(user: User) -> sa.ColumnElement[bool]:
    if user.role == Role.ADMIN:
        return sa.true()
    return sa.or_(Category.platform_code.is_(None), Category.platform_code.in_(user.platform_codes))


def blocked_by(user: User) -> sa.Select[Any]:
    return sa.select(Block.blocked_id).where(Block.blocker_id == user.id)


def may_see_post(user: User, post: Post, category: Category) -> bool:
    if not may_see_category(user, category):
        return False
    return (
        post.status == PostStatus.VISIBLE
        or post.author_id == user.id
        or moderates(user, category.platform_code)
    )


async def _category(db: AsyncSession, user: User, category_id: uuid.UUID) -> Category:
    category = await db.get(Category, category_id)
    if category is None or not may_see_category(user, category):
        # Another platform's category answers like a missing one: its existence is not for outsiders.
        raise NotFound(message(N_("This forum category does not exist.")))
    return category


async def _topic(
    db: AsyncSession, user: User, topic_id: uuid.UUID, *, for_update: bool = False
) -> tuple[Topic, Category, str | None]:
    """The topic, its category and its author's name, if the member may see it: one statement."""
    author_blocked = (
        sa.exists().where(Block.blocker_id == user.id, Block.blocked_id == Topic.author_id).label("blocked")
    )
    query = (
        sa.select(Topic, Category, User.display_name, author_blocked)
        .join(Category, Category.id == Topic.category_id)
        .outerjoin(User, User.id == Topic.author_id)
        .where(Topic.id == topic_id)
    )
    if for_update:
        query = query.with_for_update(of=Topic)
    row = (await db.execute(query)).one_or_none()
    if row is None:
        raise NotFound(message(N_("This topic does not exist.")))
    topic, category, author_name, blocked = row
    if (
        not may_see_category(user, category)
        or not (
            topic.status == PostStatus.VISIBLE
            or topic.author_id == user.id
            or moderates(user, category.platform_code)
        )
        or (topic.author_id != user.id and blocked)
    ):
        raise NotFound(message(N_("This topic does not exist.")))
    return topic, category, author_name


async def post_with_category(
    db: AsyncSession, user: User, post_id: uuid.UUID, *, for_update: bool = False
) -> tuple[Post, Topic, Category]:
    post = await db.get(Post, post_id, with_for_update=for_update)
    # The topic is locked with the post: its reply count changes with the post's status.
    topic = await db.get(Topic, post.topic_id, with_for_update=for_update) if post else None
    category = await db.get(Category, topic.category_id) if topic else None
    if (
        post is None
        or topic is None
        or category is None
        or not may_see_post(user, post, category)
        # A reply in a topic the reader cannot see is out of reach too, whatever its own status.
        or not (
            topic.status == PostStatus.VISIBLE
            or topic.author_id == user.id
            or moderates(user, category.platform_code)
        )
    ):
        raise NotFound(message(N_("This post does not exist.")))
    return post, topic, category


async def ensure_may_post(db: AsyncSession, user: User) -> None:
    mute = await db.get(Mute, user.id)
    if mute is not None and mute.until > utcnow():
        raise PostingPaused(
            message(
                N_("A youth worker has paused your posting until {until}. The reason they gave: {reason}"),
                until=mute.until,
                reason=mute.reason,
            )
        )


# Categories


async def list_categories(db: AsyncSession, user: User) -> list[Category]:
    query = (
        sa.select(Category)
        .where(visible_categories_clause(user))
        # Network-wide categories first, then the member's platforms, each in its set order.
        .order_by(Category.platform_code.is_not(None), Category.platform_code, Category.position, Category.id)
    )
    return list(await db.scalars(query))


async def create_category(db: AsyncSession, admin: User, data: CategoryIn) -> Category:
    errors = [
        FieldError(f"{field}.{locale}", message(N_("This field is required.")))
        for field, texts in (("names", data.names), ("descriptions", data.descriptions))
        for locale in SUPPORTED_LOCALES
        if not texts.get(locale, "").strip()
    ]
    if errors:
        raise InvalidInput(
            message(N_("A category needs a name and a description in every language.")), errors=errors
        )
    category = Category(
        platform_code=data.platform,
        names={locale: text.strip() for locale, text in data.names.items()},
        descriptions={locale: text.strip() for locale, text in data.descriptions.items()},
        position=data.position,
    )
    db.add(category)
    record_event(db, "forum.category_created", actor_id=admin.id, platform_code=data.platform)
    try:
        await db.flush()
    except IntegrityError:
        raise InvalidInput(
            errors=[FieldError("platform", message(N_("This platform does not exist.")))]
        ) from None
    return category


# Topics and posts


def _checked_body(body: str, field: str = "body") -> str:
    text = body.strip()
    if not text:
        raise InvalidInput(errors=[FieldError(field, message(N_("Write something before you post.")))])
    if contains_markup(text):
        raise InvalidInput(
            errors=[
                FieldError(
                    field,
                    message(
                        N_(
                            "Posts are plain text: HTML tags are not allowed. "
                            "Use an empty line between paragraphs and - for lists."
                        )
                    ),
                )
            ]
        )
    return text


async def _status_for_new_post(
    db: AsyncSession, author: User, body: str, settings: Settings
) -> tuple[PostStatus, HoldReason | None]:
    # The people who keep the forum safe need no approval; staff are trusted from their first
    # post, young members earn it (issue: trust).
    if author.role in MODERATORS:
        return PostStatus.VISIBLE, None
    # An e-mail address, a phone number or a handle in a young person's post waits for a
    # youth worker: once public, it cannot be taken back.
    if has_personal_information(body):
        return PostStatus.PENDING, HoldReason.PERSONAL_INFORMATION
    if author.role not in STAFF:
        approved = await db.scalar(
            sa.select(sa.func.count())
            .select_from(Post)
            .where(Post.author_id == author.id, Post.status == PostStatus.VISIBLE)
        )
        if (approved or 0) < settings.forum_posts_before_trust:
            return PostStatus.PENDING, HoldReason.NEW_MEMBER
    return PostStatus.VISIBLE, None


async def _replayed(
    db: AsyncSession, model: type[Written], item_id: uuid.UUID | None, author: User
) -> Written | None:
    """A write sent again with the id the device gave it is answered with what was stored, never twice."""
    if item_id is None:
        return None
    existing = await db.get(model, item_id)
    if existing is not None and existing.author_id != author.id:
        raise IdTaken(message(N_("This id is already taken. Please try again.")))
    return existing


async def create_topic(
    db: AsyncSession, author: User, data: TopicIn, settings: Settings
) -> tuple[Topic, Post]:
    replayed = await _replayed(db, Topic, data.id, author)
    if isinstance(replayed, Topic):
        first_post = await db.get(Post, replayed.first_post_id)
        assert first_post is not None
        return replayed, first_post
    await ensure_may_post(db, author)
    category = await _category(db, author, data.category_id)
    title = data.title.strip()
    if not title:
        raise InvalidInput(errors=[FieldError("title", message(N_("Give your topic a title.")))])
    if contains_markup(title):
        raise InvalidInput(
            errors=[FieldError("title", message(N_("A title is plain text: HTML tags are not allowed.")))]
        )
    body = _checked_body(data.body)
    status, held_for = await _status_for_new_post(db, author, f"{title}\n{body}", settings)
    now = utcnow()
    topic = Topic(
        id=data.id or uuid.uuid4(),
        category_id=category.id,
        author_id=author.id,
        title=title,
        language=data.language,
        status=status,
        created_at=now,
        last_post_at=now,
    )
    post = Post(
        topic_id=topic.id,
        author_id=author.id,
        body=body,
        body_html=render_post(body),
        language=data.language,
        status=status,
        held_for=held_for,
        created_at=now,
    )
    topic.first_post_id = post.id = uuid.uuid4()
    try:
        async with db.begin_nested():
            db.add(topic)
            await db.flush()
            db.add(post)
            await db.flush()
    except IntegrityError:
        # The same topic sent twice at once, the other copy stored first: answer with it.
        stored = await _replayed(db, Topic, data.id, author)
        first_post = await db.get(Post, stored.first_post_id) if stored else None
        if stored is None or first_post is None:
            raise
        return stored, first_post
    # Its author has read it: their own topic is not "new" to them.
    await mark_read(db, author, topic.id, now)
    return topic, post


async def reply(
    db: AsyncSession, author: User, topic_id: uuid.UUID, data: ReplyIn, settings: Settings
) -> Post:
    # The topic's row is locked first: two copies of one reply sent at once queue here, and
    # the second finds the first.
    topic, category, _ = await _topic(db, author, topic_id, for_update=True)
    replayed = await _replayed(db, Post, data.id, author)
    if isinstance(replayed, Post):
        return replayed
    await ensure_may_post(db, author)
    if topic.status != PostStatus.VISIBLE:
        raise TopicPending(message(N_("You can reply once a youth worker has approved this topic.")))
    if topic.is_locked and not moderates(author, category.platform_code):
        raise TopicLocked(message(N_("This topic is locked: no new replies.")))
    body = _checked_body(data.body)
    status, held_for = await _status_for_new_post(db, author, body, settings)
    post = Post(
        id=data.id or uuid.uuid4(),
        topic_id=topic.id,
        author_id=author.id,
        body=body,
        body_html=render_post(body),
        language=data.language or author.language,
        status=status,
        held_for=held_for,
        created_at=utcnow(),
    )
    db.add(post)
    if status == PostStatus.VISIBLE:
        await reply_became_visible(db, topic, post)
    await db.flush()
    return post


async def reply_became_visible(db: AsyncSession, topic: Topic, post: Post) -> None:
    """Counts the reply and tells the topic's author, unless they wrote it or blocked its writer."""
    topic.reply_count += 1
    topic.last_post_at = max(topic.last_post_at, post.created_at)
    if topic.author_id is None or topic.author_id == post.author_id:
        return
    blocked = await db.scalar(
        sa.select(Block.blocker_id).where(
            Block.blocker_id == topic.author_id, Block.blocked_id == post.author_id
        )
    )
    if blocked is None:
        await notify(
            db,
            recipient_ids=[topic.author_id],
            event=NotificationEvent.TOPIC_REPLY,
            params={},
            link=topic_link(topic.id),
        )


def take_out_of_view(topic: Topic, post: Post, status: PostStatus, held_for: HoldReason | None) -> None:
    """A post is held or hidden: a topic's opening post takes the topic with it; a reply that
    was visible counts one reply less."""
    was_visible = post.status == PostStatus.VISIBLE
    post.status, post.held_for = status, held_for
    if topic.first_post_id == post.id:
        topic.status = status
    elif was_visible and topic.reply_count > 0:
        topic.reply_count -= 1


def topic_link(topic_id: uuid.UUID) -> str:
    return f"/#/forum/t/{topic_id}"


async def edit_post(
    db: AsyncSession, author: User, post_id: uuid.UUID, body: str, settings: Settings
) -> Post:
    post, topic, _ = await post_with_category(db, author, post_id, for_update=True)
    if post.author_id != author.id:
        raise NotAllowed(message(N_("Only the author can edit a post.")))
    if post.status == PostStatus.HIDDEN:
        raise PostHidden(message(N_("A youth worker has hidden this post: it cannot be edited.")))
    if utcnow() > post.editable_until(settings.forum_edit_minutes):
        raise EditWindowClosed(message(N_("The time to edit this post has passed.")))
    await ensure_may_post(db, author)
    text = _checked_body(body)
    if text == post.body:
        return post
    post.body = text
    post.body_html = render_post(text)
    post.edited_at = utcnow()
    # An edit can bring in what the first version did not have: the guard looks again.
    if post.status == PostStatus.VISIBLE and has_personal_information(text) and author.role not in MODERATORS:
        take_out_of_view(topic, post, PostStatus.PENDING, HoldReason.PERSONAL_INFORMATION_IN_EDIT)
    await db.flush()
    return post


async def list_topics(
    db: AsyncSession, user: User, category_id: uuid.UUID, *, limit: int, cursor: str | None
) -> tuple[list[tuple[Topic, dt.datetime | None, int]], str | None, dict[uuid.UUID, str | None]]:
    """A page of the category's topics, each with when the member last read it and how many
    replies came since, and their authors' names, all read in the page's one statement."""
    await _category(db, user, category_id)
    unread_replies = (
        sa.select(sa.func.count())
        .select_from(Post)
        .where(
            Post.topic_id == Topic.id,
            Post.id != Topic.first_post_id,
            # Seen through `|| ''`, out of ix_forum_posts_waiting's reach: SQLite, which keeps
            # no statistics, would count each topic's replies among every visible post of the
            # forum through it, not among the topic's own through ix_forum_posts_reading
            # (0.9 s of CPU a page of 50 at 11,000 posts).
            sa.type_coerce(Post.status, sa.Text).concat("") == PostStatus.VISIBLE.value,
            Post.author_id != user.id,
            Post.author_id.not_in(blocked_by(user)),
            sa.or_(TopicRead.read_up_to.is_(None), Post.created_at > TopicRead.read_up_to),
        )
        .correlate(Topic, TopicRead)
        .scalar_subquery()
    )
    query = (
        sa.select(Topic, User.display_name, TopicRead.read_up_to, unread_replies)
        .outerjoin(User, User.id == Topic.author_id)
        .outerjoin(TopicRead, sa.and_(TopicRead.topic_id == Topic.id, TopicRead.user_id == user.id))
        .where(
            Topic.category_id == category_id,
            sa.or_(
                Topic.status == PostStatus.VISIBLE,
                sa.and_(Topic.status == PostStatus.PENDING, Topic.author_id == user.id),
            ),
            sa.or_(Topic.author_id.is_(None), Topic.author_id.not_in(blocked_by(user))),
        )
    )
    pinned: list[tuple[Any, ...]] = []
    if not cursor:
        # Pinned topics head the first page; the pages after it walk the rest.
        pinned = [
            tuple(row)
            for row in await db.execute(query.where(Topic.is_pinned).order_by(Topic.last_post_at.desc()))
        ]
    rows, next_cursor = await keyset_page(
        db,
        query.where(sa.not_(Topic.is_pinned)),
        key=(Topic.last_post_at, Topic.id),
        cursor=cursor,
        limit=limit,
    )
    rows = pinned + rows
    listed = [(topic, read_up_to, unread or 0) for topic, _, read_up_to, unread in rows]
    return listed, next_cursor, _names((topic, name) for topic, name, _, _ in rows)


async def read_topic(
    db: AsyncSession, user: User, topic_id: uuid.UUID, *, limit: int, cursor: str | None
) -> tuple[Topic, list[Post], str | None, dict[uuid.UUID, str | None]]:
    """The topic, a page of its posts, and the names of their authors, read with them: two
    statements however long the page."""
    topic, category, topic_author = await _topic(db, user, topic_id)
    query = (
        sa.select(Post, User.display_name)
        .outerjoin(User, User.id == Post.author_id)
        .where(
            Post.topic_id == topic.id,
            sa.or_(Post.author_id.is_(None), Post.author_id.not_in(blocked_by(user))),
        )
    )
    if not moderates(user, category.platform_code):
        # Authors see their own waiting and hidden posts, the latter with the moderator's reason.
        query = query.where(sa.or_(Post.status == PostStatus.VISIBLE, Post.author_id == user.id))
    rows, next_cursor = await keyset_page(
        db, query, key=(Post.created_at, Post.id), cursor=cursor, limit=limit, newest_first=False
    )
    names = _names([(topic, topic_author), *rows])
    return topic, [post for post, _ in rows], next_cursor, names


# Reading: how far each member has read each topic


async def read_up_to(db: AsyncSession, user: User, topic: Topic, posts: list[Post]) -> dt.datetime | None:
    """The newest post of a page just shown, if it moves the member's reading mark forward;
    None when the mark is there already (so reading an old page again writes nothing)."""
    shown = max((post.created_at for post in posts), default=topic.created_at)
    stored = await db.scalar(
        sa.select(TopicRead.read_up_to).where(TopicRead.user_id == user.id, TopicRead.topic_id == topic.id)
    )
    return shown if stored is None or shown > stored else None


async def mark_read(db: AsyncSession, user: User, topic_id: uuid.UUID, up_to: dt.datetime) -> None:
    """Moves the reading mark forward, never back: two pages read in any order, or at once,
    leave the newer mark."""
    insert = insert_on_conflict(db, TopicRead).values(user_id=user.id, topic_id=topic_id, read_up_to=up_to)
    await db.execute(
        insert.on_conflict_do_update(
            index_elements=[TopicRead.user_id, TopicRead.topic_id],
            set_={"read_up_to": insert.excluded.read_up_to},
            where=TopicRead.read_up_to < insert.excluded.read_up_to,
        )
    )


# Reactions


ReactionTally = dict[uuid.UUID, dict[ReactionKind, tuple[int, bool]]]


async def reactions_to(db: AsyncSession, viewer: User, post_ids: Iterable[uuid.UUID]) -> ReactionTally:
    """Each post's reactions by kind: how many, and whether the viewer is among them; one
    statement for a page. Reactions of members the viewer blocked are not counted: they are
    out of the viewer's sight like their posts."""
    wanted = list(post_ids)
    if not wanted:
        return {}
    query = (
        sa.select(
            Reaction.post_id,
            Reaction.kind,
            sa.func.count(),
            sa.func.sum(sa.case((Reaction.user_id == viewer.id, 1), else_=0)),
        )
        .where(
            Reaction.post_id.in_(wanted),
            Reaction.withdrawn_at.is_(None),
            Reaction.user_id.not_in(blocked_by(viewer)),
        )
        .group_by(Reaction.post_id, Reaction.kind)
    )
    tally: ReactionTally = {}
    for post_id, kind, count, mine in await db.execute(query):
        tally.setdefault(post_id, {})[ReactionKind(kind)] = (count, bool(mine))
    return tally


async def _post_to_react_to(db: AsyncSession, user: User, post_id: uuid.UUID) -> tuple[Post, Topic]:
    post, topic, _ = await post_with_category(db, user, post_id)
    # A blocked member's posts are out of the blocker's sight: reacting to one is like to a missing post.
    if post.author_id is not None and await db.get(Block, (user.id, post.author_id)) is not None:
        raise NotFound(message(N_("This post does not exist.")))
    return post, topic


async def react(db: AsyncSession, user: User, post_id: uuid.UUID, kind: ReactionKind) -> ReactionTally:
    """Adds the member's reaction; the same reaction again changes nothing. Its author hears of
    it once per member and kind, however often it is taken back and given again."""
    post, topic = await _post_to_react_to(db, user, post_id)
    if post.status != PostStatus.VISIBLE or topic.status != PostStatus.VISIBLE:
        # Only what everyone can read takes reactions: a held post's author and its moderators
        # see it, but a reaction would tell of it before it is published, or after it was hidden.
        raise PostHidden(message(N_("You can react to a post once everyone can see it.")))
    await ensure_may_post(db, user)
    # ON CONFLICT DO NOTHING: of two identical reactions sent at once, one row is stored and only
    # the one that stored it tells the author.
    stored = await db.execute(
        insert_on_conflict(db, Reaction)
        .values(post_id=post.id, user_id=user.id, kind=kind, created_at=utcnow(), withdrawn_at=None)
        .on_conflict_do_nothing()
        .returning(Reaction.post_id)
    )
    if stored.first() is None:
        await db.execute(
            sa.update(Reaction)
            .where(Reaction.post_id == post.id, Reaction.user_id == user.id, Reaction.kind == kind)
            .values(withdrawn_at=None)
        )
    elif post.author_id is not None and post.author_id != user.id:
        blocked_by_author = await db.get(Block, (post.author_id, user.id))
        if blocked_by_author is None:
            await notify(
                db,
                recipient_ids=[post.author_id],
                event=NotificationEvent.POST_REACTION,
                params={"kind": kind.value},
                link=topic_link(post.topic_id),
            )
    return await reactions_to(db, user, [post.id])


async def take_back_reaction(
    db: AsyncSession, user: User, post_id: uuid.UUID, kind: ReactionKind
) -> ReactionTally:
    """Withdraws the member's reaction, if any: taking back what is not there is no error."""
    post, _, _ = await post_with_category(db, user, post_id)
    await db.execute(
        sa.update(Reaction)
        .where(
            Reaction.post_id == post.id,
            Reaction.user_id == user.id,
            Reaction.kind == kind,
            Reaction.withdrawn_at.is_(None),
        )
        .values(withdrawn_at=utcnow())
    )
    return await reactions_to(db, user, [post.id])


def _names(rows: Iterable[tuple[Topic | Post, str | None]]) -> dict[uuid.UUID, str | None]:
    """Authors' names by id, from rows read with them."""
    return {written.author_id: name for written, name in rows if written.author_id is not None}


async def hide_reasons(db: AsyncSession, viewer: User, posts: list[Post]) -> dict[uuid.UUID, str]:
    """Why each of the viewer's own hidden posts was hidden: the member is told, not left guessing."""
    hidden = [post.id for post in posts if post.status == PostStatus.HIDDEN and post.author_id == viewer.id]
    if not hidden:
        return {}
    query = (
        sa.select(ModerationAction.post_id, ModerationAction.reason)
        .where(ModerationAction.post_id.in_(hidden), ModerationAction.action == PostAction.HIDE)
        .order_by(ModerationAction.created_at)
    )
    return {post_id: reason for post_id, reason in await db.execute(query) if post_id is not None}


async def authors_of(db: AsyncSession, author_ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str | None]:
    wanted = {author_id for author_id in author_ids if author_id is not None}
    if not wanted:
        return {}
    rows = await db.execute(sa.select(User.id, User.display_name).where(User.id.in_(wanted)))
    return {row.id: row.display_name for row in rows}


# Reports


async def report_post(
    db: AsyncSession,
    reporter: User,
    post_id: uuid.UUID,
    reason: ReportReason,
    comment: str,
    settings: Settings,
) -> tuple[Report, bool]:
    if reason in URGENT_REASONS:
        post, topic, category = await post_for_urgent_report(db, reporter, post_id)
    else:
        post, topic, category = await post_with_category(db, reporter, post_id, for_update=True)
    if post.author_id == reporter.id:
        raise InvalidInput(errors=[FieldError("post", message(N_("You cannot report your own post.")))])
    already = await db.scalar(
        sa.select(Report.id).where(Report.post_id == post.id, Report.reporter_id == reporter.id)
    )
    if already is not None:
        raise DuplicateReport(
            message(N_("You have already reported this post. A youth worker will look at it."))
        )
    report = Report(post_id=post.id, reporter_id=reporter.id, reason=reason, comment=comment.strip())
    db.add(report)
    try:
        await db.flush()
    except IntegrityError:
        # Two taps of one member racing each other: the second is the same report.
        raise DuplicateReport(
            message(N_("You have already reported this post. A youth worker will look at it."))
        ) from None
    reporters = await db.scalar(
        sa.select(sa.func.count(sa.distinct(Report.reporter_id))).where(
            Report.post_id == post.id, Report.resolved_at.is_(None)
        )
    )
    hidden_now = post.status == PostStatus.VISIBLE and (reporters or 0) >= settings.forum_reports_to_hide
    if hidden_now:
        take_out_of_view(topic, post, PostStatus.PENDING, HoldReason.REPORTS)
    record_event(
        db,
        "forum.post_reported",
        actor_id=reporter.id,
        subject_id=post.author_id,
        platform_code=category.platform_code,
        post_id=str(post.id),
        reason=reason,
        hidden=hidden_now,
    )
    if reason in URGENT_REASONS:
        await notify(
            db,
            recipient_ids=await moderators_of(db, category.platform_code),
            event=NotificationEvent.URGENT_REPORT,
            params={},
            link="/#/moderation",
        )
    await db.flush()
    return report, hidden_now


def is_hidden_by_reports(post: Post) -> bool:
    return post.status == PostStatus.PENDING and post.held_for == HoldReason.REPORTS


async def post_for_urgent_report(
    db: AsyncSession, reporter: User, post_id: uuid.UUID
) -> tuple[Post, Topic, Category]:
    """The post an urgent report names, also when reports have already hidden it.

    Someone in danger must still reach a youth worker about a post they saw before reports
    took it (or its topic) out of view, so in a category the reporter can see, a post that was
    in view until reports hid it stays reportable as urgent. Anything else out of view (held
    before anyone saw it, hidden by a youth worker) answers like a missing post.
    """
    try:
        return await post_with_category(db, reporter, post_id, for_update=True)
    except NotFound:
        post = await db.get(Post, post_id, with_for_update=True)
        topic = await db.get(Topic, post.topic_id, with_for_update=True) if post else None
        category = await db.get(Category, topic.category_id) if topic else None
        if post is None or topic is None or category is None or not may_see_category(reporter, category):
            raise
        opening_post = post if topic.first_post_id == post.id else await db.get(Post, topic.first_post_id)
        topic_was_in_view = topic.status == PostStatus.VISIBLE or (
            opening_post is not None and is_hidden_by_reports(opening_post)
        )
        post_was_in_view = post.status == PostStatus.VISIBLE or is_hidden_by_reports(post)
        if not (topic_was_in_view and post_was_in_view):
            raise
        return post, topic, category


async def moderators_of(db: AsyncSession, platform_code: str | None) -> list[uuid.UUID]:
    """The platform's youth workers; the admins for network-wide categories."""
    if platform_code is None:
        query = sa.select(User.id).where(User.role == Role.ADMIN, User.status == AccountStatus.ACTIVE)
    else:
        query = (
            sa.select(User.id)
            .join(UserPlatform, UserPlatform.user_id == User.id)
            .where(
                User.role == Role.YOUTH_WORKER,
                User.status == AccountStatus.ACTIVE,
                UserPlatform.platform_code == platform_code,
            )
        )
    return list(await db.scalars(query))


# Blocks


def seen_by(user: User) -> sa.ColumnElement[bool]:
    """Whether a person (a row of users) is someone the member can come across: a member of
    one of their platforms, or the author of a post they can read in a network-wide category.
    Admins see every category and so everyone. Nobody else's name, role or existence is told."""
    if user.role == Role.ADMIN:
        return sa.true()
    shares_a_platform = User.id.in_(
        sa.select(UserPlatform.user_id).where(UserPlatform.platform_code.in_(user.platform_codes))
    )
    wrote_where_seen = (
        sa.select(Post.id)
        .join(Topic, Topic.id == Post.topic_id)
        .join(Category, Category.id == Topic.category_id)
        .where(
            Post.author_id == User.id,
            Post.status == PostStatus.VISIBLE,
            Topic.status == PostStatus.VISIBLE,
            visible_categories_clause(user),
        )
        .exists()
    )
    return sa.or_(shares_a_platform, wrote_where_seen)


async def block_member(db: AsyncSession, user: User, blocked_id: uuid.UUID) -> None:
    if blocked_id == user.id:
        raise InvalidInput(errors=[FieldError("user_id", message(N_("You cannot block yourself.")))])
    if await db.get(Block, (user.id, blocked_id)) is not None:
        return
    # Someone the member could never have seen answers like nobody: a guessed or leaked id
    # must not tell that the person exists, nor whether they are staff.
    target = await db.scalar(
        sa.select(User).where(User.id == blocked_id, User.status != AccountStatus.ERASED, seen_by(user))
    )
    if target is None:
        raise NotFound(message(N_("This member does not exist.")))
    # The people who keep the forum safe cannot be blocked.
    if target.role in MODERATORS:
        raise InvalidInput(
            errors=[
                FieldError(
                    "user_id",
                    message(N_("Youth workers and admins cannot be blocked: they keep the forum safe.")),
                )
            ]
        )
    try:
        async with db.begin_nested():
            db.add(Block(blocker_id=user.id, blocked_id=blocked_id))
            await db.flush()
    except IntegrityError:
        # The same block sent twice at once: one is enough.
        return


async def unblock_member(db: AsyncSession, user: User, blocked_id: uuid.UUID) -> None:
    await db.execute(sa.delete(Block).where(Block.blocker_id == user.id, Block.blocked_id == blocked_id))


async def list_blocks(db: AsyncSession, user: User) -> list[tuple[uuid.UUID, str | None, dt.datetime]]:
    """The members the member blocked; the name only of those they can still come across."""
    query = (
        sa.select(Block.blocked_id, sa.case((seen_by(user), User.display_name), else_=None), Block.created_at)
        .join(User, User.id == Block.blocked_id)
        .where(Block.blocker_id == user.id)
        .order_by(Block.created_at.desc())
    )
    return [(row[0], row[1], row[2]) for row in await db.execute(query)]


# A member's own data: what they get on request and what erasure takes away


# What stays of a topic whose author was erased: the replies of others, under no words of theirs.
ERASED_TITLE = "…"


async def posts_of(db: AsyncSession, user: User) -> list[Post]:
    return list(await db.scalars(sa.select(Post).where(Post.author_id == user.id).order_by(Post.created_at)))


async def reports_by(db: AsyncSession, user: User) -> list[Report]:
    return list(
        await db.scalars(sa.select(Report).where(Report.reporter_id == user.id).order_by(Report.created_at))
    )


async def reactions_by(db: AsyncSession, user: User) -> list[Reaction]:
    return list(
        await db.scalars(sa.select(Reaction).where(Reaction.user_id == user.id).order_by(Reaction.created_at))
    )


async def topics_read_by(db: AsyncSession, user: User) -> list[TopicRead]:
    return list(await db.scalars(sa.select(TopicRead).where(TopicRead.user_id == user.id)))


async def forget_person(db: AsyncSession, user_id: uuid.UUID) -> None:
    """Erasure: the member's posts go. A topic they opened stays for the replies of others,
    nameless and with its opening post emptied and hidden; with no such replies it goes too."""
    own_topics = sa.select(Topic.id).where(Topic.author_id == user_id)
    others_replied = sa.select(Post.topic_id).where(Post.topic_id.in_(own_topics), Post.author_id != user_id)
    await db.execute(sa.delete(Topic).where(Topic.author_id == user_id, Topic.id.not_in(others_replied)))
    await db.execute(
        sa.update(Post)
        .where(Post.author_id == user_id, Post.id.in_(sa.select(Topic.first_post_id)))
        .values(body="", body_html="", status=PostStatus.HIDDEN, held_for=None, author_id=None)
    )
    replied_in = list(await db.scalars(sa.select(Post.topic_id).where(Post.author_id == user_id).distinct()))
    await db.execute(sa.delete(Post).where(Post.author_id == user_id))
    # A title may name the person ("Amina, 15, from Aleppo"): it goes with them.
    await db.execute(
        sa.update(Topic).where(Topic.author_id == user_id).values(author_id=None, title=ERASED_TITLE)
    )
    if replied_in:
        visible_replies = (
            sa.select(sa.func.count())
            .where(
                Post.topic_id == Topic.id, Post.status == PostStatus.VISIBLE, Post.id != Topic.first_post_id
            )
            .scalar_subquery()
        )
        await db.execute(sa.update(Topic).where(Topic.id.in_(replied_in)).values(reply_count=visible_replies))
    await db.execute(
        sa.update(Report).where(Report.reporter_id == user_id).values(reporter_id=None, comment="")
    )
    await db.execute(sa.delete(Block).where(sa.or_(Block.blocker_id == user_id, Block.blocked_id == user_id)))
    await db.execute(sa.delete(Mute).where(Mute.user_id == user_id))
    await db.execute(sa.delete(Reaction).where(Reaction.user_id == user_id))
    await db.execute(sa.delete(TopicRead).where(TopicRead.user_id == user_id))
