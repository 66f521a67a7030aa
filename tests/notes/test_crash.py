"""A server killed (SIGKILL) in the middle of a sync batch loses no acknowledged note and
leaves nothing half-written: a batch is one transaction, applied whole or not at all."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from server.db import create_engine
from tests.conftest import PASSWORD
from tests.notes.conftest import note_body

BATCHES_BEFORE_THE_KILL = 5
BATCH_SIZE = 100


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def tessera(*args: str, env: dict[str, str], cwd: Path, **kwargs):
    command = [sys.executable, "-c", "from server.cli import main; main()", *args]
    return subprocess.Popen(command, env=env, cwd=cwd, **kwargs)


def start_server(env: dict[str, str], cwd: Path, port: int) -> subprocess.Popen:
    server = tessera(
        "serve",
        "--port",
        str(port),
        "--no-workers",
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("tessera serve did not start")


@pytest.fixture
def server_environment(database_url: str, tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("TESSERA_")}
    env.update(TESSERA_DATABASE_URL=database_url, TESSERA_STORE_DIR=str(tmp_path / "store"))
    return env


async def test_a_killed_server_keeps_every_acknowledged_note_and_no_half_batch(
    server_environment, tmp_path, database_url
):
    creating = tessera(
        "create-user",
        "--username",
        "amina",
        "--role",
        "youth",
        "--platform",
        "DE",
        "--password-stdin",
        env=server_environment,
        cwd=tmp_path,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
    )
    creating.communicate(PASSWORD.encode() + b"\n", timeout=60)
    assert creating.returncode == 0

    port = free_port()
    server = start_server(server_environment, tmp_path, port)
    acknowledged: dict[str, str] = {}
    in_flight: list[list[dict]] = []
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            login = await client.post("/api/v1/auth/login", json={"username": "amina", "password": PASSWORD})
            headers = {"X-CSRF-Token": login.json()["csrf_token"]}
            for _ in range(BATCHES_BEFORE_THE_KILL):
                batch = [note_body(text=f"note {i} " + "x" * 1200) for i in range(BATCH_SIZE)]
                response = await client.post("/api/v1/sync", json={"notes": batch}, headers=headers)
                assert {r["status"] for r in response.json()["results"]} == {"created"}
                acknowledged.update({note["id"]: note["text"] for note in batch})
            # Several batches on their way, and the process dies under them.
            for _ in range(3):
                in_flight.append([note_body(text="unacknowledged " + "y" * 1200) for _ in range(BATCH_SIZE)])
            sending = [
                asyncio.ensure_future(client.post("/api/v1/sync", json={"notes": batch}, headers=headers))
                for batch in in_flight
            ]
            await asyncio.sleep(0.05)
            server.send_signal(signal.SIGKILL)
            server.wait(timeout=10)
            answers = await asyncio.gather(*sending, return_exceptions=True)
    finally:
        if server.poll() is None:
            server.kill()

    for batch, answer in zip(in_flight, answers, strict=True):
        if isinstance(answer, httpx.Response) and answer.status_code == 200:
            acknowledged.update({note["id"]: note["text"] for note in batch})

    restarted = start_server(server_environment, tmp_path, free_port())
    restarted.kill()
    restarted.wait(timeout=10)
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = dict((await connection.execute(sa.text("SELECT id, text FROM notes"))).all())
    finally:
        await engine.dispose()
    stored = {str(key).replace("-", ""): value for key, value in rows.items()}
    for note_id, text in acknowledged.items():
        assert stored.get(note_id.replace("-", "")) == text, "an acknowledged note was lost"
    for batch in in_flight:
        present = [note["id"].replace("-", "") in stored for note in batch]
        assert all(present) or not any(present), "a batch was half-written"
    assert len(stored) == len(acknowledged) + BATCH_SIZE * sum(
        1
        for batch in in_flight
        if batch[0]["id"].replace("-", "") in stored and batch[0]["id"] not in acknowledged
    )
