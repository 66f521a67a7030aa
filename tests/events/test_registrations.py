"""Registration: one per member and event, a waiting list that never over-books however many
arrive at once, cancellation that moves it up, and registrations seen only by whom they concern."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from server.events import service
from tests.accounts.test_last_admin import served, session_headers
from tests.conftest import create_person
from tests.events.conftest import event, hold, register, registrations
from tests.stakeholders.conftest import add


async def test_fifty_registrations_at_once_for_twenty_places_confirm_exactly_twenty(app, monkeypatch):
    names = [f"member-{number:02d}" for number in range(50)]
    await create_person(app, "organiser", "youth_worker", ["IT"])
    for name in names:
        await create_person(app, name, "youth", ["IT"])
    # Every request is past signing in and waits until all fifty have arrived: the race at its tightest.
    all_arrived = asyncio.Barrier(len(names))
    register_now = service.register

    async def register_once_all_arrived(*args: Any, **kwargs: Any) -> Any:
        async with asyncio.timeout(30):
            await all_arrived.wait()
        return await register_now(*args, **kwargs)

    monkeypatch.setattr(service, "register", register_once_all_arrived)
    # The app on the test's own loop (Litestar's test client answers one request at a time).
    async with served(app) as client:
        organiser = await session_headers(client, "organiser")
        held = await client.post("/api/v1/events", json=event(capacity=20), headers=organiser)
        assert held.status_code == 201, held.text
        event_id = held.json()["id"]
        sessions = [await session_headers(client, name) for name in names]
        answers = await asyncio.gather(
            *(
                client.post(f"/api/v1/events/{event_id}/registrations", json={}, headers=headers)
                for headers in sessions
            )
        )
        listed = (
            await client.get(f"/api/v1/events/{event_id}/registrations?limit=100", headers=organiser)
        ).json()
        summary = (await client.get(f"/api/v1/events/{event_id}", headers=organiser)).json()

    assert [answer.status_code for answer in answers] == [201] * 50, [
        a.text for a in answers if a.status_code != 201
    ]
    statuses = [answer.json()["status"] for answer in answers]
    assert statuses.count("confirmed") == 20
    assert statuses.count("waitlisted") == 30
    assert sorted(answer.json()["position"] for answer in answers if answer.json()["position"]) == list(
        range(1, 31)
    )
    items = listed["items"]
    assert [item["status"] for item in items] == ["confirmed"] * 20 + ["waitlisted"] * 30
    assert [item["position"] for item in items[20:]] == list(range(1, 31))
    assert (summary["confirmed"], summary["waitlisted"]) == (20, 30)


async def test_a_member_registers_themself_once_under_their_own_name(organiser, people):
    held = await hold(organiser)
    member = await people("amina", "youth", ["IT"], display_name="Amina K")

    first = await register(member, held["id"], name="Someone Else", email="amina@example.org")
    again = await member.post(f"/api/v1/events/{held['id']}/registrations", json={})

    assert first["status"] == "confirmed"
    assert first["name"] == "Amina K"
    assert again.status_code == 409
    assert again.json()["type"] == "urn:tessera:problem:already-registered"
    assert again.json()["registration"]["id"] == first["id"]
    mine = (await member.get(f"/api/v1/events/{held['id']}")).json()["my_registration"]
    assert mine == {
        "id": first["id"],
        "status": "confirmed",
        "position": None,
        "check_in_code": first["check_in_code"],
    }


async def test_organisers_register_as_many_named_people_as_they_like(organiser):
    held = await hold(organiser, capacity=2)
    for name in ("Giulia Rossi", "Marco Bianchi", "Sara Neri"):
        await register(organiser, held["id"], name=name, organisation="Comune di Roma", country="IT")

    listed = await registrations(organiser, held["id"])

    assert [(item["name"], item["status"], item["position"]) for item in listed] == [
        ("Giulia Rossi", "confirmed", None),
        ("Marco Bianchi", "confirmed", None),
        ("Sara Neri", "waitlisted", 1),
    ]
    assert listed[0]["organisation"] == "Comune di Roma"
    assert listed[0]["attended"] is False


async def test_cancelling_moves_the_first_waiting_person_up(organiser, people):
    held = await hold(organiser, capacity=1)
    first = await register(organiser, held["id"], name="First")
    await register(organiser, held["id"], name="Second")
    await register(organiser, held["id"], name="Third")

    response = await organiser.delete(f"/api/v1/events/{held['id']}/registrations/{first['id']}")

    assert response.status_code == 204
    listed = await registrations(organiser, held["id"])
    assert [(item["name"], item["status"], item["position"]) for item in listed] == [
        ("Second", "confirmed", None),
        ("Third", "waitlisted", 1),
    ]


async def test_a_member_cancels_their_own_registration_and_nobody_elses(organiser, people):
    held = await hold(organiser)
    amina = await people("amina", "youth", ["IT"])
    omar = await people("omar", "youth", ["IT"])
    hers = await register(amina, held["id"])
    his = await register(omar, held["id"])

    assert (await amina.delete(f"/api/v1/events/{held['id']}/registrations/{his['id']}")).status_code == 404
    assert (await amina.delete(f"/api/v1/events/{held['id']}/registrations/{hers['id']}")).status_code == 204
    assert [item["id"] for item in await registrations(organiser, held["id"])] == [his["id"]]


async def test_more_places_go_to_the_waiting_list_first_come_first(organiser):
    held = await hold(organiser, capacity=1)
    for name in ("A", "B", "C"):
        await register(organiser, held["id"], name=name)

    response = await organiser.patch(f"/api/v1/events/{held['id']}", json={"version": 1, "capacity": 2})

    assert response.json()["confirmed"] == 2
    listed = await registrations(organiser, held["id"])
    assert [(item["name"], item["status"]) for item in listed] == [
        ("A", "confirmed"),
        ("B", "confirmed"),
        ("C", "waitlisted"),
    ]


async def test_a_directory_entry_of_another_platform_cannot_be_linked(organiser, people):
    held = await hold(organiser)
    swede = await people("sven", "youth_worker", ["SE"])
    theirs = await add(swede, platform="SE", organisation="Malmö stad")
    ours = await add(organiser)

    refused = await organiser.post(
        f"/api/v1/events/{held['id']}/registrations", json={"name": "X", "stakeholder_id": theirs["id"]}
    )
    unknown = await organiser.post(
        f"/api/v1/events/{held['id']}/registrations", json={"name": "X", "stakeholder_id": str(uuid.uuid4())}
    )
    linked = await register(organiser, held["id"], name="Giulia Rossi", stakeholder_id=ours["id"])

    for response in (refused, unknown):
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "stakeholder_id"
    assert linked["stakeholder_id"] == ours["id"]


async def test_a_bad_email_or_country_is_refused(organiser):
    held = await hold(organiser)
    for body in ({"name": "X", "email": "not an address"}, {"name": "X", "country": "Italy"}):
        response = await organiser.post(f"/api/v1/events/{held['id']}/registrations", json=body)
        assert response.status_code == 422, body
