"""Staff without platforms see no platform's notes or guides: an empty list of platforms
is nothing, never "every platform". Admins see every platform because they are admins."""

from __future__ import annotations

import pytest

from tests.conftest import without_platforms
from tests.notes.conftest import FIRST_GUIDE_ID, note_body
from tests.notes.test_guides import guide_body


@pytest.fixture(params=["youth_worker", "researcher"])
async def stranded(request, client, people):
    """A member of staff whose platforms an admin took away."""
    person = await people("nadia", request.param, ["DE"])
    return await without_platforms(client, await people("root", "admin", []), person)


async def write(author, **overrides):
    body = note_body(**overrides)
    response = await author.request("PUT", f"/api/v1/notes/{body['id']}", json=body)
    assert response.status_code == 201, response.text
    return body


async def test_staff_without_platforms_list_no_notes(stranded, author):
    await write(author)
    assert (await stranded.get("/api/v1/notes")).json()["items"] == []
    assert (await stranded.get("/api/v1/notes", params={"platform": "DE"})).json()["items"] == []
    assert (await stranded.get("/api/v1/notes", params={"platform": ""})).json()["items"] == []


async def test_staff_without_platforms_can_neither_read_nor_review_a_note(stranded, author):
    note = await write(author)
    assert (await stranded.get(f"/api/v1/notes/{note['id']}")).status_code == 404
    review = await stranded.post(f"/api/v1/notes/{note['id']}/review", json={"decision": "approve"})
    assert review.status_code == 404
    assert (await author.get(f"/api/v1/notes/{note['id']}")).json()["status"] == "submitted"


async def test_staff_without_platforms_see_only_the_network_wide_guides(stranded, people):
    rosa = await people("rosa", "researcher", ["DE"])
    guide = (await rosa.post("/api/v1/guides", json=guide_body())).json()
    listed = [g["id"] for g in (await stranded.get("/api/v1/guides")).json()["items"]]
    assert listed == [FIRST_GUIDE_ID]
    assert (await stranded.get(f"/api/v1/guides/{guide['id']}")).status_code == 404
    edit = await stranded.request("PUT", f"/api/v1/guides/{guide['id']}", json=guide_body())
    assert edit.status_code in (403, 404)  # youth workers edit no guide at all
    assert (await stranded.post("/api/v1/guides", json=guide_body())).status_code == 403


async def test_an_admin_without_platforms_sees_every_platform_by_role(people, author):
    admin = await people("root", "admin", [])
    note = await write(author)
    assert [item["id"] for item in (await admin.get("/api/v1/notes")).json()["items"]] == [note["id"]]
    assert (await admin.get(f"/api/v1/notes/{note['id']}")).status_code == 200
