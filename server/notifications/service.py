"""The rules of notifications: which events exist and who may get them, what their titles say,
each person's choices, and `notify`, which other domains call inside their own transaction.

A notification never carries what a note or a post says, only the event and a link: a
phone's lock screen is seen by others in a family or a youth centre, and push messages
pass through the browser makers' services.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.models import FORUM_MEMBERS, MODERATORS, RESEARCHERS, AccountStatus, Role, User
from server.db import after_commit, insert_on_conflict, utcnow
from server.i18n import N_, Message, message
from server.notes.models import ReviewDecision
from server.notifications.models import Notification, NotificationEvent, NotificationSetting
from server.pagination import keyset_page
from server.problems import FieldError, InvalidInput
from server.push.service import queue_push, wake_delivery


@dataclass(frozen=True)
class Event:
    # Who may receive it at all (and so sees it among their settings).
    roles: frozenset[Role]
    # The title, chosen by a parameter's value where one is named ("decision"), else the one.
    titles: Mapping[str, str]
    chosen_by: str | None = None


EVENTS: dict[NotificationEvent, Event] = {
    NotificationEvent.TOPIC_REPLY: Event(FORUM_MEMBERS, {"": N_("There is a new reply in your topic.")}),
    NotificationEvent.POST_APPROVED: Event(
        FORUM_MEMBERS, {"": N_("Your post was approved and is now visible.")}
    ),
    NotificationEvent.POST_HIDDEN: Event(FORUM_MEMBERS, {"": N_("A moderator hid one of your posts.")}),
    # Who reacted is not said: the title shows on lock screens (see the module's docstring).
    NotificationEvent.POST_REACTION: Event(
        FORUM_MEMBERS,
        {
            "thumbs_up": N_("Someone gave your post a thumbs-up."),
            "heart": N_("Someone gave your post a heart."),
        },
        chosen_by="kind",
    ),
    NotificationEvent.NOTE_REVIEWED: Event(
        frozenset({Role.YOUTH}),
        {
            ReviewDecision.APPROVE: N_("Your note was approved."),
            ReviewDecision.REQUEST_CHANGES: N_("Your note was reviewed: please make some changes."),
        },
        chosen_by="decision",
    ),
    NotificationEvent.URGENT_REPORT: Event(
        # Admins moderate the network-wide categories, so their urgent reports reach admins.
        MODERATORS,
        {"": N_("Urgent: a forum post was reported and needs you now.")},
    ),
    # A person quoted in a brief withdrew their consent or was erased: their quote left it.
    NotificationEvent.BRIEF_QUOTE_REMOVED: Event(
        RESEARCHERS,
        {"": N_("A quote left your policy brief: the person quoted withdrew their consent or left Tessera.")},
    ),
    # Its authors asked for a review: the researchers of its platforms who are not its authors.
    NotificationEvent.BRIEF_REVIEW_REQUESTED: Event(
        frozenset({Role.RESEARCHER}), {"": N_("A policy brief is waiting for your review.")}
    ),
}


@dataclass(frozen=True)
class Choice:
    event: NotificationEvent
    in_app: bool = True
    push: bool = True


def title(event: str, params: Mapping[str, Any]) -> Message:
    """The notification's title, to render in the reader's language."""
    kind = EVENTS[NotificationEvent(event)]
    return message(kind.titles[str(params.get(kind.chosen_by, "")) if kind.chosen_by else ""])


def _check_call(event: NotificationEvent, params: Mapping[str, Any], link: str) -> None:
    # Mistakes of the calling code, not of a person: they must fail loudly in tests.
    kind = EVENTS.get(event)
    if kind is None:
        raise ValueError(f"unknown notification event {event!r}")
    allowed = {kind.chosen_by} if kind.chosen_by else set()
    if set(params) - allowed:
        raise ValueError(f"{event} takes no parameters but {sorted(allowed)}: titles carry no content")
    if kind.chosen_by and str(params.get(kind.chosen_by)) not in kind.titles:
        raise ValueError(f"{event} needs {kind.chosen_by} among {sorted(kind.titles)}")
    if not link.startswith("/") or link.startswith("//") or len(link) > 500:
        raise ValueError("a notification links to a path inside the app, such as /#/notes/<id>")


async def notify(
    db: AsyncSession,
    *,
    recipient_ids: Iterable[uuid.UUID],
    event: NotificationEvent,
    params: Mapping[str, Any] | None = None,
    link: str,
) -> None:
    """Tell people about an event, each as they chose: a notification in the app's list
    and a push message to each of their devices. Runs in the caller's transaction, so
    nothing is told of a change that is rolled back; push delivery is woken after the commit."""
    params = dict(params or {})
    _check_call(event, params, link)
    wanted = list(dict.fromkeys(recipient_ids))
    if not wanted:
        return
    recipients = list(
        await db.scalars(
            sa.select(User.id).where(
                User.id.in_(wanted), User.status != AccountStatus.ERASED, User.role.in_(EVENTS[event].roles)
            )
        )
    )
    if not recipients:
        return
    chosen = {
        setting.user_id: setting
        for setting in await db.scalars(
            sa.select(NotificationSetting).where(
                NotificationSetting.user_id.in_(recipients), NotificationSetting.event == event
            )
        )
    }
    now = utcnow()
    listed: list[dict[str, Any]] = []
    pushed: list[tuple[uuid.UUID, uuid.UUID]] = []
    for recipient_id in recipients:
        setting = chosen.get(recipient_id)
        notification_id = uuid.uuid4()
        if setting is None or setting.in_app:
            listed.append(
                {
                    "id": notification_id,
                    "recipient_id": recipient_id,
                    "event": event,
                    "params": params,
                    "link": link,
                    "created_at": now,
                }
            )
        if setting is None or setting.push:
            pushed.append((recipient_id, notification_id))
    if listed:
        connection = await db.connection()
        await connection.execute(sa.insert(Notification), listed)
    if pushed and await queue_push(db, pushed, event=event, params=params, link=link):
        after_commit(db, wake_delivery)


# A person's list


async def list_notifications(
    db: AsyncSession, user: User, *, limit: int, cursor: str | None = None
) -> tuple[list[Notification], str | None]:
    query = sa.select(Notification).where(Notification.recipient_id == user.id)
    return await keyset_page(
        db, query, key=(Notification.created_at, Notification.id), cursor=cursor, limit=limit
    )


async def notifications_of(db: AsyncSession, user: User) -> list[Notification]:
    query = sa.select(Notification).where(Notification.recipient_id == user.id)
    return list(await db.scalars(query.order_by(Notification.created_at, Notification.id)))


async def count_unread(db: AsyncSession, user: User) -> int:
    query = sa.select(sa.func.count()).where(
        Notification.recipient_id == user.id, Notification.read_at.is_(None)
    )
    return int(await db.scalar(query) or 0)


async def mark_read(db: AsyncSession, user: User, ids: Sequence[uuid.UUID], *, everything: bool) -> None:
    """Mark the caller's own notifications read; ids of anyone else's are left alone, unanswered."""
    query = sa.update(Notification).where(
        Notification.recipient_id == user.id, Notification.read_at.is_(None)
    )
    if not everything:
        if not ids:
            return
        query = query.where(Notification.id.in_(list(ids)))
    await db.execute(query.values(read_at=utcnow()).execution_options(synchronize_session=False))


# A person's choices


def events_for(user: User) -> list[NotificationEvent]:
    return [name for name, kind in EVENTS.items() if user.role in kind.roles]


async def read_settings(db: AsyncSession, user: User) -> list[Choice]:
    stored = {
        setting.event: setting
        for setting in await db.scalars(
            sa.select(NotificationSetting).where(NotificationSetting.user_id == user.id)
        )
    }
    return [
        Choice(event, stored[event].in_app, stored[event].push) if event in stored else Choice(event)
        for event in events_for(user)
    ]


async def change_settings(db: AsyncSession, user: User, choices: Sequence[Choice]) -> list[Choice]:
    """Set the choices given; events not named keep theirs."""
    mine = events_for(user)
    errors = [
        FieldError(f"events[{position}].event", message(N_("There is no such notification for you.")))
        for position, choice in enumerate(choices)
        if choice.event not in mine
    ]
    if len({choice.event for choice in choices}) != len(choices):
        errors.append(FieldError("events", message(N_("Name each notification once."))))
    if errors:
        raise InvalidInput(errors=errors)
    if choices:
        statement = insert_on_conflict(db, NotificationSetting).values(
            [
                {"user_id": user.id, "event": choice.event, "in_app": choice.in_app, "push": choice.push}
                for choice in choices
            ]
        )
        await db.execute(
            statement.on_conflict_do_update(
                index_elements=["user_id", "event"],
                set_={"in_app": statement.excluded.in_app, "push": statement.excluded.push},
            )
        )
    return await read_settings(db, user)


async def forget_person(db: AsyncSession, user_id: uuid.UUID) -> None:
    """Erasure: a person's notifications and choices go with them."""
    await db.execute(sa.delete(Notification).where(Notification.recipient_id == user_id))
    await db.execute(sa.delete(NotificationSetting).where(NotificationSetting.user_id == user_id))
