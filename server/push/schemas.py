"""Web Push subscriptions and the server's key on the wire."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

from server.accounts.schemas import Strict

Endpoint = Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]


class PublicKeyOut(msgspec.Struct):
    # The applicationServerKey for PushManager.subscribe(): an uncompressed P-256 point, base64url.
    public_key: str


class SubscriptionKeys(msgspec.Struct):
    p256dh: Annotated[str, msgspec.Meta(max_length=200)]
    auth: Annotated[str, msgspec.Meta(max_length=100)]


class SubscriptionIn(msgspec.Struct):
    """PushSubscription.toJSON() as the browser gives it (its expirationTime is accepted, unused)."""

    endpoint: Endpoint
    keys: SubscriptionKeys
    expirationTime: int | float | None = None  # the browser's name for it


class SubscriptionOut(msgspec.Struct):
    endpoint: str
    created_at: dt.datetime
    updated_at: dt.datetime


class UnsubscribeIn(Strict):
    endpoint: Endpoint
