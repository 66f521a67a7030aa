"""The world of e-mail tests: a real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it
receives, the app set to send through it, and a delivery worker the tests run themselves."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from litestar import Litestar

from server import i18n
from server.mail.delivery import MailDelivery
from server.mail.models import MailMessage
from tests.conftest import Accented
from tests.events.conftest import organiser

__all__ = ["organiser"]


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage


class Mailbox:
    """aiosmtpd's handler: every message accepted is parsed and kept."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        # An address and the answer its RCPT gets, such as "550 5.1.1 No such user".
        self.refusals: dict[str, str] = {}
        self._lock = threading.Lock()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.refusals:
            return self.refusals[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        with self._lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


class SmtpServer:
    """An SMTP server on a port of its own, which a test can stop and start again (an outage)."""

    def __init__(self, **options: Any) -> None:
        self.mailbox = Mailbox()
        # aiosmtpd's SMTP options, such as an authenticator.
        self.options = options
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def received(self) -> list[Received]:
        return self.mailbox.received

    def start(self) -> None:
        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port, **self.options)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def app(make_app: Any, smtp_server: SmtpServer) -> Litestar:
    # Retries come quickly here; a test that needs the real pace sets its own.
    return make_app(smtp_url=smtp_server.url, mail_retry_seconds=0.01)  # type: ignore[no-any-return]


@pytest.fixture
def delivery(app: Litestar) -> MailDelivery:
    """A worker on the test's own event loop; tests run its rounds themselves."""
    return MailDelivery(app.state.test_db, app.state.settings, poll_seconds=0.2)


async def outbox(app: Litestar) -> list[MailMessage]:
    async with app.state.test_db() as db:
        return list(await db.scalars(sa.select(MailMessage).order_by(MailMessage.created_at)))


@pytest.fixture
def accented(monkeypatch: pytest.MonkeyPatch) -> None:
    """Italian and Arabic marked, so a test sees which language a text was made in."""
    original = i18n.catalogues.translations
    monkeypatch.setattr(
        i18n.catalogues,
        "translations",
        lambda locale: Accented(locale) if locale in ("it", "ar") else original(locale),
    )


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())
