"""Waking background workers: a doorbell rung in this process after a commit that queued work,
and PostgreSQL's LISTEN/NOTIFY, which rings it from whichever process or machine committed."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import Any, ClassVar

import anyio
from anyio import TASK_STATUS_IGNORED
from anyio.abc import TaskStatus
from sqlalchemy.ext.asyncio import AsyncEngine

# How often a listening connection is checked: a connection lost without a word (a network
# gone) would otherwise leave the worker deaf, and slow, for good.
LISTENER_CHECK_SECONDS = 60.0


class Doorbell:
    """Rung after a commit that queued messages; delivery workers wait on it between rounds.

    Safe to ring from any thread or event loop: a waiter is woken on its own loop.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self.rings = 0

    def ring(self) -> None:
        with self._lock:
            self.rings += 1
            waiters = list(self._waiters)
        for loop, bell in waiters:
            with contextlib.suppress(RuntimeError):  # that loop has closed
                loop.call_soon_threadsafe(bell.set)

    async def wait(self, seconds: float, *, rung_since: int) -> None:
        """Until a ring after the count ``rung_since`` was read, or ``seconds`` have passed."""
        bell = asyncio.Event()
        waiter = (asyncio.get_running_loop(), bell)
        with self._lock:
            if self.rings != rung_since:
                return
            self._waiters.add(waiter)
        try:
            with anyio.move_on_after(seconds):
                await bell.wait()
        finally:
            with self._lock:
                self._waiters.discard(waiter)


async def listen(
    engine: AsyncEngine,
    channel: str,
    doorbell: Doorbell,
    listening: Callable[[bool], None],
    *,
    task_status: TaskStatus[None] = TASK_STATUS_IGNORED,
) -> None:
    """On PostgreSQL: ring ``doorbell`` whenever any process commits a NOTIFY on ``channel``,
    until the connection is lost. ``listening(True)`` once listening, ``listening(False)``
    when it ends: a worker then polls at its short interval until this is started anew."""
    async with engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        lost = anyio.Event()

        def ring(*_: object) -> None:
            doorbell.ring()

        await driver.add_listener(channel, ring)
        driver.add_termination_listener(lambda *_: lost.set())
        listening(True)
        try:
            # Whatever was queued while nobody listened.
            doorbell.ring()
            task_status.started()
            while not lost.is_set():
                with anyio.move_on_after(LISTENER_CHECK_SECONDS):
                    await lost.wait()
                if not lost.is_set():
                    await driver.execute("SELECT 1")
        finally:
            listening(False)


class ListeningWorker:
    """A delivery worker that a NOTIFY on ``CHANNEL`` wakes through ``DOORBELL``; ``listening``
    says whether it is listening now (it then looks on its own only seldom)."""

    CHANNEL: ClassVar[str]
    DOORBELL: ClassVar[Doorbell]
    db_sessionmaker: Any
    listening: bool = False

    async def listen_for_queued_messages(
        self, *, task_status: TaskStatus[None] = TASK_STATUS_IGNORED
    ) -> None:
        """On PostgreSQL: ring the doorbell whenever any process commits queued messages,
        until the connection is lost; the worker then polls again until this is started anew."""
        await listen(
            self.db_sessionmaker.kw["bind"],
            self.CHANNEL,
            self.DOORBELL,
            self._listening,
            task_status=task_status,
        )

    def _listening(self, listening: bool) -> None:
        self.listening = listening
