"""The world of push tests: a push service on 127.0.0.1 the app may post to, and its workers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from litestar import Litestar

from server.push.delivery import PushDelivery
from server.push.models import PushMessage
from tests.push.push_service import PushService


@pytest.fixture
def push_service() -> Iterator[PushService]:
    with PushService() as service:
        yield service


@pytest.fixture
def app(make_app: Any, push_service: PushService) -> Litestar:
    # Retries come quickly here; a test that needs the real pace sets its own.
    return make_app(push_allowed_origins=push_service.origin, push_retry_seconds=0.05)  # type: ignore[no-any-return]


@pytest.fixture
def delivery(app: Litestar) -> Iterator[PushDelivery]:
    """A worker on the test's own event loop; tests run its rounds themselves."""
    worker = PushDelivery(app.state.test_db, app.state.settings, poll_seconds=0.2)
    yield worker
    worker.close()


async def eventually(condition: Any, seconds: float = 5.0) -> None:
    """Until ``condition()`` holds: the push service answers from threads of its own."""
    deadline = time.perf_counter() + seconds
    while not condition() and time.perf_counter() < deadline:  # noqa: ASYNC110 - another thread's state
        await asyncio.sleep(0.01)


async def subscribe(person: Any, device: Any) -> None:
    response = await person.post("/api/v1/push/subscriptions", json=device.subscription())
    assert response.status_code == 201, response.text


async def outbox(app: Litestar) -> list[PushMessage]:
    async with app.state.test_db() as db:
        return list(await db.scalars(sa.select(PushMessage).order_by(PushMessage.created_at)))
