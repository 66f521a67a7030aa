"""Resetting a forgotten password in person: a youth worker (for young people of their own
platforms) or an admin (for anyone) makes a one-time code, shown once; the person chooses a
new password with it, and every other session of theirs ends. Tried from the attacker's side:
another platform's youth worker, a young person, nobody, a used or expired code, guesses."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from server.accounts.models import PasswordResetCode
from server.accounts.service import RESET_CODE_MINUTES, RESET_CODES_PER_HOUR
from server.db import utcnow
from tests.conftest import PASSWORD, sign_in

NEW_PASSWORD = "the bridge over the river"
CODES = "/api/v1/password-reset-codes"
RESET = "/api/v1/auth/password-reset"


async def reset_code(staff, username: str):
    return await staff.post(CODES, json={"username": username})


async def reset(client, username: str, code: str, new_password: str = NEW_PASSWORD):
    client.cookies.clear()
    return await client.post(RESET, json={"username": username, "code": code, "new_password": new_password})


async def test_a_youth_worker_hands_over_a_code_and_the_person_chooses_a_new_password(app, client, people):
    worker = await people("yara", "youth_worker", ["DE"])
    amina = await people("amina", "youth", ["DE"])
    made = await reset_code(worker, "Amina")
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["username"] == "amina"
    expires = dt.datetime.fromisoformat(body["expires_at"])
    assert (
        dt.timedelta(minutes=RESET_CODE_MINUTES - 1)
        < expires - utcnow()
        <= dt.timedelta(minutes=RESET_CODE_MINUTES)
    )
    # Only its hash is kept.
    async with app.state.test_db() as db:
        stored = list(await db.scalars(sa.select(PasswordResetCode.code_hash)))
    assert body["code"] not in stored and len(stored) == 1

    answered = await reset(client, "amina", body["code"].lower())
    assert answered.status_code == 204, answered.text
    # Every session that was open ends; the new password signs in, the old one does not.
    assert (await amina.get("/api/v1/me")).status_code == 401
    await sign_in(client, "amina", NEW_PASSWORD)
    client.cookies.clear()
    old = await client.post("/api/v1/auth/login", json={"username": "amina", "password": PASSWORD})
    assert old.status_code == 401

    log = (await (await people("root", "admin")).get("/api/v1/audit", params={"limit": 100})).json()["items"]
    kinds = {event["kind"]: event for event in log}
    assert kinds["password_reset_code.created"]["actor_id"] == worker.id
    assert kinds["password_reset_code.created"]["subject_id"] == amina.id
    assert kinds["password.reset"]["actor_id"] == amina.id


async def test_a_code_works_once(client, people):
    worker = await people("yara", "youth_worker", ["DE"])
    await people("amina", "youth", ["DE"])
    code = (await reset_code(worker, "amina")).json()["code"]
    assert (await reset(client, "amina", code)).status_code == 204
    again = await reset(client, "amina", code, "someone else's password now")
    assert again.status_code == 422
    await sign_in(client, "amina", NEW_PASSWORD)


async def test_an_expired_code_or_one_replaced_by_a_newer_code_does_nothing(app, client, people):
    worker = await people("yara", "youth_worker", ["DE"])
    await people("amina", "youth", ["DE"])
    first = (await reset_code(worker, "amina")).json()["code"]
    second = (await reset_code(worker, "amina")).json()["code"]
    assert (await reset(client, "amina", first)).status_code == 422
    async with app.state.test_db() as db:
        await db.execute(sa.update(PasswordResetCode).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
        await db.commit()
    expired = await reset(client, "amina", second)
    assert expired.status_code == 422
    await sign_in(client, "amina", PASSWORD)


async def test_a_wrong_code_and_an_unknown_name_are_answered_alike(client, people):
    worker = await people("yara", "youth_worker", ["DE"])
    await people("amina", "youth", ["DE"])
    code = (await reset_code(worker, "amina")).json()["code"]
    wrong_code = await reset(client, "amina", "ABCDEFGHJKMN")
    wrong_name = await reset(client, "nobody-here", code)
    other_name = await reset(client, "yara", code)
    assert wrong_code.status_code == wrong_name.status_code == other_name.status_code == 422
    assert wrong_code.json() == wrong_name.json() == other_name.json()
    await sign_in(client, "amina", PASSWORD)


async def test_guessing_codes_is_throttled_like_signing_in(app, client, people):
    await people("amina", "youth", ["DE"])
    limit = app.state.settings.login_failures_per_account
    answers = [(await reset(client, "amina", f"GUESS{n:07d}")).status_code for n in range(limit + 1)]
    assert answers[:limit] == [422] * limit
    assert answers[limit] == 429


async def test_a_youth_worker_of_another_platform_cannot_reset_and_learns_nothing(people):
    italy = await people("giulia", "youth_worker", ["IT"])
    await people("amina", "youth", ["DE"])
    refused = await reset_code(italy, "amina")
    unknown = await reset_code(italy, "nobody-here")
    assert refused.status_code == unknown.status_code == 404
    assert refused.json() == unknown.json()


async def test_a_youth_worker_cannot_reset_staff_but_an_admin_resets_anyone(client, people):
    worker = await people("yara", "youth_worker", ["DE"])
    await people("rosa", "researcher", ["DE"])
    await people("kim", "youth_worker", ["DE"])
    assert (await reset_code(worker, "rosa")).status_code == 404
    assert (await reset_code(worker, "kim")).status_code == 404
    admin = await people("root", "admin")
    code = (await reset_code(admin, "kim")).json()["code"]
    assert (await reset(client, "kim", code)).status_code == 204


async def test_young_people_researchers_and_nobody_cannot_make_codes(client, people):
    amina = await people("amina", "youth", ["DE"])
    await people("karim", "youth", ["DE"])
    rosa = await people("rosa", "researcher", ["DE"])
    assert (await reset_code(amina, "karim")).status_code == 403
    assert (await reset_code(rosa, "karim")).status_code == 403
    client.cookies.clear()
    assert (await client.post(CODES, json={"username": "karim"})).status_code == 401


async def test_a_youth_worker_makes_a_limited_number_of_codes_an_hour(people):
    worker = await people("yara", "youth_worker", ["DE"])
    await people("amina", "youth", ["DE"])
    answers = [(await reset_code(worker, "amina")).status_code for _ in range(RESET_CODES_PER_HOUR + 1)]
    assert answers[:RESET_CODES_PER_HOUR] == [201] * RESET_CODES_PER_HOUR
    assert answers[-1] == 429
