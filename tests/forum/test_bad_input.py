"""Input an attacker or a broken client sends gets a clear 4xx on both databases, never a 500."""

from __future__ import annotations

import base64
import uuid

import msgspec
import pytest

from tests.forum.conftest import category_id, decide, start_topic


@pytest.fixture
def app(make_app):
    return make_app(forum_posts_before_trust=0)


def forged_cursor(at: str) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode([at, str(uuid.uuid4())])).decode().rstrip("=")


@pytest.mark.parametrize("at", ["2025-01-01T00:00:00", "0001-01-01T00:00:00+01:00"])
async def test_a_forged_cursor_is_refused_on_every_list(member, youth_worker, at):
    category = await category_id(member, "DE")
    topic = await start_topic(member, category)
    cursor = forged_cursor(at)
    for person, path in [
        (member, f"/api/v1/forum/topics?category={category}&cursor={cursor}"),
        (member, f"/api/v1/forum/topics/{topic['id']}?cursor={cursor}"),
        (member, f"/api/v1/notifications?cursor={cursor}"),
        (youth_worker, f"/api/v1/moderation/queue?cursor={cursor}"),
        (youth_worker, f"/api/v1/moderation/log?cursor={cursor}"),
    ]:
        response = await person.get(path)
        assert response.status_code == 422, (path, response.text)
        assert response.json()["errors"][0]["field"] == "cursor"


@pytest.mark.parametrize(
    "path", ["/api/v1/moderation/log?since=2020-01-01T00:00:00", "/api/v1/notes?since=2020-01-01T00:00:00"]
)
async def test_a_time_without_its_zone_is_refused(youth_worker, path):
    response = await youth_worker.get(path)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "since"


async def test_a_mute_until_a_time_without_its_zone_is_refused(member, youth_worker):
    response = await youth_worker.post(
        f"/api/v1/moderation/users/{member.id}",
        json={"action": "mute", "until": "2030-01-01T00:00:00", "reason": "x"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "until"


@pytest.mark.parametrize("field", ["title", "body"])
async def test_a_nul_character_is_refused_and_nothing_stored(member, field):
    category = await category_id(member, "DE")
    topic = {"category_id": category, "title": "Hi", "body": "Hello", "language": "en"}
    topic[field] = "Hello\x00there"
    response = await member.post("/api/v1/forum/topics", json=topic)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field
    assert (await member.get(f"/api/v1/forum/topics?category={category}")).json()["items"] == []


async def test_a_nul_character_in_a_report_or_a_reason_is_refused(member, youth_worker, people):
    topic = await start_topic(member, await category_id(member, "DE"))
    other = await people("leila", "youth", ["DE"])
    report = await other.post(
        f"/api/v1/forum/posts/{topic['first_post_id']}/flags", json={"reason": "spam", "comment": "a\x00b"}
    )
    assert report.status_code == 422
    assert (await decide(youth_worker, topic["first_post_id"], "hide", reason="a\x00b")).status_code == 422


async def test_a_long_language_tag_is_kept_and_a_trailing_newline_refused(member):
    category = await category_id(member, "DE")
    kept = await start_topic(member, category, language="en-GB-oxendict")
    topic = (await member.get(f"/api/v1/forum/topics/{kept['id']}")).json()
    assert topic["language"] == "en-GB-oxendict"
    refused = await member.post(
        "/api/v1/forum/topics", json={"category_id": category, "title": "Hi", "body": "x", "language": "en\n"}
    )
    assert refused.status_code == 422


async def test_a_scheme_relative_link_is_not_a_link(member):
    topic = await start_topic(member, await category_id(member, "DE"), body="[prize](//evil.example/win)")
    post = (await member.get(f"/api/v1/forum/topics/{topic['id']}")).json()["posts"]["items"][0]
    assert "evil.example" not in post["body_html"].split(">", 1)[0]
    assert "href" not in post["body_html"]
