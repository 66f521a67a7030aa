"""Reminder e-mails a day before an event, end to end through a real SMTP server: to the
people with a place only, in their language, with the calendar file, and once, however many
workers look at the same time or again after a restart."""

from __future__ import annotations

import datetime as dt

import anyio
import icalendar

from server.db import utcnow
from server.events.reminders import REMIND_BEFORE, remind_due
from tests.conftest import PASSWORD
from tests.events.conftest import hold, register
from tests.mail.conftest import outbox, text_of


def at(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


async def hold_in(organiser, days: float, **fields):
    starts = (utcnow() + dt.timedelta(days=days)).replace(microsecond=0)
    return (
        await hold(organiser, starts_at=at(starts), ends_at=at(starts + dt.timedelta(hours=3)), **fields),
        starts,
    )


async def reminders(app) -> list:
    return [m for m in await outbox(app) if m.template == "event_reminder"]


async def test_people_with_a_place_are_reminded_a_day_before_in_their_language_with_the_calendar_file(
    app, organiser, people, smtp_server, delivery, accented
):
    held, starts = await hold_in(organiser, days=3, capacity=1)
    giulia = await people("giulia", "youth", ["IT"], language="it")
    waiting = await people("waiting", "youth", ["IT"])
    await register(giulia, held["id"], email="giulia@example.org")
    assert (await register(waiting, held["id"], email="waiting@example.org"))["status"] == "waitlisted"
    assert await delivery.deliver_due() == 2  # the confirmation and the waiting-list notice

    # Two days ahead: too early.
    assert await remind_due(app.state.test_db, now=starts - dt.timedelta(days=2)) == 0
    assert await remind_due(app.state.test_db, now=starts - dt.timedelta(hours=23)) == 1
    assert await delivery.deliver_due() == 1

    reminder = smtp_server.received[-1]
    assert reminder.recipients == ["giulia@example.org"]
    assert reminder.message["Subject"] == "[it] Reminder: Local research and action workshop is coming up"
    assert reminder.message["Content-Language"] == "it"
    assert "[it] A reminder: you have a place at Local research and action workshop." in text_of(
        reminder.message
    )
    [attachment] = list(reminder.message.iter_attachments())
    [entry] = icalendar.Calendar.from_ical(attachment.get_content()).walk("VEVENT")
    assert entry["dtstart"].dt == starts
    # Once: a later look, or a restarted worker, finds nothing more to send.
    assert await remind_due(app.state.test_db, now=starts - dt.timedelta(hours=2)) == 0
    assert len(await reminders(app)) == 1


async def test_several_workers_at_once_remind_each_person_exactly_once(app, organiser, people, delivery):
    held, starts = await hold_in(organiser, days=3, capacity=None)
    for n in range(60):  # more than one batch
        await register(organiser, held["id"], name=f"Person {n}", email=f"p{n}@example.org")
    now = starts - dt.timedelta(hours=20)
    counts: list[int] = []

    async def worker() -> None:
        counts.append(await remind_due(app.state.test_db, now=now))

    async with anyio.create_task_group() as group:
        for _ in range(4):
            group.start_soon(worker)

    assert sum(counts) == 60
    sent_to = sorted(m.to_address for m in await reminders(app))
    assert sent_to == sorted(f"p{n}@example.org" for n in range(60))


async def test_no_reminder_for_the_waiting_list_a_cancelled_registration_a_started_event_or_a_late_registration(
    app, organiser, people
):
    full, starts = await hold_in(organiser, days=3, capacity=1, title="Full")
    first = await people("first", "youth", ["IT"])
    second = await people("second", "youth", ["IT"])
    mine = await register(first, full["id"], email="first@example.org")
    await register(second, full["id"], email="second@example.org")
    # The first cancels, the second moves up and is reminded; the cancelled one never is.
    assert (await first.delete(f"/api/v1/events/{full['id']}/registrations/{mine['id']}")).status_code == 204
    assert await remind_due(app.state.test_db, now=starts - dt.timedelta(hours=12)) == 1
    assert [m.to_address for m in await reminders(app)] == ["second@example.org"]

    # An event that has started is past reminding (a worker that was off for a while).
    started, started_at = await hold_in(organiser, days=3, title="Started")
    await register(organiser, started["id"], name="Late", email="late@example.org")
    assert await remind_due(app.state.test_db, now=started_at + dt.timedelta(minutes=5)) == 0

    # An event held less than a day from now: the confirmation just sent is the reminder.
    soon, soon_at = await hold_in(organiser, days=0.5, title="Soon")
    await register(organiser, soon["id"], name="Quick", email="quick@example.org")
    assert await remind_due(app.state.test_db) == 0
    assert await remind_due(app.state.test_db, now=soon_at - dt.timedelta(hours=1)) == 0
    assert [m.to_address for m in await reminders(app)] == ["second@example.org"]


async def test_a_member_who_registered_without_an_address_is_reminded_at_their_confirmed_one(
    app, organiser, people
):
    held, starts = await hold_in(organiser, days=3)
    sara = await people("sara", "stakeholder", ["IT"])
    await sara.patch("/api/v1/me", json={"email": "sara@example.org", "current_password": PASSWORD})
    [confirmation] = [m for m in await outbox(app) if m.template == "email_confirmation"]
    code = next(word for word in confirmation.text.split() if word.count("-") == 2).rstrip(".")
    assert (await sara.post("/api/v1/me/email-confirmation", json={"code": code})).status_code == 200
    await register(sara, held["id"])
    await register(organiser, held["id"], name="No address")

    assert await remind_due(app.state.test_db, now=starts - dt.timedelta(hours=10)) == 1
    assert [m.to_address for m in await reminders(app)] == ["sara@example.org"]


async def test_a_moved_event_is_reminded_of_again_before_its_new_time(app, organiser, people):
    held, starts = await hold_in(organiser, days=3)
    await register(organiser, held["id"], name="Giulia", email="giulia@example.org")
    assert await remind_due(app.state.test_db, now=starts - dt.timedelta(hours=20)) == 1

    later = starts + dt.timedelta(days=7)
    moved = await organiser.patch(
        f"/api/v1/events/{held['id']}",
        json={
            "version": held["version"],
            "starts_at": at(later),
            "ends_at": at(later + dt.timedelta(hours=3)),
        },
    )
    assert moved.status_code == 200, moved.text
    assert await remind_due(app.state.test_db, now=starts - dt.timedelta(hours=19)) == 0
    assert await remind_due(app.state.test_db, now=later - REMIND_BEFORE + dt.timedelta(minutes=1)) == 1
    assert len(await reminders(app)) == 2
