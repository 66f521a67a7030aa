"""A personal API token reads lists and exports, nothing more; what changes an account needs a
session, and erasure and a new password ask for the password again."""

from __future__ import annotations

import httpx
import pytest
from litestar.testing import AsyncTestClient

from server.accounts.consent import CONSENT_VERSION
from server.security import SESSION_COOKIE
from tests.conftest import PASSWORD, create_person, sign_in

NEW_PASSWORD = "another walk along the canal"
READ_ONLY = "This needs a signed-in session; API tokens can only read."


async def token_of(person) -> str:
    created = await person.post("/api/v1/tokens", json={"name": "script"})
    assert created.status_code == 201, created.text
    return str(created.json()["token"])


async def with_token(client, token: str, method: str, path: str, **kwargs) -> httpx.Response:
    client.cookies.clear()
    return await client.request(method, path, headers={"Authorization": f"Bearer {token}"}, **kwargs)


def assert_read_only(response: httpx.Response) -> None:
    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == READ_ONLY


async def test_a_token_cannot_create_a_token_that_would_outlive_its_revocation(client, people):
    rosa = await people("rosa", "researcher", ["IT"])
    token = await token_of(rosa)
    assert_read_only(await with_token(client, token, "POST", "/api/v1/tokens", json={"name": "second"}))
    [only] = (await rosa.get("/api/v1/tokens")).json()["items"]
    assert (await rosa.delete(f"/api/v1/tokens/{only['id']}")).status_code == 204
    assert (await with_token(client, token, "GET", "/api/v1/me")).status_code == 401
    assert len((await rosa.get("/api/v1/tokens")).json()["items"]) == 1


async def test_a_token_cannot_change_the_profile(client, people):
    rosa = await people("rosa", "researcher", ["IT"])
    token = await token_of(rosa)
    assert_read_only(await with_token(client, token, "PATCH", "/api/v1/me", json={"display_name": "Mallory"}))
    assert (await rosa.get("/api/v1/me")).json()["display_name"] == "rosa"


async def test_a_token_cannot_erase_the_account_even_with_the_password(client, people):
    rosa = await people("rosa", "researcher", ["IT"])
    token = await token_of(rosa)
    assert_read_only(await with_token(client, token, "DELETE", "/api/v1/me", json={"password": PASSWORD}))
    assert (await rosa.get("/api/v1/me")).status_code == 200
    assert (await with_token(client, token, "GET", "/api/v1/me")).status_code == 200


async def test_an_admins_token_cannot_change_roles(client, people):
    admin = await people("root", "admin")
    rosa = await people("rosa", "researcher", ["IT"])
    token = await token_of(admin)
    refused = await with_token(client, token, "PATCH", f"/api/v1/users/{rosa.id}", json={"role": "admin"})
    assert_read_only(refused)
    assert (await rosa.get("/api/v1/me")).json()["role"] == "researcher"


async def test_a_token_cannot_change_consent(client, people):
    rosa = await people("rosa", "researcher", ["IT"])
    token = await token_of(rosa)
    before = (await rosa.get("/api/v1/me/consent")).json()
    withdrawal = {"version": CONSENT_VERSION, "accepted": False}
    assert_read_only(await with_token(client, token, "POST", "/api/v1/me/consent", json=withdrawal))
    assert (await rosa.get("/api/v1/me/consent")).json() == before


async def test_a_token_cannot_change_the_password(client, people):
    rosa = await people("rosa", "researcher", ["IT"])
    token = await token_of(rosa)
    change = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert_read_only(await with_token(client, token, "POST", "/api/v1/me/password", json=change))
    assert (await sign_in(client, "rosa", PASSWORD)).user["username"] == "rosa"


async def test_a_token_cannot_sign_out_or_revoke(client, people):
    rosa = await people("rosa", "researcher", ["IT"])
    token = await token_of(rosa)
    [info] = (await rosa.get("/api/v1/tokens")).json()["items"]
    assert_read_only(await with_token(client, token, "POST", "/api/v1/auth/logout"))
    assert_read_only(await with_token(client, token, "DELETE", f"/api/v1/tokens/{info['id']}"))


@pytest.mark.parametrize(
    "path", ["/api/v1/notes", "/api/v1/exports/notes", "/api/v1/me/data", "/api/v1/tokens", "/api/v1/guides"]
)
async def test_a_token_reads_lists_and_exports(client, people, path):
    rosa = await people("rosa", "researcher", ["IT"])
    token = await token_of(rosa)
    assert (await with_token(client, token, "GET", path)).status_code == 200


async def test_an_admins_token_reads_the_audit_log(client, people):
    admin = await people("root", "admin")
    token = await token_of(admin)
    log = await with_token(client, token, "GET", "/api/v1/audit", params={"kind": "token.created"})
    assert log.status_code == 200
    assert len(log.json()["items"]) == 1


async def test_a_session_does_what_a_token_may_not(people):
    admin = await people("root", "admin")
    rosa = await people("rosa", "researcher", ["IT"])
    assert (await rosa.patch("/api/v1/me", json={"display_name": "Rosa"})).status_code == 200
    assert (await rosa.post("/api/v1/tokens", json={"name": "one"})).status_code == 201
    assert (await admin.patch(f"/api/v1/users/{rosa.id}", json={"platforms": ["DE"]})).status_code == 200
    withdrawal = {"version": CONSENT_VERSION, "accepted": False}
    assert (await rosa.post("/api/v1/me/consent", json=withdrawal)).status_code == 201


