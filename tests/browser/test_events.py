"""Events on the phone: a youth worker creates a workshop with one place, registers two people,
the second waits, cancelling the first gives the place to the second, attendance is ticked and
the event renamed;
a stakeholder reads the event and registers themself, reads the list offline, but has no
directory."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.phone import Person, go_offline, go_online, sign_in


def create_event(page: Page, title: str, capacity: str, day: str = "2030-05-04") -> str:
    page.goto("/#/events/new")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Time zone").select_option("Europe/Berlin")
    page.get_by_label("Starts").fill(f"{day}T10:00")
    page.get_by_label("Ends").fill(f"{day}T12:30")
    page.get_by_label("Place", exact=True).fill("Jugendhaus Mitte")
    page.get_by_label("Places", exact=True).fill(capacity)
    page.get_by_role("button", name="Create event").click()
    expect(page.locator("main h1")).to_have_text(title)
    expect(page).to_have_url(re.compile(r"#/events/[0-9a-f-]{36}$"))
    return page.url.rsplit("/", 1)[1]


def register(page: Page, name: str) -> None:
    form = page.locator("form", has=page.get_by_role("heading", name="Register someone"))
    form.get_by_label("Name").fill(name)
    form.get_by_role("button", name="Register").click()
    expect(page.locator("#registrations").get_by_text(name)).to_be_visible()


def test_one_place_two_people_the_second_waits_and_moves_up_then_attendance_is_ticked(
    new_phone: Callable[..., BrowserContext], live_server: LiveServer, youth_worker: Person
):
    page = new_phone().new_page()
    sign_in(page, youth_worker)
    event_id = create_event(page, "Workshop: finding work", "1")
    # The time where the event takes place, named, in the reader's way of writing dates.
    expect(page.locator("[data-event-time]")).to_contain_text("Europe/Berlin")
    expect(page.locator("[data-event-time]")).to_contain_text("10:00")

    page.get_by_role("link", name="Registrations and attendance").click()
    register(page, "Amina")
    register(page, "Bilal")
    rows = page.locator("#registrations [data-registration]")
    expect(rows.nth(0)).to_have_attribute("data-status", "confirmed")
    expect(rows.nth(1)).to_have_attribute("data-status", "waitlisted")
    expect(rows.nth(1)).to_contain_text("Number 1")

    page.get_by_role("button", name="Cancel the registration of Amina").click()
    page.get_by_role("dialog").get_by_role("button", name="Cancel the registration").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Bilal")
    expect(rows.first).to_have_attribute("data-status", "confirmed")

    # A tick is saved at once: the door has no time for a save button.
    rows.first.get_by_role("checkbox").check()
    expect(rows.first.get_by_role("checkbox")).to_be_disabled()
    expect(rows.first.get_by_role("checkbox")).to_be_checked()
    registrations = live_server.api(youth_worker).get(f"/api/v1/events/{event_id}/registrations")
    assert [(item["name"], item["attended"]) for item in registrations["items"]] == [("Bilal", True)]

    # Changing the title leaves the time where it was.
    page.goto(f"/#/events/{event_id}/edit")
    page.get_by_label("Title").fill("Workshop: finding work and training")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("main h1")).to_have_text("Workshop: finding work and training")
    expect(page.locator("[data-event-time]")).to_contain_text("10:00")


def test_a_stakeholder_reads_events_registers_reads_them_offline_and_has_no_directory(
    new_phone: Callable[..., BrowserContext], live_server: LiveServer, youth_worker: Person
):
    organiser = new_phone().new_page()
    sign_in(organiser, youth_worker)
    # Sooner than any other test's event on the same server, so that home's few coming events
    # show it whatever else runs beside this test.
    soon = (date.today() + timedelta(days=3)).isoformat()
    create_event(organiser, "Round table with schools", "20", day=soon)

    stakeholder = live_server.create_person("stakeholder", ("DE",))
    page = new_phone().new_page()
    sign_in(page, stakeholder)
    expect(page.locator(".coming-events")).to_contain_text("Round table with schools")
    page.get_by_role("navigation").get_by_role("link", name="Events").click()
    page.get_by_role("link", name=re.compile("Round table with schools")).click()
    expect(page.get_by_role("link", name="Registrations and attendance")).to_have_count(0)
    page.get_by_role("button", name="Register me").click()
    expect(page.locator("[data-my-status]")).to_have_attribute("data-my-status", "confirmed")
    qr = page.get_by_role("img", name="QR code for check-in")
    expect(qr).to_be_visible()
    page.wait_for_function("image => image.complete && image.naturalWidth > 0", arg=qr.element_handle())

    # Offline, the events list read last is still there, and the app says it is last time's.
    page.get_by_role("navigation").get_by_role("link", name="Events").click()
    expect(page.locator("#event-list")).to_contain_text("Round table with schools")
    page.get_by_role("button", name="Make a calendar address").click()
    expect(page.locator("[data-feed-url]")).to_contain_text("/calendar.ics")
    page.get_by_role("navigation").get_by_role("link", name="Home").click()
    go_offline(page.context)
    page.get_by_role("navigation").get_by_role("link", name="Events").click()
    expect(page.get_by_text("as they were when you were last online")).to_be_visible()
    expect(page.locator("#event-list")).to_contain_text("Round table with schools")
    go_online(page.context)

    for address in ("#/directory", "#/directory/new", "#/events/new"):
        page.goto(f"/{address}")
        expect(page).to_have_url(re.compile(r"#/home$"))
