"""Delivery of the e-mail outbox to the SMTP server of TESSERA_SMTP_URL.

A worker claims due messages with a lease (on PostgreSQL with ``FOR UPDATE SKIP LOCKED``, so
that several workers, in one process or many, never hold one message at once), sends them
over one SMTP connection, and records each answer as it comes: accepted (sent), refused for
good (a 5xx: failed), or not now (a 4xx, or no server: tried again later, waiting twice as
long each time, until TESSERA_MAIL_MAX_ATTEMPTS). A message keeps its Message-ID on every
attempt, so that in the one case of a resend (a worker that dies between the server's
acceptance and recording it) mail clients show it once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import random
import urllib.parse
import uuid

import aiosmtplib
import anyio
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.db import unit_of_work, utcnow
from server.mail.models import MailMessage, MailStatus
from server.mail.outbox import OUTBOX_CHANNEL, NotAnAddress, compose, doorbell
from server.mail.templates import forgotten_when_sent
from server.settings import Settings
from server.wakeups import ListeningWorker

logger = logging.getLogger("tessera.mail")

SMTP_TIMEOUT_SECONDS = 30.0
LONGEST_WAIT = dt.timedelta(hours=6)
# Sent and failed messages are kept this long for staff to read, then purged. Queued ones are
# never purged: without an SMTP server they are what staff read instead.
KEEP_FINISHED = dt.timedelta(days=30)
# While a worker listens for PostgreSQL's notifications it looks for due messages on its own
# only this seldom: for retries that have come due, and in case a notification went missing.
LISTENING_POLL_SECONDS = 30.0


@dataclasses.dataclass(frozen=True, slots=True)
class SmtpServer:
    hostname: str
    port: int
    use_tls: bool
    username: str | None
    password: str | None


def smtp_server(url: str) -> SmtpServer:
    """``smtp://user:pass@host:587`` (STARTTLS when the server offers it) or ``smtps://...``
    (TLS from the first byte); ValueError for anything else."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
        raise ValueError(url)
    use_tls = parts.scheme == "smtps"
    return SmtpServer(
        hostname=parts.hostname,
        port=parts.port or (465 if use_tls else 587),
        use_tls=use_tls,
        username=urllib.parse.unquote(parts.username) if parts.username else None,
        password=urllib.parse.unquote(parts.password) if parts.password else None,
    )


@dataclasses.dataclass(frozen=True, slots=True)
class Outcome:
    sent: bool
    permanent: bool = False
    error: str | None = None


