"""A new member's first posts and posts with personal information wait for a youth worker."""

from __future__ import annotations

from tests.forum.conftest import category_id, decide, start_topic


async def test_new_members_first_topic_waits_and_only_they_see_it(people, member, youth_worker):
    other = await people("leila", "youth", ["DE"])
    category = await category_id(member, "DE")

    created = await start_topic(member, category)

    assert created["status"] == "pending"
    listed = (await other.get(f"/api/v1/forum/topics?category={category}")).json()["items"]
    assert created["id"] not in [topic["id"] for topic in listed]
    assert (await other.get(f"/api/v1/forum/topics/{created['id']}")).status_code == 404
    own = (await member.get(f"/api/v1/forum/topics?category={category}")).json()["items"]
    assert [topic["status"] for topic in own if topic["id"] == created["id"]] == ["pending"]
    queue = (await youth_worker.get("/api/v1/moderation/queue")).json()["items"]
    assert [(item["post"]["id"], item["post"]["held_for"]) for item in queue] == [
        (created["first_post_id"], "new_member")
    ]


async def test_approval_shows_the_topic_and_trust_comes_after_two_approved_posts(
    people, member, youth_worker
):
    other = await people("leila", "youth", ["DE"])
    category = await category_id(member, "DE")

    first = await start_topic(member, category)
    assert (await decide(youth_worker, first["first_post_id"], "approve")).status_code == 200
    topic = (await other.get(f"/api/v1/forum/topics/{first['id']}")).json()
    assert topic["status"] == "visible"
    assert [post["body"] for post in topic["posts"]["items"]] == [
        "Hello everyone, I arrived in Leipzig last year."
    ]

    second = await member.post(f"/api/v1/forum/topics/{first['id']}/posts", json={"body": "And I like it."})
    assert second.json()["status"] == "pending"
    await decide(youth_worker, second.json()["id"], "approve")

    third = await member.post(
        f"/api/v1/forum/topics/{first['id']}/posts", json={"body": "Anyone for football?"}
    )
    assert third.json()["status"] == "visible"


async def test_staff_posts_need_no_approval(youth_worker):
    category = await category_id(youth_worker, "DE")
    assert (await start_topic(youth_worker, category))["status"] == "visible"


async def test_a_pending_reply_is_seen_by_its_author_and_youth_workers_only(people, member, youth_worker):
    starter = await people("leila", "youth", ["DE"])
    other = await people("omar", "youth", ["DE"])
    topic = await start_topic(youth_worker, await category_id(youth_worker, "DE"))
    reply = await member.post(f"/api/v1/forum/topics/{topic['id']}/posts", json={"body": "My first reply"})
    assert reply.json()["status"] == "pending"

    def bodies(response):
        return [post["body"] for post in response.json()["posts"]["items"]]

    assert "My first reply" not in bodies(await other.get(f"/api/v1/forum/topics/{topic['id']}"))
    assert "My first reply" not in bodies(await starter.get(f"/api/v1/forum/topics/{topic['id']}"))
    assert "My first reply" in bodies(await member.get(f"/api/v1/forum/topics/{topic['id']}"))
    assert "My first reply" in bodies(await youth_worker.get(f"/api/v1/forum/topics/{topic['id']}"))
    assert (await other.get(f"/api/v1/forum/topics/{topic['id']}")).json()["reply_count"] == 0
