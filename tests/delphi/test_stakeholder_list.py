"""Stakeholders find the closed studies of their platforms, whose results they may read, and
nothing else: not an open study, not another platform's, never the study itself."""

from __future__ import annotations

from tests.conftest import without_platforms
from tests.delphi.conftest import start_study


async def test_a_stakeholder_lists_only_the_closed_studies_of_their_platforms(facilitator, people):
    still_open = await start_study(facilitator, title="Still asking")
    closed = await start_study(facilitator, title="Finished")
    assert (await facilitator.post(f"/api/v1/delphi/studies/{closed}/close")).status_code == 200
    german = await people("forscherin", "researcher", ["DE"])
    elsewhere = await start_study(german, title="Elsewhere", platforms=["DE"])
    assert (await german.post(f"/api/v1/delphi/studies/{elsewhere}/close")).status_code == 200

    stakeholder = await people("partner", "stakeholder", ["IT"])
    listed = (await stakeholder.get("/api/v1/delphi/studies")).json()
    assert [item["id"] for item in listed["items"]] == [closed]
    assert listed["items"][0]["title"] == "Finished"
    # The facilitator still lists both of theirs, open ones included.
    mine = (await facilitator.get("/api/v1/delphi/studies")).json()["items"]
    assert {item["id"] for item in mine} == {still_open, closed}
    # The list names the study; the study itself, with its panel, stays the facilitators'.
    assert (await stakeholder.get(f"/api/v1/delphi/studies/{closed}")).status_code == 403
    assert (await stakeholder.get(f"/api/v1/delphi/studies/{closed}/results")).status_code == 200


async def test_a_stakeholder_of_no_platform_lists_nothing(facilitator, client, people):
    closed = await start_study(facilitator)
    assert (await facilitator.post(f"/api/v1/delphi/studies/{closed}/close")).status_code == 200
    admin = await people("admin", "admin")
    stakeholder = await without_platforms(client, admin, await people("loner", "stakeholder", ["IT"]))
    assert (await stakeholder.get("/api/v1/delphi/studies")).json()["items"] == []
