"""Routes of Web Push: the server's public key, and subscribing or unsubscribing a device."""

from __future__ import annotations

from litestar import Request, delete, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from server.db import Database
from server.problems import answers
from server.push import keys, service
from server.push.schemas import PublicKeyOut, SubscriptionIn, SubscriptionOut, UnsubscribeIn
from server.security import current_user, signed_in
from server.settings import Settings


@answers()
@get("/api/v1/push/key", summary="The key browsers subscribe to push messages with")
async def read_key(db: Database, settings: NamedDependency[Settings]) -> PublicKeyOut:
    return PublicKeyOut(keys.public_key_of(await keys.current_vapid(db, settings)))


@answers()
@post(
    "/api/v1/push/subscriptions",
    guards=[signed_in],
    status_code=HTTP_201_CREATED,
    summary="Store this device's push subscription",
)
async def subscribe(
    request: Request, db: Database, settings: NamedDependency[Settings], data: JSONBody[SubscriptionIn]
) -> SubscriptionOut:
    stored = await service.subscribe(
        db,
        current_user(request),
        settings,
        endpoint=data.endpoint,
        p256dh=data.keys.p256dh,
        auth=data.keys.auth,
    )
    return SubscriptionOut.from_model(stored)


@answers()
@delete(
    "/api/v1/push/subscriptions",
    guards=[signed_in],
    status_code=HTTP_204_NO_CONTENT,
    summary="Remove this device's push subscription",
)
async def unsubscribe(request: Request, db: Database, data: JSONBody[UnsubscribeIn]) -> None:
    await service.unsubscribe(db, current_user(request), data.endpoint)


routes = [read_key, subscribe, unsubscribe]
