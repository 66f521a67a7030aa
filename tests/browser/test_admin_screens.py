"""The admins' and staff's screens on a phone: the e-mail outbox, where on the embedded default
(no SMTP server) an admin finds a message Tessera keeps and reads it to hand it over; people,
found and suspended and reinstated with a confirmation; invites listed and revoked."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from playwright.sync_api import BrowserContext, expect

from tests.browser.conftest import LiveServer
from tests.browser.phone import sign_in, wait_for_quiet_network


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
    # The home screen is drawn in full (the bar with it) before the menu is opened.
    wait_for_quiet_network(page.context)

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


def test_an_admin_finds_a_person_suspends_them_with_a_reason_and_reinstates_them(
    new_phone: Callable[..., BrowserContext], live_server: LiveServer
):
    member = live_server.create_person("youth", ("LU",))
    page = new_phone().new_page()
    sign_in(page, live_server.create_person("admin", ()))
    page.goto("/#/users")

    page.get_by_label("Name").fill(member.username.upper())
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**q=**")
    wait_for_quiet_network(page.context)
    card = page.locator(f'[data-user="{member.username}"]')
    expect(card).to_contain_text("Active")
    card.get_by_role("button", name="Suspend…").click()
    card.get_by_label("Reason (shown in the moderation log)").fill("Spam in the forum")
    card.get_by_role("button", name="Suspend", exact=True).click()
    page.get_by_role("dialog").get_by_role("button", name="Yes, suspend").click()

    card = page.locator(f'[data-user="{member.username}"]')
    expect(card).to_contain_text("Suspended")
    expect(card).to_contain_text("Why: Spam in the forum")
    card.get_by_role("button", name="Reinstate").click()
    page.get_by_role("dialog").get_by_role("button", name="Yes, reinstate").click()
    expect(page.locator(f'[data-user="{member.username}"]')).to_contain_text("Active")
    assert live_server.api(member).get("/api/v1/me")["username"] == member.username


def test_a_youth_worker_sees_the_invite_they_made_and_revokes_it(
    new_phone: Callable[..., BrowserContext], live_server: LiveServer
):
    page = new_phone().new_page()
    sign_in(page, live_server.create_person("youth_worker", ("LU",)))
    page.goto("/#/invites")
    page.get_by_role("button", name="Create invite").click()
    expect(page.get_by_role("heading", name="Invite created")).to_be_visible()

    listed = page.locator("[data-invite]").filter(has_text="made by you")
    expect(listed).to_have_count(1)
    listed.get_by_role("button", name="Revoke").click()
    page.get_by_role("dialog").get_by_role("button", name="Yes, revoke").click()

    expect(page.locator("[data-invite]").filter(has_text="made by you")).to_have_count(0)


def test_an_admin_filters_the_audit_log_by_area_and_follows_a_person(
    new_phone: Callable[..., BrowserContext], live_server: LiveServer
):
    admin = live_server.create_person("admin", ())
    live_server.api(admin).get("/api/v1/mail/outbox?limit=1")
    page = new_phone().new_page()
    sign_in(page, admin)
    page.goto("/#/audit")

    page.get_by_label("Area").select_option(label="E-mail outbox")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**kind=mail.**")
    wait_for_quiet_network(page.context)

    entries = page.locator("[data-kind]")
    expect(entries.first).to_be_visible()
    assert set(entries.evaluate_all("items => items.map(i => i.dataset.kind.split('.')[0])")) == {"mail"}
    page.locator("[data-kind]").filter(has_text=admin.id).first.get_by_role(
        "link", name=admin.id
    ).first.click()
    page.wait_for_url(f"**person={admin.id}**")
    wait_for_quiet_network(page.context)
    expect(page.get_by_label("Person (their id)")).to_have_value(admin.id)
    assert all(admin.id in text for text in page.locator("[data-kind]").all_inner_texts())


def test_a_youth_worker_unmutes_a_member_from_the_moderation_log(
    new_phone: Callable[..., BrowserContext], live_server: LiveServer
):
    worker = live_server.create_person("youth_worker", ("LU",))
    member = live_server.create_person("youth", ("LU",))
    staff = live_server.api(worker)
    muted = staff.request(
        "POST", f"/api/v1/moderation/users/{member.id}", json={"action": "mute", "reason": "Too many links"}
    )
    assert muted.status_code == 200, muted.text
    page = new_phone().new_page()
    sign_in(page, worker)
    page.goto("/#/moderation")

    entry = page.locator('[data-action="mute"]').filter(has_text="Too many links").first
    entry.get_by_role("button", name="Unmute").click()
    page.get_by_role("dialog").get_by_role("button", name="Yes, unmute").click()

    expect(entry.get_by_role("button", name="Unmute")).to_have_count(0)
    lifted = staff.get("/api/v1/moderation/log?action=reinstate")["items"]
    assert member.id in [item["member_id"] for item in lifted]
