"""The outbox's delivery: nothing sent for a change that rolled back, nothing lost in an SMTP
outage, nothing sent twice by two workers, refusals recorded, and the worker woken by the commit."""

from __future__ import annotations

import asyncio
import functools
import time
from typing import Any

import anyio
import pytest
import sqlalchemy as sa
from aiosmtpd.smtp import AuthResult, LoginPassword
from litestar import post
from litestar.params import JSONBody

from server.db import Database, create_engine, create_sessionmaker, unit_of_work
from server.mail import delivery as mail_delivery
from server.mail import outbox as mail_outbox
from server.mail.delivery import MailDelivery, smtp_server
from server.mail.models import MailMessage
from server.mail.templates import render
from server.problems import NotFound
from server.settings import SettingsError, load_settings
from server.workers import running
from tests.events.conftest import hold, register
from tests.mail.conftest import SmtpServer, outbox, text_of


def event_context(title: str = "Workshop") -> dict[str, Any]:
    return {"title": title, "starts_at": None, "time_zone": "Europe/Rome", "place": "Roma"}


async def queue_some(app: Any, count: int, *, to: str = "someone@example.org") -> None:
    async with unit_of_work(app.state.test_db) as db:
        for number in range(count):
            await mail_outbox.queue(
                db,
                to=to,
                language="en",
                template="event_registration_confirmed",
                context=event_context(f"Workshop {number}"),
            )


@post("/test/queue-mail-and-fail")
async def queue_mail_and_fail(db: Database, data: JSONBody[dict[str, Any]]) -> None:
    await mail_outbox.queue(
        db, to=data["to"], language="en", template="event_registration_confirmed", context=event_context()
    )
    await db.flush()
    raise NotFound()


async def test_mail_queued_by_a_request_that_then_fails_is_never_sent_and_wakes_no_worker(
    app, client, delivery, smtp_server
):
    app.register(queue_mail_and_fail)
    rings = mail_outbox.doorbell.rings
    response = await client.post("/test/queue-mail-and-fail", json={"to": "amina@example.org"})
    assert response.status_code == 404
    assert mail_outbox.doorbell.rings == rings
    assert await outbox(app) == []
    assert await delivery.deliver_due() == 0
    assert smtp_server.received == []


async def test_mail_waits_out_an_smtp_outage_and_is_delivered_once_the_server_is_back(
    app, organiser, people, delivery, smtp_server
):
    held = await hold(organiser)
    member = await people("amina", "youth", ["IT"])
    smtp_server.stop()
    await register(member, held["id"], email="amina@example.org")

    assert await delivery.deliver_due() == 1
    [waiting] = await outbox(app)
    assert (waiting.status, waiting.attempts, waiting.sent_at) == ("queued", 1, None)
    assert waiting.last_error and "no connection" in waiting.last_error

    smtp_server.start()
    await anyio.sleep(0.05)  # the retry is due (mail_retry_seconds is 0.01 here)
    assert await delivery.deliver_due() == 1

    [received] = smtp_server.received
    assert received.recipients == ["amina@example.org"]
    [sent] = await outbox(app)
    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 2, None)
    assert await delivery.deliver_due() == 0
    assert len(smtp_server.received) == 1


async def test_two_workers_never_send_one_message_twice(app, smtp_server, database_url):
    await queue_some(app, 40)
    engines = [create_engine(database_url) for _ in range(2)]
    workers = [
        MailDelivery(create_sessionmaker(engine), app.state.settings, batch_size=3) for engine in engines
    ]
    rounds = {0: 0, 1: 0}

    async def drain(index: int) -> None:
        while await workers[index].deliver_due():
            rounds[index] += 1

    try:
        async with anyio.create_task_group() as group:
            group.start_soon(drain, 0)
            group.start_soon(drain, 1)
    finally:
        for engine in engines:
            await engine.dispose()

    ids = [received.message["Message-ID"] for received in smtp_server.received]
    assert len(ids) == 40
    assert len(set(ids)) == 40
    assert all(message.status == "sent" and message.attempts == 1 for message in await outbox(app))
    assert rounds[0] > 0 and rounds[1] > 0  # both took part


async def test_an_address_the_server_refuses_for_good_is_failed_and_not_tried_again(
    app, delivery, smtp_server
):
    smtp_server.mailbox.refusals["gone@example.org"] = "550 5.1.1 No such user"
    await queue_some(app, 1, to="gone@example.org")
    await queue_some(app, 1, to="here@example.org")

    assert await delivery.deliver_due() == 2

    by_address = {message.to_address: message for message in await outbox(app)}
    assert by_address["gone@example.org"].status == "failed"
    assert "550" in (by_address["gone@example.org"].last_error or "")
    assert by_address["here@example.org"].status == "sent"
    await anyio.sleep(0.05)
    assert await delivery.deliver_due() == 0
    assert [r.recipients for r in smtp_server.received] == [["here@example.org"]]


