"""Bad days, as the people using Tessera would notice them: a database that drops its connections
during a sync burst, Redis stopped and started, an app process or a worker killed mid-way, a
client that goes away in the middle of a write.

Afterwards no note or notification that was acknowledged is lost, none is there twice, the
service recovers by itself, and while it cannot answer a client gets 503 with a problem body,
never a 500. Each test runs its own servers (redis-server on a free port, PostgreSQL databases
of its own): the machine's shared ones are never stopped, and only this test's own connections
are terminated.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sqlite3
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anyio
import asyncpg
import httpx
import pytest
import sqlalchemy as sa
from litestar import Litestar, get
from litestar.testing import AsyncTestClient

from bench.live_server import TESSERA, running_server, wait_until_healthy
from server.db import create_engine, create_sessionmaker, unit_of_work
from server.notes.models import Note
from server.push.delivery import RECORD_EVERY_SECONDS
from server.push.keys import b64url
from server.push.models import PushMessage
from server.push.service import queue_push
from server.security import PasswordHasher
from tests.conftest import PASSWORD, create_person, sign_in
from tests.notes.conftest import note_body
from tests.push.conftest import eventually, outbox, subscribe
from tests.push.push_service import PushService
from tests.system.conftest import create_youth
from tests.system.test_redis_outage import OwnRedis, free_port

SYNC = "/api/v1/sync"


@contextlib.asynccontextmanager
async def served_on_this_loop(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """The app on the test's own event loop, so that a test can cancel a request in the middle of
    its handler, as a server's timeout or shutdown does (Litestar's test client runs the app in
    a thread of its own, out of reach of a cancellation)."""
    async with (
        app.lifespan(),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver.local"
        ) as client,
    ):
        yield client


async def signed_in_headers(client: httpx.AsyncClient, app: Litestar, username: str) -> dict[str, str]:
    """A new young person, signed in: the headers their phone sends."""
    await create_person(app, username, "youth", ["DE"])
    return await sign_in_as(client, username)


async def sign_in_as(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    """Signs in as the app does, again after a 503, and gives the session's headers."""
    for _attempt in range(40):
        login = await client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
        client.cookies.clear()
        if login.status_code == 200:
            cookie = "; ".join(f"{name}={value}" for name, value in login.cookies.items())
            return {"Cookie": cookie, "X-CSRF-Token": login.json()["csrf_token"]}
        assert_unavailable_not_broken(login)
        await anyio.sleep(0.1)
    raise AssertionError("signing in never worked again")


async def stored_note_ids(app: Litestar) -> list[uuid.UUID]:
    async with unit_of_work(app.state.test_db) as db:
        return list(await db.scalars(sa.select(Note.id)))


# A client that goes away mid-write (SQLite)

SLOW_MARK = "slow to store:"


async def make_notes_slow_to_store(app: Litestar) -> None:
    """Notes whose text starts with SLOW_MARK take SQLite seconds to insert: a cancellation then
    surely arrives while SQLite is running the statement, not between two statements."""
    async with unit_of_work(app.state.test_db) as db:
        await db.execute(
            sa.text(
                f"CREATE TRIGGER slow_note BEFORE INSERT ON notes WHEN NEW.text LIKE '{SLOW_MARK}%' BEGIN "
                "SELECT count(*) FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                "WHERE i < 20000000) SELECT i FROM n); END"
            )
        )


async def test_a_sync_cancelled_mid_write_on_sqlite_leaves_the_next_write_free_within_seconds(
    app: Litestar, database_url: str
):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's single writer")
    async with served_on_this_loop(app) as served:
        await a_sync_cancelled_mid_write(app, served)


async def a_sync_cancelled_mid_write(app: Litestar, served: httpx.AsyncClient) -> None:
    await make_notes_slow_to_store(app)
    amina = await signed_in_headers(served, app, "amina")
    omar = await signed_in_headers(served, app, "omar")
    abandoned = [note_body(text=f"{SLOW_MARK} the bus was late again.") for _ in range(3)]

    with anyio.move_on_after(0.5) as cancelled:
        await served.post(SYNC, json={"notes": abandoned}, headers=amina)
    assert cancelled.cancelled_caught, "the sync finished before it could be cancelled"

    # Another phone syncs at once: it must not wait for the abandoned statement (seconds more),
    # nor fail with "database is locked" after SQLite's 30 s.
    started = time.monotonic()
    other = note_body()
    with anyio.fail_after(20):
        answer = await served.post(SYNC, json={"notes": [other]}, headers=omar)
    assert answer.status_code == 200, answer.text
    assert time.monotonic() - started < 3
    assert await stored_note_ids(app) == [uuid.UUID(other["id"])]

    # The phone that went away sends its batch again; each note is stored once.
    async with unit_of_work(app.state.test_db) as db:
        await db.execute(sa.text("DROP TRIGGER slow_note"))
    again = await served.post(SYNC, json={"notes": abandoned}, headers=amina)
    assert [result["status"] for result in again.json()["results"]] == ["created"] * 3
    assert sorted(await stored_note_ids(app)) == sorted(uuid.UUID(n["id"]) for n in [*abandoned, other])


