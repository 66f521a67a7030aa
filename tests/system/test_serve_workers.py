"""`tessera serve --workers N`: several app processes on one port that behave as one, and a
clear refusal where they could not.

Which process serves a request is the kernel's choice; to choose it, a test stops one app
process (SIGSTOP) so that the other takes every new connection, then swaps them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import anyio
import httpx
import pytest

from bench.live_server import HOST, TESSERA, Server, running_server, wait_until_healthy
from server.security import PasswordHasher
from tests.conftest import PASSWORD
from tests.system.conftest import create_youth
from tests.system.test_redis_outage import OwnRedis, free_port

LOGIN = "/api/v1/auth/login"
FAILURES_ALLOWED = 3


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    if shutil.which("redis-server") is None:
        pytest.skip("no redis-server installed")
    redis = OwnRedis(free_port())
    redis.start()
    yield redis
    redis.stop()


def serve_two_processes(port: int) -> list[str]:
    return [*TESSERA, "serve", "--host", HOST, "--port", str(port), "--workers", "2"]


def children_of(pid: int) -> dict[int, str]:
    """The processes ``pid`` started: their ids and command lines."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            # The parent's id is the fourth field, after the command name in parentheses.
            parent = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
            if parent == pid:
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    return found


@contextlib.contextmanager
def only_served_by(app_process: int, others: list[int]) -> Iterator[None]:
    """Every new connection goes to ``app_process``: the other app processes are stopped."""
    for other in others:
        os.kill(other, signal.SIGSTOP)
    try:
        yield
    finally:
        for other in others:
            os.kill(other, signal.SIGCONT)


async def request(
    server: Server, method: str, path: str, cookies: httpx.Cookies | None = None, **kwargs: object
) -> httpx.Response:
    # A client of its own for each request: a new connection, which any process may accept.
    async with httpx.AsyncClient(base_url=server.base_url, cookies=cookies, timeout=30) as client:
        return await client.request(method, path, **kwargs)  # type: ignore[arg-type]


async def test_two_app_processes_share_sign_ins_and_throttles_and_run_background_work_once(
    database_url: str, tmp_path: Path, own_redis: OwnRedis, test_hasher: PasswordHasher
):
    env = {
        **os.environ,
        "TESSERA_DATABASE_URL": database_url,
        "TESSERA_STORE_DIR": str(tmp_path / "store"),
        "TESSERA_REDIS_URL": own_redis.url,
        "TESSERA_LOGIN_FAILURES_PER_ACCOUNT": str(FAILURES_ALLOWED),
    }
    await create_youth(database_url, "amina", "omar", hasher=test_hasher)
    with running_server(tmp_path, env, serve_two_processes) as server:
        await anyio.to_thread.run_sync(wait_until_healthy, server)
        # One healthy process answers /health; the other may still be starting (migrating the
        # database), and stopping it then would leave its lock held for the first to wait on.
        await both_started(server)
        children = children_of(server.process.pid)
        app_processes = [pid for pid, command in children.items() if "spawn_main" in command]
        background = [pid for pid, command in children.items() if "server.cli worker" in command]
        assert len(app_processes) == 2, children
        assert len(background) == 1, children
        first, second = app_processes

        with only_served_by(first, [second]):
            login = await request(server, "POST", LOGIN, json={"username": "amina", "password": PASSWORD})
            assert login.status_code == 200
        signed_in = {"cookies": login.cookies, "headers": {"X-CSRF-Token": login.json()["csrf_token"]}}
        with only_served_by(second, [first]):
            me = await request(server, "GET", "/api/v1/me", cookies=login.cookies)
            assert (me.status_code, me.json()["username"]) == (200, "amina")
            changed = await request(
                server, "PATCH", "/api/v1/me", json={"display_name": "Amina"}, **signed_in
            )
            assert changed.status_code == 200
            assert (await request(server, "POST", "/api/v1/auth/logout", **signed_in)).status_code in {
                200,
                204,
            }
        with only_served_by(first, [second]):
            assert (await request(server, "GET", "/api/v1/me", cookies=login.cookies)).status_code == 401

        # Failed sign-ins count together whichever process checks them.
        answers = []
        for attempt in range(FAILURES_ALLOWED + 1):
            serving, stopped = (first, second) if attempt % 2 == 0 else (second, first)
            with only_served_by(serving, [stopped]):
                wrong = {"username": "omar", "password": "not the password at all"}
                answers.append((await request(server, "POST", LOGIN, json=wrong)).status_code)
        assert answers == [401] * FAILURES_ALLOWED + [429]


async def both_started(server: Server) -> None:
    with anyio.fail_after(120):
        while server.log_path.read_text(errors="replace").count("Application startup complete.") < 2:  # noqa: ASYNC110 - another process writes the log
            await anyio.sleep(0.1)


def test_several_processes_without_redis_are_refused_with_the_reason(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k != "TESSERA_REDIS_URL"}
    env["TESSERA_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'tessera.db'}"
    done = subprocess.run(
        serve_two_processes(free_port()),
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "--workers needs TESSERA_REDIS_URL" in done.stderr
    assert "one process only" in done.stderr
    assert not (tmp_path / "tessera.db").exists()
