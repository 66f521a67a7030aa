"""Sessions in Redis, as deployments with several processes run them (throttling counters in
Redis are tried from the attacker's side in tests/accounts/test_login_throttle.py)."""

from __future__ import annotations

import socket
import uuid

import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import create_person, sign_in

REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_is_running() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not redis_is_running(), reason="no Redis on 127.0.0.1:6379")


async def test_sessions_live_in_redis_and_end_there(make_app):
    app = make_app(redis_url=REDIS_URL)
    name = f"r{uuid.uuid4().hex[:10]}"
    async with AsyncTestClient(app=app) as client:
        await create_person(app, name, "youth", ["DE"])
        person = await sign_in(client, name)
        assert (await person.get("/api/v1/me")).json()["username"] == name
        assert (await person.post("/api/v1/auth/logout")).status_code == 204
        assert (await person.get("/api/v1/me")).status_code == 401


async def test_a_session_made_by_one_process_works_in_another(make_app):
    first, second = make_app(redis_url=REDIS_URL), make_app(redis_url=REDIS_URL)
    name = f"r{uuid.uuid4().hex[:10]}"
    async with AsyncTestClient(app=first) as one, AsyncTestClient(app=second) as other:
        await create_person(first, name, "youth", ["DE"])
        person = await sign_in(one, name)
        person.client = other
        assert (await person.get("/api/v1/me")).status_code == 200