# SQLite busy for longer than it waits


@get("/test/database-busy", exclude_from_auth=True, include_in_schema=False)
async def database_busy() -> None:
    # What SQLite says when another writer (another process) held the lock past the 30 s timeout.
    raise sa.exc.OperationalError("INSERT INTO notes ...", {}, sqlite3.OperationalError("database is locked"))


@get("/test/statement-bug", exclude_from_auth=True, include_in_schema=False)
async def statement_bug() -> None:
    raise sa.exc.OperationalError("SELECT nonsense", {}, sqlite3.OperationalError("no such column: nonsense"))


async def test_a_database_locked_beyond_its_timeout_is_503_and_a_broken_statement_stays_500(app, client):
    app.register(database_busy)
    app.register(statement_bug)
    assert_unavailable_not_broken(await client.get("/test/database-busy"))
    # A bug is not an outage: trying again would not help, and the log says so as an error.
    assert (await client.get("/test/statement-bug")).status_code == 500


# PostgreSQL drops the app's connections (SQLite has none to drop)


def assert_unavailable_not_broken(answer: httpx.Response) -> None:
    """What a client may get while a service is down: 503, with a problem body and a time to
    come back; never a 500."""
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["type"] == "urn:tessera:problem:service-unavailable"
    assert problem["detail"]
    assert int(answer.headers["retry-after"]) > 0


async def connect_to(database_url: str, database: str | None = None) -> asyncpg.Connection:
    url = sa.engine.make_url(database_url)
    return await asyncpg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        database=database or url.database,
    )


async def terminate_connections_to(database_url: str) -> int:
    """pg_terminate_backend for every session on this test's own database (only the app's and
    the test's own connect to it), never another database's."""
    url = sa.engine.make_url(database_url)
    admin = await connect_to(database_url, "postgres")
    try:
        return len(
            await admin.fetch(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = $1 AND pid <> pg_backend_pid()",
                url.database,
            )
        )
    finally:
        await admin.close()


async def sync_until_acknowledged(
    client: httpx.AsyncClient, headers: dict[str, str], batch: list[dict[str, Any]], answers: list[int]
) -> None:
    """A phone's outbox: the batch goes again until the server acknowledges it, as the app does."""
    for _attempt in range(20):
        answer = await client.post(SYNC, json={"notes": batch}, headers=headers)
        answers.append(answer.status_code)
        if answer.status_code == 200:
            assert {result["status"] for result in answer.json()["results"]} <= {"created", "unchanged"}
            return
        assert_unavailable_not_broken(answer)
        await anyio.sleep(0.1)
    raise AssertionError("the batch was never acknowledged")


async def test_postgresql_connections_terminated_during_a_sync_burst_lose_and_double_nothing(
    app: Litestar, database_url: str
):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's connections")
    phones, batches_each, notes_each = 4, 6, 20
    async with served_on_this_loop(app) as served:
        people = [await signed_in_headers(served, app, f"phone{number}") for number in range(phones)]
        batches = [
            [[note_body() for _ in range(notes_each)] for _ in range(batches_each)] for _ in range(phones)
        ]
        answers: list[int] = []
        terminated: list[int] = []

        async def phone(headers: dict[str, str], outbox: list[list[dict[str, Any]]]) -> None:
            for batch in outbox:
                await sync_until_acknowledged(served, headers, batch, answers)

        async def outage() -> None:
            for _ in range(5):
                await anyio.sleep(0.15)
                terminated.append(await terminate_connections_to(database_url))

        async with anyio.create_task_group() as burst:
            burst.start_soon(outage)
            for headers, outbox in zip(people, batches, strict=True):
                burst.start_soon(phone, headers, outbox)

        assert sum(terminated) > 0, "the outage met no connection"
        health = await served.get("/health")
        assert health.status_code == 200, health.text
    every_id = sorted(uuid.UUID(note["id"]) for outbox in batches for batch in outbox for note in batch)
    assert sorted(await stored_note_ids(app)) == every_id
    print(f"answers during the burst: {sorted(answers)}; connections terminated: {terminated}")


