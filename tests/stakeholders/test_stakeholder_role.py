"""The stakeholder role: invited by the platform's staff, and kept out of notes, guides,
exports, moderation, the audit log, the forum, tokens and the directory itself."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import PASSWORD, create_person, sign_in
from tests.notes.conftest import FIRST_GUIDE_ID, note_body
from tests.stakeholders.conftest import add


async def test_youth_workers_and_researchers_invite_stakeholders_to_their_own_platforms_only(people):
    youth_worker = await people("worker", "youth_worker", ["DE"])
    researcher = await people("researcher", "researcher", ["DE"])
    for inviter in (youth_worker, researcher):
        response = await inviter.post("/api/v1/invites", json={"role": "stakeholder", "platform": "DE"})
        assert response.status_code == 201, response.text
        elsewhere = await inviter.post("/api/v1/invites", json={"role": "stakeholder", "platform": "IT"})
        assert elsewhere.status_code == 403
    # A researcher brings in stakeholders only; staff still come through admins.
    youth = await researcher.post("/api/v1/invites", json={"role": "youth", "platform": "DE"})
    assert youth.status_code == 403
    staff = await youth_worker.post("/api/v1/invites", json={"role": "researcher", "platform": "DE"})
    assert staff.status_code == 403
    stakeholder = await people("partner", "stakeholder", ["DE"])
    assert (
        await stakeholder.post("/api/v1/invites", json={"role": "stakeholder", "platform": "DE"})
    ).status_code == 403


async def test_a_stakeholder_joins_with_an_invite_and_is_a_stakeholder_of_that_platform(people, client):
    worker = await people("worker", "youth_worker", ["IT"])
    code = (await worker.post("/api/v1/invites", json={"role": "stakeholder", "platform": "IT"})).json()[
        "code"
    ]
    response = await client.post(
        "/api/v1/auth/register",
        json={
            "invite_code": code,
            "username": "ong-partner",
            "password": PASSWORD,
            "language": "it",
            "birth_year": 1980,
            "consent": {"version": (await client.get("/api/v1/consent")).json()["version"], "accepted": True},
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["user"]["role"] == "stakeholder"
    assert response.json()["user"]["platforms"] == ["IT"]


async def test_a_stakeholder_reads_no_note_of_their_own_platform(people):
    author = await people("amina", "youth", ["DE"])
    note = note_body()
    assert (await author.request("PUT", f"/api/v1/notes/{note['id']}", json=note)).status_code == 201
    stakeholder = await people("partner", "stakeholder", ["DE"])
    assert (await stakeholder.get(f"/api/v1/notes/{note['id']}")).status_code == 403
    assert (await stakeholder.get("/api/v1/notes?platform=DE")).status_code == 403
    assert (await stakeholder.get("/api/v1/exports/notes?platform=DE&status=any")).status_code == 403
    assert (await stakeholder.get("/api/v1/guides")).status_code == 403
    assert (await stakeholder.get(f"/api/v1/guides/{FIRST_GUIDE_ID}")).status_code == 403
    # Nor any other way in: sync or review.
    assert (await stakeholder.post("/api/v1/sync", json={"notes": [note]})).status_code == 403
    review = await stakeholder.post(f"/api/v1/notes/{note['id']}/review", json={"decision": "approve"})
    assert review.status_code == 403


async def test_a_stakeholder_has_no_forum_moderation_audit_or_tokens(people):
    stakeholder = await people("partner", "stakeholder", ["DE"])
    someone = str(uuid.uuid4())
    refused = [
        ("GET", "/api/v1/forum/categories", None),
        ("GET", "/api/v1/forum/topics", None),
        ("POST", "/api/v1/forum/topics", {}),
        ("GET", "/api/v1/moderation/queue", None),
        ("GET", "/api/v1/moderation/log", None),
        ("POST", f"/api/v1/moderation/users/{someone}", {"action": "mute", "reason": "x"}),
        ("GET", "/api/v1/audit", None),
        ("GET", "/api/v1/tokens", None),
        ("POST", "/api/v1/tokens", {"name": "script"}),
        ("PATCH", f"/api/v1/users/{someone}", {}),
    ]
    for method, path, body in refused:
        response = await stakeholder.request(method, path, json=body)
        assert response.status_code == 403, (method, path, response.text)


async def test_a_stakeholder_reads_no_entry_of_their_platforms_directory(people):
    keeper = await people("keeper", "youth_worker", ["IT"])
    stored = await add(keeper, email="giulia@comune.roma.it")
    stakeholder = await people("partner", "stakeholder", ["IT"])
    for method, path in (
        ("GET", "/api/v1/stakeholders?platform=IT"),
        ("GET", f"/api/v1/stakeholders/{stored['id']}"),
        ("GET", "/api/v1/stakeholders/export?platform=IT"),
        ("GET", "/api/v1/stakeholders/similar?platform=IT&organisation=Comune"),
        ("PATCH", f"/api/v1/stakeholders/{stored['id']}"),
        ("DELETE", f"/api/v1/stakeholders/{stored['id']}"),
        ("POST", f"/api/v1/stakeholders/{stored['id']}/erasure"),
    ):
        response = await stakeholder.request(method, path, json={"version": 1} if method == "PATCH" else None)
        assert response.status_code == 403, (method, path)
        assert "giulia" not in response.text.casefold()


async def test_the_console_gives_a_stakeholder_a_platform(app):
    with pytest.raises(ValueError, match="at least one platform"):
        await create_person(app, "lonely", "stakeholder", [])


async def test_the_vocabularies_name_the_new_role_and_groups(client, people):
    words = (await client.get("/api/v1/vocabularies")).json()
    assert "stakeholder" in words["roles"]
    assert "stakeholder" not in words["role_groups"]["forum_members"]
    assert "stakeholder" not in words["role_groups"]["note_readers"]
    assert words["role_groups"]["directory_keepers"] == ["youth_worker", "researcher", "admin"]
    assert words["stakeholder_sectors"][0] == "public_authority"
    assert words["engagement_kinds"][-1] == "other"
    # And a stakeholder signed in again is still one.
    await people("partner", "stakeholder", ["DE"])
    assert (await sign_in(client, "partner")).user["role"] == "stakeholder"
