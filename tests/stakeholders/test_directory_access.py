"""Every directory route from the attacker's side: another platform's staff, a stakeholder,
a young person, nobody signed in, and a researcher's read-only token."""

from __future__ import annotations

import uuid

from tests.stakeholders.conftest import add, entry

CSV = "organisation,sector,level,contact_basis\r\nCaritas Roma,ngo,local,legitimate_interest\r\n"


def routes_of(entry_id: str) -> list[tuple[str, str, dict | None]]:
    return [
        ("GET", "/api/v1/stakeholders?platform=IT", None),
        ("POST", "/api/v1/stakeholders", entry(person_name="Intruder")),
        ("GET", "/api/v1/stakeholders/similar?platform=IT&organisation=Comune", None),
        ("GET", "/api/v1/stakeholders/export?platform=IT", None),
        ("GET", f"/api/v1/stakeholders/{entry_id}", None),
        ("PATCH", f"/api/v1/stakeholders/{entry_id}", {"version": 1, "organisation": "Taken over"}),
        ("DELETE", f"/api/v1/stakeholders/{entry_id}", None),
        ("POST", f"/api/v1/stakeholders/{entry_id}/erasure", None),
        (
            "POST",
            f"/api/v1/stakeholders/{entry_id}/engagements",
            {"kind": "other", "at": "2026-01-01T00:00:00Z"},
        ),
    ]


async def import_csv(person, platform: str = "IT", **kwargs):
    return await person.post(
        f"/api/v1/stakeholders/import?platform={platform}",
        content=CSV,
        headers={"Content-Type": "text/csv"},
        **kwargs,
    )


async def test_another_platforms_staff_can_neither_read_nor_change_an_entry(keeper, people):
    stored = await add(keeper, email="giulia@comune.roma.it")
    for role in ("youth_worker", "researcher"):
        stranger = await people(f"{role.replace('_', '-')}-de", role, ["DE"])
        for method, path, body in routes_of(stored["id"]):
            response = await stranger.request(method, path, json=body)
            # Another platform's entry is missing; naming another platform is refused.
            assert response.status_code in {403, 404}, (role, method, path, response.text)
            assert "giulia" not in response.text.casefold()
        assert (await import_csv(stranger)).status_code == 403
        # Their own list holds none of Italy's entries.
        own = (await stranger.get("/api/v1/stakeholders")).json()["items"]
        assert own == []
    after = (await keeper.get(f"/api/v1/stakeholders/{stored['id']}")).json()
    assert after == stored
    assert [
        item["organisation"]
        for item in (await keeper.get("/api/v1/stakeholders?platform=IT")).json()["items"]
    ] == ["Comune di Roma"]


async def test_young_people_and_stakeholders_of_the_platform_are_refused_everywhere(keeper, people):
    stored = await add(keeper)
    for role in ("youth", "stakeholder"):
        member = await people(f"{role}-it", role, ["IT"])
        for method, path, body in routes_of(stored["id"]):
            response = await member.request(method, path, json=body)
            assert response.status_code == 403, (role, method, path)
        assert (await import_csv(member)).status_code == 403
    assert (await keeper.get(f"/api/v1/stakeholders/{stored['id']}")).json() == stored


async def test_nobody_signed_in_gets_401_everywhere(keeper, client):
    stored = await add(keeper)
    client.cookies.clear()
    for method, path, body in routes_of(stored["id"]):
        response = await client.request(method, path, json=body)
        assert response.status_code == 401, (method, path)
    response = await client.post(
        "/api/v1/stakeholders/import?platform=IT", content=CSV, headers={"Content-Type": "text/csv"}
    )
    assert response.status_code == 401


async def test_a_researchers_token_reads_the_directory_but_never_writes_it(app, client, people):
    from tests.test_access_control import token_for

    researcher = await people("researcher-it", "researcher", ["IT"])
    stored = await add(researcher)
    token = await token_for(app, researcher)
    client.cookies.clear()
    bearer = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/v1/stakeholders?platform=IT", headers=bearer)).status_code == 200
    for method, path, body in routes_of(stored["id"]):
        if method == "GET":
            continue
        response = await client.request(method, path, json=body, headers=bearer)
        assert response.status_code == 403, (method, path)
        assert response.json()["type"] == "urn:tessera:problem:token-read-only"
    for dry_run in ("true", "false"):
        response = await client.post(
            f"/api/v1/stakeholders/import?platform=IT&dry_run={dry_run}",
            content=CSV,
            headers={**bearer, "Content-Type": "text/csv"},
        )
        assert response.status_code == 403
    listed = (await client.get("/api/v1/stakeholders?platform=IT", headers=bearer)).json()["items"]
    assert [item["id"] for item in listed] == [stored["id"]]


async def test_an_admin_keeps_every_platforms_directory(keeper, people):
    stored = await add(keeper)
    admin = await people("admin", "admin")
    assert (await admin.get(f"/api/v1/stakeholders/{stored['id']}")).status_code == 200
    assert (await admin.get("/api/v1/stakeholders")).json()["items"][0]["id"] == stored["id"]
    assert (await import_csv(admin, "DE")).json() == {
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "errors": [],
    }


async def test_the_network_space_and_unknown_platforms_have_no_directory(people):
    admin = await people("admin", "admin")
    for platform in ("NET", "ZZ"):
        response = await admin.post("/api/v1/stakeholders", json=entry(platform=platform))
        assert response.status_code == 422, platform
    assert (await admin.get(f"/api/v1/stakeholders/{uuid.uuid4()}")).status_code == 404
