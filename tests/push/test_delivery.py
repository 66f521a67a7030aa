"""Web Push end to end: from a committed notification, through the outbox and its worker, to a
push service on 127.0.0.1 that checks the VAPID signature and decrypts every message."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import time
import uuid
from typing import Any

import anyio
import pytest
import sqlalchemy as sa
from litestar import post
from litestar.params import JSONBody
from litestar.testing import AsyncTestClient

from server import i18n, workers
from server.db import Database, unit_of_work, utcnow
from server.notifications.service import notify
from server.problems import NotFound
from server.push.delivery import PushDelivery, retry_after_seconds
from server.push.keys import b64url, current_vapid
from server.push.models import PushMessage, PushSubscription
from server.push.service import doorbell
from server.workers import running
from tests.conftest import Accented, create_person, sign_in
from tests.notes.conftest import note_body
from tests.push.conftest import eventually, outbox, subscribe


async def tell(
    app, *people: Any, event: str = "topic_reply", params: dict | None = None, link: str = "/#/forum"
):
    async with unit_of_work(app.state.test_db) as db:
        await notify(
            db, recipient_ids=[uuid.UUID(p.id) for p in people], event=event, params=params, link=link
        )


@pytest.fixture
def accented(monkeypatch):
    """German and Arabic marked, so a test sees which language a text was made in."""
    original = i18n.catalogues.translations
    monkeypatch.setattr(
        i18n.catalogues,
        "translations",
        lambda locale: Accented(locale) if locale in ("de", "ar") else original(locale),
    )


async def test_a_review_reaches_the_authors_phone_signed_encrypted_and_in_the_authors_language(
    app, people, push_service, delivery, accented
):
    author = await people("amina", "youth", ["DE"], language="de")
    # The reviewer reads the app in Arabic; the message is in the author's German all the same.
    reviewer = await people("yara", "youth_worker", ["DE"], language="ar")
    phone, tablet = push_service.new_device(), push_service.new_device()
    await subscribe(author, phone)
    await subscribe(author, tablet)
    note = note_body(text="She told me about her brother's asylum hearing.")
    assert (await author.request("PUT", f"/api/v1/notes/{note['id']}", json=note)).status_code == 201
    review = await reviewer.post(f"/api/v1/notes/{note['id']}/review", json={"decision": "approve"})
    assert review.status_code == 200, review.text

    assert await delivery.deliver_due() == 2

    assert push_service.errors == []
    public_key = (await author.get("/api/v1/push/key")).json()["public_key"]
    [listed] = (await author.get("/api/v1/notifications")).json()["items"]
    for device in (phone, tablet):
        [payload] = push_service.shown(device).values()
        assert payload == {
            "id": listed["id"],
            "title": "[de] Your note was approved.",
            "url": f"/#/notes/{note['id']}",
        }
        assert "asylum" not in str(payload)
    assert {item.vapid_key for item in push_service.received} == {public_key}
    messages = await outbox(app)
    assert all(m.sent_at is not None and m.last_status == 201 and m.attempts == 1 for m in messages)
    # Each message's id is its Topic: what replaces it at the push service if it is ever resent.
    assert sorted(push_service.topics()) == sorted(b64url(m.id.bytes) for m in messages)
    assert all(len(topic) <= 32 for topic in push_service.topics())


async def test_an_urgent_report_goes_with_high_urgency_and_everything_else_normal(
    app, people, push_service, delivery
):
    worker = await people("yara", "youth_worker", ["DE"])
    device = push_service.new_device()
    await subscribe(worker, device)
    await tell(app, worker, event="urgent_report", link="/#/moderation")
    await tell(app, worker, event="post_hidden", link="/#/forum")
    assert await delivery.deliver_due() == 2
    urgencies = sorted((item.payload["url"], item.urgency) for item in push_service.received)
    assert urgencies == [("/#/forum", "normal"), ("/#/moderation", "high")]
    assert all(0 < item.ttl <= 24 * 3600 for item in push_service.received)


async def test_a_subscription_the_push_service_says_is_gone_is_deleted_with_its_queued_messages(
    app, people, push_service, delivery
):
    amina = await people("amina", "youth", ["DE"])
    gone, kept = push_service.new_device(), push_service.new_device()
    await subscribe(amina, gone)
    await subscribe(amina, kept)
    push_service.gone.add(gone.path)
    await tell(app, amina)
    await tell(app, amina)
    await delivery.deliver_due()
    async with app.state.test_db() as db:
        assert list(await db.scalars(sa.select(PushSubscription.endpoint))) == [kept.endpoint]
    assert {m.sent_at is not None for m in await outbox(app)} == {True}
    assert len(push_service.shown(kept)) == 2


async def test_too_many_requests_waits_as_long_as_retry_after_says_then_delivers(
    app, people, push_service, delivery
):
    amina = await people("amina", "youth", ["DE"])
    device = push_service.new_device()
    await subscribe(amina, device)
    push_service.scripted[device.path] = [(429, {"Retry-After": "1"})]
    await tell(app, amina)
    started = utcnow()
    assert await delivery.deliver_due() == 1
    [message] = await outbox(app)
    assert message.sent_at is None and message.attempts == 1 and message.last_status == 429
    assert message.next_attempt_at >= started + dt.timedelta(seconds=1)
    # Not due before then: nothing is posted however often the worker looks.
    assert await delivery.deliver_due() == 0
    await asyncio.sleep((message.next_attempt_at - utcnow()).total_seconds() + 0.05)
    assert await delivery.deliver_due() == 1
    [message] = await outbox(app)
    assert message.sent_at is not None and message.attempts == 2
    assert push_service.posts == 2 and len(push_service.shown(device)) == 1


async def test_server_errors_are_retried_with_growing_waits_then_given_up(make_app, people, push_service):
    app = make_app(push_allowed_origins=push_service.origin, push_retry_seconds=0.1, push_max_attempts=3)
    async with AsyncTestClient(app=app) as client:
        await create_person(app, "amina", "youth", ["DE"])
        amina = await sign_in(client, "amina")
        device = push_service.new_device()
        await subscribe(amina, device)
        push_service.scripted[device.path] = [(503, {})] * 5
        await tell(app, amina)
        delivery = PushDelivery(app.state.test_db, app.state.settings)
        # The wait is counted from a moment inside the try, so it lies between "from the start of
        # the try" and "from its end": a slow, busy machine widens that window, never the rule.
        waits = []
        for _ in range(3):
            while True:
                tried_at = utcnow()
                if await delivery.deliver_due():
                    done_at = utcnow()
                    break
                await asyncio.sleep(0.02)
            [message] = await outbox(app)
            waits.append(
                (
                    (message.next_attempt_at - done_at).total_seconds(),
                    (message.next_attempt_at - tried_at).total_seconds(),
                )
            )
        delivery.close()
    [message] = await outbox(app)
    assert message.gave_up_at is not None and message.sent_at is None and message.attempts == 3
    # 0.1 s doubling, with jitter between half and all of it.
    (first_at_least, first_at_most), (second_at_least, second_at_most) = waits[:2]
    assert first_at_least <= 0.1 and first_at_most >= 0.05
    assert second_at_least <= 0.2 and second_at_most >= 0.1
    assert push_service.posts == 3


@pytest.mark.parametrize("status", [400, 403, 413])
async def test_another_refusal_by_the_push_service_is_not_retried(
    app, people, push_service, delivery, status
):
    amina = await people("amina", "youth", ["DE"])
    device = push_service.new_device()
    await subscribe(amina, device)
    push_service.scripted[device.path] = [(status, {})]
    await tell(app, amina)
    await delivery.deliver_due()
    [message] = await outbox(app)
    assert message.gave_up_at is not None and message.last_status == status
    assert await delivery.deliver_due() == 0
    assert push_service.posts == 1


async def test_a_worker_stopped_mid_way_loses_nothing_and_sends_nothing_twice(make_app, people, push_service):
    app = make_app(push_allowed_origins=push_service.origin, push_concurrency=2)
    async with AsyncTestClient(app=app) as client:
        await create_person(app, "amina", "youth", ["DE"])
        amina = await sign_in(client, "amina")
        devices = [push_service.new_device() for _ in range(5)]
        for device in devices:
            await subscribe(amina, device)
    for _ in range(6):
        await tell(app, amina)
    push_service.delay = 0.05

    first = PushDelivery(app.state.test_db, app.state.settings, poll_seconds=0.05)
    async with anyio.create_task_group() as group:
        group.start_soon(first.deliver_due)
        await eventually(lambda: len(push_service.received) >= 5)
        group.cancel_scope.cancel()  # the process is told to stop, mid-batch
    first.close()
    delivered_by_first = len(push_service.received)
    assert 5 <= delivered_by_first < 30
    # Whatever it had posted is recorded; nothing it claimed stays locked away.
    messages = await outbox(app)
    assert sum(m.sent_at is not None for m in messages) == delivered_by_first
    assert all(m.lease_token is None for m in messages)

    second = PushDelivery(app.state.test_db, app.state.settings, poll_seconds=0.05)
    while await second.deliver_due():
        pass
    second.close()
    assert len(push_service.received) == 30
    assert len(set(push_service.topics())) == 30
    assert all(m.sent_at is not None for m in await outbox(app))


async def test_a_crashed_workers_messages_are_sent_after_its_lease_and_a_resend_replaces_not_doubles(
    app, people, push_service
):
    amina = await people("amina", "youth", ["DE"])
    device = push_service.new_device()
    await subscribe(amina, device)
    await tell(app, amina)
    await tell(app, amina)
    crashed = PushDelivery(app.state.test_db, app.state.settings, lease_seconds=0.5)
    # It claims both and posts one, and dies before recording anything.
    claimed = await crashed._claim(uuid.uuid4())
    assert len(claimed) == 2
    async with app.state.test_db() as db:
        vapid = await current_vapid(db, app.state.settings)
    assert crashed._send(claimed[0], vapid).status == 201

    successor = PushDelivery(app.state.test_db, app.state.settings)
    assert await successor.deliver_due() == 0  # the lease still holds
    await asyncio.sleep(0.6)
    assert await successor.deliver_due() == 2
    successor.close()
    crashed.close()
    # Three posts, but the resent one carried the same Topic: the phone shows two notifications.
    assert push_service.posts == 3
    assert len(push_service.shown(device)) == 2
    assert push_service.topics().count(b64url(claimed[0].id.bytes)) == 2


async def test_the_worker_in_serve_delivers_as_soon_as_a_notification_is_committed(
    app, people, push_service, monkeypatch
):
    # The worker looks for work only once a minute here: a delivery within seconds can only
    # come from the commit waking it, however busy the machine running the tests is.
    monkeypatch.setattr(workers, "PushDelivery", functools.partial(PushDelivery, poll_seconds=60.0))
    amina = await people("amina", "youth", ["DE"])
    device = push_service.new_device()
    await subscribe(amina, device)
    async with running(app.state.store, app.state.test_db, app.state.settings):
        await asyncio.sleep(0.3)  # the worker has looked once and now waits
        started = time.perf_counter()
        await tell(app, amina)
        await eventually(lambda: push_service.received, seconds=20)
        assert time.perf_counter() - started < 20 < 60
    assert len(push_service.shown(device)) == 1


@post("/test/notify-and-fail")
async def notify_and_fail(db: Database, data: JSONBody[dict[str, Any]]) -> None:
    await notify(db, recipient_ids=[uuid.UUID(data["recipient"])], event="topic_reply", link="/#/forum")
    raise NotFound()


async def test_a_message_queued_by_a_request_that_then_fails_is_never_sent_and_wakes_no_worker(
    app, client, people, push_service, delivery
):
    app.register(notify_and_fail)
    amina = await people("amina", "youth", ["DE"])
    await subscribe(amina, push_service.new_device())
    rings = doorbell.rings
    client.cookies.clear()
    response = await client.post("/test/notify-and-fail", json={"recipient": amina.id})
    assert response.status_code == 404
    assert doorbell.rings == rings
    assert await outbox(app) == []
    assert await delivery.deliver_due() == 0
    assert push_service.posts == 0


async def test_a_message_older_than_its_ttl_is_given_up_unsent(app, people, push_service, delivery):
    amina = await people("amina", "youth", ["DE"])
    await subscribe(amina, push_service.new_device())
    await tell(app, amina)
    async with app.state.test_db() as db:
        await db.execute(sa.update(PushMessage).values(created_at=utcnow() - dt.timedelta(days=2)))
        await db.commit()
    assert await delivery.deliver_due() == 0
    [message] = await outbox(app)
    assert message.gave_up_at is not None and push_service.posts == 0


def test_retry_after_is_read_as_seconds_or_as_a_date():
    assert retry_after_seconds("120") == 120
    assert retry_after_seconds(None) == 0
    assert retry_after_seconds("soon") == 0
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=60)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert 55 <= retry_after_seconds(later) <= 61
