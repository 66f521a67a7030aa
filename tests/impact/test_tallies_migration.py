"""Revision 0020 counts a programme that already has notes and a directory: upgrading to the
tallies gives the figures they had before, and they go on changing with it."""

from __future__ import annotations

from alembic import command

from tests.impact.conftest import (
    attended,
    figures,
    focus_group,
    of,
    past_event,
    stakeholder_entry,
    write_note,
)
from tests.stakeholders.test_role_migration import run_alembic


async def test_upgrading_to_the_platform_tallies_keeps_every_figure(database_url, people, admin):
    worker = await people("worker", "youth_worker", ["DE", "IT"])
    amina = await people("amina", "youth", ["DE", "IT"])
    luca = await people("luca", "youth", ["IT"])
    await write_note(amina, platform="DE")
    await focus_group(amina, 8, platform="IT")
    await write_note(luca, platform="IT")
    await write_note(luca, platform="IT", status="draft")
    await stakeholder_entry(worker, "DE", "ngo", "local")
    await stakeholder_entry(worker, "IT", "health", "national")
    workshop = await past_event(worker, "DE", "workshop")
    await attended(worker, workshop["id"], "SY", "AF", None)
    action = {"kind": "action", "text": "Map the services", "language": "en"}
    assert (await worker.post(f"/api/v1/events/{workshop['id']}/outcomes", json=action)).status_code == 201
    before = await figures(admin)

    await run_alembic(database_url, command.downgrade, "0015_mailflows")
    await run_alembic(database_url, command.upgrade, "head")
    upgraded = await figures(admin)
    await write_note(luca, platform="IT")

    assert upgraded == before
    assert (upgraded["total"]["peer_researchers"], upgraded["total"]["focus_group_participants"]) == (2, 8)
    assert (upgraded["total"]["events"]["participants"], upgraded["total"]["actions"]["planned"]) == (3, 1)
    assert of(await figures(admin), "IT")["interviews"] == of(before, "IT")["interviews"] + 1
