"""Prepaid data on a weak network: what the app asks for most often costs a few KB on the wire.
Answers are compressed (brotli where the client takes it); these check the bytes that travel."""

from __future__ import annotations

from typing import Any

from tests.conftest import Person
from tests.forum.conftest import category_id, start_topic
from tests.notes.conftest import note_body

BROTLI = {"Accept-Encoding": "br, gzip"}
# "A few KB" (issue #18), for each of the app's three most frequent reads and writes.
FEW_KB = 4_000

REPLIES = [
    "Welcome! I came to Leipzig two years ago and the first winter was the hardest part.",
    "The youth centre on Karl-Heine-Straße has free German classes on Tuesdays.",
    "I felt the same. Football on Saturdays helped me meet people.",
    "Ask at the library, they help with school applications too.",
    "Same here, I moved with my brother. We can meet at the next workshop.",
]


async def fifty_replies(people: Any, topic_id: str, body: Any) -> None:
    """Fifty replies from two youth workers (each may post 30 an hour)."""
    workers = [await people(name, "youth_worker", ["DE"]) for name in ("jonas", "mira")]
    for number in range(50):
        response = await workers[number % 2].post(
            f"/api/v1/forum/topics/{topic_id}/posts", json={"body": body(number)}
        )
        assert response.status_code == 201, response.text


async def wire_bytes(person: Person, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
    response = await person.request(method, path, headers=BROTLI, **kwargs)
    assert response.status_code == 200, response.text
    # Below a kilobyte an answer goes as it is: compressing it would save next to nothing.
    assert response.headers.get("content-encoding") == "br" or response.num_bytes_downloaded < 1024
    return response.num_bytes_downloaded, response.json()


async def test_a_sync_of_ten_notes_answers_in_a_few_kb(people):
    author = await people("amina", "youth", ["DE"])
    notes = [note_body(interviewee_code=f"DE-INT-{number:03}") for number in range(10)]
    size, answer = await wire_bytes(author, "POST", "/api/v1/sync", json={"notes": notes})
    assert [item["status"] for item in answer["results"]] == ["created"] * 10
    assert size < FEW_KB


async def test_a_page_of_a_topic_with_fifty_replies_comes_in_a_few_kb(people):
    member = await people("amina", "youth", ["DE"])
    host = await people("lena", "youth_worker", ["DE"])
    topic = await start_topic(host, await category_id(host, "DE"))
    await fifty_replies(people, topic["id"], lambda number: f"{REPLIES[number % len(REPLIES)]} ({number})")
    size, page = await wire_bytes(member, "GET", f"/api/v1/forum/topics/{topic['id']}")
    assert len(page["posts"]["items"]) >= 30
    assert size < FEW_KB


async def test_fifty_notifications_come_in_a_few_kb(people):
    member = await people("amina", "youth", ["DE"])
    host = await people("lena", "youth_worker", ["DE"])
    topic = await start_topic(member, await category_id(member, "DE"))
    approved = await host.post(
        f"/api/v1/moderation/posts/{topic['first_post_id']}", json={"action": "approve", "reason": "Fine"}
    )
    assert approved.status_code == 200, approved.text
    await fifty_replies(people, topic["id"], lambda number: f"Reply {number}")
    size, listed = await wire_bytes(member, "GET", "/api/v1/notifications?limit=50")
    assert len(listed["items"]) == 50
    assert size < FEW_KB
