"""Home tells each person what to do next: a young peer researcher the note sent back to them,
a youth worker the post waiting in the queue; each a link to the screen where it is done."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import BrowserContext, expect

from tests.browser.conftest import LiveServer
from tests.browser.phone import axe_scan, screenshot, sign_in


def test_home_shows_a_note_sent_back_and_a_waiting_post_each_leading_to_its_screen(
    new_phone: Callable[..., BrowserContext], live_server: LiveServer
):
    # A platform of their own: the other browser tests share this server and write on DE.
    youth = live_server.create_person("youth", ("LU",))
    youth_worker = live_server.create_person("youth_worker", ("LU",))
    author, worker = live_server.api(youth), live_server.api(youth_worker)
    note = {
        "id": "5d8f1a0e-8a63-4c43-9d44-0a7d51b1c001",
        "base_version": 0,
        "kind": "interview",
        "platform": "LU",
        "language": "en",
        "recorded_at": "2026-11-02T10:00:00Z",
        "interviewee_code": "DE-INT-201",
        "consent_confirmed": True,
        "status": "submitted",
        "answers": {},
        "text": "We met at the library.",
        "tags": [],
    }
    assert author.request("PUT", f"/api/v1/notes/{note['id']}", json=note).status_code == 201
    sent_back = worker.request(
        "POST",
        f"/api/v1/notes/{note['id']}/review",
        json={"decision": "request_changes", "comment": "Add the place"},
    )
    assert sent_back.status_code == 200, sent_back.text
    category = next(
        item["id"] for item in author.get("/api/v1/forum/categories")["items"] if item["platform"] == "LU"
    )
    topic = author.request(
        "POST",
        "/api/v1/forum/topics",
        json={"category_id": category, "title": "Hi", "body": "Hello all", "language": "en"},
    )
    assert topic.status_code == 201, topic.text

    page = new_phone().new_page()
    sign_in(page, youth)
    step = page.get_by_role("link", name="1 note needs changes")
    expect(step).to_be_visible()
    screenshot(page, "home-youth-next-steps")
    step.click()
    expect(page).to_have_url(re.compile(r"#/notes$"))

    staff_phone = new_phone().new_page()
    sign_in(staff_phone, youth_worker)
    queue = staff_phone.get_by_role("link", name="1 post waits in the moderation queue")
    expect(queue).to_be_visible()
    assert axe_scan(staff_phone) == []
    screenshot(staff_phone, "home-youth-worker-next-steps")
    queue.click()
    expect(staff_phone).to_have_url(re.compile(r"#/moderation$"))
