"""A bad day: Redis goes away under a running Tessera, and comes back.

Each test runs its own redis-server on a free port and stops it; the shared one on 6379
is never touched.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import create_person, sign_in

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="no redis-server installed")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class OwnRedis:
    """A redis-server of this test's own, which the test may stop, pause and start again."""

    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--daemonize", "no"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def pause(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    redis = OwnRedis(free_port())
    redis.start()
    yield redis
    if redis.process is not None:
        redis.resume()
    redis.stop()


def assert_service_unavailable(response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "urn:tessera:problem:service-unavailable"
    assert problem["status"] == 503
    assert problem["detail"]
    assert int(response.headers["retry-after"]) > 0


async def test_without_redis_signed_in_requests_are_503_and_health_says_so_until_it_is_back(
    make_app, own_redis
):
    app = make_app(redis_url=own_redis.url)
    name = f"r{uuid.uuid4().hex[:10]}"
    async with AsyncTestClient(app=app) as client:
        await create_person(app, name, "youth", ["DE"])
        person = await sign_in(client, name)
        healthy = await client.get("/health")
        assert (healthy.status_code, healthy.json()) == (
            200,
            {"status": "ok", "database": "ok", "redis": "ok"},
        )

        own_redis.stop()
        assert_service_unavailable(await person.get("/api/v1/me"))
        assert_service_unavailable(await person.patch("/api/v1/me", json={"display_name": "R"}))
        client.cookies.clear()
        assert_service_unavailable(
            await client.post("/api/v1/auth/login", json={"username": name, "password": "whatever it is"})
        )
        unhealthy = await client.get("/health")
        assert unhealthy.status_code == 503
        assert unhealthy.json() == {"status": "error", "database": "ok", "redis": "unavailable"}

        # Back on the same port: the very next requests work, without a restart of Tessera.
        own_redis.start()
        assert (await client.get("/health")).status_code == 200
        again = await sign_in(client, name)
        assert (await again.get("/api/v1/me")).json()["username"] == name


async def test_a_redis_that_stops_answering_gives_503_within_seconds_not_a_hung_request(make_app, own_redis):
    app = make_app(redis_url=own_redis.url)
    name = f"r{uuid.uuid4().hex[:10]}"
    async with AsyncTestClient(app=app, timeout=60) as client:
        await create_person(app, name, "youth", ["DE"])
        person = await sign_in(client, name)

        own_redis.pause()
        started = time.monotonic()
        assert_service_unavailable(await person.get("/api/v1/me"))
        assert time.monotonic() - started < 15
        assert (await client.get("/health")).json()["redis"] == "unavailable"

        own_redis.resume()
        assert (await person.get("/api/v1/me")).status_code == 200


async def test_health_leaves_redis_out_where_none_is_configured(client):
    response = await client.get("/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok", "database": "ok"})
