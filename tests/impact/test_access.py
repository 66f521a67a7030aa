"""The impact figures from the attacker's side: another platform's staff or stakeholder, a young
person, no session, a platform one does not belong to, and someone with no platform at all."""

from __future__ import annotations

import pytest

from tests.conftest import without_platforms
from tests.impact.conftest import figures, lines, stakeholder_entry, write_note


@pytest.fixture
async def programme(people):
    """Germany with two interviews and a stakeholder; Italy with one interview."""
    amina = await people("amina", "youth", ["DE"])
    luca = await people("luca", "youth", ["IT"])
    keeper = await people("keeper", "youth_worker", ["DE"])
    await write_note(amina, platform="DE")
    await write_note(amina, platform="DE")
    await write_note(luca, platform="IT")
    await stakeholder_entry(keeper, "DE", "ngo", "local")
    return {"amina": amina}


@pytest.mark.parametrize("role", ["youth_worker", "researcher", "stakeholder"])
async def test_staff_and_stakeholders_read_their_own_platforms_only(people, programme, role):
    italian = await people(f"italian-{role.replace('_', '-')}", role, ["IT"])

    impact = await figures(italian)

    assert [figures["code"] for figures in impact["platforms"]] == ["IT"]
    assert impact["total"]["interviews"] == 1
    assert impact["total"]["stakeholders"]["total"] == 0


@pytest.mark.parametrize("role", ["youth_worker", "researcher", "stakeholder"])
async def test_another_platforms_figures_are_refused(people, programme, role):
    italian = await people(f"italian-{role.replace('_', '-')}", role, ["IT"])

    for path in (
        "/api/v1/impact?platform=DE",
        "/api/v1/impact/charts/platforms.svg?platform=DE",
        "/api/v1/impact/charts/over-time.svg?platform=DE",
    ):
        response = await italian.get(path)
        assert response.status_code == 403, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert "DE" not in response.text


async def test_a_young_person_reads_no_figures_not_even_their_own(programme):
    for path in (
        "/api/v1/impact",
        "/api/v1/impact?platform=DE",
        "/api/v1/impact/charts/platforms.svg",
        "/api/v1/impact/charts/over-time.svg",
    ):
        assert (await programme["amina"].get(path)).status_code == 403


async def test_without_a_session_there_are_no_figures(client, programme):
    for path in (
        "/api/v1/impact",
        "/api/v1/impact/charts/stakeholders-by-sector.svg",
        "/api/v1/impact/charts/over-time.svg",
    ):
        response = await client.get(path)
        assert response.status_code == 401
        assert "interviews" not in response.text


async def test_someone_of_no_platform_reads_nothing(client, people, programme):
    admin = await people("root", "admin")
    stakeholder = await people("partner", "stakeholder", ["DE"])
    stranded = await without_platforms(client, admin, stakeholder)

    impact = await figures(stranded)

    assert impact["platforms"] == []
    assert impact["total"]["interviews"] == 0
    assert impact["total"]["stakeholders"]["total"] == 0
    assert (await stranded.get("/api/v1/impact?platform=DE")).status_code == 403
    over_time = lines((await stranded.get("/api/v1/impact/charts/over-time.svg")).text)
    assert all(values == [0] * 12 for values, _printed in over_time.values())


async def test_admins_read_every_platform_and_an_unknown_one_is_not_found(people, programme):
    admin = await people("root", "admin")

    impact = await figures(admin)

    codes = [figures["code"] for figures in impact["platforms"]]
    assert {"DE", "IT"} <= set(codes)
    assert impact["total"]["interviews"] == 3
    assert (await admin.get("/api/v1/impact?platform=ZZ")).status_code == 404
    assert (await admin.get("/api/v1/impact/charts/over-time.svg?platform=ZZ")).status_code == 404


async def test_a_malformed_platform_is_a_localised_problem_not_a_500(people, programme):
    researcher = await people("rosa", "researcher", ["DE"])
    for value in ("de", "DEUTSCH", "D' OR 1=1", "\u0000"):
        response = await researcher.get("/api/v1/impact", params={"platform": value})
        assert response.status_code in (400, 422), (value, response.text)
        assert response.headers["content-type"] == "application/problem+json"
