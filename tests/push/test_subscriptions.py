"""Push subscriptions and the server's VAPID key, tried from the attacker's side too."""

from __future__ import annotations

import base64
import uuid

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from litestar.testing import AsyncTestClient

from server.cli import main
from server.db import unit_of_work
from server.notifications.service import notify
from server.push import keys
from server.push.models import PushSubscription
from tests.conftest import PASSWORD
from tests.push.conftest import outbox, subscribe
from tests.push.push_service import Device


def decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


async def stored_subscriptions(app) -> list[PushSubscription]:
    async with app.state.test_db() as db:
        return list(await db.scalars(sa.select(PushSubscription)))


async def test_the_public_key_is_an_uncompressed_p256_point_and_is_kept(client, make_app):
    first = (await client.get("/api/v1/push/key")).json()["public_key"]
    point = decode(first)
    assert len(point) == 65 and point[0] == 4
    ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    assert "=" not in first
    # Another process on the same database (a restart, a second server) uses the same key.
    async with AsyncTestClient(app=make_app()) as other:
        assert (await other.get("/api/v1/push/key")).json()["public_key"] == first


async def test_a_key_given_in_the_settings_is_used(make_app):
    private_key = keys.new_private_key()
    expected = keys.public_key_of(keys.vapid_from_private_key(private_key))
    async with AsyncTestClient(app=make_app(vapid_private_key=private_key)) as client:
        assert (await client.get("/api/v1/push/key")).json()["public_key"] == expected


async def test_a_device_is_stored_once_however_often_it_subscribes(app, people, push_service):
    amina = await people("amina", "youth", ["DE"])
    device = push_service.new_device()
    await subscribe(amina, device)
    renewed_device = Device(device.endpoint, device.private_key, b"0123456789abcdef")
    await subscribe(amina, renewed_device)
    [stored] = await stored_subscriptions(app)
    assert stored.endpoint == device.endpoint
    assert decode(stored.auth) == renewed_device.auth_secret


async def test_a_phone_that_changes_hands_moves_to_its_new_owner_without_the_old_owners_messages(
    app, people, push_service
):
    amina = await people("amina", "youth", ["DE"])
    karim = await people("karim", "youth", ["DE"])
    phone = push_service.new_device()
    await subscribe(amina, phone)
    async with unit_of_work(app.state.test_db) as db:
        await notify(db, recipient_ids=[uuid.UUID(amina.id)], event="topic_reply", link="/#/forum")
    assert len(await outbox(app)) == 1
    await subscribe(karim, phone)
    [stored] = await stored_subscriptions(app)
    assert str(stored.user_id) == karim.id
    # What was queued for Amina never reaches Karim's hands.
    assert await outbox(app) == []


BAD_SUBSCRIPTIONS = {
    "an origin not allowed": ({"endpoint": "https://evil.example/push/1"}, "endpoint"),
    "plain http elsewhere": ({"endpoint": "http://evil.example/push/1"}, "endpoint"),
    "not a web address": ({"endpoint": "javascript:alert(1)"}, "endpoint"),
    "credentials in the address": ({"endpoint": "http://user:pw@127.0.0.1/x"}, "endpoint"),
    "a point not on the curve": (
        {"p256dh": base64.urlsafe_b64encode(b"\x04" + b"\x01" * 64).decode()},
        "keys.p256dh",
    ),
    "a compressed point": ({"p256dh": "COMPRESSED"}, "keys.p256dh"),
    "a key that is not base64url": ({"p256dh": "not a key!"}, "keys.p256dh"),
    "an auth secret of 15 bytes": ({"auth": base64.urlsafe_b64encode(b"x" * 15).decode()}, "keys.auth"),
    "an auth secret of 17 bytes": ({"auth": base64.urlsafe_b64encode(b"x" * 17).decode()}, "keys.auth"),
}


