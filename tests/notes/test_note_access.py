"""Who sees and reviews which note, tried from the attacker's side."""

from __future__ import annotations

import pytest

from tests.notes.conftest import note_body


async def write(author, **overrides):
    body = note_body(**overrides)
    response = await author.request("PUT", f"/api/v1/notes/{body['id']}", json=body)
    assert response.status_code == 201, response.text
    return body


@pytest.mark.parametrize("role", ["youth_worker", "researcher"])
async def test_reviewers_of_the_platform_see_its_submitted_notes(people, author, role):
    reviewer = await people("reviewer", role, ["DE"])
    note = await write(author)
    listed = (await reviewer.get("/api/v1/notes")).json()["items"]
    assert [item["id"] for item in listed] == [note["id"]]
    assert (await reviewer.get(f"/api/v1/notes/{note['id']}")).status_code == 200


async def test_researchers_see_notes_without_who_wrote_them(people, author):
    researcher = await people("rosa", "researcher", ["DE"])
    worker = await people("yara", "youth_worker", ["DE"])
    note = await write(author)
    assert (await researcher.get(f"/api/v1/notes/{note['id']}")).json()["author_id"] is None
    assert (await worker.get(f"/api/v1/notes/{note['id']}")).json()["author_id"] == author.id


@pytest.mark.parametrize("role", ["youth_worker", "researcher"])
async def test_reviewers_of_another_platform_see_nothing_and_cannot_review(people, author, role):
    outsider = await people("outsider", role, ["IT"])
    note = await write(author)
    assert (await outsider.get("/api/v1/notes")).json()["items"] == []
    assert (await outsider.get("/api/v1/notes", params={"platform": "DE"})).json()["items"] == []
    assert (await outsider.get(f"/api/v1/notes/{note['id']}")).status_code == 404
    review = await outsider.post(f"/api/v1/notes/{note['id']}/review", json={"decision": "approve"})
    assert review.status_code == 404
    assert (await author.get(f"/api/v1/notes/{note['id']}")).json()["status"] == "submitted"


@pytest.mark.parametrize("role", ["youth_worker", "researcher"])
async def test_drafts_are_the_authors_alone(people, author, role):
    reviewer = await people("reviewer", role, ["DE"])
    draft = await write(author, status="draft", consent_confirmed=False)
    assert (await reviewer.get("/api/v1/notes")).json()["items"] == []
    assert (await reviewer.get(f"/api/v1/notes/{draft['id']}")).status_code == 404
    assert (
        await reviewer.post(f"/api/v1/notes/{draft['id']}/review", json={"decision": "approve"})
    ).status_code == 404
    assert (await author.get(f"/api/v1/notes/{draft['id']}")).status_code == 200


async def test_another_young_person_cannot_read_or_withdraw_a_note(people, author):
    karim = await people("karim", "youth", ["DE"])
    note = await write(author)
    assert (await karim.get("/api/v1/notes")).json()["items"] == []
    assert (await karim.get(f"/api/v1/notes/{note['id']}")).status_code == 404
    assert (await karim.delete(f"/api/v1/notes/{note['id']}")).status_code == 404
    assert (await author.get(f"/api/v1/notes/{note['id']}")).json()["status"] == "submitted"


async def test_a_forbidden_note_looks_like_a_missing_one(people, author):
    import uuid

    karim = await people("karim", "youth", ["DE"])
    note = await write(author)
    forbidden = await karim.get(f"/api/v1/notes/{note['id']}")
    missing = await karim.get(f"/api/v1/notes/{uuid.uuid4()}")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.json() == missing.json()


async def test_a_review_is_seen_by_the_author_with_its_comment(people, author):
    worker = await people("yara", "youth_worker", ["DE"])
    note = await write(author)
    reviewed = await worker.post(
        f"/api/v1/notes/{note['id']}/review",
        json={"decision": "request_changes", "comment": "Wer hat das gesagt?"},
        headers={"Accept-Language": "de"},
    )
    assert reviewed.status_code == 200
    seen = (await author.get(f"/api/v1/notes/{note['id']}")).json()
    assert seen["status"] == "changes_requested"
    assert seen["reviews"] == [
        {**seen["reviews"][0], "decision": "request_changes", "comment": "Wer hat das gesagt?"}
    ]


async def test_reviewers_filter_by_status(people, author):
    worker = await people("yara", "youth_worker", ["DE"])
    first, second = await write(author), await write(author)
    await worker.post(f"/api/v1/notes/{first['id']}/review", json={"decision": "approve"})
    approved = (await worker.get("/api/v1/notes", params={"status": "approved"})).json()["items"]
    submitted = (await worker.get("/api/v1/notes", params={"status": "submitted"})).json()["items"]
    assert [n["id"] for n in approved] == [first["id"]]
    assert [n["id"] for n in submitted] == [second["id"]]


async def test_notes_page_by_cursor_without_gaps_or_repeats(author):
    written = {(await write(author))["id"] for _ in range(7)}
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await author.get("/api/v1/notes", params=params)).json()
        seen.extend(item["id"] for item in page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(written)
