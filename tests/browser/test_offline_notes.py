"""Writing a field note with no network: it stays on the phone through a reload, and reaches the
server exactly once when the phone is online again."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import BrowserContext, expect

from tests.browser.conftest import LiveServer
from tests.browser.phone import (
    SYNC_TIMEOUT_MS,
    Person,
    fill_note,
    go_offline,
    go_online,
    note_id_from_url,
    open_new_note,
    screenshot,
    sign_in,
    state_of_note,
    wait_for_outbox,
    wait_until_ready_offline,
)

TEXT = "We met at the youth centre. He talked about his first winter and the football team."


def test_note_written_offline_survives_a_reload_and_reaches_the_server_once(
    new_phone: Callable[..., BrowserContext], live_server: LiveServer, youth: Person
):
    phone = new_phone()
    page = phone.new_page()
    sign_in(page, youth)
    # Opening "My notes" once online keeps the interview guides on the phone.
    page.goto("/#/notes")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    wait_until_ready_offline(page)

    go_offline(phone)
    open_new_note(page)
    fill_note(page, "DE-INT-101", TEXT)
    page.get_by_role("button", name="Send now").click()
    note_id = note_id_from_url(page)
    expect(state_of_note(page)).to_have_text("Waiting to send")
    wait_for_outbox(page, "waiting")

    page.reload()
    expect(page.get_by_label("Notes", exact=True)).to_have_value(TEXT)
    expect(state_of_note(page)).to_have_text("Waiting to send")
    screenshot(page, "note-waiting-offline")
    page.goto("/#/notes")
    note_in_list = page.locator(f'[data-note="{note_id}"]')
    expect(note_in_list).to_contain_text("Waiting to send")
    assert live_server.stored_notes(youth) == []

    go_online(phone)
    wait_for_outbox(page, "idle")
    expect(note_in_list).to_contain_text("Sent", timeout=SYNC_TIMEOUT_MS)

    assert live_server.stored_notes(youth) == [
        {"id": note_id, "version": 1, "status": "submitted", "text": TEXT}
    ]
    listed = live_server.api(youth).get("/api/v1/notes")["items"]
    assert [note["id"] for note in listed] == [note_id]


def test_new_note_offline_has_its_guide_when_no_notes_screen_was_opened_online(
    new_phone: Callable[..., BrowserContext], live_server: LiveServer, youth: Person
):
    phone = new_phone()
    page = phone.new_page()
    sign_in(page, youth)  # and nothing else: no notes screen is opened online
    wait_until_ready_offline(page)

    go_offline(phone)
    page.reload()  # the app opened again later, still offline
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    open_new_note(page)
    expect(page.get_by_role("group", name=re.compile("How old is the person"))).to_be_visible()
    fill_note(page, "DE-INT-102", "Written on the bus, no network since this morning.")
    page.get_by_role("button", name="Send now").click()
    note_id_from_url(page)
    expect(state_of_note(page)).to_have_text("Waiting to send")

    go_online(phone)
    wait_for_outbox(page, "idle")
    assert [note["status"] for note in live_server.stored_notes(youth)] == ["submitted"]