# Erasure asks for the password


async def test_erasure_with_a_wrong_or_no_password_erases_nothing(client, people):
    rosa = await people("rosa", "researcher", ["IT"])
    wrong = await rosa.delete("/api/v1/me", json={"password": "not my password at all"})
    assert wrong.status_code == 422
    assert wrong.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in wrong.json()["errors"]] == ["password"]
    assert (await rosa.delete("/api/v1/me")).status_code in {400, 422}
    assert (await rosa.delete("/api/v1/me", json={})).status_code == 422
    assert (await rosa.get("/api/v1/me")).json()["username"] == "rosa"
    assert (await sign_in(client, "rosa")).user["username"] == "rosa"


async def test_erasure_with_the_password_erases(client, people):
    rosa = await people("rosa", "researcher", ["IT"])
    assert (await rosa.delete("/api/v1/me", json={"password": PASSWORD})).status_code == 204
    assert (await rosa.get("/api/v1/me")).status_code == 401
    failed = await client.post("/api/v1/auth/login", json={"username": "rosa", "password": PASSWORD})
    assert failed.status_code == 401


# Changing the password


async def test_a_password_change_ends_the_other_sessions_but_not_the_callers(client, people):
    rosa = await people("rosa", "researcher", ["IT"])
    on_the_laptop = await sign_in(client, "rosa")
    change = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    changed = await rosa.post("/api/v1/me/password", json=change)
    assert changed.status_code == 204
    # A fresh session id, so a copied cookie of the caller's is out too; the CSRF token stays.
    renewed = changed.cookies[SESSION_COOKIE]
    assert renewed != rosa.session_id
    old_id, rosa.session_id = rosa.session_id, renewed
    assert (await rosa.get("/api/v1/me")).status_code == 200
    assert (await rosa.patch("/api/v1/me", json={"display_name": "Rosa"})).status_code == 200
    assert (await on_the_laptop.get("/api/v1/me")).status_code == 401
    rosa.session_id = old_id
    assert (await rosa.get("/api/v1/me")).status_code == 401

    client.cookies.clear()
    old = await client.post("/api/v1/auth/login", json={"username": "rosa", "password": PASSWORD})
    assert old.status_code == 401
    assert (await sign_in(client, "rosa", NEW_PASSWORD)).user["username"] == "rosa"


async def test_a_password_change_revokes_the_tokens_made_with_the_old_one(client, people):
    rosa = await people("rosa", "researcher", ["IT"])
    token = await token_of(rosa)
    assert (await with_token(client, token, "GET", "/api/v1/me")).status_code == 200
    change = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert (await rosa.post("/api/v1/me/password", json=change)).status_code == 204
    assert (await with_token(client, token, "GET", "/api/v1/exports/notes")).status_code == 401


async def test_a_password_change_is_audited(people):
    admin = await people("root", "admin")
    rosa = await people("rosa", "researcher", ["IT"])
    change = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert (await rosa.post("/api/v1/me/password", json=change)).status_code == 204
    log = (await admin.get("/api/v1/audit", params={"kind": "password.changed"})).json()["items"]
    assert [event["actor_id"] for event in log] == [rosa.id]


async def test_a_wrong_current_password_changes_nothing(client, people):
    rosa = await people("rosa", "researcher", ["IT"])
    on_the_laptop = await sign_in(client, "rosa")
    change = {"current_password": "not my password at all", "new_password": NEW_PASSWORD}
    refused = await rosa.post("/api/v1/me/password", json=change)
    assert refused.status_code == 422
    assert [error["field"] for error in refused.json()["errors"]] == ["current_password"]
    assert (await rosa.get("/api/v1/me")).status_code == 200
    assert (await on_the_laptop.get("/api/v1/me")).status_code == 200
    assert (await sign_in(client, "rosa", PASSWORD)).user["username"] == "rosa"


@pytest.mark.parametrize(
    ("new_password", "reason"),
    [("short", "at least 8"), ("password123", "most common")],
)
async def test_a_new_password_follows_the_rules_of_joining(people, new_password, reason):
    rosa = await people("rosa", "researcher", ["IT"])
    change = {"current_password": PASSWORD, "new_password": new_password}
    refused = await rosa.post("/api/v1/me/password", json=change)
    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert error["field"] == "new_password"
    assert reason in error["message"]


async def test_guessing_the_password_through_a_session_is_throttled_like_signing_in(make_app):
    app = make_app(login_failures_per_account=3)
    async with AsyncTestClient(app=app) as client:
        await create_person(app, "rosa", "researcher", ["IT"])
        rosa = await sign_in(client, "rosa")
        statuses = []
        for attempt in range(5):
            guess = {"current_password": f"guess number {attempt}", "new_password": NEW_PASSWORD}
            statuses.append((await rosa.post("/api/v1/me/password", json=guess)).status_code)
        erasure = await rosa.delete("/api/v1/me", json={"password": PASSWORD})
    assert statuses == [422, 422, 422, 429, 429]
    # Even the right password waits now: the account is safe from whoever holds the session.
    assert erasure.status_code == 429
    assert int(erasure.headers["retry-after"]) > 0
