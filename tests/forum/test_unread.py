"""Unread markers: each member's topic list says which topics they never opened and how many
replies came since they last read one."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Person
from tests.forum.conftest import category_id, start_topic


@pytest.fixture
def app(make_app):
    # Everyone's posts are visible at once: these tests are about reading, not trust.
    return make_app(forum_posts_before_trust=0)


async def listed(person: Person, category: str) -> dict[str, dict[str, Any]]:
    response = await person.get(f"/api/v1/forum/topics?category={category}")
    assert response.status_code == 200, response.text
    return {topic["id"]: topic for topic in response.json()["items"]}


async def reply(person: Person, topic_id: str, body: str = "Welcome!") -> None:
    response = await person.post(f"/api/v1/forum/topics/{topic_id}/posts", json={"body": body})
    assert response.status_code == 201, response.text


async def test_a_topic_never_opened_is_new_and_opening_it_reads_it(member, people):
    reader = await people("leila", "youth", ["DE"])
    category = await category_id(member, "DE")
    created = await start_topic(member, category)
    await reply(member, created["id"], "More from me")

    before = (await listed(reader, category))[created["id"]]
    await reader.get(f"/api/v1/forum/topics/{created['id']}")
    after = (await listed(reader, category))[created["id"]]

    assert (before["last_read_at"], before["unread_replies"]) == (None, 1)
    assert after["last_read_at"] is not None and after["unread_replies"] == 0
    # The author has read their own topic from the start.
    assert (await listed(member, category))[created["id"]]["last_read_at"] is not None


async def test_replies_after_my_last_visit_are_counted_but_not_my_own_nor_blocked_ones(member, people):
    reader = await people("leila", "youth", ["DE"])
    pest = await people("tom", "youth", ["DE"])
    category = await category_id(member, "DE")
    created = await start_topic(member, category)
    await reader.get(f"/api/v1/forum/topics/{created['id']}")

    await reply(member, created["id"], "One")
    await reply(member, created["id"], "Two")
    await reply(reader, created["id"], "Mine")
    await reply(pest, created["id"], "Noise")
    assert (await reader.post("/api/v1/forum/blocks", json={"user_id": pest.id})).status_code == 204

    assert (await listed(reader, category))[created["id"]]["unread_replies"] == 2
    # Others keep their own count.
    assert (await listed(member, category))[created["id"]]["unread_replies"] == 2


async def test_reading_an_older_page_again_does_not_make_newer_replies_unread(member, people):
    reader = await people("leila", "youth", ["DE"])
    category = await category_id(member, "DE")
    created = await start_topic(member, category)
    for n in range(3):
        await reply(member, created["id"], f"Reply {n}")

    first_page = (await reader.get(f"/api/v1/forum/topics/{created['id']}?limit=2")).json()
    assert (await listed(reader, category))[created["id"]]["unread_replies"] == 2
    await reader.get(
        f"/api/v1/forum/topics/{created['id']}?cursor={first_page['posts']['next_cursor']}&limit=2"
    )
    assert (await listed(reader, category))[created["id"]]["unread_replies"] == 0
    await reader.get(f"/api/v1/forum/topics/{created['id']}?limit=2")

    assert (await listed(reader, category))[created["id"]]["unread_replies"] == 0
