"""The person's own data: profile, consent history, download, and erasure that really erases."""

from __future__ import annotations

import base64
import secrets
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from server.accounts.consent import CONSENT_VERSION
from server.accounts.models import ConsentEvent, User
from tests.conftest import PASSWORD, sign_in
from tests.notes.conftest import note_body

THIS_YEAR = 2026


async def join(
    client,
    worker,
    username: str,
    birth_year: int = 2000,
    guardian: str | None = None,
    display_name: str | None = None,
):
    code = (await worker.post("/api/v1/invites", json={"platform": "DE"})).json()["code"]
    consent = {"version": CONSENT_VERSION, "accepted": True}
    if guardian:
        consent["guardian_name"] = guardian
    body = {
        "invite_code": code,
        "username": username,
        "password": PASSWORD,
        "language": "en",
        "birth_year": birth_year,
        "consent": consent,
    }
    if display_name:
        body["display_name"] = display_name
    response = await client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 201, response.text
    return await sign_in(client, username)


async def test_me_shows_the_profile_and_patch_changes_language_at_once(people):
    amina = await people("amina", "youth", ["DE"])
    assert (await amina.get("/api/v1/me")).json()["language"] == "en"
    response = await amina.patch("/api/v1/me", json={"language": "ar", "display_name": "Amina H."})
    assert response.status_code == 200
    assert response.json()["display_name"] == "Amina H."
    assert response.headers["content-language"] == "ar"
    # The saved language wins over what the browser asks for.
    after = await amina.get("/api/v1/me", headers={"Accept-Language": "de"})
    assert after.headers["content-language"] == "ar"


async def test_patch_me_refuses_unknown_fields_and_languages(people):
    amina = await people("amina", "youth", ["DE"])
    assert (await amina.patch("/api/v1/me", json={"role": "admin"})).status_code == 422
    assert (await amina.patch("/api/v1/me", json={"language": "xx"})).status_code == 422
    assert (await amina.get("/api/v1/me")).json()["role"] == "youth"


async def test_withdrawing_consent_adds_an_event_and_keeps_the_history(client, people):
    worker = await people("yara", "youth_worker", ["DE"])
    karim = await join(client, worker, "karim")
    response = await karim.post("/api/v1/me/consent", json={"version": CONSENT_VERSION, "accepted": False})
    assert response.status_code == 201
    history = (await karim.get("/api/v1/me/consent")).json()
    assert history["has_consent"] is False
    assert [item["accepted"] for item in history["items"]] == [False, True]
    again = await karim.post("/api/v1/me/consent", json={"version": CONSENT_VERSION, "accepted": True})
    assert again.json()["has_consent"] is True
    assert len(again.json()["items"]) == 3


async def test_a_minor_giving_consent_again_needs_their_guardian(client, people):
    worker = await people("yara", "youth_worker", ["DE"])
    lina = await join(client, worker, "lina", birth_year=THIS_YEAR - 14, guardian="Samira Haddad")
    await lina.post("/api/v1/me/consent", json={"version": CONSENT_VERSION, "accepted": False})
    refused = await lina.post("/api/v1/me/consent", json={"version": CONSENT_VERSION, "accepted": True})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "guardian_name"
    accepted = await lina.post(
        "/api/v1/me/consent",
        json={"version": CONSENT_VERSION, "accepted": True, "guardian_name": "Samira Haddad"},
    )
    assert accepted.status_code == 201


async def test_my_data_holds_everything_stored_about_me(client, people):
    worker = await people("yara", "youth_worker", ["DE"])
    lina = await join(
        client, worker, "lina", birth_year=THIS_YEAR - 14, guardian="Samira Haddad", display_name="Lina"
    )
    data = (await lina.get("/api/v1/me/data")).json()
    assert data["profile"]["username"] == "lina"
    assert data["birth_year"] == THIS_YEAR - 14
    assert data["consent"][0]["guardian_name"] == "Samira Haddad"
    kinds = {event["kind"] for event in data["security_events"]}
    assert {"account.registered", "consent.given", "login.succeeded"} <= kinds


async def test_my_data_holds_nobody_elses(client, people):
    worker = await people("yara", "youth_worker", ["DE"])
    await join(client, worker, "lina", birth_year=THIS_YEAR - 14, guardian="Samira Haddad")
    karim = await join(client, worker, "karim")
    text = (await karim.get("/api/v1/me/data")).text
    assert "Samira" not in text
    assert "lina" not in text


def push_device(path: str) -> dict[str, object]:
    """A browser's PushSubscription.toJSON() at a push service Tessera may send to."""
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    point = key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return {
        "endpoint": f"https://fcm.googleapis.com/fcm/send/{path}",
        "keys": {"p256dh": b64url(point), "auth": b64url(secrets.token_bytes(16))},
    }


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