# Redis stopped and started


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    if shutil.which("redis-server") is None:
        pytest.skip("no redis-server installed")
    redis = OwnRedis(free_port())
    redis.start()
    yield redis
    redis.stop()


async def test_redis_stopped_and_started_during_syncs_gives_503_then_recovers_with_every_note_once(
    make_app: Any, own_redis: OwnRedis
):
    app = make_app(redis_url=own_redis.url)
    phones, batches_each = 3, 8
    batches = [[[note_body() for _ in range(5)] for _ in range(batches_each)] for _ in range(phones)]
    answers: list[int] = []
    async with served_on_this_loop(app) as served:
        usernames = [f"phone{number}" for number in range(phones)]
        people = {name: await signed_in_headers(served, app, name) for name in usernames}

        async def phone(name: str, outbox: list[list[dict[str, Any]]]) -> None:
            for batch in outbox:
                for _attempt in range(40):
                    answer = await served.post(SYNC, json={"notes": batch}, headers=people[name])
                    answers.append(answer.status_code)
                    if answer.status_code == 200:
                        break
                    if answer.status_code == 401:
                        # Redis kept no copy of the sessions (no persistence here): signed out,
                        # the app signs in again and its outbox goes on.
                        people[name] = await sign_in_as(served, name)
                        continue
                    assert_unavailable_not_broken(answer)
                    await anyio.sleep(0.1)
                await anyio.sleep(0.05)

        async def outage() -> None:
            await anyio.sleep(0.2)
            own_redis.stop()
            await anyio.sleep(1.0)
            unhealthy = await served.get("/health")
            assert (unhealthy.status_code, unhealthy.json()["redis"]) == (503, "unavailable")
            own_redis.start()

        async with anyio.create_task_group() as burst:
            burst.start_soon(outage)
            for name, outbox in zip(usernames, batches, strict=True):
                burst.start_soon(phone, name, outbox)

        assert 503 in answers
        assert set(answers) <= {200, 401, 503}
        assert (await served.get("/health")).status_code == 200
    every_id = sorted(uuid.UUID(note["id"]) for outbox in batches for batch in outbox for note in batch)
    assert sorted(await stored_note_ids(app)) == every_id


# An app process killed mid-request while another serves


async def sessions_waiting_for_a_lock(database_url: str) -> int:
    admin = await connect_to(database_url, "postgres")
    try:
        return int(
            await admin.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'",
                sa.engine.make_url(database_url).database,
            )
        )
    finally:
        await admin.close()


async def test_an_app_process_killed_mid_sync_leaves_the_other_serving_and_the_replay_stores_each_note_once(
    database_url: str, tmp_path: Path, own_redis: OwnRedis, test_hasher: PasswordHasher
):
    if not database_url.startswith("postgresql"):
        pytest.skip("two app processes share PostgreSQL")
    env = {
        **os.environ,
        "TESSERA_DATABASE_URL": database_url,
        "TESSERA_STORE_DIR": str(tmp_path / "store"),
        "TESSERA_REDIS_URL": own_redis.url,
    }
    await create_youth(database_url, "amina", hasher=test_hasher)
    batch = [note_body() for _ in range(20)]
    for log_dir in ("a", "b"):
        (tmp_path / log_dir).mkdir()
    with (
        running_server(tmp_path / "a", env, cwd=tmp_path) as first,
        running_server(tmp_path / "b", env, cwd=tmp_path) as second,
    ):
        for server in (first, second):
            await anyio.to_thread.run_sync(wait_until_healthy, server)
        async with httpx.AsyncClient(base_url=first.base_url, timeout=30) as phone:
            login = await phone.post("/api/v1/auth/login", json={"username": "amina", "password": PASSWORD})
            assert login.status_code == 200, login.text
            headers = {"X-CSRF-Token": login.json()["csrf_token"]}

            # The first process is surely mid-request when killed: its sync waits for a lock
            # this test holds on the notes.
            holder = await connect_to(database_url)
            try:
                async with holder.transaction():
                    await holder.execute("LOCK TABLE notes IN ACCESS EXCLUSIVE MODE")
                    async with anyio.create_task_group() as group:
                        group.start_soon(lost_sync, phone, batch, headers)
                        with anyio.fail_after(10):
                            while not await sessions_waiting_for_a_lock(database_url):  # noqa: ASYNC110 - PostgreSQL's state
                                await anyio.sleep(0.05)
                        first.process.send_signal(signal.SIGKILL)
                        first.process.wait(timeout=10)
                    # The second process goes on serving the same session meanwhile.
                    async with httpx.AsyncClient(
                        base_url=second.base_url, cookies=phone.cookies, timeout=30
                    ) as other:
                        assert (await other.get("/health")).status_code == 200
                        assert (await other.get("/api/v1/me")).json()["username"] == "amina"
            finally:
                await holder.close()

            # The phone never got an answer, so its outbox sends the batch again, to the survivor.
            async with httpx.AsyncClient(
                base_url=second.base_url, cookies=phone.cookies, timeout=30
            ) as other:
                replay = await other.post(SYNC, json={"notes": batch}, headers=headers)
    assert replay.status_code == 200, replay.text
    assert {result["status"] for result in replay.json()["results"]} <= {"created", "unchanged"}
    engine = create_engine(database_url)
    try:
        async with unit_of_work(create_sessionmaker(engine)) as db:
            stored = sorted(await db.scalars(sa.select(Note.id)))
    finally:
        await engine.dispose()
    assert stored == sorted(uuid.UUID(note["id"]) for note in batch)


