"""Registration cannot be used to make the server hash passwords without limit: the invite is
checked before the hash, and failed registrations are throttled per address like sign-ins."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
import sqlalchemy as sa
from litestar import Litestar

from server.accounts.models import Invite
from tests.accounts import test_login_throttle
from tests.accounts.test_login_throttle import ClientAt, fresh_address, fresh_name, running
from tests.accounts.test_registration import registration
from tests.conftest import PASSWORD, create_person

REGISTER = "/api/v1/auth/register"

# The same fixture as the sign-in throttle's: the embedded files, and Redis when one runs.
store_settings = test_login_throttle.store_settings


def counting_hashes(app: Litestar, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    hasher = app.state.account_services.hasher
    hashed: list[str] = []
    original = hasher.hash

    async def hash_password(password: str) -> str:
        hashed.append(password)
        return await original(password)

    monkeypatch.setattr(hasher, "hash", hash_password)
    return hashed


async def invite_code(app: Litestar, client_at: ClientAt, max_uses: int = 1) -> str:
    """A youth worker's invite to DE, made over HTTP from an address of its own."""
    name = fresh_name()
    await create_person(app, name, "youth_worker", ["DE"])
    youth_worker = client_at(fresh_address())
    login = await youth_worker.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
    created = await youth_worker.post(
        "/api/v1/invites",
        json={"platform": "DE", "max_uses": max_uses},
        headers={"X-CSRF-Token": login.json()["csrf_token"]},
    )
    assert created.status_code == 201, created.text
    return str(created.json()["code"])


async def test_made_up_spent_or_expired_invites_and_taken_names_cost_no_password_hash(make_app, monkeypatch):
    app = make_app()
    async with running(app) as client_at:
        spent, expired = await invite_code(app, client_at), await invite_code(app, client_at)
        taken = await invite_code(app, client_at, max_uses=5)
        stranger = client_at(fresh_address())
        assert (await stranger.post(REGISTER, json=registration(spent, "first"))).status_code == 201
        async with app.state.test_db() as db:
            await db.execute(
                sa.update(Invite)
                .where(Invite.uses == 0, Invite.max_uses == 1)
                .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
            )
            await db.commit()
        hashed = counting_hashes(app, monkeypatch)
        answers = [
            await stranger.post(REGISTER, json=registration("ABCD-EFGH-JKMN", "second")),
            await stranger.post(REGISTER, json=registration(spent, "third")),
            await stranger.post(REGISTER, json=registration(expired, "fourth")),
            await stranger.post(REGISTER, json=registration(taken, "first")),
        ]
    assert [answer.status_code for answer in answers] == [422, 410, 410, 409]
    assert hashed == []


async def test_registrations_sent_at_once_with_made_up_codes_are_throttled_per_address(
    make_app, store_settings, monkeypatch
):
    app = make_app(**store_settings, registration_failures_per_address=5)
    async with running(app) as client_at:
        code = await invite_code(app, client_at)
        hashed = counting_hashes(app, monkeypatch)
        attacker = client_at(fresh_address())
        answers = await asyncio.gather(
            *(
                attacker.post(REGISTER, json=registration(f"AAAA-BBBB-{i:04d}", fresh_name()))
                for i in range(50)
            )
        )
        with_a_real_code = await attacker.post(
            REGISTER, json=registration(code, fresh_name()), headers={"Accept-Language": "de"}
        )
        from_elsewhere = await client_at(fresh_address()).post(
            REGISTER, json=registration(code, fresh_name())
        )
    assert sorted(answer.status_code for answer in answers) == [422] * 5 + [429] * 45
    assert with_a_real_code.status_code == 429
    assert 0 < int(with_a_real_code.headers["retry-after"]) <= 15 * 60
    assert with_a_real_code.headers["content-type"] == "application/problem+json"
    assert with_a_real_code.headers["content-language"] == "de"
    assert from_elsewhere.status_code == 201
    assert len(hashed) == 1


async def test_a_workshop_joins_from_one_address_without_using_up_its_limit(make_app, store_settings):
    app = make_app(**store_settings, registration_failures_per_address=2)
    async with running(app) as client_at:
        code = await invite_code(app, client_at, max_uses=6)
        youth_centre = client_at(fresh_address())
        typo = await youth_centre.post(REGISTER, json=registration("ABCD-EFGH-JKMN", fresh_name()))
        answers = [await youth_centre.post(REGISTER, json=registration(code, fresh_name())) for _ in range(6)]
    assert typo.status_code == 422
    assert [answer.status_code for answer in answers] == [201] * 6
