"""A delivery worker on PostgreSQL wakes when any process commits a push message or an e-mail
(LISTEN/NOTIFY), not at its next look; and two workers at once send each message once."""

from __future__ import annotations

import time
import uuid

import anyio
import pytest

from server.db import unit_of_work
from server.mail import delivery as mail_delivery
from server.mail.delivery import MailDelivery
from server.mail.outbox import queue
from server.push.delivery import LISTENING_POLL_SECONDS, PushDelivery
from server.push.service import queue_push
from tests.mail.conftest import SmtpServer
from tests.push.conftest import eventually, outbox, subscribe
from tests.push.push_service import PushService


@pytest.fixture
def push_service():
    with PushService() as service:
        yield service


@pytest.fixture
def app(make_app, push_service):
    return make_app(push_allowed_origins=push_service.origin)


async def queue_in_another_process(app, person) -> None:
    """A message queued as another process queues it: no doorbell of this process rung."""
    async with unit_of_work(app.state.test_db) as db:
        await queue_push(
            db, [(uuid.UUID(person.id), uuid.uuid4())], event="topic_reply", params={}, link="/#/forum"
        )


async def test_a_worker_wakes_when_another_process_commits_a_push_message(
    app, people, push_service, database_url
):
    if not database_url.startswith("postgresql"):
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    amina = await people("amina", "youth", ["DE"])
    await subscribe(amina, push_service.new_device())
    worker = PushDelivery(app.state.test_db, app.state.settings)
    async with anyio.create_task_group() as group:
        await group.start(worker.listen_for_queued_messages)
        group.start_soon(lambda: worker_rounds(worker))
        await anyio.sleep(0.3)  # the worker has looked once, and now waits
        started = time.perf_counter()
        await queue_in_another_process(app, amina)
        await eventually(lambda: push_service.received, seconds=15)
        woken_after = time.perf_counter() - started
        group.cancel_scope.cancel()
    worker.close()
    assert push_service.received
    # Well before the worker's next look (however busy the machine running the tests is).
    assert woken_after < 15 < LISTENING_POLL_SECONDS


async def worker_rounds(worker: PushDelivery) -> None:
    while True:
        await worker.run_round()


async def test_two_workers_at_once_send_every_message_once(app, people, push_service):
    amina = await people("amina", "youth", ["DE"])
    devices = [push_service.new_device() for _ in range(4)]
    for device in devices:
        await subscribe(amina, device)
    for _ in range(10):
        await queue_in_another_process(app, amina)
    push_service.delay = 0.01
    workers = [PushDelivery(app.state.test_db, app.state.settings, batch_size=5) for _ in range(2)]
    claimed: list[int] = []

    async def drain(worker: PushDelivery) -> None:
        while count := await worker.deliver_due():
            claimed.append(count)

    async with anyio.create_task_group() as group:
        for worker in workers:
            group.start_soon(drain, worker)
    for worker in workers:
        worker.close()
    assert sum(claimed) == 40
    assert len(push_service.received) == 40
    assert len(set(push_service.topics())) == 40
    assert all(message.sent_at is not None for message in await outbox(app))


async def test_a_mail_worker_wakes_when_another_process_commits_an_email(make_app, database_url):
    """A separate `tessera worker` sends e-mail queued by the web processes at once, not at its
    next look, which comes only every LISTENING_POLL_SECONDS while it listens."""
    if not database_url.startswith("postgresql"):
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    smtp = SmtpServer()
    smtp.start()
    try:
        app = make_app(smtp_url=smtp.url)
        worker = MailDelivery(app.state.test_db, app.state.settings, poll_seconds=60)
        async with anyio.create_task_group() as group:
            await group.start(worker.listen_for_queued_messages)
            assert worker.listening
            group.start_soon(lambda: mail_worker_rounds(worker))
            await anyio.sleep(0.3)  # the worker has looked once, and now waits
            started = time.perf_counter()
            # Queued as another process queues it: this process's doorbell is not rung.
            async with unit_of_work(app.state.test_db) as db:
                await queue(
                    db,
                    to="amina@example.org",
                    language="en",
                    template="event_registration_confirmed",
                    context={
                        "title": "Workshop",
                        "starts_at": None,
                        "time_zone": "Europe/Rome",
                        "place": "Roma",
                    },
                )
            await eventually(lambda: smtp.received, seconds=15)
            woken_after = time.perf_counter() - started
            group.cancel_scope.cancel()
        assert [item.recipients for item in smtp.received] == [["amina@example.org"]]
        assert woken_after < 15 < mail_delivery.LISTENING_POLL_SECONDS <= worker.poll_seconds
        assert not worker.listening
    finally:
        smtp.stop()


async def mail_worker_rounds(worker: MailDelivery) -> None:
    while True:
        await worker.run_round()
