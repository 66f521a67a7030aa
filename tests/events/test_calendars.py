"""Calendar files (RFC 5545) read back with icalendar, and the personal feed a calendar app
reads with its secret address alone."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import icalendar

from tests.events.conftest import hold


def parsed(response) -> icalendar.Calendar:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content)


async def test_an_event_as_a_calendar_file_in_its_own_time_zone(organiser):
    held = await hold(organiser, online_url="https://meet.example.org/workshop", title="Workshop, Roma; 1")

    calendar = parsed(await organiser.get(f"/api/v1/events/{held['id']}/calendar.ics"))

    assert calendar["version"] == "2.0"
    (event,) = calendar.walk("VEVENT")
    assert str(event["summary"]) == "Workshop, Roma; 1"
    assert str(event["uid"]) == f"{held['id']}@tessera"
    start = event.decoded("dtstart")
    assert start.tzinfo == zoneinfo.ZoneInfo("Europe/Rome")
    assert (start.hour, start.minute) == (10, 0)  # 09:00 UTC is 10:00 in Rome in March
    assert start == dt.datetime(2027, 3, 10, 9, tzinfo=dt.UTC)
    assert event.decoded("dtend") == dt.datetime(2027, 3, 10, 16, tzinfo=dt.UTC)
    assert str(event["location"]) == "Biblioteca Centrale, Roma"
    assert str(event["url"]) == "https://meet.example.org/workshop"
    assert [str(zone["tzid"]) for zone in calendar.walk("VTIMEZONE")] == ["Europe/Rome"]


async def test_a_title_with_a_line_break_makes_a_calendar_file_not_an_error(organiser):
    held = await hold(organiser, title="Workshop\r\nX-INJECTED:1")

    calendar = parsed(await organiser.get(f"/api/v1/events/{held['id']}/calendar.ics"))

    (event,) = calendar.walk("VEVENT")
    assert str(event["summary"]).splitlines() == ["Workshop", "X-INJECTED:1"]
    assert "X-INJECTED" not in calendar
    assert str(calendar["x-wr-calname"]) == "Workshop X-INJECTED:1"


async def test_the_platforms_calendar_holds_what_the_reader_may_see(organiser, people):
    ours = await hold(organiser)
    swede = await people("sven", "youth_worker", ["SE"])
    theirs = await hold(swede, platform="SE", time_zone="Europe/Stockholm", title="Malmö workshop")
    member = await people("amina", "youth", ["IT"])

    uids = [str(e["uid"]) for e in parsed(await member.get("/api/v1/events/calendar.ics")).walk("VEVENT")]

    assert uids == [f"{ours['id']}@tessera"]
    assert (await member.get("/api/v1/events/calendar.ics?platform=SE")).status_code == 403
    assert (await member.get(f"/api/v1/events/{theirs['id']}/calendar.ics")).status_code == 404


async def test_a_personal_feed_is_read_by_its_address_alone_until_revoked(client, organiser, people):
    held = await hold(organiser)
    member = await people("amina", "youth", ["IT"])

    made = await member.post("/api/v1/me/calendar-feed")
    assert made.status_code == 201, made.text
    url = made.json()["url"]
    path = url.removeprefix("http://127.0.0.1:8000")
    token = path.split("/")[4]
    assert len(token) >= 43  # 32 random bytes: 256 bits
    client.cookies.clear()
    feed = parsed(await client.get(path))
    assert [str(e["uid"]) for e in feed.walk("VEVENT")] == [f"{held['id']}@tessera"]

    renewed = (await member.post("/api/v1/me/calendar-feed")).json()["url"]
    assert (await client.get(path)).status_code == 404
    new_path = renewed.removeprefix("http://127.0.0.1:8000")
    assert (await client.get(new_path)).status_code == 200

    assert (await member.delete("/api/v1/me/calendar-feed")).status_code == 204
    assert (await client.get(new_path)).status_code == 404
    assert (await client.get("/api/v1/calendar-feeds/guessed/calendar.ics")).status_code == 404


async def test_only_a_hash_of_the_feed_token_is_stored(app, people):
    import sqlalchemy as sa

    from server.events.models import CalendarFeed

    member = await people("amina", "youth", ["IT"])
    url = (await member.post("/api/v1/me/calendar-feed")).json()["url"]
    token = url.split("/")[-2]
    async with app.state.test_db() as db:
        stored = list(await db.scalars(sa.select(CalendarFeed.token_hash)))
    assert len(stored) == 1
    assert token not in stored[0]
