"""Notifications in the app: the list, marking read, settings, and what notify() promises
to the domains that call it, tried from the attacker's side too."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from server.db import unit_of_work
from server.notifications.models import Notification
from server.notifications.service import notify
from server.push.models import PushMessage
from server.push.service import doorbell
from tests.conftest import PASSWORD
from tests.notes.conftest import note_body
from tests.push.conftest import outbox, subscribe

ALL_EVENTS = ["topic_reply", "post_approved", "post_hidden", "note_reviewed", "urgent_report"]


async def tell(app, *people, event="topic_reply", params=None, link="/#/forum"):
    async with unit_of_work(app.state.test_db) as db:
        await notify(
            db, recipient_ids=[uuid.UUID(p.id) for p in people], event=event, params=params, link=link
        )


async def listed(person, **params):
    response = await person.get("/api/v1/notifications", params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_review_notifies_the_author_in_the_app_with_a_title_and_a_link(people):
    author = await people("amina", "youth", ["DE"])
    reviewer = await people("yara", "youth_worker", ["DE"])
    note = note_body()
    await author.request("PUT", f"/api/v1/notes/{note['id']}", json=note)
    review = await reviewer.post(
        f"/api/v1/notes/{note['id']}/review", json={"decision": "request_changes", "comment": "Add the date"}
    )
    assert review.status_code == 200
    page = await listed(author)
    [item] = page["items"]
    assert item["event"] == "note_reviewed"
    assert item["title"] == "Your note was reviewed: please make some changes."
    assert item["link"] == f"/#/notes/{note['id']}"
    assert item["read"] is False
    assert item["created_at"].endswith(("Z", "+00:00"))
    assert page["unread"] == 1 and page["next_cursor"] is None
    # The reviewer is told nothing about their own review.
    assert (await listed(reviewer))["items"] == []


async def test_the_list_is_newest_first_and_walked_with_a_cursor(app, people):
    amina = await people("amina", "youth", ["DE"])
    for event in ("topic_reply", "post_approved", "post_hidden"):
        await tell(app, amina, event=event)
    first = await listed(amina, limit=2)
    assert [item["event"] for item in first["items"]] == ["post_hidden", "post_approved"]
    second = await listed(amina, limit=2, cursor=first["next_cursor"])
    assert [item["event"] for item in second["items"]] == ["topic_reply"]
    assert second["next_cursor"] is None
    bad = await amina.get("/api/v1/notifications", params={"cursor": "nonsense"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"


async def test_nobody_sees_or_marks_anyone_elses_notifications(app, people):
    amina = await people("amina", "youth", ["DE"])
    mallory = await people("mallory", "youth", ["DE"])
    await tell(app, amina)
    [hers] = (await listed(amina))["items"]
    assert (await listed(mallory))["items"] == []
    # Marking her notification read is answered as for one's own, and changes nothing.
    attempt = await mallory.post("/api/v1/notifications/read", json={"ids": [hers["id"]]})
    assert attempt.status_code == 204
    assert (await mallory.post("/api/v1/notifications/read", json={"all": True})).status_code == 204
    assert (await listed(amina))["items"][0]["read"] is False


async def test_marking_read_touches_the_ids_given_or_everything(app, people):
    amina = await people("amina", "youth", ["DE"])
    for _ in range(3):
        await tell(app, amina)
    items = (await listed(amina))["items"]
    assert (await amina.post("/api/v1/notifications/read", json={"ids": [items[0]["id"]]})).status_code == 204
    page = await listed(amina)
    assert [item["read"] for item in page["items"]] == [True, False, False] and page["unread"] == 2
    assert (await amina.post("/api/v1/notifications/read", json={"all": True})).status_code == 204
    page = await listed(amina)
    assert all(item["read"] for item in page["items"]) and page["unread"] == 0


@pytest.mark.parametrize(
    "body", [{"ids": ["not-a-uuid"]}, {"ids": [str(uuid.uuid4())] * 101}, {"ids": [], "extra": 1}]
)
async def test_a_bad_mark_read_request_is_refused(people, body):
    amina = await people("amina", "youth", ["DE"])
    response = await amina.post("/api/v1/notifications/read", json=body)
    assert response.status_code == 422
    assert response.json()["errors"]


async def test_every_event_is_on_by_default_and_urgent_reports_are_for_moderators(people):
    youth = await people("amina", "youth", ["DE"])
    worker = await people("yara", "youth_worker", ["DE"])
    researcher = await people("rosa", "researcher", ["DE"])
    admin = await people("ada", "admin", [])
    for person, events in (
        (youth, ["topic_reply", "post_approved", "post_hidden", "post_reaction", "note_reviewed"]),
        (worker, ["topic_reply", "post_approved", "post_hidden", "post_reaction", "urgent_report"]),
        # Researchers and admins write policy briefs: they hear when a quote leaves one.
        # Researchers also review each other's briefs when asked.
        (
            researcher,
            [
                "topic_reply",
                "post_approved",
                "post_hidden",
                "post_reaction",
                "brief_quote_removed",
                "brief_review_requested",
            ],
        ),
        (
            admin,
            [
                "topic_reply",
                "post_approved",
                "post_hidden",
                "post_reaction",
                "urgent_report",
                "brief_quote_removed",
            ],
        ),
    ):
        settings = (await person.get("/api/v1/me/notification-settings")).json()["events"]
        assert settings == [{"event": e, "in_app": True, "push": True} for e in events]


async def test_changing_one_setting_keeps_the_others(people):
    amina = await people("amina", "youth", ["DE"])
    change = {"events": [{"event": "topic_reply", "in_app": True, "push": False}]}
    response = await amina.request("PUT", "/api/v1/me/notification-settings", json=change)
    assert response.status_code == 200
    settings = {item["event"]: item for item in response.json()["events"]}
    assert settings["topic_reply"] == {"event": "topic_reply", "in_app": True, "push": False}
    assert settings["post_hidden"]["push"] is True
    again = {"events": [{"event": "topic_reply", "in_app": False, "push": True}]}
    await amina.request("PUT", "/api/v1/me/notification-settings", json=again)
    stored = (await amina.get("/api/v1/me/notification-settings")).json()["events"]
    assert stored[0] == {"event": "topic_reply", "in_app": False, "push": True}


@pytest.mark.parametrize(
    ("events", "field"),
    [
        ([{"event": "urgent_report", "in_app": False, "push": False}], "events[0].event"),
        ([{"event": "lottery_win", "in_app": False, "push": False}], "events[0].event"),
        ([{"event": "topic_reply", "in_app": "no", "push": False}], "events[0].in_app"),
        (
            [{"event": "topic_reply", "in_app": True, "push": False}] * 2,
            "events",
        ),
    ],
)
async def test_a_bad_settings_change_is_refused_and_nothing_changes(people, events, field):
    amina = await people("amina", "youth", ["DE"])
    response = await amina.request("PUT", "/api/v1/me/notification-settings", json={"events": events})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"].endswith(field)
    settings = (await amina.get("/api/v1/me/notification-settings")).json()["events"]
    assert all(item["in_app"] and item["push"] for item in settings)


async def test_notify_follows_each_recipients_choices(app, people, push_service):
    quiet = await people("quiet", "youth", ["DE"])
    listed_only = await people("listed", "youth", ["DE"])
    pushed_only = await people("pushed", "youth", ["DE"])
    everything = await people("everything", "youth", ["DE"])
    for person, in_app, push in (
        (quiet, False, False),
        (listed_only, True, False),
        (pushed_only, False, True),
    ):
        change = {"events": [{"event": "post_approved", "in_app": in_app, "push": push}]}
        assert (
            await person.request("PUT", "/api/v1/me/notification-settings", json=change)
        ).status_code == 200
    devices = {}
    for person in (quiet, listed_only, pushed_only, everything):
        devices[person.id] = push_service.new_device()
        await subscribe(person, devices[person.id])
    await tell(app, quiet, listed_only, pushed_only, everything, event="post_approved", link="/#/forum/t/1")
    in_list = {p.id for p in (quiet, listed_only, pushed_only, everything) if (await listed(p))["items"]}
    assert in_list == {listed_only.id, everything.id}
    async with app.state.test_db() as db:
        pushed_to = set(
            await db.scalars(sa.select(sa.func.cast(PushMessage.subscription_id, sa.String)).distinct())
        )
    assert len(pushed_to) == 2
    # The same notification id in the list and in the push message: the app's tag for both.
    [item] = (await listed(everything))["items"]
    assert item["id"] in {str(m.notification_id) for m in await outbox(app)}


async def test_an_urgent_report_reaches_moderators_only(app, people):
    worker = await people("yara", "youth_worker", ["DE"])
    youth = await people("amina", "youth", ["DE"])
    researcher = await people("rosa", "researcher", ["DE"])
    admin = await people("ada", "admin", ["DE"])
    await tell(app, worker, youth, researcher, admin, event="urgent_report", link="/#/moderation")
    assert len((await listed(worker))["items"]) == 1
    assert len((await listed(admin))["items"]) == 1
    assert (await listed(youth))["items"] == [] and (await listed(researcher))["items"] == []


async def test_notify_refuses_content_in_its_parameters_and_links_outside_the_app(app, people):
    amina = await people("amina", "youth", ["DE"])
    recipient = [uuid.UUID(amina.id)]
    async with app.state.test_db() as db:
        with pytest.raises(ValueError, match="no parameters"):
            await notify(
                db, recipient_ids=recipient, event="topic_reply", params={"body": "my secret"}, link="/"
            )
        with pytest.raises(ValueError, match="decision"):
            await notify(
                db, recipient_ids=recipient, event="note_reviewed", params={"decision": "x"}, link="/"
            )
        with pytest.raises(ValueError, match="path inside the app"):
            await notify(db, recipient_ids=recipient, event="topic_reply", link="https://evil.example/")
        with pytest.raises(ValueError, match="path inside the app"):
            await notify(db, recipient_ids=recipient, event="topic_reply", link="//evil.example/")
        with pytest.raises(ValueError, match="unknown"):
            await notify(db, recipient_ids=recipient, event="gossip", link="/")


class Abandoned(Exception):
    pass


async def test_a_rolled_back_change_notifies_nobody_and_wakes_no_push_worker(app, people, push_service):
    amina = await people("amina", "youth", ["DE"])
    await subscribe(amina, push_service.new_device())
    rings = doorbell.rings
    with pytest.raises(Abandoned):
        async with unit_of_work(app.state.test_db) as db:
            await notify(db, recipient_ids=[uuid.UUID(amina.id)], event="topic_reply", link="/#/forum")
            raise Abandoned
    assert (await listed(amina))["items"] == []
    assert await outbox(app) == []
    assert doorbell.rings == rings


async def test_erasure_takes_a_persons_notifications_and_settings_with_it(app, people):
    amina = await people("amina", "youth", ["DE"])
    change = {"events": [{"event": "topic_reply", "in_app": True, "push": False}]}
    await amina.request("PUT", "/api/v1/me/notification-settings", json=change)
    await tell(app, amina)
    assert (await amina.delete("/api/v1/me", json={"password": PASSWORD})).status_code == 204
    async with app.state.test_db() as db:
        assert (await db.scalar(sa.select(sa.func.count()).select_from(Notification))) == 0
    # Nobody erased is told anything any more.
    await tell(app, amina)
    async with app.state.test_db() as db:
        assert (await db.scalar(sa.select(sa.func.count()).select_from(Notification))) == 0
