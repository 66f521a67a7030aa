"""Reports: three members hide a post, a safety report is urgent, nobody reports twice or themselves."""

from __future__ import annotations

import pytest

from tests.forum.conftest import category_id, decide, start_topic


@pytest.fixture
def app(make_app):
    return make_app(forum_posts_before_trust=0, forum_reports_to_hide=3)


async def report(person, post_id, reason="bullying"):
    return await person.post(f"/api/v1/forum/posts/{post_id}/flags", json={"reason": reason})


async def test_three_reports_from_different_members_hide_the_post_until_reviewed(
    member, people, youth_worker
):
    category = await category_id(member, "DE")
    created = await start_topic(member, category, body="You are all stupid")
    reporters = [await people(name, "youth", ["DE"]) for name in ("leila", "omar", "sara")]

    first, second = (
        await report(reporters[0], created["first_post_id"]),
        await report(reporters[1], created["first_post_id"], "hate"),
    )
    assert (first.json()["post_hidden"], second.json()["post_hidden"]) == (False, False)
    assert (await reporters[2].get(f"/api/v1/forum/topics/{created['id']}")).status_code == 200
    third = await report(reporters[2], created["first_post_id"])

    assert third.json()["post_hidden"] is True
    assert (await reporters[2].get(f"/api/v1/forum/topics/{created['id']}")).status_code == 404
    queue = (await youth_worker.get("/api/v1/moderation/queue")).json()["items"]
    assert [(item["post"]["held_for"], item["reports"]) for item in queue] == [
        ("reports", [{"reason": "bullying", "count": 2}, {"reason": "hate", "count": 1}])
    ]


async def test_reporting_ones_own_post_or_the_same_post_twice_is_refused(member, people):
    category = await category_id(member, "DE")
    created = await start_topic(member, category)
    own = await report(member, created["first_post_id"])
    assert own.status_code == 422

    other = await people("leila", "youth", ["DE"])
    assert (await report(other, created["first_post_id"])).status_code == 201
    twice = await report(other, created["first_post_id"], "spam")
    assert twice.status_code == 409
    assert twice.json()["type"] == "urn:tessera:problem:duplicate-report"


async def test_a_safety_report_reaches_the_platforms_youth_workers_at_once(member, people, youth_worker):
    elsewhere = await people("marco", "youth_worker", ["IT"])
    category = await category_id(member, "DE")
    created = await start_topic(member, category, body="I don't want to live any more")
    friend = await people("leila", "youth", ["DE"])

    response = await report(friend, created["first_post_id"], "safety")

    assert response.json()["urgent"] is True
    alerts = (await youth_worker.get("/api/v1/notifications")).json()["items"]
    assert [alert["link"] for alert in alerts] == ["/#/moderation"]
    assert (await elsewhere.get("/api/v1/notifications")).json()["items"] == []
    urgent = (await youth_worker.get("/api/v1/moderation/queue?urgent=true")).json()["items"]
    assert [item["urgent"] for item in urgent] == [True]


async def test_reporting_a_post_one_cannot_see_is_not_found(member, people):
    italian = await people("giulia", "youth", ["IT"])
    created = await start_topic(italian, await category_id(italian, "IT"))
    assert (await report(member, created["first_post_id"])).status_code == 404


async def test_a_blocked_member_disappears_from_the_blockers_forum(member, people):
    category = await category_id(member, "DE")
    bully = await people("bully", "youth", ["DE"])
    created = await start_topic(bully, category)
    await start_topic(member, category)

    blocked = await member.post("/api/v1/forum/blocks", json={"user_id": bully.id})
    assert blocked.status_code == 204
    assert (await member.post("/api/v1/forum/blocks", json={"user_id": bully.id})).status_code == 204

    listed = (await member.get(f"/api/v1/forum/topics?category={category}")).json()["items"]
    assert bully.id not in [topic["author"]["id"] for topic in listed]
    assert (await member.get(f"/api/v1/forum/topics/{created['id']}")).status_code == 404
    assert [b["user_id"] for b in (await member.get("/api/v1/forum/blocks")).json()["items"]] == [bully.id]

    await member.delete(f"/api/v1/forum/blocks/{bully.id}")
    assert (await member.get(f"/api/v1/forum/topics/{created['id']}")).status_code == 200


async def test_replies_of_a_blocked_member_neither_show_nor_notify(member, people):
    category = await category_id(member, "DE")
    created = await start_topic(member, category)
    bully = await people("bully", "youth", ["DE"])
    await member.post("/api/v1/forum/blocks", json={"user_id": bully.id})
    await bully.post(f"/api/v1/forum/topics/{created['id']}/posts", json={"body": "Go away"})
    topic = (await member.get(f"/api/v1/forum/topics/{created['id']}")).json()
    assert [post["author"]["id"] for post in topic["posts"]["items"]] == [member.id]
    assert (await member.get("/api/v1/notifications")).json()["items"] == []


async def test_youth_workers_and_oneself_cannot_be_blocked(member, youth_worker):
    assert (await member.post("/api/v1/forum/blocks", json={"user_id": youth_worker.id})).status_code == 422
    assert (await member.post("/api/v1/forum/blocks", json={"user_id": member.id})).status_code == 422