class MailDelivery(ListeningWorker):
    """Drains the outbox; several may run at once."""

    CHANNEL = OUTBOX_CHANNEL
    DOORBELL = doorbell

    def __init__(
        self,
        db_sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        *,
        poll_seconds: float = 5.0,
        lease_seconds: float = 600.0,
        batch_size: int = 10,
    ) -> None:
        if settings.smtp_url is None:
            raise ValueError("MailDelivery needs TESSERA_SMTP_URL")
        self.db_sessionmaker = db_sessionmaker
        self.settings = settings
        self.server = smtp_server(settings.smtp_url)
        self.poll_seconds = poll_seconds
        # Longer than a whole batch can take to send (ten messages at SMTP_TIMEOUT_SECONDS
        # each at the very worst), so that no other worker takes a message this one is sending.
        self.lease = dt.timedelta(seconds=lease_seconds)
        self.batch_size = batch_size

    async def run_round(self) -> None:
        """Deliver what is due; when nothing was, wait for the doorbell or the poll interval."""
        rung = doorbell.rings
        if not await self.deliver_due():
            await doorbell.wait(
                LISTENING_POLL_SECONDS if self.listening else self.poll_seconds, rung_since=rung
            )

    async def deliver_due(self) -> int:
        """Claim a batch of due messages and send them; how many were claimed."""
        token = uuid.uuid4()
        claimed = await self._claim(token)
        if not claimed:
            return 0
        try:
            await self._send_all(claimed, token)
        finally:
            with anyio.CancelScope(shield=True):
                await self._release(token)
        return len(claimed)

    async def _claim(self, token: uuid.UUID) -> list[MailMessage]:
        now = utcnow()
        async with unit_of_work(self.db_sessionmaker) as db:
            due = (
                sa.select(MailMessage.id)
                .where(
                    MailMessage.status == MailStatus.QUEUED,
                    MailMessage.next_attempt_at <= now,
                    sa.or_(MailMessage.lease_until.is_(None), MailMessage.lease_until < now),
                )
                .order_by(MailMessage.next_attempt_at)
                .limit(self.batch_size)
                # PostgreSQL: concurrent workers pass over each other's rows instead of
                # waiting. SQLite has one writer at a time, and this clause is left out.
                .with_for_update(skip_locked=True)
            )
            await db.execute(
                sa.update(MailMessage)
                .where(MailMessage.id.in_(due.scalar_subquery()))
                .values(lease_token=token, lease_until=now + self.lease)
                .execution_options(synchronize_session=False)
            )
            return list(
                await db.scalars(
                    sa.select(MailMessage)
                    .where(MailMessage.lease_token == token)
                    .order_by(MailMessage.next_attempt_at)
                )
            )

    async def _release(self, token: uuid.UUID) -> None:
        """What was claimed but not sent (a worker stopped mid-way) is free for the next one now."""
        async with unit_of_work(self.db_sessionmaker) as db:
            await db.execute(
                sa.update(MailMessage)
                .where(MailMessage.lease_token == token)
                .values(lease_token=None, lease_until=None)
            )

    async def _send_all(self, claimed: list[MailMessage], token: uuid.UUID) -> None:
        smtp = aiosmtplib.SMTP(
            hostname=self.server.hostname,
            port=self.server.port,
            use_tls=self.server.use_tls,
            # None: STARTTLS when the server offers it (never with use_tls, which is TLS already).
            start_tls=False if self.server.use_tls else None,
            username=self.server.username,
            password=self.server.password,
            timeout=SMTP_TIMEOUT_SECONDS,
        )
        try:
            await smtp.connect()
        except (aiosmtplib.SMTPException, OSError) as error:
            logger.info("SMTP server unreachable: %s", error)
            for message in claimed:
                await self._record(message, token, Outcome(False, error=f"no connection: {error}"))
            return
        try:
            for message in claimed:
                # Once a message is handed over, its answer is recorded even when the worker
                # is being stopped: accepted but not marked would be sent again.
                with anyio.CancelScope(shield=True):
                    outcome = await self._send(smtp, message)
                    await self._record(message, token, outcome)
        finally:
            with anyio.CancelScope(shield=True):
                try:
                    await smtp.quit()
                except (aiosmtplib.SMTPException, OSError):
                    smtp.close()

    async def _send(self, smtp: aiosmtplib.SMTP, message: MailMessage) -> Outcome:
        try:
            composed = compose(message, sender=self.settings.mail_sender)
        except (NotAnAddress, ValueError) as error:
            return Outcome(False, permanent=True, error=f"not sendable: {error}")
        try:
            if not smtp.is_connected:
                await smtp.connect()
            await smtp.send_message(composed)
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = [refusal.code for refusal in error.recipients]
            return Outcome(False, permanent=all(code >= 500 for code in codes), error=str(error)[:500])
        except aiosmtplib.SMTPResponseException as error:
            return Outcome(False, permanent=error.code >= 500, error=f"{error.code} {error.message}"[:500])
        except (aiosmtplib.SMTPException, OSError) as error:
            return Outcome(False, error=str(error)[:500] or type(error).__name__)
        return Outcome(True)

    async def _record(self, message: MailMessage, token: uuid.UUID, outcome: Outcome) -> None:
        now = utcnow()
        attempts = message.attempts + 1
        values: dict[str, object] = {"attempts": attempts, "lease_token": None, "lease_until": None}
        if outcome.sent:
            values |= {"status": MailStatus.SENT, "sent_at": now, "last_error": None}
        elif outcome.permanent or attempts >= self.settings.mail_max_attempts:
            logger.warning("e-mail %s given up: %s", message.id, outcome.error)
            values |= {"status": MailStatus.FAILED, "failed_at": now, "last_error": outcome.error}
        else:
            values |= {"next_attempt_at": now + self.wait_before_retry(attempts), "last_error": outcome.error}
        if "status" in values and forgotten_when_sent(message.template):
            values |= {"text": "", "html": ""}
        async with unit_of_work(self.db_sessionmaker) as db:
            await db.execute(
                sa.update(MailMessage)
                .where(
                    MailMessage.id == message.id,
                    MailMessage.lease_token == token,
                    MailMessage.status == MailStatus.QUEUED,
                )
                .values(**values)
            )

    def wait_before_retry(self, attempts: int) -> dt.timedelta:
        """Doubling from mail_retry_seconds, jittered so that retries after an outage spread out."""
        ceiling = min(self.settings.mail_retry_seconds * 2 ** (attempts - 1), LONGEST_WAIT.total_seconds())
        return dt.timedelta(seconds=ceiling / 2 + random.uniform(0, ceiling / 2))  # noqa: S311 - jitter


async def purge_finished(db_sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Sent and failed messages, a month on: the outbox is not an archive."""
    before = utcnow() - KEEP_FINISHED
    async with unit_of_work(db_sessionmaker) as db:
        await db.execute(
            sa.delete(MailMessage).where(sa.or_(MailMessage.sent_at < before, MailMessage.failed_at < before))
        )
