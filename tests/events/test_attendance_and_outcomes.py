"""Attendance (at the door with a QR code, or afterwards) written to the directory once, and
what came out of an event: findings, recommendations and follow-on actions."""

from __future__ import annotations

import re
import uuid

import sqlalchemy as sa

from server.events import calendars
from server.events.models import Registration
from tests.events.conftest import hold, register, registrations
from tests.stakeholders.conftest import add


async def entry_engagements(person, entry_id: str) -> list[dict]:
    response = await person.get(f"/api/v1/stakeholders/{entry_id}")
    assert response.status_code == 200, response.text
    return response.json()["engagements"]  # type: ignore[no-any-return]


async def test_attendance_writes_one_engagement_of_the_events_kind_to_the_directory(organiser):
    held = await hold(
        organiser, kind="focus_group", starts_at="2025-06-01T08:00:00Z", ends_at="2025-06-01T10:00:00Z"
    )
    entry = await add(organiser)
    linked = await register(organiser, held["id"], name="Giulia Rossi", stakeholder_id=entry["id"])
    other = await register(organiser, held["id"], name="Walk-in")

    first = await organiser.post(
        f"/api/v1/events/{held['id']}/attendance", json={"registration_ids": [linked["id"], other["id"]]}
    )
    again = await organiser.post(
        f"/api/v1/events/{held['id']}/attendance", json={"registration_ids": [linked["id"]]}
    )

    assert first.status_code == 200, first.text
    assert first.json() == {"marked": 2}
    assert again.json() == {"marked": 0}
    engagements = await entry_engagements(organiser, entry["id"])
    assert [(e["kind"], e["event_id"], e["at"]) for e in engagements] == [
        ("focus_group", held["id"], "2025-06-01T08:00:00Z")
    ]
    assert all(item["attended"] for item in await registrations(organiser, held["id"]))


async def test_a_meeting_is_an_other_engagement(organiser):
    held = await hold(organiser, kind="meeting")
    entry = await add(organiser)
    linked = await register(organiser, held["id"], name="Giulia Rossi", stakeholder_id=entry["id"])
    await organiser.post(f"/api/v1/events/{held['id']}/attendance", json={"registration_ids": [linked["id"]]})
    assert [e["kind"] for e in await entry_engagements(organiser, entry["id"])] == ["other"]


async def test_attendance_of_a_registration_of_another_event_is_refused_by_field(organiser):
    one, two = await hold(organiser), await hold(organiser)
    theirs = await register(organiser, two["id"], name="Elsewhere")
    response = await organiser.post(
        f"/api/v1/events/{one['id']}/attendance", json={"registration_ids": [theirs["id"]]}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "registration_ids[0]"
    assert not (await registrations(organiser, two["id"]))[0]["attended"]


async def test_the_qr_code_is_the_persons_and_its_token_checks_them_in(app, organiser, people):
    held = await hold(organiser)
    member = await people("amina", "youth", ["IT"])
    omar = await people("omar", "youth", ["IT"])
    hers = await register(member, held["id"])
    path = f"/api/v1/events/{held['id']}/registrations/{hers['id']}/qr.svg"

    shown = await member.get(path)

    assert shown.status_code == 200
    assert shown.headers["content-type"].startswith("image/svg+xml")
    token = await check_in_token(app, hers["id"])
    # The code is the one of the app's check-in address for this registration, token and all.
    url = f"http://127.0.0.1:8000/#/check-in/{held['id']}/{token}"
    assert shown.content == calendars.qr_code_svg(url, "Check-in code")
    assert (await organiser.get(path)).status_code == 200
    assert (await omar.get(path)).status_code == 404

    by_member = await member.post(f"/api/v1/events/{held['id']}/check-in", json={"token": token})
    checked = await organiser.post(f"/api/v1/events/{held['id']}/check-in", json={"token": token})
    wrong = await organiser.post(f"/api/v1/events/{held['id']}/check-in", json={"token": "guessed"})

    assert by_member.status_code == 403
    assert checked.status_code == 200, checked.text
    assert (checked.json()["id"], checked.json()["attended"]) == (hers["id"], True)
    assert wrong.status_code == 404


async def check_in_token(app, registration_id: str) -> str:
    async with app.state.test_db() as db:
        token = await db.scalar(
            sa.select(Registration.check_in_token).where(Registration.id == uuid.UUID(registration_id))
        )
    # At least 128 bits: 24 random bytes in URL-safe base64.
    assert token is not None and re.fullmatch(r"[\w-]{32}", token)
    return token


async def test_outcomes_and_actions_with_their_status(organiser, people):
    held = await hold(organiser)
    finding = await organiser.post(
        f"/api/v1/events/{held['id']}/outcomes",
        json={"kind": "finding", "text": "Young people do not know the services.", "language": "en"},
    )
    action = await organiser.post(
        f"/api/v1/events/{held['id']}/outcomes",
        json={
            "kind": "action",
            "text": "Map the services of Roma Est",
            "language": "it",
            "owner": "Comune",
            "due": "2027-06-30",
        },
    )
    assert finding.status_code == 201 and action.status_code == 201, action.text
    assert finding.json()["status"] is None
    assert action.json()["status"] == "planned"
    assert action.json()["due"] == "2027-06-30"

    stakeholder = await people("ngo-rome", "stakeholder", ["IT"])
    listed = (await stakeholder.get("/api/v1/actions?platform=IT")).json()["items"]
    assert [(item["id"], item["platform"], item["status"]) for item in listed] == [
        (action.json()["id"], "IT", "planned")
    ]
    assert (
        await stakeholder.patch(f"/api/v1/actions/{action.json()['id']}", json={"status": "done"})
    ).status_code == 403

    changed = await organiser.patch(f"/api/v1/actions/{action.json()['id']}", json={"status": "in_progress"})
    assert changed.status_code == 200
    assert changed.json()["status"] == "in_progress"
    assert (await organiser.get("/api/v1/actions?status=planned")).json()["items"] == []
    assert (
        await organiser.patch(f"/api/v1/actions/{finding.json()['id']}", json={"status": "done"})
    ).status_code == 404
    outcomes = (await stakeholder.get(f"/api/v1/events/{held['id']}/outcomes")).json()["items"]
    assert [item["kind"] for item in outcomes] == ["finding", "action"]


async def test_another_platform_reads_and_changes_no_action(organiser, people):
    held = await hold(organiser)
    action = (
        await organiser.post(
            f"/api/v1/events/{held['id']}/outcomes",
            json={"kind": "action", "text": "Follow up", "language": "it"},
        )
    ).json()
    for role in ("youth_worker", "stakeholder"):
        outsider = await people(f"se-{role}", role, ["SE"])
        assert (await outsider.get("/api/v1/actions")).json()["items"] == []
        assert (await outsider.get("/api/v1/actions?platform=IT")).status_code == 403
    swede = await people("sven", "researcher", ["SE"])
    assert (await swede.patch(f"/api/v1/actions/{action['id']}", json={"status": "done"})).status_code == 404
    youth = await people("amina", "youth", ["IT"])
    assert (await youth.get("/api/v1/actions")).status_code == 403
