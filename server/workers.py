"""Background work: periodic jobs that run inside `tessera serve` or alone as `tessera worker`."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import anyio
from litestar.stores.base import Store
from litestar.stores.file import FileStore
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.events import reminders
from server.mail import delivery as mail
from server.push.delivery import PushDelivery, purge_finished
from server.settings import Settings

logger = logging.getLogger("tessera.workers")

Job = Callable[[], Awaitable[None]]


@contextlib.contextmanager
def jobs_for(
    store: Store, db_sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> Iterator[list[tuple[str, float, Job]]]:
    """Each job: a name, how long to pause between its rounds (seconds), what one round does.

    What the jobs hold open (the push sender's connections to push services) is closed when
    the block ends.
    """

    async def purge_expired_store_entries() -> None:
        # A file store never forgets on its own: expired sessions and throttling counters
        # would pile up on disk. Redis expires keys itself.
        if isinstance(store, FileStore):
            await store.delete_expired()

    async def purge_finished_push_messages() -> None:
        await purge_finished(db_sessionmaker)

    # A round of delivery waits for work itself (woken when a notification is committed),
    # so it needs no pause of its own.
    delivery = PushDelivery(db_sessionmaker, settings)
    jobs: list[tuple[str, float, Job]] = [
        ("purge expired sessions and counters", 3600.0, purge_expired_store_entries),
        ("deliver web push messages", 0.0, delivery.run_round),
        ("purge finished web push messages", 3600.0, purge_finished_push_messages),
    ]
    if not settings.is_sqlite:
        # Woken by PostgreSQL's NOTIFY from whichever process queued a message, not by
        # polling every few seconds; started again a moment after its connection is lost.
        jobs.append(("listen for queued web push messages", 1.0, delivery.listen_for_queued_messages))

    async def purge_finished_mail() -> None:
        await mail.purge_finished(db_sessionmaker)

    jobs.append(("purge finished e-mail", 3600.0, purge_finished_mail))

    async def remind_of_events() -> None:
        await reminders.remind_due(db_sessionmaker)

    # Queued whether or not an SMTP server is set: without one, they wait in the outbox.
    jobs.append(("queue event reminders", 60.0, remind_of_events))
    if settings.smtp_url is not None:
        # Without an SMTP server, e-mail stays in the outbox for `tessera mail show`. With one,
        # a round waits for work itself (woken when e-mail is committed: in this process, or
        # on PostgreSQL in any process through NOTIFY), so it needs no pause of its own.
        mail_delivery = mail.MailDelivery(db_sessionmaker, settings)
        jobs.append(("deliver e-mail", 0.0, mail_delivery.run_round))
        if not settings.is_sqlite:
            jobs.append(("listen for queued e-mail", 1.0, mail_delivery.listen_for_queued_messages))
    try:
        yield jobs
    finally:
        delivery.close()


async def run_forever(jobs: list[tuple[str, float, Job]]) -> None:
    async with anyio.create_task_group() as group:
        for name, interval, job in jobs:
            group.start_soon(_repeat, name, interval, job)


async def _repeat(name: str, interval: float, job: Job) -> None:
    while True:
        try:
            await job()
        except Exception:
            # One failed round must not stop the job for good; it runs again next time, and
            # a job that fails at once every time must not spin.
            logger.exception("background job failed: %s", name)
            await anyio.sleep(max(interval, 1.0))
            continue
        await anyio.sleep(interval)


@contextlib.asynccontextmanager
async def running(
    store: Store, db_sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> AsyncIterator[None]:
    with jobs_for(store, db_sessionmaker, settings) as jobs:
        async with anyio.create_task_group() as group:
            group.start_soon(run_forever, jobs)
            try:
                yield
            finally:
                group.cancel_scope.cancel()
