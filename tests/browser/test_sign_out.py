"""Signing out of a shared phone: a warning first when notes are not sent, then nothing of the
person stays on the phone."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import BrowserContext, expect

from tests.browser.conftest import LiveServer
from tests.browser.phone import (
    Person,
    axe_scan,
    fill_note,
    indexeddb_record_count,
    note_id_from_url,
    open_new_note,
    screenshot,
    sign_in,
    state_of_note,
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
