"""The server's VAPID key (RFC 8292): push services accept messages signed with the key a
browser subscribed with, so it is made once and kept, or given in the settings.

Rotating it makes every stored subscription useless (push services refuse messages signed
with another key than the subscription's), so rotation deletes them: each browser
subscribes again with the new public key the next time the app opens.
"""

from __future__ import annotations

import base64
import binascii
import re

import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.db import insert_on_conflict, unit_of_work
from server.instance import InstanceSecret
from server.push.models import PushSubscription
from server.settings import Settings

SECRET_NAME = "vapid_private_key"  # noqa: S105 - the name of the row, not a secret
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+={0,2}")


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def b64url_decode(text: str) -> bytes:
    """Strict base64url, padded or not; ValueError for anything else."""
    if not _BASE64URL.fullmatch(text):
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error:
        raise ValueError("not base64url") from None


def new_private_key() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return b64url(key.private_numbers().private_value.to_bytes(32, "big"))


def vapid_from_private_key(text: str) -> Vapid02:
    """The signer for a base64url raw private key; ValueError when it is not a P-256 key."""
    raw = b64url_decode(text.strip())
    if len(raw) != 32:
        raise ValueError("a P-256 private key has 32 bytes")
    # derive_private_key refuses 0 and values beyond the curve's order.
    return Vapid02(ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1()))


def public_key_of(vapid: Vapid02) -> str:
    """The applicationServerKey a browser subscribes with: the uncompressed point, base64url."""
    return b64url(
        vapid.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )


async def current_private_key(db: AsyncSession, settings: Settings) -> str:
    """The key of the settings, else the one kept in the database (made the first time)."""
    if settings.vapid_private_key:
        return settings.vapid_private_key
    stored = await db.scalar(sa.select(InstanceSecret.value).where(InstanceSecret.name == SECRET_NAME))
    if stored is not None:
        return stored
    # Two processes starting at once both try; the first one's key is everybody's.
    await db.execute(
        insert_on_conflict(db, InstanceSecret)
        .values(name=SECRET_NAME, value=new_private_key())
        .on_conflict_do_nothing(index_elements=[InstanceSecret.name])
    )
    return str(await db.scalar(sa.select(InstanceSecret.value).where(InstanceSecret.name == SECRET_NAME)))


async def current_vapid(db: AsyncSession, settings: Settings) -> Vapid02:
    return vapid_from_private_key(await current_private_key(db, settings))


async def rotate(db: AsyncSession) -> tuple[str, int]:
    """A new kept key; every subscription goes (with its undelivered messages). The new
    public key, and how many subscriptions went."""
    private_key = new_private_key()
    updated = await db.execute(
        sa.update(InstanceSecret).where(InstanceSecret.name == SECRET_NAME).values(value=private_key)
    )
    if updated.rowcount == 0:  # type: ignore[attr-defined]
        db.add(InstanceSecret(name=SECRET_NAME, value=private_key))
    dropped = await db.execute(sa.delete(PushSubscription))
    return public_key_of(vapid_from_private_key(private_key)), int(dropped.rowcount)  # type: ignore[attr-defined]


async def make_key_once(db_sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    """At start-up: the first start of an installation makes its key."""
    async with unit_of_work(db_sessionmaker) as db:
        await current_private_key(db, settings)
