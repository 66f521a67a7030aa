"""A youth worker without platforms moderates nothing: an empty list of platforms is nothing,
never "every platform". Admins moderate everything because they are admins."""

from __future__ import annotations

import pytest

from tests.conftest import without_platforms
from tests.forum.conftest import category_id, decide, start_topic


@pytest.fixture
def app(make_app):
    return make_app(forum_posts_before_trust=1)


@pytest.fixture
async def admin(people):
    return await people("root", "admin", [])


@pytest.fixture
async def stranded(client, people, admin):
    """A youth worker whose platforms an admin took away."""
    return await without_platforms(client, admin, await people("nadia", "youth_worker", ["DE"]))


async def test_a_youth_worker_without_platforms_has_an_empty_queue_and_decides_nothing(
    stranded, member, youth_worker
):
    created = await start_topic(member, await category_id(member, "DE"))
    assert [
        item["post"]["id"] for item in (await youth_worker.get("/api/v1/moderation/queue")).json()["items"]
    ] == [created["first_post_id"]]
    assert (await stranded.get("/api/v1/moderation/queue")).json()["items"] == []
    assert (await decide(stranded, created["first_post_id"], "approve")).status_code == 404
    locked = await stranded.post(f"/api/v1/moderation/topics/{created['id']}", json={"action": "lock"})
    assert locked.status_code == 404
    muted = await stranded.post(
        f"/api/v1/moderation/users/{member.id}", json={"action": "mute", "reason": "x"}
    )
    assert muted.status_code == 404


async def test_a_youth_worker_without_platforms_reads_an_empty_moderation_log(stranded, member, youth_worker):
    created = await start_topic(member, await category_id(member, "DE"))
    assert (await decide(youth_worker, created["first_post_id"], "hide", reason="Insults")).status_code == 200
    assert (await youth_worker.get("/api/v1/moderation/log")).json()["items"]
    assert (await stranded.get("/api/v1/moderation/log")).json()["items"] == []
    assert (await stranded.get("/api/v1/moderation/log", params={"platform": "DE"})).json()["items"] == []


async def test_an_admin_without_platforms_moderates_every_platform_by_role(admin, member):
    created = await start_topic(member, await category_id(member, "DE"))
    queue = (await admin.get("/api/v1/moderation/queue")).json()["items"]
    assert [item["post"]["id"] for item in queue] == [created["first_post_id"]]
    assert (await decide(admin, created["first_post_id"], "approve")).status_code == 200
    assert (await admin.get("/api/v1/moderation/log")).json()["items"]
