"""Members of staff without platforms see no country platform's forum: an empty list of
platforms is nothing, never "every platform". Network-wide categories stay open to every
signed-in member, as the contract says."""

from __future__ import annotations

import pytest

from tests.conftest import without_platforms
from tests.forum.conftest import category_id, start_topic


@pytest.fixture
def app(make_app):
    return make_app(forum_posts_before_trust=0)


@pytest.fixture(params=["youth_worker", "researcher"])
async def stranded(request, client, people):
    """A member of staff whose platforms an admin took away."""
    person = await people("nadia", request.param, ["DE"])
    return await without_platforms(client, await people("root", "admin", []), person)


async def test_staff_without_platforms_see_only_network_wide_categories(stranded):
    categories = (await stranded.get("/api/v1/forum/categories")).json()["items"]
    assert categories
    assert {category["platform"] for category in categories} == {None}


async def test_staff_without_platforms_cannot_reach_a_country_platforms_topics(stranded, member):
    category = await category_id(member, "DE")
    created = await start_topic(member, category)
    assert (await stranded.get("/api/v1/forum/topics", params={"category": category})).status_code == 404
    assert (await stranded.get(f"/api/v1/forum/topics/{created['id']}")).status_code == 404
    reply = await stranded.post(f"/api/v1/forum/topics/{created['id']}/posts", json={"body": "Hello"})
    assert reply.status_code == 404
    flag = await stranded.post(
        f"/api/v1/forum/posts/{created['first_post_id']}/flags", json={"reason": "spam"}
    )
    assert flag.status_code == 404
    started = await stranded.post(
        "/api/v1/forum/topics", json={"category_id": category, "title": "Hi", "body": "Hi", "language": "en"}
    )
    assert started.status_code == 404


async def test_staff_without_platforms_still_take_part_in_network_wide_categories(stranded, member):
    created = await start_topic(member, await category_id(member, None))
    assert (await stranded.get(f"/api/v1/forum/topics/{created['id']}")).status_code == 200
