"""A person who withdrew consent, or was erased, is out of every view of notes but their own:
staff lists, single reads and reviews. Without consent nothing new is written, until the
person consents again; withdrawal is not erasure, so consenting again brings the notes back."""

from __future__ import annotations

import pytest

from server.accounts.consent import CONSENT_VERSION
from tests.conftest import PASSWORD
from tests.notes.conftest import note_body


@pytest.fixture
async def staff(people):
    return {
        "youth_worker": await people("yara", "youth_worker", ["DE"]),
        "researcher": await people("rosa", "researcher", ["DE"]),
        "admin": await people("root", "admin", []),
    }


async def write(author, **overrides):
    body = note_body(**overrides)
    response = await author.request("PUT", f"/api/v1/notes/{body['id']}", json=body)
    assert response.status_code == 201, response.text
    return body


async def give_consent(person, accepted: bool) -> None:
    response = await person.post(
        "/api/v1/me/consent", json={"version": CONSENT_VERSION, "accepted": accepted}
    )
    assert response.status_code in (200, 201), response.text


async def listed(person) -> list[str]:
    response = await person.get("/api/v1/notes")
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def assert_out_of_staff_view(staff, note_id: str) -> None:
    for person in staff.values():
        assert note_id not in await listed(person)
        assert (await person.get(f"/api/v1/notes/{note_id}")).status_code == 404
        review = await person.post(f"/api/v1/notes/{note_id}/review", json={"decision": "approve"})
        assert review.status_code == 404


async def test_a_withdrawn_persons_notes_leave_staff_views_and_come_back_with_consent(staff, author):
    note = await write(author)
    for person in staff.values():
        assert note["id"] in await listed(person)

    await give_consent(author, accepted=False)
    await assert_out_of_staff_view(staff, note["id"])
    # The author still sees their own data.
    assert await listed(author) == [note["id"]]
    assert (await author.get(f"/api/v1/notes/{note['id']}")).json()["status"] == "submitted"

    await give_consent(author, accepted=True)
    for person in staff.values():
        assert note["id"] in await listed(person)
    reviewed = await staff["youth_worker"].post(
        f"/api/v1/notes/{note['id']}/review", json={"decision": "approve"}
    )
    assert reviewed.status_code == 200


async def test_without_consent_a_note_is_refused_with_a_localised_reason(author):
    stored = await write(author)
    await give_consent(author, accepted=False)

    new = note_body()
    refused = await author.request("PUT", f"/api/v1/notes/{new['id']}", json=new)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "give your consent again" in refused.json()["detail"].lower()
    edit = {**stored, "base_version": 1, "text": "Another detail."}
    assert (await author.request("PUT", f"/api/v1/notes/{stored['id']}", json=edit)).status_code == 403
    assert await listed(author) == [stored["id"]]
    assert (await author.get(f"/api/v1/notes/{stored['id']}")).json()["text"] == stored["text"]

    await give_consent(author, accepted=True)
    assert (await author.request("PUT", f"/api/v1/notes/{new['id']}", json=new)).status_code == 201


async def test_without_consent_every_sync_item_is_forbidden_with_its_reason(author):
    await give_consent(author, accepted=False)
    notes = [note_body(), note_body()]
    response = await author.post("/api/v1/sync", json={"notes": notes})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [result["status"] for result in results] == ["forbidden", "forbidden"]
    assert all("consent" in result["error"] for result in results)
    assert await listed(author) == []

    await give_consent(author, accepted=True)
    again = await author.post("/api/v1/sync", json={"notes": notes})
    assert [result["status"] for result in again.json()["results"]] == ["created", "created"]


async def test_an_erased_persons_notes_are_gone_from_every_staff_view(staff, people):
    karim = await people("karim", "youth", ["DE"])
    note = await write(karim)
    assert note["id"] in await listed(staff["youth_worker"])

    erased = await karim.request("DELETE", "/api/v1/me", json={"password": PASSWORD})
    assert erased.status_code == 204, erased.text
    await assert_out_of_staff_view(staff, note["id"])


async def erase_with_approved_notes(staff, people, choice: str | None):
    """Karim erases his account with one approved note and one waiting for review; answers
    both notes and what the audit log recorded."""
    karim = await people("karim", "youth", ["DE"])
    approved, waiting = await write(karim), await write(karim)
    review = await staff["youth_worker"].post(
        f"/api/v1/notes/{approved['id']}/review", json={"decision": "approve"}
    )
    assert review.status_code == 200, review.text
    body = {"password": PASSWORD} | ({"approved_notes": choice} if choice else {})
    erased = await karim.request("DELETE", "/api/v1/me", json=body)
    assert erased.status_code == 204, erased.text
    log = (await staff["admin"].get("/api/v1/audit", params={"limit": 100})).json()["items"]
    event = next(event for event in log if event["kind"] == "account.erased")
    return approved, waiting, event["details"]


async def test_an_erased_person_who_keeps_approved_notes_leaves_them_pseudonymised(staff, people):
    approved, waiting, recorded = await erase_with_approved_notes(staff, people, "keep_pseudonymised")
    assert recorded == {"approved_notes": "keep_pseudonymised", "kept_notes": 1}
    for person in staff.values():
        assert approved["id"] in await listed(person)
    kept = (await staff["researcher"].get(f"/api/v1/notes/{approved['id']}")).json()
    assert kept["text"] == approved["text"]
    assert kept.get("author_id") is None
    # What was not approved for research goes with the account, whatever the choice.
    await assert_out_of_staff_view(staff, waiting["id"])


async def test_an_erased_person_who_deletes_approved_notes_leaves_none(staff, people):
    approved, waiting, recorded = await erase_with_approved_notes(staff, people, "delete")
    assert recorded == {"approved_notes": "delete", "kept_notes": 0}
    for note in (approved, waiting):
        await assert_out_of_staff_view(staff, note["id"])


async def test_erasure_deletes_approved_notes_unless_asked_to_keep_them(staff, people):
    approved, _, recorded = await erase_with_approved_notes(staff, people, None)
    assert recorded["approved_notes"] == "delete"
    await assert_out_of_staff_view(staff, approved["id"])


async def test_an_unknown_choice_for_approved_notes_erases_nothing(staff, people):
    karim = await people("karim", "youth", ["DE"])
    refused = await karim.request(
        "DELETE", "/api/v1/me", json={"password": PASSWORD, "approved_notes": "give_to_everyone"}
    )
    assert refused.status_code in (400, 422)
    assert (await karim.get("/api/v1/me")).status_code == 200


async def test_another_authors_consent_does_not_hide_a_consenting_authors_notes(staff, author, people):
    karim = await people("karim", "youth", ["DE"])
    kept = await write(author)
    hidden = await write(karim)
    await give_consent(karim, accepted=False)
    assert await listed(staff["researcher"]) == [kept["id"]]
    assert hidden["id"] not in await listed(staff["admin"])
