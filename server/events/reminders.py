"""Reminder e-mails about a day before an event, to the people who have a place at it.

A worker job (server/workers.py) looks every minute for registrations due a reminder and
claims each with ``UPDATE ... SET reminded_at = now WHERE reminded_at IS NULL``, in the same
unit of work that queues its e-mail: however many workers look at once, and whenever one dies,
each person is reminded once (a claim rolled back takes its e-mail with it, and the next look
finds the registration again). Who is reminded, and who is not:

- confirmed registrations only: the waiting list has no place to be reminded of, and a
  cancelled registration is deleted;
- at their registration's address, else at the member's confirmed account address;
- when the event starts within REMIND_BEFORE and has not started yet (a worker that was off
  sends no reminder for an event already under way);
- not someone who registered within REMIND_BEFORE of the start (an event created less than a
  day ahead, or a late registration): their confirmation, with the calendar file, has just
  been sent. Such a registration is marked reminded without an e-mail.
- An event moved to another time is reminded of again before its new time
  (``update_event`` clears ``reminded_at``).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.accounts.models import AccountStatus, User
from server.db import unit_of_work, utcnow
from server.events.models import Event, Registration, RegistrationStatus
from server.events.service import write_to

REMIND_BEFORE = dt.timedelta(hours=24)
# Registrations claimed per unit of work: a large conference is reminded over a few rounds.
BATCH_SIZE = 50


async def remind_due(
    db_sessionmaker: async_sessionmaker[AsyncSession], *, now: dt.datetime | None = None
) -> int:
    """Queue the reminders due now, a batch per unit of work; how many e-mails were queued."""
    queued = 0
    while True:
        async with unit_of_work(db_sessionmaker) as db:
            claimed, sent = await remind_batch(db, now or utcnow())
        queued += sent
        if claimed < BATCH_SIZE:
            return queued


async def remind_batch(db: AsyncSession, now: dt.datetime) -> tuple[int, int]:
    """Claim up to BATCH_SIZE due registrations and queue their reminders: (claimed, queued)."""
    due = await db.execute(
        sa.select(Registration, Event, User.email)
        .join(Event, Event.id == Registration.event_id)
        .outerjoin(User, sa.and_(User.id == Registration.user_id, User.status == AccountStatus.ACTIVE))
        .where(
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.reminded_at.is_(None),
            Event.starts_at > now,
            Event.starts_at <= now + REMIND_BEFORE,
        )
        .order_by(Event.starts_at, Registration.created_at, Registration.id)
        .limit(BATCH_SIZE)
    )
    rows = due.all()
    queued = 0
    for registration, event, account_email in rows:
        taken = await db.execute(
            sa.update(Registration)
            .where(Registration.id == registration.id, Registration.reminded_at.is_(None))
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            continue  # another worker reminded them first
        registered_late = registration.created_at > event.starts_at - REMIND_BEFORE
        address = registration.email or account_email
        if registered_late or not address:
            continue
        await write_to(db, event, registration, "event_reminder", to=address)
        queued += 1
    return len(rows), queued
