"""Reactions: a thumbs-up or a heart on a post, counted once per member, told to the author once,
and out of reach wherever the post itself is."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.conftest import PASSWORD, Person
from tests.forum.conftest import category_id, decide, start_topic


async def visible_topic(author: Person, moderator: Person, platform: str | None = "DE") -> dict[str, Any]:
    """A topic a young member started, approved by a youth worker: everyone sees it."""
    created = await start_topic(author, await category_id(author, platform))
    assert (await decide(moderator, created["first_post_id"], "approve")).status_code == 200
    return created


def reaction_path(post_id: str, kind: str = "thumbs_up") -> str:
    return f"/api/v1/forum/posts/{post_id}/reactions/{kind}"


async def react(person: Person, post_id: str, kind: str = "thumbs_up") -> Any:
    return await person.request("PUT", reaction_path(post_id, kind))


async def reaction_notifications(person: Person) -> list[dict[str, Any]]:
    items = (await person.get("/api/v1/notifications")).json()["items"]
    return [item for item in items if item["event"] == "post_reaction"]


async def reactions_on_page(person: Person, topic_id: str) -> dict[str, dict[str, tuple[int, bool]]]:
    response = await person.get(f"/api/v1/forum/topics/{topic_id}")
    assert response.status_code == 200, response.text
    return {
        post["id"]: {r["kind"]: (r["count"], r["mine"]) for r in post["reactions"]}
        for post in response.json()["posts"]["items"]
    }


async def test_a_repeated_reaction_is_counted_once_and_shown_as_mine(member, youth_worker, people):
    created = await visible_topic(member, youth_worker)
    reader = await people("leila", "youth", ["DE"])

    first = await react(reader, created["first_post_id"])
    again = await react(reader, created["first_post_id"])

    assert first.status_code == again.status_code == 200, again.text
    assert again.json()["items"] == [
        {"kind": "thumbs_up", "count": 1, "mine": True},
        {"kind": "heart", "count": 0, "mine": False},
    ]
    assert (await reactions_on_page(reader, created["id"]))[created["first_post_id"]] == {
        "thumbs_up": (1, True),
        "heart": (0, False),
    }
    assert (await reactions_on_page(member, created["id"]))[created["first_post_id"]]["thumbs_up"] == (
        1,
        False,
    )


async def test_two_identical_reactions_sent_at_once_make_one(member, youth_worker, people):
    created = await visible_topic(member, youth_worker)
    reader = await people("leila", "youth", ["DE"])

    answers = await asyncio.gather(*(react(reader, created["first_post_id"], "heart") for _ in range(2)))

    assert [answer.status_code for answer in answers] == [200, 200], [a.text for a in answers]
    page = await reactions_on_page(member, created["id"])
    assert page[created["first_post_id"]]["heart"] == (1, False)
    assert len(await reaction_notifications(member)) == 1


async def test_the_author_hears_once_per_member_and_kind_however_often_it_is_toggled(
    member, youth_worker, people
):
    created = await visible_topic(member, youth_worker)
    reader = await people("leila", "youth", ["DE"])
    post = created["first_post_id"]

    await react(reader, post)
    taken_back = await reader.delete(reaction_path(post))
    await react(reader, post)
    await react(reader, post, "heart")

    assert taken_back.status_code == 200
    assert taken_back.json()["items"][0] == {"kind": "thumbs_up", "count": 0, "mine": False}
    notifications = await reaction_notifications(member)
    assert len(notifications) == 2
    assert {n["title"] for n in notifications} == {
        "Someone gave your post a thumbs-up.",
        "Someone gave your post a heart.",
    }
    assert all(n["link"] == f"/#/forum/t/{created['id']}" for n in notifications)
    # The notification names nobody: it shows on a lock screen.
    assert all("leila" not in str(n).lower() for n in notifications)


async def test_reacting_to_my_own_post_tells_nobody(youth_worker):
    created = await start_topic(youth_worker, await category_id(youth_worker, "DE"))

    assert (await react(youth_worker, created["first_post_id"])).json()["items"][0]["count"] == 1
    assert await reaction_notifications(youth_worker) == []


async def test_a_member_the_author_blocked_may_react_but_the_author_is_not_told(member, youth_worker, people):
    reader = await people("leila", "youth", ["DE"])
    created = await visible_topic(member, youth_worker)
    assert (await member.post("/api/v1/forum/blocks", json={"user_id": reader.id})).status_code == 204

    assert (await react(reader, created["first_post_id"])).status_code == 200

    assert await reaction_notifications(member) == []
    # Nor does the author see the blocked member's reaction counted.
    assert (await reactions_on_page(member, created["id"]))[created["first_post_id"]]["thumbs_up"] == (
        0,
        False,
    )


async def test_a_post_by_someone_i_blocked_cannot_be_reacted_to(member, youth_worker, people):
    reader = await people("leila", "youth", ["DE"])
    created = await visible_topic(member, youth_worker)
    assert (await reader.post("/api/v1/forum/blocks", json={"user_id": member.id})).status_code == 204

    response = await react(reader, created["first_post_id"])

    assert response.status_code == 404
    assert await reaction_notifications(member) == []


async def test_a_hidden_or_waiting_post_takes_no_reaction_and_tells_nobody(member, youth_worker, people):
    reader = await people("leila", "youth", ["DE"])
    waiting = await start_topic(member, await category_id(member, "DE"))  # a new member's post waits
    hidden = await visible_topic(member, youth_worker)
    assert (await decide(youth_worker, hidden["first_post_id"], "hide")).status_code == 200

    # Others cannot see them at all; the author and the youth worker see them but cannot react.
    assert (await react(reader, waiting["first_post_id"])).status_code == 404
    assert (await react(reader, hidden["first_post_id"])).status_code == 404
    assert (await react(youth_worker, hidden["first_post_id"])).status_code == 409
    assert (await react(member, waiting["first_post_id"])).status_code == 409
    assert await reaction_notifications(member) == []


async def test_another_platforms_post_answers_like_a_missing_one(member, youth_worker, people):
    created = await visible_topic(member, youth_worker)
    stranger = await people("giulia", "youth", ["IT"])

    put = await react(stranger, created["first_post_id"])
    take_back = await stranger.delete(reaction_path(created["first_post_id"]))
    missing = await react(stranger, "00000000-0000-0000-0000-000000000000")

    assert put.status_code == take_back.status_code == missing.status_code == 404
    assert put.json()["detail"] == missing.json()["detail"]
    assert await reaction_notifications(member) == []


async def test_an_unknown_kind_of_reaction_is_refused(member, youth_worker):
    created = await visible_topic(member, youth_worker)

    response = await react(member, created["first_post_id"], "angry")

    assert response.status_code in (400, 404, 422), response.text
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_my_reactions_are_in_my_data_and_leave_with_me(member, youth_worker, people):
    created = await visible_topic(member, youth_worker)
    leaving = await people("leila", "youth", ["DE"])
    await react(leaving, created["first_post_id"], "heart")

    data = (await leaving.get("/api/v1/me/data")).json()
    assert [(r["post_id"], r["kind"]) for r in data["forum_reactions"]] == [
        (created["first_post_id"], "heart")
    ]
    assert [r["topic_id"] for r in data["forum_topics_read"]] == []
    assert (await leaving.delete("/api/v1/me", json={"password": PASSWORD})).status_code == 204

    assert (await reactions_on_page(member, created["id"]))[created["first_post_id"]]["heart"] == (0, False)