async def test_the_youth_worker_reads_what_the_reporter_wrote_but_not_who_they_are(
    member, people, youth_worker
):
    created = await start_topic(member, await category_id(member, "DE"), body="See you at the station")
    friend = await people("leila", "youth", ["DE"])
    await friend.post(
        f"/api/v1/forum/posts/{created['first_post_id']}/flags",
        json={"reason": "safety", "comment": "She said she will hurt herself tonight."},
    )
    [item] = (await youth_worker.get("/api/v1/moderation/queue")).json()["items"]
    assert [(r["reason"], r["comment"]) for r in item["report_details"]] == [
        ("safety", "She said she will hurt herself tonight.")
    ]
    assert friend.id not in str(item)


async def test_a_reply_in_a_hidden_topic_can_no_longer_be_reported_or_edited(member, people, youth_worker):
    created = await start_topic(member, await category_id(member, "DE"))
    replier = await people("leila", "youth", ["DE"])
    reply = (await replier.post(f"/api/v1/forum/topics/{created['id']}/posts", json={"body": "Hi"})).json()
    await youth_worker.post(
        f"/api/v1/moderation/posts/{created['first_post_id']}", json={"action": "hide", "reason": "Spam"}
    )
    third = await people("omar", "youth", ["DE"])
    assert (await report(third, reply["id"], "safety")).status_code == 404
    edit = await replier.patch(f"/api/v1/forum/posts/{reply['id']}", json={"body": "Changed"})
    assert edit.status_code == 404


async def hidden_by_reports(author, people, body="Nobody would miss me if I left for good"):
    """A topic three members of its platform reported until it left everyone's view."""
    created = await start_topic(author, await category_id(author, "DE"), body=body)
    for name in ("leila", "omar", "sara"):
        await report(await people(name, "youth", ["DE"]), created["first_post_id"])
    return created


async def test_a_safety_report_on_a_post_hidden_by_reports_still_reaches_the_youth_workers(
    member, people, youth_worker
):
    created = await hidden_by_reports(member, people)
    friend = await people("yusuf", "youth", ["DE"])
    assert (await friend.get(f"/api/v1/forum/topics/{created['id']}")).status_code == 404

    response = await report(friend, created["first_post_id"], "safety")

    assert response.status_code == 201, response.text
    assert response.json() | {"id": None} == {
        "id": None,
        "post_id": created["first_post_id"],
        "reason": "safety",
        "urgent": True,
        "post_hidden": False,
    }
    assert "miss me" not in response.text
    [alert] = (await youth_worker.get("/api/v1/notifications")).json()["items"]
    assert (alert["event"], alert["link"]) == ("urgent_report", "/#/moderation")
    [item] = (await youth_worker.get("/api/v1/moderation/queue?urgent=true")).json()["items"]
    assert (item["urgent"], item["post"]["held_for"]) == (True, "reports")
    assert {"reason": "safety", "count": 1} in item["reports"]
    assert (await friend.get(f"/api/v1/forum/topics/{created['id']}")).status_code == 404


async def test_a_safety_report_on_a_reply_in_a_topic_hidden_by_reports_is_accepted(
    member, people, youth_worker
):
    author = await people("bilal", "youth", ["DE"])
    created = await start_topic(author, await category_id(author, "DE"))
    reply = (
        await member.post(
            f"/api/v1/forum/topics/{created['id']}/posts", json={"body": "I have pills at home"}
        )
    ).json()
    for name in ("leila", "omar", "sara"):
        await report(await people(name, "youth", ["DE"]), created["first_post_id"])
    friend = await people("yusuf", "youth", ["DE"])

    assert (await report(friend, reply["id"], "safety")).status_code == 201
    alerts = (await youth_worker.get("/api/v1/notifications")).json()["items"]
    assert [alert["event"] for alert in alerts] == ["urgent_report"]


async def test_a_non_urgent_report_on_a_post_hidden_by_reports_is_still_not_found(member, people):
    created = await hidden_by_reports(member, people)
    latecomer = await people("yusuf", "youth", ["DE"])
    for reason in ("spam", "bullying", "hate", "personal_information"):
        assert (await report(latecomer, created["first_post_id"], reason)).status_code == 404


async def test_outsiders_cannot_report_a_post_hidden_by_reports_even_as_urgent(member, people, client):
    created = await hidden_by_reports(member, people)
    post = created["first_post_id"]
    missing = await report(member, "00000000-0000-4000-8000-000000000000", "safety")
    other_platform = await people("giulia", "youth", ["IT"])

    refused = await report(other_platform, post, "safety")

    assert refused.status_code == 404
    assert refused.json() == missing.json()
    client.cookies.clear()
    anonymous = await client.post(f"/api/v1/forum/posts/{post}/flags", json={"reason": "safety"})
    assert anonymous.status_code in (401, 403)
    assert "miss me" not in refused.text + anonymous.text


async def test_a_safety_report_cannot_reach_a_post_nobody_but_youth_workers_saw(member, people, youth_worker):
    """Held before it was shown, or hidden by a youth worker: a member never saw it to report it."""
    held = await start_topic(member, await category_id(member, "DE"), body="Call me on +49 151 2345 6789")
    assert held["status"] == "pending"
    moderated = await hidden_by_reports(member, people, body="Something awful")
    await decide(youth_worker, moderated["first_post_id"], "hide")
    reader = await people("yusuf", "youth", ["DE"])

    assert (await report(reader, held["first_post_id"], "safety")).status_code == 404
    assert (await report(reader, moderated["first_post_id"], "safety")).status_code == 404
    alerts = (await youth_worker.get("/api/v1/notifications")).json()["items"]
    assert "urgent_report" not in [alert["event"] for alert in alerts]
