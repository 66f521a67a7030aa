"""Moderation: decisions on posts and members, inside the moderator's platforms only, all logged."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import PASSWORD
from tests.forum.conftest import category_id, decide, start_topic


@pytest.fixture
def app(make_app):
    return make_app(forum_posts_before_trust=1)


async def test_a_youth_worker_of_another_platform_sees_nothing_and_decides_nothing(member, people):
    elsewhere = await people("marco", "youth_worker", ["IT"])
    created = await start_topic(member, await category_id(member, "DE"))

    assert (await elsewhere.get("/api/v1/moderation/queue")).json()["items"] == []
    assert (await decide(elsewhere, created["first_post_id"], "approve")).status_code == 404
    assert (
        await elsewhere.post(f"/api/v1/moderation/topics/{created['id']}", json={"action": "lock"})
    ).status_code == 404
    muted = await elsewhere.post(
        f"/api/v1/moderation/users/{member.id}", json={"action": "mute", "reason": "x"}
    )
    assert muted.status_code == 404
    assert (await member.get(f"/api/v1/forum/topics/{created['id']}")).json()["status"] == "pending"


async def test_network_wide_categories_are_moderated_by_admins_only(member, youth_worker, people):
    admin = await people("root", "admin", [])
    created = await start_topic(member, await category_id(member, None))
    assert (await youth_worker.get("/api/v1/moderation/queue")).json()["items"] == []
    assert (await decide(youth_worker, created["first_post_id"], "approve")).status_code == 404
    assert [item["platform"] for item in (await admin.get("/api/v1/moderation/queue")).json()["items"]] == [
        None
    ]
    assert (await decide(admin, created["first_post_id"], "approve")).status_code == 200


async def test_hiding_needs_a_reason_and_hides_the_post_from_everyone_but_its_author(
    member, youth_worker, people
):
    created = await start_topic(member, await category_id(member, "DE"))
    await decide(youth_worker, created["first_post_id"], "approve")
    reader = await people("leila", "youth", ["DE"])

    without_reason = await decide(youth_worker, created["first_post_id"], "hide", reason=" ")
    assert without_reason.status_code == 422
    assert (await decide(youth_worker, created["first_post_id"], "hide", reason="Insults")).status_code == 200

    assert (await reader.get(f"/api/v1/forum/topics/{created['id']}")).status_code == 404
    events = [n["link"] for n in (await member.get("/api/v1/notifications")).json()["items"]]
    assert events == [f"/#/forum/t/{created['id']}"] * 2  # approved, then hidden

    approved_while_hidden = await decide(youth_worker, created["first_post_id"], "approve")
    assert approved_while_hidden.status_code == 409
    assert approved_while_hidden.json()["type"] == "urn:tessera:problem:post-hidden"
    assert (
        await decide(youth_worker, created["first_post_id"], "restore", reason="On reflection")
    ).status_code == 200
    assert (await reader.get(f"/api/v1/forum/topics/{created['id']}")).status_code == 200


async def test_a_muted_member_reads_but_cannot_post_and_sees_why(member, youth_worker):
    category = await category_id(member, "DE")
    until = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)).replace(microsecond=0)
    muted = await youth_worker.post(
        f"/api/v1/moderation/users/{member.id}",
        json={"action": "mute", "until": until.isoformat(), "reason": "Please cool down after the argument."},
    )
    assert muted.status_code == 200 and muted.json()["muted_until"]

    refused = await member.post(
        "/api/v1/forum/topics", json={"category_id": category, "title": "Hi", "body": "Hi", "language": "en"}
    )
    assert refused.status_code == 403
    assert "Please cool down after the argument." in refused.json()["detail"]
    assert (await member.get(f"/api/v1/forum/topics?category={category}")).status_code == 200

    await youth_worker.post(
        f"/api/v1/moderation/users/{member.id}", json={"action": "reinstate", "reason": "ok"}
    )
    assert (await start_topic(member, category))["status"] == "pending"


async def test_a_suspension_ends_the_members_sessions_and_login_tells_the_reason(
    member, youth_worker, client
):
    suspended = await youth_worker.post(
        f"/api/v1/moderation/users/{member.id}",
        json={"action": "suspend", "reason": "Threats against another member."},
    )
    assert suspended.json()["status"] == "suspended"
    assert (await member.get("/api/v1/me")).status_code in (401, 403)
    client.cookies.clear()
    login = await client.post("/api/v1/auth/login", json={"username": "amina", "password": PASSWORD})
    assert login.status_code == 403
    assert "Threats against another member." in login.json()["detail"]


async def test_youth_workers_cannot_restrict_staff_or_people_outside_their_platforms(youth_worker, people):
    colleague = await people("petra", "youth_worker", ["DE"])
    response = await youth_worker.post(
        f"/api/v1/moderation/users/{colleague.id}", json={"action": "suspend", "reason": "x"}
    )
    assert response.status_code == 403


async def test_a_mute_in_the_past_is_refused(member, youth_worker):
    past = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat()
    response = await youth_worker.post(
        f"/api/v1/moderation/users/{member.id}", json={"action": "mute", "until": past, "reason": "x"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "until"


async def test_the_log_says_who_did_what_when_and_why_and_filters(member, youth_worker, people):
    elsewhere = await people("marco", "youth_worker", ["IT"])
    created = await start_topic(member, await category_id(member, "DE"))
    await decide(youth_worker, created["first_post_id"], "approve", reason="Welcome post")
    await decide(youth_worker, created["first_post_id"], "approve", reason="Retried")  # changes nothing
    await youth_worker.post(
        f"/api/v1/moderation/users/{member.id}", json={"action": "mute", "reason": "Spam"}
    )

    log = (await youth_worker.get("/api/v1/moderation/log")).json()["items"]
    assert [(e["action"], e["reason"], e["moderator_name"], e["member_id"]) for e in log] == [
        ("mute", "Spam", "jonas", member.id),
        ("approve", "Welcome post", "jonas", member.id),
    ]
    only_mutes = (await youth_worker.get("/api/v1/moderation/log?action=mute")).json()["items"]
    assert [e["action"] for e in only_mutes] == ["mute"]
    assert (await elsewhere.get("/api/v1/moderation/log")).json()["items"] == []
    assert (await member.get("/api/v1/moderation/log")).status_code == 403


async def test_the_author_of_a_hidden_post_sees_it_with_the_reason(member, youth_worker, people):
    created = await start_topic(member, await category_id(member, "DE"))
    await decide(youth_worker, created["first_post_id"], "approve")
    await decide(youth_worker, created["first_post_id"], "hide", reason="Please keep addresses private.")
    own = (await member.get(f"/api/v1/forum/topics/{created['id']}")).json()["posts"]["items"]
    assert [(p["status"], p["moderation_reason"]) for p in own] == [
        ("hidden", "Please keep addresses private.")
    ]
    reader = await people("leila", "youth", ["DE"])
    assert (await reader.get(f"/api/v1/forum/topics/{created['id']}")).status_code == 404


async def test_a_reply_held_after_an_edit_is_not_announced_twice_to_the_topics_author(people, youth_worker):
    reader = await people("leila", "youth", ["DE"])
    topic = await start_topic(youth_worker, await category_id(youth_worker, "DE"))
    replier = await people("omar", "youth", ["DE"])
    reply = (await replier.post(f"/api/v1/forum/topics/{topic['id']}/posts", json={"body": "Hi"})).json()
    await decide(youth_worker, reply["id"], "approve")
    edited = await replier.patch(
        f"/api/v1/forum/posts/{reply['id']}", json={"body": "Write me: omar@example.org"}
    )
    assert edited.json()["status"] == "pending"
    assert (await reader.get(f"/api/v1/forum/topics/{topic['id']}")).json()["reply_count"] == 0

    await decide(youth_worker, reply["id"], "approve")

    replies = [
        n
        for n in (await youth_worker.get("/api/v1/notifications")).json()["items"]
        if n["event"] == "topic_reply"
    ]
    assert len(replies) == 1
    assert (await reader.get(f"/api/v1/forum/topics/{topic['id']}")).json()["reply_count"] == 1
