"""The impact's charts: SVG drawn by pygal with the figures, in the reader's language, with no
script and nothing loaded from elsewhere."""

from __future__ import annotations

import pytest

from tests.impact.conftest import stakeholder_entry, write_note


@pytest.fixture
async def researcher(people):
    return await people("rosa", "researcher", ["DE", "IT"])


async def test_the_platform_chart_shows_each_platform_of_mine(people, researcher):
    amina = await people("amina", "youth", ["DE"])
    await write_note(amina)

    response = await researcher.get("/api/v1/impact/charts/platforms.svg")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    svg = response.text
    assert svg.startswith("<svg")
    assert ">DE<" in svg and ">IT<" in svg and ">LU<" not in svg
    assert "Interviews" in svg and "Peer researchers" in svg


async def test_charts_carry_no_script_and_load_nothing_from_elsewhere(researcher):
    for name in ("platforms.svg", "stakeholders-by-sector.svg", "stakeholders-by-level.svg"):
        svg = (await researcher.get(f"/api/v1/impact/charts/{name}")).text
        assert "<script" not in svg
        assert 'xlink:href="http' not in svg and 'src="http' not in svg


async def test_the_sector_chart_is_in_the_readers_language(researcher):
    await stakeholder_entry(researcher, "DE", "ngo", "local")

    english = (await researcher.get("/api/v1/impact/charts/stakeholders-by-sector.svg")).text
    german = (
        await researcher.get(
            "/api/v1/impact/charts/stakeholders-by-sector.svg", headers={"Accept-Language": "de"}
        )
    ).text

    assert "Stakeholders by sector" in english and "NGOs" in english
    # Translations come centrally: a language without one yet falls back to English, never to a code.
    assert "ngo<" not in german and "public_authority" not in german


async def test_an_unknown_chart_is_not_found(researcher):
    response = await researcher.get("/api/v1/impact/charts/secrets.svg")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
