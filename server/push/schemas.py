"""Web Push subscriptions and the server's key on the wire."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

from server.push.models import PushSubscription
from server.push.service import origin_of
from server.wire import Strict

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

    @classmethod
    def from_model(cls, subscription: PushSubscription) -> SubscriptionOut:
        return cls(subscription.endpoint, subscription.created_at, subscription.updated_at)


class StoredSubscriptionOut(msgspec.Struct):
    """A device's subscription as the person's own data shows it. Its keys are the browser's
    secrets and the endpoint's path names the device at its push service, so only the push
    service's origin and the dates leave the server (a download is easily passed around)."""

    push_service: str | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def from_model(cls, subscription: PushSubscription) -> StoredSubscriptionOut:
        return cls(origin_of(subscription.endpoint), subscription.created_at, subscription.updated_at)


class UnsubscribeIn(Strict):
    endpoint: Endpoint