@pytest.mark.parametrize(("change", "field"), BAD_SUBSCRIPTIONS.values(), ids=list(BAD_SUBSCRIPTIONS))
async def test_a_bad_subscription_is_refused_with_its_field_and_nothing_is_stored(
    app, people, push_service, change, field
):
    amina = await people("amina", "youth", ["DE"])
    device = push_service.new_device()
    body = device.subscription()
    if "endpoint" in change:
        body["endpoint"] = change["endpoint"].replace(
            "127.0.0.1", push_service.origin.removeprefix("http://")
        )
    for name in ("p256dh", "auth"):
        if name in change:
            body["keys"][name] = change[name]
    if change.get("p256dh") == "COMPRESSED":
        public = device.private_key.public_key()
        body["keys"]["p256dh"] = base64.urlsafe_b64encode(
            public.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)
        ).decode()
    response = await amina.post("/api/v1/push/subscriptions", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert await stored_subscriptions(app) == []


async def test_a_subscription_missing_its_keys_is_refused(people, push_service):
    amina = await people("amina", "youth", ["DE"])
    response = await amina.post(
        "/api/v1/push/subscriptions", json={"endpoint": push_service.new_device().endpoint}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"].endswith("keys")


async def test_an_allowed_wildcard_origin_admits_its_subdomains_over_https_only():
    from server.push.service import is_allowed_endpoint

    allowed = "https://*.notify.windows.com,https://fcm.googleapis.com"
    assert is_allowed_endpoint("https://wns2-par02p.notify.windows.com/w/?token=x", allowed)
    assert is_allowed_endpoint("https://FCM.googleapis.com:443/fcm/send/x", allowed)
    assert not is_allowed_endpoint("http://wns2-par02p.notify.windows.com/w/", allowed)
    assert not is_allowed_endpoint("https://notify.windows.com.evil.example/w/", allowed)
    assert not is_allowed_endpoint("https://fcm.googleapis.com:8443/fcm/send/x", allowed)
    assert not is_allowed_endpoint("https://fcm.googleapis.com.evil.example/", allowed)


async def test_unsubscribing_removes_my_device_and_never_someone_elses(app, people, push_service):
    amina = await people("amina", "youth", ["DE"])
    mallory = await people("mallory", "youth", ["DE"])
    mine, hers = push_service.new_device(), push_service.new_device()
    await subscribe(amina, hers)
    await subscribe(mallory, mine)
    # Mallory learned Amina's endpoint: deleting it answers as for any other, and changes nothing.
    attempt = await mallory.delete("/api/v1/push/subscriptions", json={"endpoint": hers.endpoint})
    assert attempt.status_code == 204
    assert {s.endpoint for s in await stored_subscriptions(app)} == {hers.endpoint, mine.endpoint}
    assert (
        await mallory.delete("/api/v1/push/subscriptions", json={"endpoint": mine.endpoint})
    ).status_code == 204
    assert {s.endpoint for s in await stored_subscriptions(app)} == {hers.endpoint}


async def test_a_person_keeps_at_most_ten_devices_the_oldest_going_first(app, people, push_service):
    amina = await people("amina", "youth", ["DE"])
    devices = [push_service.new_device() for _ in range(11)]
    for device in devices:
        await subscribe(amina, device)
    assert {s.endpoint for s in await stored_subscriptions(app)} == {d.endpoint for d in devices[1:]}


async def test_erasure_takes_a_persons_devices_with_it(app, people, push_service):
    amina = await people("amina", "youth", ["DE"])
    await subscribe(amina, push_service.new_device())
    assert (await amina.delete("/api/v1/me", json={"password": PASSWORD})).status_code == 204
    assert await stored_subscriptions(app) == []


async def test_rotating_the_key_deletes_every_subscription(app, client, people, push_service):
    amina = await people("amina", "youth", ["DE"])
    await subscribe(amina, push_service.new_device())
    before = (await client.get("/api/v1/push/key")).json()["public_key"]
    async with app.state.test_db() as db:
        public_key, dropped = await keys.rotate(db)
        await db.commit()
    assert dropped == 1
    assert public_key != before
    assert (await client.get("/api/v1/push/key")).json()["public_key"] == public_key
    assert await stored_subscriptions(app) == []


def test_the_push_keys_commands_show_and_rotate_the_kept_key(tmp_path, monkeypatch):
    monkeypatch.setenv("TESSERA_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("TESSERA_STORE_DIR", str(tmp_path / "store"))
    runner = CliRunner()
    shown = runner.invoke(main, ["push-keys", "show"])
    assert shown.exit_code == 0, shown.output
    key = shown.stdout.strip()
    assert len(decode(key)) == 65
    assert runner.invoke(main, ["push-keys", "show"]).stdout.strip() == key
    refused = runner.invoke(main, ["push-keys", "rotate"], input="n\n")
    assert refused.exit_code != 0
    assert runner.invoke(main, ["push-keys", "show"]).stdout.strip() == key
    rotated = runner.invoke(main, ["push-keys", "rotate", "--yes"])
    assert rotated.exit_code == 0, rotated.output
    assert "subscribe again" in rotated.stderr
    new_key = rotated.stdout.strip()
    assert new_key != key
    assert runner.invoke(main, ["push-keys", "show"]).stdout.strip() == new_key
