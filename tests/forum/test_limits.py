"""Limits: the edit window and the per-member rates of new topics and of reactions."""

from __future__ import annotations

import pytest

from tests.forum.conftest import category_id, start_topic


@pytest.fixture
def app(make_app):
    return make_app(
        forum_posts_before_trust=0, forum_edit_minutes=0, forum_topics_per_hour=2, forum_reactions_per_hour=2
    )


async def test_an_edit_after_the_window_is_refused_and_the_post_kept(member):
    category = await category_id(member, "DE")
    created = await start_topic(member, category)
    response = await member.patch(f"/api/v1/forum/posts/{created['first_post_id']}", json={"body": "Changed"})
    assert response.status_code == 409
    assert response.json()["detail"] == "The time to edit this post has passed."
    assert response.json()["type"] == "urn:tessera:problem:edit-window-closed"
    posts = (await member.get(f"/api/v1/forum/topics/{created['id']}")).json()["posts"]["items"]
    assert posts[0]["body"] == "Hello everyone, I arrived in Leipzig last year."


async def test_a_member_starting_topics_too_fast_is_slowed_down_not_others(member, people):
    category = await category_id(member, "DE")
    await start_topic(member, category)
    await start_topic(member, category)
    response = await member.post(
        "/api/v1/forum/topics",
        json={"category_id": category, "title": "Third", "body": "Again", "language": "en"},
    )
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    assert response.json()["title"] == "Too many attempts. Please wait and try again."
    other = await people("leila", "youth", ["DE"])
    assert (await start_topic(other, category))["status"] == "visible"


async def test_a_member_reacting_too_fast_is_slowed_down(member, people):
    created = await start_topic(member, await category_id(member, "DE"))
    reader = await people("leila", "youth", ["DE"])
    path = f"/api/v1/forum/posts/{created['first_post_id']}/reactions"

    assert (await reader.request("PUT", f"{path}/heart")).status_code == 200
    assert (await reader.request("DELETE", f"{path}/heart")).status_code == 200
    response = await reader.request("PUT", f"{path}/heart")

    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    assert (await member.request("PUT", f"{path}/thumbs_up")).status_code == 200
