"""One person, two phones: a note changed on both is a conflict the person settles by choosing a
version, side by side; nothing is overwritten without their say."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.phone import (
    SYNC_TIMEOUT_MS,
    Person,
    axe_scan,
    eventually,
    go_offline,
    go_online,
    screenshot,
    sign_in,
    state_of_note,
    wait_for_outbox,
    wait_until_ready_offline,
)
from tests.notes.conftest import note_body

FIRST = "We met after school in the library."
FROM_THE_TABLET = "We met after school in the library. She spoke about her sister."
FROM_THE_PHONE = "We met after school in the library. She spoke about her football team."


def open_note(context: BrowserContext, person: Person, note_id: str) -> Page:
    page = context.new_page()
    sign_in(page, person)
    page.goto(f"/#/notes/{note_id}")
    expect(page.get_by_label("Notes", exact=True)).to_have_value(FIRST)
    return page


def edit_and_send(page: Page, text: str) -> None:
    page.get_by_label("Notes", exact=True).fill(text)
    page.get_by_role("button", name="Send now").click()


@pytest.mark.parametrize("choice", ["Keep mine", "Keep the server's version"])
def test_note_changed_on_two_phones_is_a_conflict_the_person_settles(
    new_phone: Callable[..., BrowserContext], live_server: LiveServer, youth: Person, choice: str
):
    api = live_server.api(youth)
    note = note_body(text=FIRST)
    assert api.request("PUT", f"/api/v1/notes/{note['id']}", json=note).status_code == 201
    phone, tablet = new_phone(), new_phone()
    on_phone = open_note(phone, youth, note["id"])
    on_tablet = open_note(tablet, youth, note["id"])
    wait_until_ready_offline(on_phone)

    # The phone loses the network; meanwhile the tablet changes the note and sends it.
    go_offline(phone)
    edit_and_send(on_phone, FROM_THE_PHONE)
    expect(state_of_note(on_phone)).to_have_text("Waiting to send")
    edit_and_send(on_tablet, FROM_THE_TABLET)
    # The tablet showed "Sent" before too (for the first version): ask the server.
    assert eventually(lambda: live_server.stored_notes(youth)[0]["version"] == 2)
    expect(state_of_note(on_tablet)).to_have_text("Sent")

    go_online(phone)
    expect(state_of_note(on_phone)).to_have_text("Conflict", timeout=SYNC_TIMEOUT_MS)
    mine = on_phone.get_by_role("region", name="On this phone")
    theirs = on_phone.get_by_role("region", name="On the server")
    expect(mine).to_contain_text(FROM_THE_PHONE)
    expect(theirs).to_contain_text(FROM_THE_TABLET)
    # Side by side: both versions in view at once, next to each other or one above the other.
    assert mine.bounding_box() and theirs.bounding_box()
    # Until the person chooses, the server keeps the tablet's version.
    assert live_server.stored_notes(youth)[0]["text"] == FROM_THE_TABLET
    state_of_note(on_phone).scroll_into_view_if_needed()
    screenshot(on_phone, "note-conflict")
    assert axe_scan(on_phone) == []

    on_phone.get_by_role("button", name=choice).click()
    kept = FROM_THE_PHONE if choice == "Keep mine" else FROM_THE_TABLET
    expect(state_of_note(on_phone)).to_have_text("Sent", timeout=SYNC_TIMEOUT_MS)
    wait_for_outbox(on_phone, "idle")
    expect(on_phone.get_by_label("Notes", exact=True)).to_have_value(kept)
    [stored] = live_server.stored_notes(youth)
    assert stored["text"] == kept
    assert stored["version"] == (3 if choice == "Keep mine" else 2)
