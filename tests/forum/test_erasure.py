"""Erasure reaches the forum: the member's words go, the replies of others stay, nameless."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.forum.conftest import category_id, start_topic


@pytest.fixture
def app(make_app):
    return make_app(forum_posts_before_trust=0)


async def test_an_erased_members_posts_go_and_others_replies_stay(member, people):
    category = await category_id(member, "DE")
    leaving = await people("leaving", "youth", ["DE"])
    answered = await start_topic(leaving, category, body="My story of arriving in Dresden")
    lonely = await start_topic(leaving, category, body="Nobody answered this")
    await member.post(f"/api/v1/forum/topics/{answered['id']}/posts", json={"body": "Thank you for sharing"})
    own = await start_topic(member, category)
    await leaving.post(f"/api/v1/forum/topics/{own['id']}/posts", json={"body": "Welcome, I am from Aleppo"})

    assert (await leaving.delete("/api/v1/me", json={"password": PASSWORD})).status_code == 204

    kept = (await member.get(f"/api/v1/forum/topics/{answered['id']}")).json()
    assert kept["author"] == {"id": None, "display_name": None}
    assert [post["body"] for post in kept["posts"]["items"]] == ["Thank you for sharing"]
    assert (await member.get(f"/api/v1/forum/topics/{lonely['id']}")).status_code == 404
    mine = (await member.get(f"/api/v1/forum/topics/{own['id']}")).json()
    assert mine["reply_count"] == 0
    assert [post["body"] for post in mine["posts"]["items"]] == [
        "Hello everyone, I arrived in Leipzig last year."
    ]


async def test_my_data_holds_my_forum_posts(member):
    created = await start_topic(member, await category_id(member, "DE"))
    data = (await member.get("/api/v1/me/data")).json()
    assert [(post["id"], post["body"]) for post in data["forum_posts"]] == [
        (created["first_post_id"], "Hello everyone, I arrived in Leipzig last year.")
    ]


async def test_an_erased_members_topic_title_and_report_comments_go(member, people):
    category = await category_id(member, "DE")
    leaving = await people("leaving", "youth", ["DE"])
    topic = await start_topic(leaving, category, title="Amina, 15, from Aleppo")
    await member.post(f"/api/v1/forum/topics/{topic['id']}/posts", json={"body": "Welcome"})
    other = await start_topic(member, category)
    await leaving.post(
        f"/api/v1/forum/posts/{other['first_post_id']}/flags",
        json={"reason": "spam", "comment": "I am Amina"},
    )
    assert (await leaving.delete("/api/v1/me", json={"password": PASSWORD})).status_code == 204
    kept = (await member.get(f"/api/v1/forum/topics/{topic['id']}")).json()
    assert "Amina" not in kept["title"]
    youth_worker = await people("jonas", "youth_worker", ["DE"])
    [item] = (await youth_worker.get("/api/v1/moderation/queue")).json()["items"]
    assert [r["comment"] for r in item["report_details"]] == [""]
