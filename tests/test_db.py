"""The transaction rule of server/db.py: a request's unit of work commits once or leaves nothing
behind, what waits for the commit runs only after it, and SQLite writers queue for one gate."""

from __future__ import annotations

import uuid
from typing import Any

import anyio
import pytest
import sqlalchemy as sa
from litestar import Litestar, Request, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK

from server.audit.models import AuditEvent
from server.audit.service import record_event
from server.db import Database, after_commit, create_engine, create_sessionmaker, unit_of_work
from server.problems import NotFound

# What the callbacks of the test routes saw, by the marker the request sent.
seen_after_commit: dict[str, bool] = {}


@post("/test/write-and-answer", status_code=HTTP_200_OK)
async def write_and_answer(request: Request, db: Database, data: JSONBody[dict[str, Any]]) -> None:
    await _write_with_callback(request, db, data["marker"])


@post("/test/write-and-fail", status_code=HTTP_200_OK)
async def write_and_fail(request: Request, db: Database, data: JSONBody[dict[str, Any]]) -> None:
    await _write_with_callback(request, db, data["marker"])
    raise NotFound()


async def _write_with_callback(request: Request, db: Database, marker: str) -> None:
    record_event(db, "test.written", marker=marker)
    await db.flush()

    async def look_from_outside() -> None:
        # Another session, as a woken worker would use: the change must already be there.
        async with request.app.state.databases.reading() as other:
            seen_after_commit[marker] = await _is_stored(other, marker)

    after_commit(db, look_from_outside)


async def _is_stored(db: Any, marker: str) -> bool:
    kinds = await db.scalars(sa.select(AuditEvent.details).where(AuditEvent.kind == "test.written"))
    return any(details.get("marker") == marker for details in kinds)


@pytest.fixture
def app(make_app: Any) -> Litestar:
    app = make_app()
    app.register(write_and_answer)
    app.register(write_and_fail)
    return app  # type: ignore[no-any-return]


async def stored(app: Litestar, marker: str) -> bool:
    async with app.state.test_db() as db:
        return await _is_stored(db, marker)


async def test_a_request_that_fails_after_writing_leaves_nothing_behind_and_runs_no_callback(app, client):
    marker = uuid.uuid4().hex
    response = await client.post("/test/write-and-fail", json={"marker": marker})
    assert response.status_code == 404
    assert not await stored(app, marker)
    assert marker not in seen_after_commit


async def test_a_request_that_succeeds_commits_once_before_its_callbacks_run(app, client):
    marker = uuid.uuid4().hex
    response = await client.post("/test/write-and-answer", json={"marker": marker})
    assert response.status_code == 200
    assert await stored(app, marker)
    assert seen_after_commit.pop(marker) is True


async def test_after_commit_refuses_a_session_that_is_no_unit_of_work(app):
    # A callback on a session nobody commits through the rule would be silently lost.
    async with app.state.test_db() as db:
        with pytest.raises(RuntimeError, match="unit_of_work"):
            after_commit(db, lambda: None)


async def test_every_callback_runs_even_when_one_fails_and_the_change_stays(app):
    ran: list[str] = []

    def failing() -> None:
        ran.append("failing")
        raise ValueError("the mail server is down")

    marker = uuid.uuid4().hex
    with pytest.raises(ValueError, match="mail server"):
        async with unit_of_work(app.state.test_db) as db:
            record_event(db, "test.written", marker=marker)
            after_commit(db, failing)
            after_commit(db, lambda: ran.append("next"))
    assert ran == ["failing", "next"]
    assert await stored(app, marker)


async def test_sqlite_writers_of_one_process_take_turns_at_the_write_gate(database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL locks rows and has no write gate")
    engine = create_engine(database_url)
    maker = create_sessionmaker(engine)
    order: list[str] = []
    first_has_written = anyio.Event()

    async def first() -> None:
        async with unit_of_work(maker) as db:
            record_event(db, "test.written", marker="first")
            await db.flush()
            first_has_written.set()
            await anyio.sleep(0.2)
            order.append("first commits")

    async def second() -> None:
        await first_has_written.wait()
        async with unit_of_work(maker) as db:
            await db.execute(sa.select(1))
            order.append("second begins")

    try:
        async with anyio.create_task_group() as group:
            group.start_soon(first)
            group.start_soon(second)
        assert order == ["first commits", "second begins"]
        # One task that opened a second writing transaction while holding one would wait for
        # itself; it is told at once instead.
        async with unit_of_work(maker) as outer:
            await outer.execute(sa.select(1))
            with pytest.raises(RuntimeError, match="already holds a writing transaction"):
                async with unit_of_work(maker) as inner:
                    await inner.execute(sa.select(1))
    finally:
        await engine.dispose()
