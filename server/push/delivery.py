"""Delivery of the push outbox: a worker claims due messages with a lease, encrypts each for
its device (RFC 8291, aes128gcm), signs with the VAPID key (RFC 8292) and posts it to the
push service (RFC 8030), then records what the service answered.

Nothing is lost: a message stays in the outbox until a push service has accepted it, and a
worker that stops mid-way leaves its claimed messages to the next one. Nothing shows twice:
the message's id is its Topic, so a resend after a crash replaces the first copy at the
push service, and its notification id is the app's notification tag.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.utils
import logging
import random
import time
import uuid
from typing import Any

import anyio
import msgspec
import requests
import sqlalchemy as sa
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush
from requests.adapters import HTTPAdapter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.accounts.models import User
from server.db import unit_of_work, utcnow
from server.notifications.models import NotificationEvent
from server.notifications.service import title
from server.push.keys import b64url, current_vapid
from server.push.models import PushMessage, PushSubscription
from server.push.service import OUTBOX_CHANNEL, doorbell, origin_of
from server.settings import Settings
from server.wakeups import ListeningWorker

logger = logging.getLogger("tessera.push")

# RFC 8030 answers 201 Created (202 when a receipt was asked for); some services answer 200.
ACCEPTED = frozenset({200, 201, 202})
# The subscription is gone for good (RFC 8030 section 7.3): the browser unsubscribed.
GONE = frozenset({404, 410})
TOO_MANY = 429
SEND_TIMEOUT_SECONDS = 10.0
LONGEST_WAIT = dt.timedelta(hours=1)
# Delivered and given-up messages are kept this long for troubleshooting, then purged.
KEEP_FINISHED = dt.timedelta(days=7)
URGENT_EVENTS = frozenset({NotificationEvent.URGENT_REPORT})
RECORD_EVERY_SECONDS = 0.1
# While a worker listens for PostgreSQL's notifications it looks for due messages on its own
# only this seldom: for retries that have come due, and in case a notification went missing.
LISTENING_POLL_SECONDS = 30.0


@dataclasses.dataclass(frozen=True)
class Claimed:
    """A message this worker holds the lease of, with what sending it needs."""

    id: uuid.UUID
    notification_id: uuid.UUID
    event: str
    params: dict[str, Any]
    link: str
    created_at: dt.datetime
    attempts: int
    subscription_id: uuid.UUID
    endpoint: str
    p256dh: str
    auth: str
    language: str


@dataclasses.dataclass(frozen=True)
class Answer:
    status: int  # 0 when no answer came (a network error, a timeout)
    retry_after: str | None = None


class PushDelivery(ListeningWorker):
    """Drains the outbox. Several may run at once, in one process or many: leases (and on
    PostgreSQL ``FOR UPDATE SKIP LOCKED``) give each message to one of them at a time."""

    CHANNEL = OUTBOX_CHANNEL
    DOORBELL = doorbell

    def __init__(
        self,
        db_sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        *,
        poll_seconds: float = 2.0,
        lease_seconds: float = 60.0,
        batch_size: int | None = None,
    ) -> None:
        self.db_sessionmaker = db_sessionmaker
        self.settings = settings
        self.poll_seconds = poll_seconds
        self.lease = dt.timedelta(seconds=lease_seconds)
        self.batch_size = batch_size or settings.push_concurrency * 8
        self._slots = anyio.CapacityLimiter(settings.push_concurrency)
        self._threads = anyio.CapacityLimiter(settings.push_concurrency)
        # pywebpush posts with requests, which blocks: sends run in threads, sharing one
        # connection pool so a fan-out to one push service reuses its connections.
        self._http = requests.Session()
        adapter = HTTPAdapter(pool_connections=8, pool_maxsize=settings.push_concurrency)
        self._http.mount("https://", adapter)
        self._http.mount("http://", adapter)
        # A push service answers; it never redirects. Following a redirect would post to an
        # address nobody checked against TESSERA_PUSH_ALLOWED_ORIGINS.
        self._http.max_redirects = 0

    def close(self) -> None:
        self._http.close()

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
        answered: list[tuple[Claimed, Answer]] = []
        try:
            async with unit_of_work(self.db_sessionmaker) as db:
                vapid = await current_vapid(db, self.settings)
            async with anyio.create_task_group() as recording:
                recording.start_soon(self._keep_recording, answered)
                async with anyio.create_task_group() as sending:
                    for message in claimed:
                        sending.start_soon(self._deliver, message, vapid, answered)
                recording.cancel_scope.cancel()
        finally:
            # Also when stopped mid-way: the answers received are recorded, and what was
            # claimed but not sent is free for the next worker now, not when the lease ends.
            with anyio.CancelScope(shield=True):
                await self._record(answered)
                await self._release(token)
        return len(claimed)

    async def _keep_recording(self, answered: list[tuple[Claimed, Answer]]) -> None:
        # Answers are written a few times a second, many in one transaction: one commit per
        # message would make the database, not the push service, the limit of a fan-out.
        while True:
            await anyio.sleep(RECORD_EVERY_SECONDS)
            with anyio.CancelScope(shield=True):
                await self._record(answered)

    # Claiming

    async def _claim(self, token: uuid.UUID) -> list[Claimed]:
        now = utcnow()
        async with unit_of_work(self.db_sessionmaker) as db:
            # Past its TTL a push service would drop it anyway: stop trying.
            await db.execute(
                sa.update(PushMessage)
                .where(
                    PushMessage.sent_at.is_(None),
                    PushMessage.gave_up_at.is_(None),
                    PushMessage.created_at < now - dt.timedelta(seconds=self.settings.push_ttl_seconds),
                )
                .values(gave_up_at=now, lease_token=None, lease_until=None)
            )
            due = (
                sa.select(PushMessage.id)
                .where(
                    PushMessage.sent_at.is_(None),
                    PushMessage.gave_up_at.is_(None),
                    PushMessage.next_attempt_at <= now,
                    sa.or_(PushMessage.lease_until.is_(None), PushMessage.lease_until < now),
                )
                .order_by(PushMessage.next_attempt_at)
                .limit(self.batch_size)
                # PostgreSQL: concurrent workers pass over each other's rows instead of
                # waiting. SQLite has one writer at a time, and this clause is left out.
                .with_for_update(skip_locked=True)
            )
            await db.execute(
                sa.update(PushMessage)
                .where(PushMessage.id.in_(due.scalar_subquery()))
                .values(lease_token=token, lease_until=now + self.lease)
                .execution_options(synchronize_session=False)
            )
            rows = (
                await db.execute(
                    sa.select(
                        PushMessage.id,
                        PushMessage.notification_id,
                        PushMessage.event,
                        PushMessage.params,
                        PushMessage.link,
                        PushMessage.created_at,
                        PushMessage.attempts,
                        PushSubscription.id,
                        PushSubscription.endpoint,
                        PushSubscription.p256dh,
                        PushSubscription.auth,
                        User.language,
                    )
                    .join(PushSubscription, PushSubscription.id == PushMessage.subscription_id)
                    .join(User, User.id == PushSubscription.user_id)
                    .where(PushMessage.lease_token == token)
                )
            ).all()
        return [Claimed(*row) for row in rows]

    async def _release(self, token: uuid.UUID) -> None:
        async with unit_of_work(self.db_sessionmaker) as db:
            await db.execute(
                sa.update(PushMessage)
                .where(PushMessage.lease_token == token)
                .values(lease_token=None, lease_until=None)
            )

    # Sending

    async def _deliver(
        self, message: Claimed, vapid: Vapid02, answered: list[tuple[Claimed, Answer]]
    ) -> None:
        async with self._slots:
            # Once posting has begun it runs to its end and its answer is kept for the record,
            # even when the worker is being stopped: a message accepted but not marked would
            # be sent again.
            with anyio.CancelScope(shield=True):
                answer = await anyio.to_thread.run_sync(self._send, message, vapid, limiter=self._threads)
                answered.append((message, answer))

    def payload(self, message: Claimed) -> bytes:
        """What the device decrypts: a title in the person's language and a link, never content."""
        return msgspec.json.encode(
            {
                "id": str(message.notification_id),
                "title": title(message.event, message.params).render(message.language),
                "url": message.link,
            }
        )

    def _send(self, message: Claimed, vapid: Vapid02) -> Answer:
        age = (utcnow() - message.created_at).total_seconds()
        headers: dict[str, str | int | float] = {
            # base64url of 16 bytes: 22 characters, within the 32 RFC 8030 allows.
            "Topic": b64url(message.id.bytes),
            "Urgency": "high" if message.event in URGENT_EVENTS else "normal",
        }
        origin = origin_of(message.endpoint) or ""
        try:
            response = webpush(
                {"endpoint": message.endpoint, "keys": {"p256dh": message.p256dh, "auth": message.auth}},
                self.payload(message).decode(),
                vapid_private_key=vapid,
                # A fresh dict each time: pywebpush writes into it.
                vapid_claims={
                    "sub": self.settings.push_subject,
                    "aud": origin,
                    "exp": int(time.time()) + 12 * 3600,
                },
                content_encoding="aes128gcm",
                ttl=max(1, int(self.settings.push_ttl_seconds - age)),
                headers=headers,
                timeout=SEND_TIMEOUT_SECONDS,
                requests_session=self._http,
            )
        except WebPushException as error:
            if error.response is None:
                logger.warning("push message %s could not be prepared: %s", message.id, error.message)
                return Answer(400)
            return Answer(int(error.status_code or 0), error.retry_after)
        except requests.RequestException as error:
            logger.info("push service unreachable for message %s: %s", message.id, type(error).__name__)
            return Answer(0)
        return Answer(int(getattr(response, "status_code", 0)))

    # Recording

    async def _record(self, answered: list[tuple[Claimed, Answer]]) -> None:
        """Write what the push services answered, and take those answers off the list."""
        batch = answered[:]
        if not batch:
            return
        now = utcnow()
        unsent = sa.update(PushMessage).where(
            PushMessage.id == sa.bindparam("message_id"), PushMessage.sent_at.is_(None)
        )
        accepted: list[tuple[Claimed, Answer]] = []
        others: list[tuple[Claimed, Answer]] = []
        for message, answer in batch:
            (accepted if answer.status in ACCEPTED else others).append((message, answer))
        async with unit_of_work(self.db_sessionmaker) as db:
            if accepted:
                connection = await db.connection()
                await connection.execute(
                    unsent.values(
                        sent_at=now,
                        attempts=sa.bindparam("attempts"),
                        last_status=sa.bindparam("status"),
                        lease_token=None,
                        lease_until=None,
                    ),
                    [
                        {"message_id": message.id, "attempts": message.attempts + 1, "status": answer.status}
                        for message, answer in accepted
                    ],
                )
            for message, answer in others:
                await self._record_refusal(db, message, answer, now)
        del answered[: len(batch)]

    async def _record_refusal(
        self, db: AsyncSession, message: Claimed, answer: Answer, now: dt.datetime
    ) -> None:
        row = sa.update(PushMessage).where(PushMessage.id == message.id, PushMessage.sent_at.is_(None))
        attempts = message.attempts + 1
        if answer.status in GONE:
            # Its other queued messages go with it.
            await db.execute(
                sa.delete(PushSubscription).where(PushSubscription.id == message.subscription_id)
            )
        elif (
            400 <= answer.status < 500 and answer.status != TOO_MANY
        ) or attempts >= self.settings.push_max_attempts:
            logger.warning("push message %s given up: status %s", message.id, answer.status)
            await db.execute(
                row.values(
                    gave_up_at=now,
                    attempts=attempts,
                    last_status=answer.status,
                    lease_token=None,
                    lease_until=None,
                )
            )
        else:
            await db.execute(
                row.values(
                    next_attempt_at=now + self.wait_before_retry(attempts, answer.retry_after),
                    attempts=attempts,
                    last_status=answer.status,
                    lease_token=None,
                    lease_until=None,
                )
            )

    def wait_before_retry(self, attempts: int, retry_after: str | None) -> dt.timedelta:
        """Doubling from push_retry_seconds, jittered so that retries after an outage spread
        out; never sooner than the push service's Retry-After."""
        ceiling = min(self.settings.push_retry_seconds * 2 ** (attempts - 1), LONGEST_WAIT.total_seconds())
        wait = ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - jitter, not a secret
        asked = retry_after_seconds(retry_after)
        return dt.timedelta(seconds=max(wait, min(asked, self.settings.push_ttl_seconds)))


def retry_after_seconds(value: str | None) -> float:
    """A Retry-After header (RFC 9110 10.2.3): seconds, or a date; 0 when absent or unreadable."""
    if not value:
        return 0.0
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        at = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 0.0
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return max(0.0, (at - utcnow()).total_seconds())


async def purge_finished(db_sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Delivered and given-up messages, a week on: the outbox is not an archive."""
    before = utcnow() - KEEP_FINISHED
    async with unit_of_work(db_sessionmaker) as db:
        await db.execute(
            sa.delete(PushMessage).where(
                sa.or_(PushMessage.sent_at < before, PushMessage.gave_up_at < before)
            )
        )
