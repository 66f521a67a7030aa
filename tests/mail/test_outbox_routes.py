"""The admins' e-mail outbox on the embedded default (no SMTP server): every message kept, each
readable with its text so that an admin can hand it over, a page at a time, and every reading
in the audit log."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar

from tests.events.conftest import hold, register
from tests.mail.test_delivery import queue_some


@pytest.fixture
def app(make_app: Any) -> Litestar:
    # The embedded default: no TESSERA_SMTP_URL, so nothing is sent.
    return make_app()  # type: ignore[no-any-return]


async def test_an_admin_reads_a_kept_message_with_its_text_to_hand_it_over(organiser, people):
    held = await hold(organiser, title="Workshop in Rome")
    member = await people("amina", "youth", ["IT"])
    await register(member, held["id"], email="amina@example.org")
    admin = await people("root", "admin")

    listed = await admin.get("/api/v1/mail/outbox")

    assert listed.status_code == 200, listed.text
    page = listed.json()
    assert page["sending"] is False
    [item] = page["items"]
    assert item["to"] == "amina@example.org"
    assert item["subject"] == "Your place at Workshop in Rome is confirmed"
    assert (item["status"], item["attempts"], item["last_error"], item["body"]) == (
        "queued",
        0,
        None,
        "shown",
    )
    assert item["attachments"] == [{"filename": "event.ics", "media_type": "text/calendar"}]
    assert "text" not in item

    detail = await admin.get(f"/api/v1/mail/outbox/{item['id']}")

    assert detail.status_code == 200, detail.text
    assert "You are registered for Workshop in Rome. Your place is confirmed." in detail.json()["text"]
    audit = (await admin.get("/api/v1/audit?kind=mail.")).json()["items"]
    assert {(event["kind"], event["actor_id"]) for event in audit} == {
        ("mail.outbox_read", admin.id),
        ("mail.message_read", admin.id),
    }
    [read] = [event for event in audit if event["kind"] == "mail.message_read"]
    assert read["subject_id"] == item["id"]


async def test_the_outbox_is_read_a_page_at_a_time_newest_first_and_by_status(app, people):
    await queue_some(app, 5)
    admin = await people("root", "admin")

    first = (await admin.get("/api/v1/mail/outbox?limit=3")).json()
    second = (await admin.get(f"/api/v1/mail/outbox?limit=3&cursor={first['next_cursor']}")).json()

    subjects = [item["subject"] for item in first["items"] + second["items"]]
    assert subjects == [f"Your place at Workshop {number} is confirmed" for number in (4, 3, 2, 1, 0)]
    assert second["next_cursor"] is None
    assert (await admin.get("/api/v1/mail/outbox?status=sent")).json()["items"] == []
    assert len((await admin.get("/api/v1/mail/outbox?status=queued")).json()["items"]) == 5


@pytest.mark.parametrize(
    ("query", "field"),
    [("status=lost", "status"), ("cursor=not-a-cursor", "cursor"), ("limit=101", "limit")],
)
async def test_a_bad_filter_is_a_clear_4xx(people, query, field):
    admin = await people("root", "admin")

    response = await admin.get(f"/api/v1/mail/outbox?{query}")

    assert response.status_code in {400, 422}, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in response.text


async def test_a_message_that_is_not_there_is_404_and_a_kept_one_cannot_be_retried(app, people):
    await queue_some(app, 1)
    admin = await people("root", "admin")
    [item] = (await admin.get("/api/v1/mail/outbox")).json()["items"]

    missing = await admin.get("/api/v1/mail/outbox/00000000-0000-0000-0000-000000000000")
    retried = await admin.post(f"/api/v1/mail/outbox/{item['id']}/retry")

    assert missing.status_code == 404
    # Queued already: a retry changes nothing and says so by answering with it as it was.
    assert retried.status_code == 200, retried.text
    assert retried.json()["status"] == "queued"
    assert (await admin.get("/api/v1/audit?kind=mail.retried")).json()["items"] == []
