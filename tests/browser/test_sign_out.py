"""Signing out of a shared phone: a warning first when notes are not sent, then nothing of the
person stays on the phone."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from playwright.sync_api import BrowserContext, expect

from tests.browser.conftest import LiveServer
from tests.browser.phone import (
    Person,
    axe_scan,
    eventually,
    fill_note,
    go_offline,
    go_online,
    indexeddb_record_count,
    note_id_from_url,
    open_new_note,
    screenshot,
    sign_in,
    state_of_note,
    wait_until_ready_offline,
)


def test_sign_out_warns_about_unsent_notes_then_wipes_the_phone(
    new_phone: Callable[..., BrowserContext], live_server: LiveServer, youth: Person
):
    page = new_phone().new_page()
    sign_in(page, youth)
    open_new_note(page)
    fill_note(page, "DE-INT-202", "Only a draft: she wants to read it before I send it.")
    page.get_by_role("button", name="Save").click()
    note_id_from_url(page)
    expect(state_of_note(page)).to_have_text("Saved on this phone")
    assert indexeddb_record_count(page) > 0

    page.get_by_role("button", name="Sign out").click()
    warning = page.get_by_role("dialog")
    expect(warning).to_contain_text("not sent")
    screenshot(page, "sign-out-warning")
    assert axe_scan(page) == []
    warning.get_by_role("button", name="Cancel").click()
    expect(warning).to_have_count(0)
    expect(state_of_note(page)).to_have_text("Saved on this phone")

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("dialog").get_by_role("button", name="Sign out and delete them").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_role("status")).to_contain_text("signed out")
    assert indexeddb_record_count(page) == 0
    # Web storage may keep the language chosen on this phone, and nothing about the person.
    kept = page.evaluate("JSON.stringify([{...localStorage}, {...sessionStorage}])")
    assert youth.username not in kept and youth.id not in kept and "DE-INT-202" not in kept
    assert live_server.stored_notes(youth) == []
    # The session ended on the server too: the phone's cookie opens nothing any more.
    page.goto("/#/notes")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")


def test_sign_out_made_offline_ends_the_session_as_soon_as_the_phone_is_online(
    new_phone: Callable[..., BrowserContext], live_server: LiveServer, youth: Person
):
    phone = new_phone()
    page = phone.new_page()
    sign_in(page, youth)
    wait_until_ready_offline(page)
    old_cookies = {cookie["name"]: cookie["value"] for cookie in phone.cookies()}

    def session_user() -> str | None:
        """Whom the phone's old session cookie, sent from elsewhere, still signs in (None: nobody)."""
        with httpx.Client(base_url=live_server.base_url, cookies=old_cookies, timeout=15) as client:
            answer = client.get("/api/v1/auth/session")
        assert answer.status_code == 200, answer.text
        user = answer.json()["user"]
        return None if user is None else str(user["username"])

    go_offline(phone)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    # Reopened offline, the app does not bring the last person back either.
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert session_user() == youth.username  # the server has not heard of the sign-out yet

    # Online again, the sign-out reaches the server at once, and the app starts afresh.
    with page.expect_event("load"):
        go_online(phone)
        assert eventually(lambda: session_user() is None)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    page.goto("/#/home")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")

    # The next person on this phone signs in as themselves.
    next_person = live_server.create_person("youth", ("DE",))
    sign_in(page, next_person)
    signed_in_as = page.evaluate("fetch('/api/v1/auth/session').then((answer) => answer.json())")
    assert signed_in_as["user"]["username"] == next_person.username
