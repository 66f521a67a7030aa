"""The admins' screens on a phone: the e-mail outbox, where on the embedded default (no SMTP
server) an admin finds a message Tessera keeps and reads it to hand it over."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from playwright.sync_api import BrowserContext, expect

from tests.browser.conftest import LiveServer
from tests.browser.phone import sign_in


def test_an_admin_finds_a_kept_e_mail_under_more_and_reads_it_to_hand_it_over(
    new_phone: Callable[..., BrowserContext], live_server: LiveServer
):
    organiser = live_server.api(live_server.create_person("youth_worker", ("LU",)))
    title = f"Workshop {uuid.uuid4().hex[:6]}"
    held = organiser.request(
        "POST",
        "/api/v1/events",
        json={
            "platform": "LU",
            "kind": "workshop",
            "title": title,
            "description": "",
            "starts_at": "2030-05-04T08:00:00Z",
            "ends_at": "2030-05-04T10:00:00Z",
            "time_zone": "Europe/Luxembourg",
            "place": "Luxembourg",
            "languages": ["en"],
        },
    )
    assert held.status_code == 201, held.text
    registered = organiser.request(
        "POST",
        f"/api/v1/events/{held.json()['id']}/registrations",
        json={"name": "Sara", "email": "sara@example.org"},
    )
    assert registered.status_code == 201, registered.text
    page = new_phone().new_page()
    sign_in(page, live_server.create_person("admin", ()))

    nav = page.get_by_role("navigation")
    nav.get_by_role("button", name="More").click()
    nav.get_by_role("link", name="E-mail outbox").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("E-mail outbox")
    expect(page.locator("[data-not-sending]")).to_be_visible()
    message = page.locator("[data-mail]").filter(has_text=title)
    expect(message).to_contain_text("sara@example.org")
    expect(message).to_contain_text("Waiting to be sent")
    message.get_by_role("link").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Your place at {title} is confirmed")
    expect(page.locator(".mail-text")).to_contain_text(f"You are registered for {title}.")
    expect(page.get_by_role("button", name="Copy the e-mail")).to_be_visible()
    page.get_by_role("link", name="All e-mails").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("E-mail outbox")
