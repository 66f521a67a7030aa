"""The home screen says what waits for each person, counted as the screens behind it count: a
young person's notes sent back and new replies, a youth worker's queue and urgent reports, notes
waiting for review on one's own platforms only, a researcher's last export."""

from __future__ import annotations

import pytest

from server.accounts.consent import CONSENT_VERSION
from tests.forum.conftest import category_id, start_topic
from tests.notes.conftest import note_body


async def next_steps(person) -> dict:
    response = await person.get("/api/v1/me/next-steps")
    assert response.status_code == 200, response.text
    return response.json()


async def write(author, **overrides) -> dict:
    body = note_body(**overrides)
    response = await author.request("PUT", f"/api/v1/notes/{body['id']}", json=body)
    assert response.status_code == 201, response.text
    return body


@pytest.fixture
async def author(people):
    return await people("amina", "youth", ["DE"])


@pytest.fixture
async def youth_worker(people):
    return await people("jonas", "youth_worker", ["DE"])


async def test_a_young_person_sees_notes_sent_back_and_new_replies_and_nothing_of_staff(
    people, author, youth_worker
):
    assert await next_steps(author) == {
        "unread_notifications": 0,
        "new_replies": 0,
        "notes_changes_requested": 0,
    }
    sent_back = await write(author)
    await write(author)
    review = await youth_worker.post(
        f"/api/v1/notes/{sent_back['id']}/review",
        json={"decision": "request_changes", "comment": "Add the date"},
    )
    assert review.status_code == 200, review.text
    # Amina's first topic, approved by a youth worker; two staff members reply to it.
    topic = await start_topic(author, await category_id(author, "DE"))
    approved = await youth_worker.post(
        f"/api/v1/moderation/posts/{topic['first_post_id']}", json={"action": "approve", "reason": "Fine"}
    )
    assert approved.status_code == 200, approved.text
    for person in (youth_worker, await people("mira", "youth_worker", ["DE"])):
        reply = await person.post(f"/api/v1/forum/topics/{topic['id']}/posts", json={"body": "Welcome"})
        assert reply.status_code == 201, reply.text

    steps = await next_steps(author)
    assert steps["notes_changes_requested"] == 1
    assert steps["new_replies"] == 2
    # The review's notification and the approval's are unread too.
    assert steps["unread_notifications"] > steps["new_replies"]
    assert set(steps) == {"unread_notifications", "new_replies", "notes_changes_requested"}


async def test_a_youth_worker_sees_the_queue_urgent_reports_and_notes_of_their_platforms(
    people, author, youth_worker, make_app
):
    italian = await people("chiara", "youth", ["IT"])
    await write(author)
    await write(author, status="draft")
    await write(italian, platform="IT", language="it")
    before = await next_steps(youth_worker)
    assert before["notes_to_review"] == 1
    assert before["moderation_queue"] == 0 and before["urgent_reports"] == 0

    # A new member's first topic waits for a youth worker; a safety report on a visible post is urgent.
    await start_topic(author, await category_id(author, "DE"))
    visible = await start_topic(youth_worker, await category_id(youth_worker, "DE"))
    flagged = await author.post(
        f"/api/v1/forum/posts/{visible['first_post_id']}/flags", json={"reason": "safety"}
    )
    assert flagged.status_code in (200, 201, 204), flagged.text
    steps = await next_steps(youth_worker)
    assert steps["moderation_queue"] == 2
    assert steps["urgent_reports"] == 1
    assert "notes_changes_requested" not in steps and "last_export_at" not in steps

    # A youth worker of another platform has none of it.
    other = await people("pietro", "youth_worker", ["IT"])
    theirs = await next_steps(other)
    assert (theirs["notes_to_review"], theirs["moderation_queue"], theirs["urgent_reports"]) == (1, 0, 0)


async def test_notes_of_someone_who_withdrew_consent_are_not_counted(author, youth_worker):
    await write(author)
    assert (await next_steps(youth_worker))["notes_to_review"] == 1
    response = await author.post("/api/v1/me/consent", json={"version": CONSENT_VERSION, "accepted": False})
    assert response.status_code in (200, 201), response.text
    assert (await next_steps(youth_worker))["notes_to_review"] == 0


async def test_a_researcher_sees_their_last_export_and_without_platforms_nothing_to_review(people, author):
    await write(author)
    researcher = await people("rosa", "researcher", ["DE"])
    stranded = await people("rafael", "researcher", [])
    steps = await next_steps(researcher)
    assert steps["last_export_at"] is None and steps["notes_to_review"] == 1
    assert "moderation_queue" not in steps
    assert (await researcher.get("/api/v1/exports/notes?format=csv")).status_code == 200
    assert (await next_steps(researcher))["last_export_at"] is not None
    # Access fails closed: a researcher of no platform has no notes waiting, whatever is stored.
    assert (await next_steps(stranded))["notes_to_review"] == 0
