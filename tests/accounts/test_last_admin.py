"""Tessera always keeps an admin: nobody can demote or erase the last one, not even two admins at once."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import sqlalchemy as sa
from litestar import Litestar

from server.accounts import service
from server.accounts.models import User
from server.security import CSRF_HEADER, SESSION_COOKIE
from tests.conftest import PASSWORD, create_person

LAST_ADMIN = "Tessera needs at least one admin. Make another person an admin first."


async def active_admins(app):
    async with app.state.test_db() as db:
        query = sa.select(User.username).where(User.role == "admin", User.status == "active")
        return sorted(await db.scalars(query))


async def user_ids(app):
    async with app.state.test_db() as db:
        return {name: str(user_id) for name, user_id in await db.execute(sa.select(User.username, User.id))}


async def demote(admin, person_id):
    return await admin.patch(f"/api/v1/users/{person_id}", json={"role": "researcher"})


def is_last_admin_refusal(response):
    return (
        response.status_code == 409
        and response.json()["type"] == "urn:tessera:problem:last-admin"
        and response.json()["detail"] == LAST_ADMIN
    )


async def test_the_only_admin_cannot_demote_themself(app, people):
    admin = await people("root", "admin")

    response = await demote(admin, admin.id)

    assert is_last_admin_refusal(response), response.text
    assert await active_admins(app) == ["root"]


async def test_an_admin_demotes_another_but_not_then_the_last(app, people):
    first = await people("root", "admin")
    second = await people("deputy", "admin")

    assert (await demote(first, second.id)).status_code == 200
    assert is_last_admin_refusal(await demote(first, first.id))
    assert await active_admins(app) == ["root"]


async def test_an_admin_may_step_down_while_another_remains(app, people):
    first = await people("root", "admin")
    await people("deputy", "admin")

    response = await demote(first, first.id)

    assert response.status_code == 200, response.text
    assert await active_admins(app) == ["deputy"]


async def test_the_refusal_is_in_the_admins_language(people):
    admin = await people("root", "admin", language="de")

    response = await demote(admin, admin.id)

    assert response.status_code == 409
    assert response.headers["content-language"] == "de"


@contextlib.asynccontextmanager
async def served(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """The app on the test's own event loop: Litestar's test client answers one request at a
    time, so requests meant to arrive together go straight to the app."""
    transport = httpx.ASGITransport(app=app)
    async with (
        app.lifespan(),
        httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as client,
    ):
        yield client


async def session_headers(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    response = await client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    client.cookies.clear()
    return {
        "Cookie": f"{SESSION_COOKIE}={response.cookies[SESSION_COOKIE]}",
        CSRF_HEADER: response.json()["csrf_token"],
    }


async def test_two_admins_demoting_each_other_at_once_leave_one_admin(app, monkeypatch):
    await create_person(app, "root", "admin")
    await create_person(app, "deputy", "admin")
    ids = await user_ids(app)
    # Both requests are past signing in before either changes a role: the race at its tightest.
    both_arrived = asyncio.Barrier(2)
    change_role = service.change_role

    async def change_role_once_both_arrived(*args: Any, **kwargs: Any) -> Any:
        async with asyncio.timeout(10):
            await both_arrived.wait()
        return await change_role(*args, **kwargs)

    monkeypatch.setattr(service, "change_role", change_role_once_both_arrived)
    async with served(app) as client:
        root, deputy = await session_headers(client, "root"), await session_headers(client, "deputy")
        answers = await asyncio.gather(
            client.patch(f"/api/v1/users/{ids['deputy']}", json={"role": "researcher"}, headers=root),
            client.patch(f"/api/v1/users/{ids['root']}", json={"role": "researcher"}, headers=deputy),
        )

    assert sorted(answer.status_code for answer in answers) == [200, 409], [a.text for a in answers]
    assert len(await active_admins(app)) == 1


async def test_the_last_admin_cannot_erase_their_account(app, people):
    admin = await people("root", "admin")

    response = await admin.delete("/api/v1/me", json={"password": PASSWORD})

    assert is_last_admin_refusal(response), response.text
    assert await active_admins(app) == ["root"]


async def test_an_admin_may_erase_their_account_while_another_remains(app, people):
    admin = await people("root", "admin")
    await people("deputy", "admin")

    response = await admin.delete("/api/v1/me", json={"password": PASSWORD})

    assert response.status_code == 204, response.text
    assert await active_admins(app) == ["deputy"]


async def test_a_suspended_admin_does_not_count_as_the_one_that_remains(app, people):
    admin = await people("root", "admin")
    await people("away", "admin")
    async with app.state.test_db() as db:
        away = await db.scalar(sa.select(User).where(User.username == "away"))
        away.status = "suspended"
        await db.commit()

    assert is_last_admin_refusal(await demote(admin, admin.id))
