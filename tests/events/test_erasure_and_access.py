"""Registrations are personal data: only the event's organisers and the person see them, and
erasure of an account takes the person's registrations with it. Every event route from the
attacker's side: another platform's staff, a stakeholder, a young person, nobody signed in,
and a researcher's read-only token."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from server.accounts.models import User
from server.events.models import CalendarFeed
from tests.conftest import PASSWORD
from tests.events.conftest import event, hold, register, registrations
from tests.test_access_control import token_for


async def test_erasure_frees_the_persons_place_for_the_waiting_list(organiser, people):
    held = await hold(organiser, capacity=1)
    member = await people("amina", "youth", ["IT"], display_name="Amina K")
    await register(member, held["id"], email="amina@example.org")
    await register(organiser, held["id"], name="Waiting")
    calendar = (await member.post("/api/v1/me/calendar-feed")).json()["url"]

    assert (await member.delete("/api/v1/me", json={"password": PASSWORD})).status_code == 204

    listed = await registrations(organiser, held["id"])
    assert [(item["name"], item["status"]) for item in listed] == [("Waiting", "confirmed")]
    assert "amina" not in str(listed).lower()
    assert (await organiser.get(calendar.removeprefix("http://127.0.0.1:8000"))).status_code == 404


async def test_erasure_keeps_an_attendance_without_the_person(organiser, people):
    held = await hold(organiser, starts_at="2025-01-10T09:00:00Z", ends_at="2025-01-10T12:00:00Z")
    member = await people("amina", "youth", ["IT"], display_name="Amina K")
    hers = await register(
        member, held["id"], email="amina@example.org", organisation="Scuola", needs="Step-free access"
    )
    await organiser.post(f"/api/v1/events/{held['id']}/attendance", json={"registration_ids": [hers["id"]]})

    assert (await member.delete("/api/v1/me", json={"password": PASSWORD})).status_code == 204

    (kept,) = await registrations(organiser, held["id"])
    assert kept["attended"] is True
    assert [kept[name] for name in ("name", "email", "organisation", "country", "needs")] == [None] * 5


async def test_the_personal_data_export_lists_the_persons_registrations(organiser, people):
    held = await hold(organiser)
    member = await people("amina", "youth", ["IT"])
    await register(member, held["id"], needs="Vegetarian")

    data = (await member.get("/api/v1/me/data")).json()

    assert [(r["event_id"], r["needs"], r["status"]) for r in data["event_registrations"]] == [
        (held["id"], "Vegetarian", "confirmed")
    ]


def routes_of(event_id: str, registration_id: str) -> list[tuple[str, str, dict | None]]:
    """Every route that concerns one event, as an attacker would try it."""
    return [
        ("GET", f"/api/v1/events/{event_id}", None),
        ("PATCH", f"/api/v1/events/{event_id}", {"version": 1, "title": "Taken over"}),
        ("GET", f"/api/v1/events/{event_id}/calendar.ics", None),
        ("POST", f"/api/v1/events/{event_id}/registrations", {"name": "Intruder"}),
        ("GET", f"/api/v1/events/{event_id}/registrations", None),
        ("DELETE", f"/api/v1/events/{event_id}/registrations/{registration_id}", None),
        ("GET", f"/api/v1/events/{event_id}/registrations/{registration_id}/qr.svg", None),
        ("POST", f"/api/v1/events/{event_id}/attendance", {"registration_ids": [registration_id]}),
        ("POST", f"/api/v1/events/{event_id}/check-in", {"token": "x"}),
        ("POST", f"/api/v1/events/{event_id}/outcomes", {"kind": "finding", "text": "x", "language": "en"}),
        ("GET", f"/api/v1/events/{event_id}/outcomes", None),
    ]


async def assert_untouched(organiser, held, registration) -> None:
    listed = await registrations(organiser, held["id"])
    assert [(item["id"], item["attended"]) for item in listed] == [(registration["id"], False)]
    stored = (await organiser.get(f"/api/v1/events/{held['id']}")).json()
    assert (stored["title"], stored["version"]) == (held["title"], 1)


async def test_another_platforms_staff_neither_read_nor_change_anything_of_the_event(organiser, people):
    held = await hold(organiser)
    giulia = await register(organiser, held["id"], name="Giulia Rossi", email="giulia@example.org")
    for role in ("youth_worker", "researcher", "stakeholder", "youth"):
        outsider = await people(f"se-{role.replace('_', '-')}", role, ["SE"])
        for method, path, body in routes_of(held["id"], giulia["id"]):
            response = await outsider.request(method, path, json=body)
            # Staff of elsewhere learn that there is no such event; other roles are refused
            # the organisers' routes by role before anything is looked up.
            expected = {404} if role in {"youth_worker", "researcher"} else {403, 404}
            assert response.status_code in expected, (role, method, path, response.status_code)
            assert "Giulia" not in response.text
    await assert_untouched(organiser, held, giulia)


async def test_a_stakeholder_and_a_young_person_of_the_platform_see_no_one_elses_registration(
    organiser, people
):
    held = await hold(organiser)
    giulia = await register(organiser, held["id"], name="Giulia Rossi", email="giulia@example.org")
    for role in ("stakeholder", "youth"):
        member = await people(f"it-{role}", role, ["IT"])
        assert (await member.get(f"/api/v1/events/{held['id']}/registrations")).status_code == 403
        assert (
            await member.get(f"/api/v1/events/{held['id']}/registrations/{giulia['id']}/qr.svg")
        ).status_code == 404
        assert (
            await member.delete(f"/api/v1/events/{held['id']}/registrations/{giulia['id']}")
        ).status_code == 404
        for method, path, body in [
            ("PATCH", f"/api/v1/events/{held['id']}", {"version": 1, "title": "Taken over"}),
            ("POST", f"/api/v1/events/{held['id']}/attendance", {"registration_ids": [giulia["id"]]}),
            (
                "POST",
                f"/api/v1/events/{held['id']}/outcomes",
                {"kind": "finding", "text": "x", "language": "en"},
            ),
            ("POST", "/api/v1/events", event()),
        ]:
            assert (await member.request(method, path, json=body)).status_code == 403, (role, path)
        # Their own registration does not name the person staff registered.
        mine = await register(member, held["id"], name="Giulia Rossi")
        assert mine["name"] != "Giulia Rossi"
        assert (
            await member.delete(f"/api/v1/events/{held['id']}/registrations/{mine['id']}")
        ).status_code == 204
    await assert_untouched(organiser, held, giulia)


async def test_nobody_signed_in_reads_or_changes_nothing(client, organiser):
    held = await hold(organiser)
    giulia = await register(organiser, held["id"], name="Giulia Rossi")
    client.cookies.clear()
    for method, path, body in [*routes_of(held["id"], giulia["id"]), ("GET", "/api/v1/events", None)]:
        response = await client.request(method, path, json=body)
        assert response.status_code == 401, (method, path)
    await assert_untouched(organiser, held, giulia)


async def test_a_researchers_token_reads_only_its_own_platforms_and_writes_nothing(
    app, client, organiser, people
):
    held = await hold(organiser)
    giulia = await register(organiser, held["id"], name="Giulia Rossi")
    swede = await people("sven", "researcher", ["SE"])
    italian = await people("luca", "researcher", ["IT"])
    theirs = {"Authorization": f"Bearer {await token_for(app, swede)}"}
    ours = {"Authorization": f"Bearer {await token_for(app, italian)}"}
    client.cookies.clear()

    for method, path, body in routes_of(held["id"], giulia["id"]):
        response = await client.request(method, path, json=body, headers=theirs)
        assert response.status_code == (404 if method == "GET" else 403), (method, path)
        if method != "GET":
            response = await client.request(method, path, json=body, headers=ours)
            assert response.json()["type"] == "urn:tessera:problem:token-read-only", (method, path)
    assert (await client.get(f"/api/v1/events/{held['id']}/registrations", headers=ours)).status_code == 200
    await assert_untouched(organiser, held, giulia)


async def test_the_erased_persons_account_row_keeps_no_feed(app, people):
    member = await people("amina", "youth", ["IT"])
    await member.post("/api/v1/me/calendar-feed")
    await member.delete("/api/v1/me", json={"password": PASSWORD})
    async with app.state.test_db() as db:
        assert await db.scalar(sa.select(sa.func.count()).select_from(CalendarFeed)) == 0
        assert (await db.get(User, uuid.UUID(member.id))).is_erased


async def test_erasing_a_directory_person_takes_their_name_from_their_registrations(organiser):
    held = await hold(organiser)
    entry = (
        await organiser.post(
            "/api/v1/stakeholders",
            json={
                "platform": "IT",
                "organisation": "Comune di Roma",
                "person_name": "Giulia Rossi",
                "sector": "public_authority",
                "level": "local",
                "contact_basis": "consent",
            },
        )
    ).json()
    await register(
        organiser, held["id"], name="Giulia Rossi", email="giulia@example.org", stakeholder_id=entry["id"]
    )

    assert (await organiser.post(f"/api/v1/stakeholders/{entry['id']}/erasure")).status_code == 200

    (kept,) = await registrations(organiser, held["id"])
    assert [kept[name] for name in ("name", "email", "stakeholder_id")] == [None, None, None]
