"""Background work: periodic jobs that run inside `tessera serve` or alone as `tessera worker`."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import anyio
from litestar.stores.base import Store
from litestar.stores.file import FileStore

logger = logging.getLogger("tessera.workers")

Job = Callable[[], Awaitable[None]]


def jobs_for(store: Store) -> list[tuple[str, float, Job]]:
    """Each job: a name, how often it runs (seconds), what it does."""

    async def purge_expired_store_entries() -> None:
        # A file store never forgets on its own: expired sessions and throttling counters
        # would pile up on disk. Redis expires keys itself.
        if isinstance(store, FileStore):
            await store.delete_expired()

    return [("purge expired sessions and counters", 3600.0, purge_expired_store_entries)]


async def run_forever(jobs: list[tuple[str, float, Job]]) -> None:
    async with anyio.create_task_group() as group:
        for name, interval, job in jobs:
            group.start_soon(_repeat, name, interval, job)


async def _repeat(name: str, interval: float, job: Job) -> None:
    while True:
        try:
            await job()
        except Exception:
            # One failed round must not stop the job for good; it runs again next time.
            logger.exception("background job failed: %s", name)
        await anyio.sleep(interval)


@contextlib.asynccontextmanager
async def running(store: Store) -> AsyncIterator[None]:
    async with anyio.create_task_group() as group:
        group.start_soon(run_forever, jobs_for(store))
        try:
            yield
        finally:
            group.cancel_scope.cancel()
