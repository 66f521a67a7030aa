"""Blocking tells nothing about people one could never come across: not their name, nor their role,
nor that they exist."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from server.forum.models import Block
from tests.forum.conftest import category_id, decide, start_topic


async def block(person, user_id):
    return await person.post("/api/v1/forum/blocks", json={"user_id": str(user_id)})


async def blocked_names(person):
    response = await person.get("/api/v1/forum/blocks")
    assert response.status_code == 200, response.text
    return {item["user_id"]: item["display_name"] for item in response.json()["items"]}


async def test_blocking_someone_of_another_platform_answers_as_for_nobody(member, people):
    stranger = await people("giulia", "youth", ["IT"], display_name="Giulia Rossi")

    unknown = await block(member, uuid.uuid4())
    response = await block(member, stranger.id)

    assert (response.status_code, response.json()) == (unknown.status_code, unknown.json())
    assert response.status_code == 404
    assert "Giulia" not in response.text
    assert await blocked_names(member) == {}


async def test_blocking_staff_of_another_platform_does_not_tell_their_role(member, people):
    italian_youth_worker = await people("marco", "youth_worker", ["IT"])
    admin = await people("root", "admin")

    assert (await block(member, italian_youth_worker.id)).status_code == 404
    # Admins have no platform: met nowhere, they are nobody to a member either.
    assert (await block(member, admin.id)).status_code == 404


async def test_a_waiting_post_in_a_network_wide_category_does_not_make_its_author_known(member, people):
    stranger = await people("giulia", "youth", ["IT"], display_name="Giulia Rossi")
    await start_topic(stranger, await category_id(stranger, None))  # a new member's post waits

    assert (await block(member, stranger.id)).status_code == 404


async def test_the_author_of_a_visible_network_wide_post_can_be_blocked_and_is_named(member, people):
    stranger = await people("giulia", "youth", ["IT"], display_name="Giulia Rossi")
    admin = await people("root", "admin")
    created = await start_topic(stranger, await category_id(stranger, None))
    assert (await decide(admin, created["first_post_id"], "approve")).status_code == 200

    assert (await block(member, stranger.id)).status_code == 204
    assert await blocked_names(member) == {stranger.id: "Giulia Rossi"}


async def test_a_member_of_the_same_platform_can_be_blocked_and_is_named(member, people):
    neighbour = await people("karim", "youth", ["DE"], display_name="Karim B.")

    assert (await block(member, neighbour.id)).status_code == 204
    assert await blocked_names(member) == {neighbour.id: "Karim B."}


async def test_the_list_of_blocks_does_not_name_someone_the_member_could_never_see(app, member, people):
    # A block stored before blocking checked who the member can see.
    stranger = await people("giulia", "youth", ["IT"], display_name="Giulia Rossi")
    async with app.state.test_db() as db:
        db.add(Block(blocker_id=uuid.UUID(member.id), blocked_id=uuid.UUID(stranger.id)))
        await db.commit()

    assert await blocked_names(member) == {stranger.id: None}


async def test_blocking_again_someone_already_blocked_is_fine(app, member, people):
    neighbour = await people("karim", "youth", ["DE"])
    await block(member, neighbour.id)

    assert (await block(member, neighbour.id)).status_code == 204
    async with app.state.test_db() as db:
        assert await db.scalar(sa.select(sa.func.count()).select_from(Block)) == 1
