"""Signing in and out: sessions, CSRF, throttling, and no tell-tale difference for unknown names."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from server.security import SESSION_COOKIE
from tests.conftest import PASSWORD, create_person, sign_in


async def test_login_answers_user_and_csrf_token_and_sets_a_hardened_cookie(app, client):
    await create_person(app, "amina", "youth", ["DE"])
    response = await client.post("/api/v1/auth/login", json={"username": "Amina", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["username"] == "amina"
    assert body["user"]["role"] == "youth"
    assert body["user"]["platforms"] == ["DE"]
    assert len(body["csrf_token"]) >= 32
    cookie = response.headers["set-cookie"]
    assert f"{SESSION_COOKIE}=" in cookie
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    # Local development runs on plain http: the cookie cannot be Secure there.
    assert "Secure" not in cookie


async def test_cookie_is_secure_when_tessera_is_served_over_https(make_app):
    app = make_app(public_url="https://tessera.example.org")
    async with AsyncTestClient(app=app) as client:
        await create_person(app, "amina", "youth", ["DE"])
        response = await client.post("/api/v1/auth/login", json={"username": "amina", "password": PASSWORD})
    assert "Secure" in response.headers["set-cookie"]


async def test_each_login_gets_a_new_session_id(app, client):
    await create_person(app, "amina", "youth", ["DE"])
    first = await sign_in(client, "amina")
    second = await sign_in(client, "amina")
    assert first.session_id != second.session_id
    assert first.csrf_token != second.csrf_token


async def test_login_replaces_the_session_the_browser_already_had(app, client):
    await create_person(app, "amina", "youth", ["DE"])
    before = await sign_in(client, "amina")
    client.cookies.clear()
    response = await client.post(
        "/api/v1/auth/login",
        json={"username": "amina", "password": PASSWORD},
        headers={"Cookie": f"{SESSION_COOKIE}={before.session_id}"},
    )
    assert response.status_code == 200
    assert (await before.get("/api/v1/me")).status_code == 401


async def test_wrong_password_and_unknown_user_get_the_same_answer(app, client):
    await create_person(app, "amina", "youth", ["DE"])
    wrong = await client.post(
        "/api/v1/auth/login", json={"username": "amina", "password": "not the password"}
    )
    unknown = await client.post(
        "/api/v1/auth/login", json={"username": "nobody", "password": "not the password"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.headers["content-type"] == "application/problem+json"
    assert SESSION_COOKIE not in wrong.headers.get("set-cookie", "")


async def test_unknown_user_costs_a_password_hash_like_a_wrong_password(app, client, monkeypatch):
    await create_person(app, "amina", "youth", ["DE"])
    hasher = app.state.account_services.hasher
    verified: list[str | None] = []
    original = hasher.verify

    async def spy(stored_hash, password):
        verified.append(stored_hash)
        return await original(stored_hash, password)

    monkeypatch.setattr(hasher, "verify", spy)
    await client.post("/api/v1/auth/login", json={"username": "nobody", "password": "whatever it is"})
    await client.post("/api/v1/auth/login", json={"username": "amina", "password": "whatever it is"})
    # Both paths ran argon2 (an unknown name against a decoy hash), so neither answers faster.
    assert len(verified) == 2


async def test_logout_ends_the_session_on_the_server(app, client):
    await create_person(app, "amina", "youth", ["DE"])
    amina = await sign_in(client, "amina")
    response = await amina.post("/api/v1/auth/logout")
    assert response.status_code == 204
    assert "storage" in response.headers["clear-site-data"]
    # Replaying the old cookie after logout gets nothing.
    assert (await amina.get("/api/v1/me")).status_code == 401


async def test_unsafe_request_without_csrf_token_is_refused(app, client):
    await create_person(app, "amina", "youth", ["DE"])
    amina = await sign_in(client, "amina")
    response = await amina.patch("/api/v1/me", json={"display_name": "A"}, csrf=False)
    assert response.status_code == 403
    assert "X-CSRF-Token" in response.json()["detail"]
    wrong = await amina.patch("/api/v1/me", json={"display_name": "A"}, headers={"X-CSRF-Token": "guess"})
    assert wrong.status_code == 403
    assert (await amina.get("/api/v1/me")).json()["display_name"] == "amina"


async def test_csrf_token_of_another_session_is_refused(app, client):
    await create_person(app, "amina", "youth", ["DE"])
    await create_person(app, "mallory", "youth", ["DE"])
    amina = await sign_in(client, "amina")
    mallory = await sign_in(client, "mallory")
    response = await amina.patch(
        "/api/v1/me", json={"display_name": "owned"}, headers={"X-CSRF-Token": mallory.csrf_token}
    )
    assert response.status_code == 403


async def test_failed_logins_per_account_are_throttled_with_retry_after(app, client):
    await create_person(app, "amina", "youth", ["DE"])
    limit = app.state.settings.login_failures_per_account
    for _ in range(limit):
        response = await client.post(
            "/api/v1/auth/login", json={"username": "amina", "password": "wrong password!"}
        )
        assert response.status_code == 401
    # Now even the right password waits: the attacker cannot tell when they guessed it.
    throttled = await client.post("/api/v1/auth/login", json={"username": "amina", "password": PASSWORD})
    assert throttled.status_code == 429
    assert 0 < int(throttled.headers["retry-after"]) <= 15 * 60
    assert "15 minutes" in throttled.json()["detail"]


async def test_throttling_an_unknown_name_looks_the_same_as_a_known_one(app, client):
    limit = app.state.settings.login_failures_per_account
    for _ in range(limit):
        await client.post("/api/v1/auth/login", json={"username": "ghost", "password": "wrong password!"})
    throttled = await client.post(
        "/api/v1/auth/login", json={"username": "ghost", "password": "wrong password!"}
    )
    assert throttled.status_code == 429


async def test_failed_logins_per_address_are_throttled_across_accounts(make_app):
    app = make_app(login_failures_per_address=3)
    async with AsyncTestClient(app=app) as client:
        await create_person(app, "amina", "youth", ["DE"])
        for name in ("one", "two", "three"):
            await client.post("/api/v1/auth/login", json={"username": name, "password": "wrong password!"})
        response = await client.post("/api/v1/auth/login", json={"username": "amina", "password": PASSWORD})
    assert response.status_code == 429
    assert "retry-after" in response.headers


async def test_throttled_answer_is_in_the_callers_language(app, client):
    limit = app.state.settings.login_failures_per_account
    for _ in range(limit + 1):
        response = await client.post(
            "/api/v1/auth/login",
            json={"username": "ghost", "password": "wrong password!"},
            headers={"Accept-Language": "ar"},
        )
    assert response.status_code == 429
    assert response.headers["content-language"] == "ar"
    assert "15" in response.json()["detail"]
    assert "minutes" not in response.json()["detail"]


async def test_suspended_account_cannot_sign_in_nor_use_its_session(app, client):
    import sqlalchemy as sa

    from server.accounts.models import User

    await create_person(app, "amina", "youth", ["DE"])
    amina = await sign_in(client, "amina")
    async with app.state.test_db() as db:
        await db.execute(sa.update(User).where(User.username == "amina").values(status="suspended"))
        await db.commit()
    assert (await amina.get("/api/v1/me")).status_code == 403
    response = await client.post("/api/v1/auth/login", json={"username": "amina", "password": PASSWORD})
    assert response.status_code == 403
    assert "suspended" in response.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        b'{"username": "amina", "password": ',
        b"[]",
        b'{"username": 5, "password": "x"}',
        b'{"username": "amina"}',
        b'{"username": "amina", "password": "x", "remember": true}',
    ],
)
async def test_malformed_login_bodies_get_a_problem_not_a_crash(app, client, body):
    response = await client.post(
        "/api/v1/auth/login", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code in {400, 422}
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"]


async def test_expired_session_is_no_session(make_app):
    import msgspec

    app = make_app(session_absolute_hours=1)
    async with AsyncTestClient(app=app) as client:
        await create_person(app, "amina", "youth", ["DE"])
        amina = await sign_in(client, "amina")
        sessions = app.state.sessions
        record = await sessions.load(amina.session_id)
        old = msgspec.structs.replace(record, started_at=record.started_at - 3601)
        await sessions._store.set(sessions._key(amina.session_id), msgspec.msgpack.encode(old), 60)
        assert (await amina.get("/api/v1/me")).status_code == 401


async def test_a_hash_made_with_older_parameters_is_upgraded_at_sign_in(app, client):
    import argon2
    import sqlalchemy as sa

    from server.accounts.models import User

    await create_person(app, "amina", "youth", ["DE"])
    older = argon2.PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1).hash(PASSWORD)
    async with app.state.test_db() as db:
        await db.execute(sa.update(User).where(User.username == "amina").values(password_hash=older))
        await db.commit()
    await sign_in(client, "amina")
    async with app.state.test_db() as db:
        upgraded = await db.scalar(sa.select(User.password_hash).where(User.username == "amina"))
    assert upgraded != older
    assert upgraded.startswith("$argon2id$")
    assert f"m={app.state.settings.argon2_memory_kib},t={app.state.settings.argon2_time_cost}" in upgraded
    await sign_in(client, "amina")


async def test_an_idle_session_ends(make_app):
    import asyncio

    app = make_app(session_idle_minutes=1)
    async with AsyncTestClient(app=app) as client:
        await create_person(app, "amina", "youth", ["DE"])
        amina = await sign_in(client, "amina")
        sessions = app.state.sessions
        key = sessions._key(amina.session_id)
        # As if the minute of idleness had passed: the store forgets the session on its own.
        await sessions._store.set(key, await sessions._store.get(key), 1)
        await asyncio.sleep(1.2)
        assert (await amina.get("/api/v1/me")).status_code == 401
