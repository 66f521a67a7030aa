"""Recovering a session after a reload: the app keeps its CSRF token in memory only."""

from __future__ import annotations

from tests.conftest import create_person, sign_in


async def test_a_signed_in_page_recovers_its_user_and_csrf_token(app, client):
    await create_person(app, "amina", "youth", ["DE"])
    amina = await sign_in(client, "amina")
    response = await amina.get("/api/v1/auth/session")
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["username"] == "amina"
    assert body["csrf_token"] == amina.csrf_token
    assert response.headers["cache-control"] == "no-store"
    # The recovered token is the one the session checks.
    amina.csrf_token = body["csrf_token"]
    assert (await amina.patch("/api/v1/me", json={"language": "de"})).status_code == 200


async def test_after_sign_out_there_is_no_session_to_recover(app, client):
    await create_person(app, "amina", "youth", ["DE"])
    amina = await sign_in(client, "amina")
    assert (await amina.post("/api/v1/auth/logout")).status_code == 204
    response = await amina.get("/api/v1/auth/session")
    assert (response.status_code, response.json()) == (200, {"user": None})
    assert response.headers["cache-control"] == "no-store"


async def test_nobody_signed_in_is_an_ordinary_answer_not_an_error(client):
    """The app asks on every start; a 401 would be a console error on every visit (Lighthouse)."""
    client.cookies.clear()
    response = await client.get("/api/v1/auth/session")
    assert (response.status_code, response.json()) == (200, {"user": None})
    assert "csrf_token" not in response.text
    stale = await client.get("/api/v1/auth/session", headers={"Cookie": "tessera_session=made-up"})
    assert (stale.status_code, stale.json()) == (200, {"user": None})


async def test_an_api_token_has_no_session_and_no_csrf_token(app, client):
    await create_person(app, "rosa", "researcher", ["DE"])
    rosa = await sign_in(client, "rosa")
    token = (await rosa.post("/api/v1/tokens", json={"name": "laptop"})).json()["token"]
    client.cookies.clear()
    response = await client.get("/api/v1/auth/session", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
