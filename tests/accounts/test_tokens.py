"""Personal API tokens: shown once, stored hashed, expiring, revocable, for scripts without CSRF."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa

from server.accounts.models import ApiToken


async def test_researcher_creates_a_token_and_reads_with_it(client, people):
    researcher = await people("rosa", "researcher", ["IT"])
    created = await researcher.post("/api/v1/tokens", json={"name": "R scripts", "expires_in_days": 30})
    assert created.status_code == 201
    token = created.json()["token"]
    client.cookies.clear()
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["username"] == "rosa"
    # What a token may not do (anything but reading) is in test_token_scope.py.


async def test_the_token_is_shown_once_and_stored_only_as_a_hash(app, people):
    researcher = await people("rosa", "researcher", ["IT"])
    token = (await researcher.post("/api/v1/tokens", json={"name": "R"})).json()["token"]
    listed = (await researcher.get("/api/v1/tokens")).json()["items"]
    assert len(listed) == 1
    assert token not in str(listed)
    async with app.state.test_db() as db:
        stored = await db.scalar(sa.select(ApiToken))
    assert token not in stored.token_hash


async def test_a_revoked_token_no_longer_works(client, people):
    researcher = await people("rosa", "researcher", ["IT"])
    created = (await researcher.post("/api/v1/tokens", json={"name": "R"})).json()
    assert (await researcher.delete(f"/api/v1/tokens/{created['id']}")).status_code == 204
    client.cookies.clear()
    response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {created['token']}"})
    assert response.status_code == 401


async def test_an_expired_token_no_longer_works(app, client, people):
    researcher = await people("rosa", "researcher", ["IT"])
    token = (await researcher.post("/api/v1/tokens", json={"name": "R"})).json()["token"]
    async with app.state.test_db() as db:
        await db.execute(
            sa.update(ApiToken).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
        await db.commit()
    client.cookies.clear()
    response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


@pytest.mark.parametrize("header", ["Bearer", "Bearer tsr_made_up", "Basic cm9zYTpwdw==", "tsr_x"])
async def test_malformed_or_unknown_authorization_is_refused(client, header):
    response = await client.get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("role", ["youth", "youth_worker"])
async def test_only_researchers_and_admins_have_tokens(people, role):
    person = await people("someone", role, ["IT"])
    assert (await person.post("/api/v1/tokens", json={"name": "x"})).status_code == 403
    assert (await person.get("/api/v1/tokens")).status_code == 403


async def test_nobody_can_revoke_another_persons_token(people):
    rosa = await people("rosa", "researcher", ["IT"])
    marco = await people("marco", "researcher", ["IT"])
    created = (await rosa.post("/api/v1/tokens", json={"name": "R"})).json()
    assert (await marco.delete(f"/api/v1/tokens/{created['id']}")).status_code == 404
    assert (await marco.delete(f"/api/v1/tokens/{uuid.uuid4()}")).status_code == 404
    assert (await rosa.get("/api/v1/tokens")).json()["items"][0]["revoked_at"] is None


async def test_token_lifetime_is_bounded(people):
    rosa = await people("rosa", "researcher", ["IT"])
    response = await rosa.post("/api/v1/tokens", json={"name": "forever", "expires_in_days": 10_000})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "expires_in_days"


async def test_a_token_of_a_suspended_researcher_is_refused(app, client, people):
    from server.accounts.models import User

    rosa = await people("rosa", "researcher", ["IT"])
    token = (await rosa.post("/api/v1/tokens", json={"name": "R"})).json()["token"]
    async with app.state.test_db() as db:
        await db.execute(sa.update(User).where(User.username == "rosa").values(status="suspended"))
        await db.commit()
    client.cookies.clear()
    assert (await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})).status_code == 403


async def test_an_operator_can_allow_tokens_a_shorter_life(make_app):
    from litestar.testing import AsyncTestClient

    from tests.conftest import create_person, sign_in

    app = make_app(api_token_max_days=30)
    async with AsyncTestClient(app=app) as client:
        await create_person(app, "rosa", "researcher", ["IT"])
        rosa = await sign_in(client, "rosa")
        refused = await rosa.post("/api/v1/tokens", json={"name": "R", "expires_in_days": 31})
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "expires_in_days"
        assert "30" in refused.json()["errors"][0]["message"]
        assert (await rosa.get("/api/v1/tokens")).json()["items"] == []
        assert (
            await rosa.post("/api/v1/tokens", json={"name": "R", "expires_in_days": 30})
        ).status_code == 201


async def test_a_tokens_use_is_noted_though_the_request_only_reads(client, people):
    researcher = await people("rosa", "researcher", ["IT"])
    created = (await researcher.post("/api/v1/tokens", json={"name": "R"})).json()
    [before] = (await researcher.get("/api/v1/tokens")).json()["items"]
    assert before["last_used_at"] is None
    client.cookies.clear()
    used = await client.get("/api/v1/notes", headers={"Authorization": f"Bearer {created['token']}"})
    assert used.status_code == 200
    [after] = (await researcher.get("/api/v1/tokens")).json()["items"]
    assert after["last_used_at"] is not None