async def test_my_data_holds_my_notes_notifications_blocks_and_devices_and_nobody_elses(people):
    amina = await people("amina", "youth", ["DE"])
    karim = await people("karim", "youth", ["DE"])
    worker = await people("yara", "youth_worker", ["DE"])
    mine = note_body(text="Amina's interview in the library", tags=["education"])
    theirs = note_body(text="Karim's interview at the station", interviewee_code="DE-INT-099")
    for person, note in ((amina, mine), (karim, theirs)):
        assert (await person.request("PUT", f"/api/v1/notes/{note['id']}", json=note)).status_code == 201
        review = await worker.post(
            f"/api/v1/notes/{note['id']}/review",
            json={
                "decision": "request_changes",
                "comment": f"Please add the date, {person.user['username']}",
            },
        )
        assert review.status_code == 200, review.text
    bully = await people("bully", "youth", ["DE"])
    assert (await amina.post("/api/v1/forum/blocks", json={"user_id": bully.id})).status_code == 204
    assert (await karim.post("/api/v1/forum/blocks", json={"user_id": amina.id})).status_code == 204
    amina_device, karim_device = push_device("amina-device-secret"), push_device("karim-device-secret")
    for person, device in ((amina, amina_device), (karim, karim_device)):
        assert (await person.post("/api/v1/push/subscriptions", json=device)).status_code == 201

    response = await amina.get("/api/v1/me/data")
    data = response.json()

    [note] = data["notes"]
    assert (note["id"], note["text"], note["tags"], note["status"]) == (
        mine["id"],
        "Amina's interview in the library",
        ["education"],
        "changes_requested",
    )
    assert note["answers"] == mine["answers"]
    assert [(r["decision"], r["comment"]) for r in note["reviews"]] == [
        ("request_changes", "Please add the date, amina")
    ]
    assert [item["event"] for item in data["notifications"]] == ["note_reviewed"]
    assert data["notifications"][0]["title"]
    assert [block["user_id"] for block in data["forum_blocks"]] == [bully.id]
    [device] = data["push_subscriptions"]
    assert device["push_service"] == "https://fcm.googleapis.com"
    assert set(device) == {"push_service", "created_at", "updated_at"}
    for secret in ("amina-device-secret", amina_device["keys"]["p256dh"], amina_device["keys"]["auth"]):
        assert secret not in response.text
    # Karim's note, review, notification, device, and his block of Amina are his, not hers.
    for someone_elses in ("karim", "Karim", "DE-INT-099", "karim-device-secret", theirs["id"], karim.id):
        assert someone_elses not in response.text


async def _database_bytes(database_url: str) -> bytes:
    path = Path(database_url.removeprefix("sqlite+aiosqlite:///"))
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


async def _postgres_text(app) -> str:
    # Every row of every table, as text: the person's name must appear in none.
    async with app.state.test_db() as db:
        tables = (
            (await db.execute(sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")))
            .scalars()
            .all()
        )
        dumps = [
            str((await db.execute(sa.text(f'SELECT t::text FROM "{t}" t'))).scalars().all()) for t in tables
        ]
    return "\n".join(dumps)


async def test_erasure_leaves_no_trace_of_the_name_or_the_guardians_name(app, client, people, database_url):
    worker = await people("yara", "youth_worker", ["DE"])
    lina = await join(
        client,
        worker,
        "zuleikha",
        birth_year=THIS_YEAR - 14,
        guardian="Marwaridovna Quxtest",
        display_name="Zuleikha Farouqiya",
    )
    await lina.patch("/api/v1/me", json={"display_name": "Zuleikha Farouqiya-Renamed"})
    response = await lina.delete("/api/v1/me", json={"password": PASSWORD})
    assert response.status_code == 204
    assert "storage" in response.headers["clear-site-data"]
    assert (await lina.get("/api/v1/me")).status_code == 401
    failed = await client.post("/api/v1/auth/login", json={"username": "zuleikha", "password": PASSWORD})
    assert failed.status_code == 401

    if database_url.startswith("sqlite"):
        stored = await _database_bytes(database_url)
        for secret in (b"zuleikha", b"Zuleikha", b"Farouqiya", b"Marwaridovna", b"Quxtest"):
            assert secret not in stored, secret
    else:
        stored_text = await _postgres_text(app)
        for secret in ("zuleikha", "Zuleikha", "Farouqiya", "Marwaridovna", "Quxtest"):
            assert secret not in stored_text, secret


async def test_erasure_keeps_a_pseudonymous_tombstone_and_the_consent_record(app, client, people):
    worker = await people("yara", "youth_worker", ["DE"])
    karim = await join(client, worker, "karim")
    await karim.delete("/api/v1/me", json={"password": PASSWORD})
    async with app.state.test_db() as db:
        user = await db.get(User, karim.user["id"] if False else __import__("uuid").UUID(karim.id))
        events = list(await db.scalars(sa.select(ConsentEvent).where(ConsentEvent.user_id == user.id)))
    assert user.status == "erased"
    assert user.username is None and user.display_name is None and user.password_hash is None
    assert events and all(event.guardian_name is None for event in events)


async def test_an_erased_name_can_be_taken_by_someone_new(client, people):
    worker = await people("yara", "youth_worker", ["DE"])
    karim = await join(client, worker, "karim")
    await karim.delete("/api/v1/me", json={"password": PASSWORD})
    await join(client, worker, "karim")


async def test_erasure_is_audited_without_the_name(app, client, people):
    worker = await people("yara", "youth_worker", ["DE"])
    karim = await join(client, worker, "karim")
    await karim.delete("/api/v1/me", json={"password": PASSWORD})
    admin = await people("root", "admin")
    log = (await admin.get("/api/v1/audit", params={"kind": "account.erased"})).json()
    assert [event["actor_id"] for event in log["items"]] == [karim.id]
    assert "karim" not in (await admin.get("/api/v1/audit", params={"limit": 100})).text


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_me_needs_a_session(client, method):
    response = await client.request(method, "/api/v1/me")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
