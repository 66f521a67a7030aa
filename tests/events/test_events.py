"""Holding events: what a valid event is, who may hold one, who sees it, soonest first."""

from __future__ import annotations

from tests.events.conftest import event, hold


async def test_an_organiser_holds_an_event_that_members_of_the_platform_see(organiser, people):
    held = await hold(organiser)
    member = await people("amina", "youth", ["IT"])
    stakeholder = await people("ngo-rome", "stakeholder", ["IT"])

    for person in (member, stakeholder):
        response = await person.get(f"/api/v1/events/{held['id']}")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["title"] == "Local research and action workshop"
        assert body["time_zone"] == "Europe/Rome"
        assert body["capacity"] == 20
        assert (body["confirmed"], body["waitlisted"], body["my_registration"]) == (0, 0, None)


async def test_another_platforms_member_neither_sees_nor_lists_the_event(organiser, people):
    held = await hold(organiser)
    outsider = await people("sven", "youth_worker", ["SE"])

    assert (await outsider.get(f"/api/v1/events/{held['id']}")).status_code == 404
    assert (await outsider.get("/api/v1/events")).json()["items"] == []
    assert (await outsider.get("/api/v1/events?platform=IT")).status_code == 403


async def test_a_network_wide_event_is_for_admins_to_hold_and_for_everyone_to_see(organiser, people):
    refused = await organiser.post("/api/v1/events", json=event(platform=None, kind="conference"))
    assert refused.status_code == 403
    admin = await people("root", "admin")
    held = await hold(admin, platform=None, kind="conference", title="Closing conference")
    swede = await people("sven", "youth", ["SE"])

    listed = (await swede.get("/api/v1/events")).json()["items"]

    assert [item["id"] for item in listed] == [held["id"]]
    assert listed[0]["platform"] is None


async def test_an_organiser_cannot_hold_an_event_of_another_platform(organiser):
    response = await organiser.post("/api/v1/events", json=event(platform="SE"))
    assert response.status_code == 403


async def test_a_bad_time_zone_order_address_or_capacity_is_refused_by_field(organiser):
    response = await organiser.post(
        "/api/v1/events",
        json=event(
            time_zone="Europe/Atlantis",
            starts_at="2027-03-10T16:00:00Z",
            ends_at="2027-03-10T09:00:00Z",
            online_url="javascript:alert(1)",
        ),
    )
    assert response.status_code == 422
    assert {error["field"] for error in response.json()["errors"]} == {"time_zone", "ends_at", "online_url"}

    for body in (
        event(capacity=0),
        event(languages=["klingon"]),
        event(online_url="ftp://example.org/x"),
        event(starts_at="2027-03-10T09:00:00"),
    ):
        refused = await organiser.post("/api/v1/events", json=body)
        assert refused.status_code == 422, body


async def test_a_past_event_may_be_recorded_afterwards(organiser):
    held = await hold(organiser, starts_at="2025-05-02T08:00:00Z", ends_at="2025-05-02T12:00:00Z")
    assert held["starts_at"] == "2025-05-02T08:00:00Z"


async def test_events_are_listed_soonest_first_a_page_at_a_time_with_filters(organiser):
    later = await hold(organiser, starts_at="2027-05-01T09:00:00Z", ends_at="2027-05-01T10:00:00Z")
    sooner = await hold(organiser, starts_at="2027-04-01T09:00:00Z", ends_at="2027-04-01T10:00:00Z")
    group = await hold(
        organiser, kind="focus_group", starts_at="2027-04-15T09:00:00Z", ends_at="2027-04-15T10:00:00Z"
    )

    first = (await organiser.get("/api/v1/events?limit=2")).json()
    second = (await organiser.get(f"/api/v1/events?limit=2&cursor={first['next_cursor']}")).json()

    assert [item["id"] for item in first["items"] + second["items"]] == [
        sooner["id"],
        group["id"],
        later["id"],
    ]
    assert second["next_cursor"] is None
    kinds = (await organiser.get("/api/v1/events?kind=focus_group")).json()["items"]
    assert [item["id"] for item in kinds] == [group["id"]]
    window = (
        await organiser.get(
            "/api/v1/events", params={"from": "2027-04-10T00:00:00Z", "until": "2027-04-30T00:00:00Z"}
        )
    ).json()["items"]
    assert [item["id"] for item in window] == [group["id"]]
    assert (await organiser.get("/api/v1/events?from=2027-04-10T00:00:00")).status_code == 422


async def test_a_stale_edit_is_a_conflict_with_the_stored_event(organiser):
    held = await hold(organiser)
    first = await organiser.patch(f"/api/v1/events/{held['id']}", json={"version": 1, "title": "Workshop 1"})
    assert first.status_code == 200
    assert first.json()["version"] == 2

    stale = await organiser.patch(f"/api/v1/events/{held['id']}", json={"version": 1, "title": "Workshop A"})

    assert stale.status_code == 409
    assert stale.json()["type"] == "urn:tessera:problem:event-conflict"
    assert stale.json()["event"]["title"] == "Workshop 1"


async def test_an_edit_is_checked_as_the_event_would_be_stored(organiser):
    held = await hold(organiser)
    response = await organiser.patch(
        f"/api/v1/events/{held['id']}", json={"version": 1, "ends_at": "2027-03-10T08:00:00Z"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "ends_at"


async def test_members_and_stakeholders_cannot_change_an_event(organiser, people):
    held = await hold(organiser)
    for role in ("youth", "stakeholder"):
        person = await people(f"a-{role}", role, ["IT"])
        response = await person.patch(f"/api/v1/events/{held['id']}", json={"version": 1, "title": "Mine"})
        assert response.status_code == 403
    other = await people("sven", "researcher", ["SE"])
    assert (await other.patch(f"/api/v1/events/{held['id']}", json={"version": 1})).status_code == 404


async def test_an_event_of_a_platform_that_does_not_exist_is_refused(people):
    admin = await people("root", "admin")
    response = await admin.post("/api/v1/events", json=event(platform="XX"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "platform"
