"""Admins find people (search folded like usernames, filters) and staff list and revoke the
invites they may make: youth workers their platforms' youth and stakeholder invites, admins all."""

from __future__ import annotations

from server.accounts.consent import CONSENT_VERSION
from tests.conftest import PASSWORD


def usernames(page: dict) -> list[str]:
    return [item["username"] for item in page["items"]]


async def test_an_admin_finds_people_by_folded_name_role_platform_and_status(people):
    await people("amina", "youth", ["DE"])
    await people("omar", "youth", ["IT"])
    await people("lena", "youth_worker", ["DE"])
    gone = await people("gone", "youth", ["DE"])
    admin = await people("root", "admin")
    assert (await gone.delete("/api/v1/me", json={"password": PASSWORD})).status_code == 204
    suspended = await admin.get("/api/v1/users?q=omar")
    omar_id = suspended.json()["items"][0]["id"]
    decided = await admin.post(
        f"/api/v1/moderation/users/{omar_id}", json={"action": "suspend", "reason": "spam"}
    )
    assert decided.status_code == 200, decided.text

    found = (await admin.get("/api/v1/users?q=AMINA")).json()

    assert usernames(found) == ["amina"]
    assert found["items"][0]["platforms"] == ["DE"]
    assert usernames((await admin.get("/api/v1/users?role=youth")).json()) == ["omar", "amina"]
    assert usernames((await admin.get("/api/v1/users?platform=DE")).json()) == ["lena", "amina"]
    [omar] = (await admin.get("/api/v1/users?status=suspended")).json()["items"]
    assert (omar["username"], omar["status"], omar["suspension_reason"]) == ("omar", "suspended", "spam")
    everyone = (await admin.get("/api/v1/users?limit=100")).json()
    assert "gone" not in usernames(everyone) and len(everyone["items"]) == 4
    assert (await admin.get("/api/v1/users?q=%25")).json()["items"] == []


async def test_staff_list_the_invites_they_may_make_and_revoke_them_at_once(people, client):
    worker = await people("lena", "youth_worker", ["DE"])
    colleague = await people("marco", "youth_worker", ["IT"])
    researcher = await people("ruth", "researcher", ["DE"])
    admin = await people("root", "admin")
    youth_invite = (await worker.post("/api/v1/invites", json={"platform": "DE", "role": "youth"})).json()
    await admin.post("/api/v1/invites", json={"platform": "DE", "role": "researcher"})
    await colleague.post("/api/v1/invites", json={"platform": "IT", "role": "youth"})
    await researcher.post("/api/v1/invites", json={"platform": "DE", "role": "stakeholder"})

    seen_by_worker = (await worker.get("/api/v1/invites")).json()["items"]
    seen_by_researcher = (await researcher.get("/api/v1/invites")).json()["items"]
    seen_by_admin = (await admin.get("/api/v1/invites")).json()["items"]

    assert [(item["role"], item["platform"], item["mine"]) for item in seen_by_worker] == [
        ("stakeholder", "DE", False),
        ("youth", "DE", True),
    ]
    assert [(item["role"], item["platform"]) for item in seen_by_researcher] == [("stakeholder", "DE")]
    assert len(seen_by_admin) == 4
    assert "code" not in seen_by_worker[0]

    invite_id = seen_by_worker[1]["id"]
    assert (await colleague.delete(f"/api/v1/invites/{invite_id}")).status_code == 404
    assert (await researcher.delete(f"/api/v1/invites/{invite_id}")).status_code == 404
    assert (await worker.delete(f"/api/v1/invites/{invite_id}")).status_code == 204
    assert (await worker.delete(f"/api/v1/invites/{invite_id}")).status_code == 404

    joined = await client.post(
        "/api/v1/auth/register",
        json={
            "invite_code": youth_invite["code"],
            "username": "latecomer",
            "password": PASSWORD,
            "language": "en",
            "birth_year": 2000,
            "consent": {"version": CONSENT_VERSION, "accepted": True},
        },
    )
    assert joined.status_code in {404, 410, 422}, joined.text
    [revoked] = (await admin.get("/api/v1/audit?kind=invite.revoked")).json()["items"]
    assert (revoked["actor_id"], revoked["details"]["invite_id"]) == (worker.id, invite_id)
