"""Posting rules for members already trusted: formatting, bad input, locks, edits, replays, pages."""

from __future__ import annotations

import uuid

import pytest

from tests.forum.conftest import category_id, decide, start_topic


@pytest.fixture
def app(make_app):
    return make_app(forum_posts_before_trust=0, forum_edit_minutes=30)


async def test_a_phone_number_or_email_makes_a_post_wait(member, youth_worker):
    category = await category_id(member, "DE")
    created = await start_topic(member, category, body="Call me on +49 151 2345 6789 after school")
    assert created["status"] == "pending"
    queue = (await youth_worker.get("/api/v1/moderation/queue")).json()["items"]
    assert queue[0]["post"]["held_for"] == "personal_information"


async def test_light_formatting_is_rendered_and_links_are_marked_as_user_content(member, people):
    category = await category_id(member, "DE")
    body = "Tips for the *exam*:\n\n- read\n- sleep\n\nSee <https://example.org/help>"
    created = await start_topic(member, category, body=body)
    reader = await people("leila", "youth", ["DE"])
    post = (await reader.get(f"/api/v1/forum/topics/{created['id']}")).json()["posts"]["items"][0]
    assert post["body"] == body
    assert "<em>exam</em>" in post["body_html"]
    assert "<li>read</li>" in post["body_html"]
    assert 'rel="nofollow ugc noopener noreferrer"' in post["body_html"]


@pytest.mark.parametrize(
    "body",
    ["<script>alert('hi')</script>", "Hello <img src=x onerror=alert(1)>", "<a href='javascript:x'>x</a>"],
)
async def test_markup_and_script_are_refused_and_nothing_is_stored(member, body):
    category = await category_id(member, "DE")
    before = (await member.get(f"/api/v1/forum/topics?category={category}")).json()["items"]

    response = await member.post(
        "/api/v1/forum/topics", json={"category_id": category, "title": "Hi", "body": body, "language": "en"}
    )

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["field"] == "body"
    assert (await member.get(f"/api/v1/forum/topics?category={category}")).json()["items"] == before


async def test_a_javascript_link_in_formatting_is_never_a_link(member):
    category = await category_id(member, "DE")
    created = await start_topic(member, category, body="[click](javascript:alert(1))")
    post = (await member.get(f"/api/v1/forum/topics/{created['id']}")).json()["posts"]["items"][0]
    assert "<a" not in post["body_html"]


@pytest.mark.parametrize(("body", "field"), [("   \n  ", "body"), ("x" * 10_001, "body"), ("", "body")])
async def test_empty_or_oversized_posts_are_refused_in_the_readers_language(member, body, field):
    category = await category_id(member, "DE")
    response = await member.post(
        "/api/v1/forum/topics",
        json={"category_id": category, "title": "Hi", "body": body, "language": "en"},
        headers={"Accept-Language": "de"},
    )
    assert response.status_code == 422
    assert response.headers["content-language"] == "en"  # the member's saved language wins
    assert [error["field"] for error in response.json()["errors"]] == [field]


async def test_posting_in_another_platforms_category_is_refused(member, people):
    italian = await people("giulia", "youth", ["IT"])
    italian_category = await category_id(italian, "IT")
    response = await member.post(
        "/api/v1/forum/topics",
        json={"category_id": italian_category, "title": "Hi", "body": "Ciao", "language": "it"},
    )
    assert response.status_code == 404
    assert (await member.get(f"/api/v1/forum/topics?category={italian_category}")).status_code == 404


async def test_network_wide_categories_are_shared_by_every_platform(member, people):
    italian = await people("giulia", "youth", ["IT"])
    network = await category_id(member, None)
    created = await start_topic(member, network)
    assert (await italian.get(f"/api/v1/forum/topics/{created['id']}")).status_code == 200


async def test_a_locked_topic_takes_no_more_replies_from_members(member, youth_worker):
    category = await category_id(member, "DE")
    created = await start_topic(member, category)
    locked = await youth_worker.post(
        f"/api/v1/moderation/topics/{created['id']}", json={"action": "lock", "reason": "Answered"}
    )
    assert locked.json()["is_locked"] is True

    refused = await member.post(
        f"/api/v1/forum/topics/{created['id']}/posts", json={"body": "One more thing"}
    )
    assert refused.status_code == 409
    assert refused.json()["type"] == "urn:tessera:problem:topic-locked"
    topic = (await member.get(f"/api/v1/forum/topics/{created['id']}")).json()
    assert topic["reply_count"] == 0 and len(topic["posts"]["items"]) == 1


