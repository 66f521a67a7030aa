"""The rules of Web Push subscriptions, and queueing messages for delivery.

A subscription's endpoint is an address the server will post to, so only the push
services named in TESSERA_PUSH_ALLOWED_ORIGINS are accepted: a person can never make the
server send requests to a place of their choosing.
"""

from __future__ import annotations

import re
import urllib.parse
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.models import User
from server.db import insert_on_conflict, utcnow
from server.i18n import N_, message
from server.problems import FieldError, InvalidInput
from server.push.keys import b64url_decode
from server.push.models import PushMessage, PushSubscription
from server.settings import Settings
from server.wakeups import Doorbell

# A person's devices; the least recently subscribed beyond these are dropped, so one
# account cannot multiply every notification into thousands of posts.
MAX_DEVICES = 10
_HOST = re.compile(r"^[a-z0-9.-]+$")


# Subscriptions


def origin_of(endpoint: str) -> str | None:
    """``scheme://host[:port]`` of an endpoint, lower-cased, without a default port; None if unusable."""
    # urlsplit quietly drops whitespace and control characters: what is stored must be what
    # was checked.
    if any(character.isspace() or ord(character) < 32 or ord(character) == 127 for character in endpoint):
        return None
    try:
        parts = urllib.parse.urlsplit(endpoint)
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not _HOST.match(host) or host.startswith("."):
        return None
    if parts.username is not None or parts.password is not None or parts.fragment:
        return None
    default_port = 443 if parts.scheme == "https" else 80
    return f"{parts.scheme}://{host}" + (f":{port}" if port not in (None, default_port) else "")


def is_allowed_endpoint(endpoint: str, allowed_origins: str) -> bool:
    origin = origin_of(endpoint)
    if origin is None:
        return False
    for entry in (item.strip().lower().rstrip("/") for item in allowed_origins.split(",")):
        if entry.startswith("https://*.") and origin.startswith("https://"):
            suffix = entry.removeprefix("https://*")
            if origin.endswith(suffix) and ":" not in origin.removeprefix("https://"):
                return True
        elif origin == entry:
            return True
    return False


def _subscription_errors(endpoint: str, p256dh: str, auth: str, settings: Settings) -> list[FieldError]:
    errors = []
    if not is_allowed_endpoint(endpoint, settings.push_allowed_origins):
        errors.append(
            FieldError(
                "endpoint",
                message(N_("This is not the address of a push service Tessera can send to.")),
            )
        )
    try:
        point = b64url_decode(p256dh)
        # Checks that the point lies on the curve: a bad key would fail every message later.
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
        if len(point) != 65:
            raise ValueError("compressed")
    except ValueError:
        errors.append(
            FieldError("keys.p256dh", message(N_("This is not a valid browser key for push messages.")))
        )
    try:
        if len(b64url_decode(auth)) != 16:
            raise ValueError("not 16 bytes")
    except ValueError:
        errors.append(
            FieldError("keys.auth", message(N_("This is not a valid authentication secret (16 bytes).")))
        )
    return errors


async def subscribe(
    db: AsyncSession, user: User, settings: Settings, *, endpoint: str, p256dh: str, auth: str
) -> PushSubscription:
    """Store a device's subscription, or renew it. An endpoint stored for someone else moves to
    the caller (a phone changed hands), and nothing queued for its former owner reaches it."""
    errors = _subscription_errors(endpoint, p256dh, auth, settings)
    if errors:
        raise InvalidInput(errors=errors)
    now = utcnow()
    # Deleting also deletes the messages queued for it.
    await db.execute(
        sa.delete(PushSubscription).where(
            PushSubscription.endpoint == endpoint, PushSubscription.user_id != user.id
        )
    )
    statement = insert_on_conflict(db, PushSubscription).values(
        id=uuid.uuid4(),
        user_id=user.id,
        endpoint=endpoint,
        p256dh=p256dh,
        auth=auth,
        created_at=now,
        updated_at=now,
    )
    await db.execute(
        statement.on_conflict_do_update(
            index_elements=["endpoint"],
            set_={"p256dh": p256dh, "auth": auth, "updated_at": now},
            where=PushSubscription.user_id == user.id,
        )
    )
    devices = list(
        await db.scalars(
            sa.select(PushSubscription.id)
            .where(PushSubscription.user_id == user.id)
            .order_by(PushSubscription.updated_at.desc(), PushSubscription.id)
        )
    )
    if len(devices) > MAX_DEVICES:
        await db.execute(sa.delete(PushSubscription).where(PushSubscription.id.in_(devices[MAX_DEVICES:])))
    stored = await db.scalar(
        sa.select(PushSubscription)
        .where(PushSubscription.endpoint == endpoint)
        .execution_options(populate_existing=True)
    )
    assert stored is not None
    return stored


async def subscriptions_of(db: AsyncSession, user: User) -> list[PushSubscription]:
    query = sa.select(PushSubscription).where(PushSubscription.user_id == user.id)
    return list(await db.scalars(query.order_by(PushSubscription.created_at)))


async def unsubscribe(db: AsyncSession, user: User, endpoint: str) -> None:
    """Remove the caller's subscription; anyone else's, or none, is left as it is, unanswered."""
    await db.execute(
        sa.delete(PushSubscription).where(
            PushSubscription.endpoint == endpoint, PushSubscription.user_id == user.id
        )
    )


async def forget_person(db: AsyncSession, user_id: uuid.UUID) -> None:
    """Erasure: a person's devices go, with every message still queued for them."""
    await db.execute(sa.delete(PushSubscription).where(PushSubscription.user_id == user_id))


# Queueing


async def queue_push(
    db: AsyncSession,
    recipients: Sequence[tuple[uuid.UUID, uuid.UUID]],
    *,
    event: str,
    params: Mapping[str, Any],
    link: str,
) -> bool:
    """One outbox row per device of each (person, notification id), sent once the caller's unit
    of work commits; whether any was queued (then wake the delivery workers after the commit)."""
    notification_of = dict(recipients)
    devices = (
        await db.execute(
            sa.select(PushSubscription.id, PushSubscription.user_id).where(
                PushSubscription.user_id.in_(list(notification_of))
            )
        )
    ).all()
    if not devices:
        return False
    now = utcnow()
    connection = await db.connection()
    await connection.execute(
        sa.insert(PushMessage),
        [
            {
                "id": uuid.uuid4(),
                "subscription_id": subscription_id,
                "notification_id": notification_of[user_id],
                "event": event,
                "params": dict(params),
                "link": link,
                "created_at": now,
                "attempts": 0,
                "next_attempt_at": now,
            }
            for subscription_id, user_id in devices
        ],
    )
    if db.get_bind().dialect.name == "postgresql":
        # PostgreSQL delivers a notification when the transaction commits, and never after a
        # rollback: it wakes delivery workers in every process, on every machine.
        await db.execute(sa.text(f"NOTIFY {OUTBOX_CHANNEL}"))
    return True


# Waking the delivery workers of this process when queued messages are committed: without
# it they find them at their next look, a couple of seconds later.
doorbell = Doorbell()
# The PostgreSQL channel queue_push notifies and delivery workers listen on.
OUTBOX_CHANNEL = "tessera_push_outbox"


def wake_delivery() -> None:
    """Register with ``after_commit`` where messages are queued: a rolled-back queue wakes nobody."""
    doorbell.ring()
