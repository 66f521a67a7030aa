"""What waits for a person, counted with the same rules as the screens that show it: the notes
list, the moderation queue and the notifications (so a count never names what the screen hides)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.models import AUTHORS, MODERATORS, RESEARCHERS, STAFF, User
from server.audit.models import AuditEvent
from server.home.schemas import NextSteps
from server.moderation.service import waiting_posts
from server.notes.models import Note, NoteStatus
from server.notes.service import notes_listed_for
from server.notifications.models import Notification, NotificationEvent

# The audit event an export writes (server/exports/service.py).
EXPORT_EVENT = "export.notes"


async def _count(db: AsyncSession, query: sa.Select[*tuple[Any, ...]]) -> int:
    return int(await db.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())) or 0)


async def next_steps(db: AsyncSession, user: User) -> NextSteps:
    unread = sa.select(Notification.id).where(
        Notification.recipient_id == user.id, Notification.read_at.is_(None)
    )
    steps = NextSteps(
        unread_notifications=await _count(db, unread),
        new_replies=await _count(db, unread.where(Notification.event == NotificationEvent.TOPIC_REPLY)),
    )
    if user.role in AUTHORS:
        sent_back = notes_listed_for(user).where(Note.status == NoteStatus.CHANGES_REQUESTED)
        steps.notes_changes_requested = await _count(db, sent_back)
    if user.role in STAFF:
        steps.notes_to_review = await _count(
            db, notes_listed_for(user).where(Note.status == NoteStatus.SUBMITTED)
        )
    if user.role in MODERATORS:
        steps.moderation_queue = await _count(db, waiting_posts(user))
        steps.urgent_reports = await _count(db, waiting_posts(user, urgent_only=True))
    if user.role in RESEARCHERS:
        last: dt.datetime | None = await db.scalar(
            sa.select(sa.func.max(AuditEvent.at)).where(
                AuditEvent.kind == EXPORT_EVENT, AuditEvent.actor_id == user.id
            )
        )
        steps.last_export_at = last
    return steps