async def test_a_topic_sent_again_with_its_id_is_not_a_second_topic(member):
    category = await category_id(member, "DE")
    topic_id = str(uuid.uuid4())
    first = await start_topic(member, category, id=topic_id)
    again = await start_topic(member, category, id=topic_id)
    assert again == first
    listed = (await member.get(f"/api/v1/forum/topics?category={category}")).json()["items"]
    assert [topic["id"] for topic in listed] == [topic_id]


async def test_a_reply_sent_again_with_its_id_is_not_a_second_reply(member, people):
    category = await category_id(member, "DE")
    created = await start_topic(member, category)
    other = await people("leila", "youth", ["DE"])
    reply = {"id": str(uuid.uuid4()), "body": "Welcome!"}
    first = await other.post(f"/api/v1/forum/topics/{created['id']}/posts", json=reply)
    again = await other.post(f"/api/v1/forum/topics/{created['id']}/posts", json=reply)
    assert first.json() == again.json()
    topic = (await member.get(f"/api/v1/forum/topics/{created['id']}")).json()
    assert topic["reply_count"] == 1
    stolen = await member.post(f"/api/v1/forum/topics/{created['id']}/posts", json=reply)
    assert stolen.status_code == 409
    assert stolen.json()["type"] == "urn:tessera:problem:id-taken"


async def test_the_author_edits_within_the_window_and_nobody_else_can(member, people):
    category = await category_id(member, "DE")
    created = await start_topic(member, category)
    edited = await member.patch(
        f"/api/v1/forum/posts/{created['first_post_id']}", json={"body": "Hello, Leipzig!"}
    )
    assert edited.status_code == 200
    assert edited.json()["body"] == "Hello, Leipzig!" and edited.json()["edited_at"]
    other = await people("leila", "youth", ["DE"])
    refused = await other.patch(f"/api/v1/forum/posts/{created['first_post_id']}", json={"body": "Hacked"})
    assert refused.status_code == 403


async def test_a_topic_is_read_page_by_page_oldest_first(member, people):
    category = await category_id(member, "DE")
    created = await start_topic(member, category)
    other = await people("leila", "youth", ["DE"])
    for number in range(5):
        await other.post(f"/api/v1/forum/topics/{created['id']}/posts", json={"body": f"Reply {number}"})
    seen: list[str] = []
    cursor = ""
    while True:
        page = (await member.get(f"/api/v1/forum/topics/{created['id']}?limit=2{cursor}")).json()["posts"]
        seen += [post["body"] for post in page["items"]]
        if not page["next_cursor"]:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert seen == ["Hello everyone, I arrived in Leipzig last year.", *(f"Reply {n}" for n in range(5))]


async def test_pinned_topics_come_first(member, youth_worker):
    category = await category_id(member, "DE")
    older = await start_topic(member, category)
    await start_topic(member, category)
    await youth_worker.post(f"/api/v1/moderation/topics/{older['id']}", json={"action": "pin"})
    listed = (await member.get(f"/api/v1/forum/topics?category={category}")).json()["items"]
    assert listed[0]["id"] == older["id"] and listed[0]["is_pinned"]


async def test_a_replied_topic_notifies_its_author(member, people):
    category = await category_id(member, "DE")
    created = await start_topic(member, category)
    other = await people("leila", "youth", ["DE"])
    await other.post(f"/api/v1/forum/topics/{created['id']}/posts", json={"body": "Welcome!"})
    notifications = (await member.get("/api/v1/notifications")).json()["items"]
    assert [(n["link"], n["read"]) for n in notifications] == [(f"/#/forum/t/{created['id']}", False)]


async def test_decide_helper_is_used(youth_worker, member):
    category = await category_id(member, "DE")
    created = await start_topic(member, category)
    assert (await decide(youth_worker, created["first_post_id"], "hide", "Off topic")).status_code == 200