async def test_a_message_refused_for_now_each_time_is_given_up_after_the_last_attempt(make_app, smtp_server):
    app = make_app(smtp_url=smtp_server.url, mail_retry_seconds=0.01, mail_max_attempts=2)
    worker = MailDelivery(app.state.test_db, app.state.settings)
    smtp_server.mailbox.refusals["busy@example.org"] = "451 4.3.0 Try again later"
    await queue_some(app, 1, to="busy@example.org")

    assert await worker.deliver_due() == 1
    [message] = await outbox(app)
    assert (message.status, message.attempts) == ("queued", 1)
    await anyio.sleep(0.05)
    assert await worker.deliver_due() == 1
    [message] = await outbox(app)
    assert (message.status, message.attempts) == ("failed", 2)
    assert "451" in (message.last_error or "")


async def test_the_running_worker_is_woken_by_the_commit_and_sends_at_once(
    app, organiser, people, smtp_server, monkeypatch
):
    # The worker looks for work only once a minute here: a delivery within seconds can only
    # come from the commit waking it, however busy the machine running the tests is.
    monkeypatch.setattr(mail_delivery, "MailDelivery", functools.partial(MailDelivery, poll_seconds=60.0))
    held = await hold(organiser)
    member = await people("amina", "youth", ["IT"])
    async with running(app.state.store, app.state.test_db, app.state.settings):
        await asyncio.sleep(0.3)  # the worker has looked once and now waits
        started = time.perf_counter()
        await register(member, held["id"], email="amina@example.org")
        deadline = started + 20
        while not smtp_server.received and time.perf_counter() < deadline:  # noqa: ASYNC110 - another thread's state
            await asyncio.sleep(0.01)
        assert time.perf_counter() - started < 20 < 60
    assert [r.recipients for r in smtp_server.received] == [["amina@example.org"]]


# aiosmtpd warns of AUTH without TLS: on 127.0.0.1 in a test, that is the point.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
async def test_the_smtp_url_carries_the_login_the_server_asks_for(make_app):
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"p@ss:word")

    server = SmtpServer(authenticator=authenticator, auth_require_tls=False, auth_required=True)
    server.start()
    try:
        url = f"smtp://tessera%40example.org:p%40ss%3Aword@127.0.0.1:{server.port}"
        app = make_app(smtp_url=url)
        await queue_some(app, 1)
        assert await MailDelivery(app.state.test_db, app.state.settings).deliver_due() == 1
    finally:
        server.stop()
    assert logins == [(b"tessera@example.org", b"p@ss:word")]
    assert len(server.received) == 1


async def test_an_address_with_a_line_break_or_two_addresses_is_never_queued(app):
    for bad in (
        "amina@example.org\r\nBcc: all@example.org",
        "a@example.org, b@example.org",
        "not an address",
    ):
        with pytest.raises(mail_outbox.NotAnAddress):
            async with unit_of_work(app.state.test_db) as db:
                await mail_outbox.queue(
                    db,
                    to=bad,
                    language="en",
                    template="event_registration_confirmed",
                    context=event_context(),
                )
    assert await outbox(app) == []


def test_a_subject_is_always_one_line_and_a_missing_value_leaves_its_paragraph_out():
    rendered = render(
        "event_registration_confirmed",
        "en",
        {"title": "A\r\nBcc: x@example.org\n", "starts_at": None, "time_zone": "Europe/Rome", "place": None},
    )
    assert rendered.subject == "Your place at A Bcc: x@example.org is confirmed"
    assert "Where" not in rendered.text and "When" not in rendered.text
    assert "&lt;" not in rendered.html
    escaped = render("event_registration_confirmed", "en", {"title": "<script>alert(1)</script>"})
    assert "<script>" not in escaped.html
    assert "&lt;script&gt;" in escaped.html
    assert "<script>alert(1)</script>" in escaped.text


def test_the_smtp_settings_are_checked_at_start():
    server = smtp_server("smtps://user%40x.org:secret@mail.example.org")
    assert (server.hostname, server.port, server.use_tls, server.username, server.password) == (
        "mail.example.org",
        465,
        True,
        "user@x.org",
        "secret",
    )
    assert smtp_server("smtp://mail.example.org").port == 587
    assert load_settings({"TESSERA_MAIL_FROM": "Platform <platform@example.org>"}).mail_sender == (
        "Platform <platform@example.org>"
    )
    for name, value in (
        ("TESSERA_SMTP_URL", "http://mail.example.org"),
        ("TESSERA_SMTP_URL", "smtp://"),
        ("TESSERA_MAIL_FROM", "Tessera <a@example.org>\r\nBcc: b@example.org"),
        ("TESSERA_MAIL_FROM", "nobody"),
    ):
        with pytest.raises(SettingsError, match=name):
            load_settings({name: value})


async def test_queued_and_sent_messages_carry_the_message_id_of_their_row(app, delivery, smtp_server):
    await queue_some(app, 1)
    await delivery.deliver_due()
    async with app.state.test_db() as db:
        message_id = await db.scalar(sa.select(MailMessage.id))
    assert smtp_server.received[0].message["Message-ID"] == f"<{message_id}@127.0.0.1>"
    assert "Workshop 0" in text_of(smtp_server.received[0].message)
