"""Builders for forum tests: a platform's categories, a topic started, a post approved."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Person


async def category_id(person: Person, platform: str | None) -> str:
    """The first category of a platform (None: network-wide) that the person can see."""
    response = await person.get("/api/v1/forum/categories")
    assert response.status_code == 200, response.text
    return next(item["id"] for item in response.json()["items"] if item["platform"] == platform)


async def start_topic(
    person: Person, category: str, body: str = "Hello everyone, I arrived in Leipzig last year.", **extra: Any
) -> dict[str, Any]:
    response = await person.post(
        "/api/v1/forum/topics",
        json={"category_id": category, "title": "New here", "body": body, "language": "en", **extra},
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def decide(moderator: Person, post_id: str, action: str, reason: str = "Checked") -> Any:
    return await moderator.post(
        f"/api/v1/moderation/posts/{post_id}", json={"action": action, "reason": reason}
    )


@pytest.fixture
async def youth_worker(people: Any) -> Person:
    return await people("jonas", "youth_worker", ["DE"])


@pytest.fixture
async def member(people: Any) -> Person:
    return await people("amina", "youth", ["DE"])
