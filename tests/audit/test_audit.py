"""The audit log: security events are recorded, and only admins read them."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, sign_in


async def test_logins_failed_logins_and_role_changes_are_audited(app, client, people):
    admin = await people("root", "admin")
    rosa = await people("rosa", "researcher", ["IT"])
    await client.post("/api/v1/auth/login", json={"username": "rosa", "password": "not her password"})
    response = await admin.patch(f"/api/v1/users/{rosa.id}", json={"role": "youth_worker"})
    assert response.status_code == 200
    log = (await admin.get("/api/v1/audit", params={"limit": 100})).json()["items"]
    kinds = [event["kind"] for event in log]
    assert "login.succeeded" in kinds
    assert "login.failed" in kinds
    role_change = next(event for event in log if event["kind"] == "role.changed")
    assert role_change["subject_id"] == rosa.id
    assert role_change["details"] == {"before": "researcher", "after": "youth_worker"}
    # A new role means signing in again.
    assert (await rosa.get("/api/v1/me")).status_code == 401


async def test_audit_log_pages_with_a_cursor_newest_first(people, client):
    admin = await people("root", "admin")
    for _ in range(3):
        await sign_in(client, "root")
    first = (await admin.get("/api/v1/audit", params={"limit": 2})).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = (await admin.get("/api/v1/audit", params={"limit": 2, "cursor": first["next_cursor"]})).json()
    first_ids = {event["id"] for event in first["items"]}
    assert not first_ids & {event["id"] for event in second["items"]}
    times = [event["at"] for event in first["items"] + second["items"]]
    assert times == sorted(times, reverse=True)


async def test_a_forged_cursor_is_a_clear_422(people):
    admin = await people("root", "admin")
    response = await admin.get("/api/v1/audit", params={"cursor": "not-a-cursor"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "cursor"


async def test_limit_above_100_is_refused(people):
    admin = await people("root", "admin")
    response = await admin.get("/api/v1/audit", params={"limit": 101})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "limit"


@pytest.mark.parametrize("role", ["youth", "youth_worker", "researcher"])
async def test_nobody_but_admins_reads_the_audit_log(people, role):
    person = await people("someone", role, ["DE"])
    assert (await person.get("/api/v1/audit")).status_code == 403


async def test_failed_login_events_carry_no_username(app, client, people):
    admin = await people("root", "admin")
    await client.post("/api/v1/auth/login", json={"username": "typo-name-qx", "password": PASSWORD})
    assert "typo-name-qx" not in (await admin.get("/api/v1/audit")).text