async def lost_sync(phone: httpx.AsyncClient, batch: list[dict[str, Any]], headers: dict[str, str]) -> None:
    """A sync whose server dies before it answers: the phone sees the connection break."""
    with pytest.raises(httpx.TransportError):
        await phone.post(SYNC, json={"notes": batch}, headers=headers)


# A worker killed while sending pushes

MESSAGES = 20


async def test_a_worker_killed_while_sending_pushes_leaves_the_next_worker_to_show_each_message_once(
    make_app: Any, database_url: str, tmp_path: Path
):
    with PushService(delay=0.1) as push_service:
        app = make_app(push_allowed_origins=push_service.origin)
        device = push_service.new_device()
        async with AsyncTestClient(app=app) as client:
            await create_person(app, "amina", "youth", ["DE"])
            amina = await sign_in(client, "amina")
            await subscribe(amina, device)
        async with unit_of_work(app.state.test_db) as db:
            for _ in range(MESSAGES):
                await queue_push(
                    db, [(uuid.UUID(amina.id), uuid.uuid4())], event="topic_reply", params={}, link="/#/forum"
                )
        queued = {b64url(message.id.bytes) for message in await outbox(app)}
        assert len(queued) == MESSAGES
        env = {
            **os.environ,
            "TESSERA_DATABASE_URL": database_url,
            "TESSERA_STORE_DIR": str(tmp_path / "store"),
            "TESSERA_PUSH_ALLOWED_ORIGINS": push_service.origin,
            "TESSERA_PUSH_CONCURRENCY": "2",
        }
        with running_server(tmp_path, env, lambda _port: [*TESSERA, "worker"]) as worker:
            await eventually(lambda: len(push_service.received) >= 4, seconds=15)
            worker.process.send_signal(signal.SIGKILL)
            worker.process.wait(timeout=10)
        sent_before_the_kill = len(push_service.received)
        assert sent_before_the_kill < MESSAGES, "the worker sent everything before it was killed"

        # What the killed worker had claimed waits for its lease to end (60 s): let that time pass.
        async with unit_of_work(app.state.test_db) as db:
            await db.execute(sa.update(PushMessage).values(lease_until=None))
        with running_server(tmp_path, env, lambda _port: [*TESSERA, "worker"]):
            await eventually(lambda: set(push_service.topics()) >= queued, seconds=15)
            with anyio.fail_after(10):
                while not all(message.sent_at for message in await outbox(app)):  # noqa: ASYNC110 - another process's state
                    await anyio.sleep(RECORD_EVERY_SECONDS)
        assert not push_service.errors
        # A message the killed worker sent but had not yet recorded goes again, with the same
        # Topic: the phone replaces the first copy and shows each notification once.
        assert set(push_service.topics()) == queued
        assert len(push_service.shown(device)) == MESSAGES
        print(f"sent before the kill: {sent_before_the_kill}; posts in all: {len(push_service.received)}")
