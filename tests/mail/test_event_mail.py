"""E-mail about event registrations, end to end: from a committed registration, through the
outbox and its worker, to a real SMTP server on 127.0.0.1, read as a mail client reads it."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import icalendar

from tests.conftest import PASSWORD
from tests.events.conftest import hold, register
from tests.mail.conftest import html_of, outbox, text_of
from tests.stakeholders.conftest import add


def calendar_of(message) -> icalendar.Calendar:
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_filename() == "event.ics"
    return icalendar.Calendar.from_ical(attachment.get_content())


async def test_a_registration_is_confirmed_in_italian_with_the_events_calendar_file(
    app, organiser, people, smtp_server, delivery, accented
):
    held = await hold(organiser, title="Laboratorio di ricerca e azione")
    giulia = await people("giulia", "youth", ["IT"], language="it")
    await register(giulia, held["id"], email="Giulia@Example.org")

    assert await delivery.deliver_due() == 1

    [received] = smtp_server.received
    assert received.recipients == ["Giulia@example.org"]
    mail = received.message
    assert mail["To"] == "Giulia@example.org"
    assert mail["From"] == "Tessera <noreply@127.0.0.1>"
    assert mail["Subject"] == "[it] Your place at Laboratorio di ricerca e azione is confirmed"
    assert mail["Content-Language"] == "it"
    text = text_of(mail)
    # The time of the place, written the Italian way: 09:00 UTC is 10:00 in Rome in March.
    assert "mercoledì 10 marzo 2027 10:00 (Europe/Rome)" in text
    assert "[it] Where: Biblioteca Centrale, Roma" in text
    assert "Online" not in text  # the event has no online link: that line is left out
    page = html_of(mail)
    assert '<html lang="it" dir="ltr">' in page
    assert "[it] You are registered for Laboratorio di ricerca e azione." in page
    [entry] = calendar_of(mail).walk("VEVENT")
    assert str(entry["summary"]) == "Laboratorio di ricerca e azione"
    assert entry["dtstart"].dt == dt.datetime(2027, 3, 10, 10, tzinfo=zoneinfo.ZoneInfo("Europe/Rome"))
    assert str(entry["uid"]) == f"{held['id']}@tessera"
    [stored] = await outbox(app)
    assert (stored.status, stored.attempts) == ("sent", 1)
    assert mail["Message-ID"] == f"<{stored.id}@127.0.0.1>"


async def test_an_arabic_reader_gets_the_message_in_arabic_right_to_left(
    organiser, people, smtp_server, delivery, accented
):
    held = await hold(organiser)
    yara = await people("yara", "youth", ["IT"], language="ar")
    await register(yara, held["id"], email="yara@example.org")

    assert await delivery.deliver_due() == 1

    [received] = smtp_server.received
    mail = received.message
    assert mail["Subject"].startswith("[ar] ")
    assert mail["Content-Language"] == "ar"
    assert "مارس" in text_of(mail)  # March, in Arabic
    page = html_of(mail)
    assert '<html lang="ar" dir="rtl">' in page
    assert '<body dir="rtl"' in page


async def test_someone_staff_register_is_written_to_in_their_directory_entrys_language(
    organiser, people, smtp_server, delivery, accented
):
    held = await hold(organiser)  # held in Italian and English
    entry = await add(organiser, languages=["ar", "it"], email="giulia@example.org")
    await register(
        organiser, held["id"], name="Giulia Rossi", email="giulia@example.org", stakeholder_id=entry["id"]
    )
    await register(organiser, held["id"], name="Marco Bianchi", email="marco@example.org")

    assert await delivery.deliver_due() == 2

    languages = {r.recipients[0]: r.message["Content-Language"] for r in smtp_server.received}
    # Giulia by her entry's first language, Marco (no entry) by the event's first.
    assert languages == {"giulia@example.org": "ar", "marco@example.org": "it"}


async def test_the_waiting_list_is_told_its_place_and_then_that_a_place_is_free(
    organiser, people, smtp_server, delivery
):
    held = await hold(organiser, capacity=1)
    first = await people("first", "youth", ["IT"])
    second = await people("second", "youth", ["IT"])
    mine = await register(first, held["id"], email="first@example.org")
    waiting = await register(second, held["id"], email="second@example.org")
    assert waiting["status"] == "waitlisted"
    assert await delivery.deliver_due() == 2
    wait_notice = next(r.message for r in smtp_server.received if r.recipients == ["second@example.org"])
    assert wait_notice["Subject"] == "You are on the waiting list for Local research and action workshop"
    assert "in place 1" in text_of(wait_notice)
    assert list(wait_notice.iter_attachments()) == []  # no place, no calendar entry yet

    assert (await first.delete(f"/api/v1/events/{held['id']}/registrations/{mine['id']}")).status_code == 204
    assert await delivery.deliver_due() == 1

    promoted = smtp_server.received[-1]
    assert promoted.recipients == ["second@example.org"]
    assert promoted.message["Subject"] == "A place at Local research and action workshop is free for you"
    assert "you are off the waiting list" in text_of(promoted.message)
    assert calendar_of(promoted.message).walk("VEVENT")


async def test_a_registration_without_an_email_address_sends_nothing(
    app, organiser, people, delivery, smtp_server
):
    held = await hold(organiser)
    member = await people("amina", "youth", ["IT"])
    await register(member, held["id"])
    await register(organiser, held["id"], name="Walk-in")

    assert await outbox(app) == []
    assert await delivery.deliver_due() == 0
    assert smtp_server.received == []


async def test_a_title_with_line_breaks_cannot_add_a_header_or_a_recipient(
    organiser, people, smtp_server, delivery
):
    held = await hold(organiser, title="Workshop\r\nBcc: everyone@example.org\r\n")
    member = await people("amina", "youth", ["IT"])
    await register(member, held["id"], email="amina@example.org")

    assert await delivery.deliver_due() == 1

    [received] = smtp_server.received
    assert received.recipients == ["amina@example.org"]
    assert received.message["Bcc"] is None
    assert received.message["Subject"] == "Your place at Workshop Bcc: everyone@example.org is confirmed"


async def test_an_address_with_a_line_break_is_refused_before_anything_is_queued(
    app, organiser, people, delivery
):
    held = await hold(organiser)
    member = await people("amina", "youth", ["IT"])
    response = await member.post(
        f"/api/v1/events/{held['id']}/registrations",
        json={"email": "amina@example.org\r\nBcc: everyone@example.org"},
    )
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["email"]
    assert await outbox(app) == []


async def test_erasing_an_account_deletes_its_unsent_mail_and_blanks_the_sent(
    app, organiser, people, delivery
):
    first_event, second_event = await hold(organiser), await hold(organiser, title="Second")
    member = await people("amina", "youth", ["IT"])
    await register(member, first_event["id"], email="amina@example.org")
    assert await delivery.deliver_due() == 1
    await register(member, second_event["id"], email="amina@example.org")  # queued, not sent
    other = await people("other", "youth", ["IT"])
    await register(other, first_event["id"], email="other@example.org")

    assert (await member.delete("/api/v1/me", json={"password": PASSWORD})).status_code == 204

    kept = {(m.to_address, m.status, m.text == "") for m in await outbox(app)}
    assert kept == {(None, "sent", True), ("other@example.org", "queued", False)}


async def test_erasing_a_directory_person_deletes_their_unsent_mail_and_blanks_the_sent(
    app, organiser, delivery
):
    held, later = await hold(organiser), await hold(organiser, title="Later")
    entry = await add(organiser, email="giulia@example.org")
    await register(
        organiser, held["id"], name="Giulia Rossi", email="giulia@example.org", stakeholder_id=entry["id"]
    )
    assert await delivery.deliver_due() == 1
    # Registered again without the link to the directory: her address alone finds the message.
    await register(organiser, later["id"], name="Giulia Rossi", email="GIULIA@example.org")
    await register(organiser, later["id"], name="Marco", email="marco@example.org")

    assert (await organiser.post(f"/api/v1/stakeholders/{entry['id']}/erasure")).status_code == 200

    kept = {(m.to_address, m.status) for m in await outbox(app)}
    assert kept == {(None, "sent"), ("marco@example.org", "queued")}
