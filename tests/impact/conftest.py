"""The impact's world: a programme on two platforms (Germany and Italy), built through the API
as its people build it: notes sent and kept as drafts, the directory, events and attendance."""

from __future__ import annotations

import uuid
from typing import Any

import defusedxml.ElementTree as ET
import pytest

from tests.conftest import Person
from tests.events.conftest import hold, register
from tests.notes.conftest import note_body
from tests.stakeholders.conftest import add

SVG = "{http://www.w3.org/2000/svg}"


async def write_note(author: Person, **overrides: Any) -> dict[str, Any]:
    body = note_body(language="en", **overrides)
    response = await author.request("PUT", f"/api/v1/notes/{body['id']}", json=body)
    assert response.status_code == 201, response.text
    return body


async def focus_group(author: Person, participants: int, **overrides: Any) -> dict[str, Any]:
    return await write_note(author, kind="focus_group", participants={"count": participants}, **overrides)


async def figures(person: Person, platform: str | None = None) -> dict[str, Any]:
    response = await person.get("/api/v1/impact", params={"platform": platform} if platform else None)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def of(impact: dict[str, Any], code: str) -> dict[str, Any]:
    return next(figures for figures in impact["platforms"] if figures["code"] == code)


async def stakeholder_entry(keeper: Person, platform: str, sector: str, level: str) -> dict[str, Any]:
    name = uuid.uuid4().hex[:8]
    return await add(
        keeper,
        platform=platform,
        organisation=f"Organisation {name}",
        person_name=None,
        sector=sector,
        level=level,
    )


async def past_event(organiser: Person, platform: str, kind: str) -> dict[str, Any]:
    return await hold(
        organiser,
        platform=platform,
        kind=kind,
        starts_at="2026-06-01T08:00:00Z",
        ends_at="2026-06-01T16:00:00Z",
        time_zone="Europe/Berlin",
    )


async def attended(organiser: Person, event_id: str, *countries: str | None) -> None:
    """People from these countries came; each is registered first."""
    ids = [
        (await register(organiser, event_id, name=f"Guest {n}", **({"country": c} if c else {})))["id"]
        for n, c in enumerate(countries)
    ]
    response = await organiser.post(f"/api/v1/events/{event_id}/attendance", json={"registration_ids": ids})
    assert response.status_code == 200, response.text


def lines(svg: str) -> dict[str, tuple[list[int], str]]:
    """Each line of the chart by its name in the legend: the value of each of its points,
    oldest month first, and the figure printed at its end."""
    root = ET.fromstring(svg)
    names = {
        legend.get("id", "").removeprefix("activate-"): legend.findtext("{*}text")
        for legend in root.iter(f"{SVG}g")
        if legend.get("id", "").startswith("activate-serie-")
    }
    found = {}
    for layer in root.iter(f"{SVG}g"):
        if layer.get("class") == "plot overlay":
            for serie in layer.findall("{*}g"):
                key = serie.get("class", "").split()[1]
                values = [
                    int(dots.findtext("{*}desc[@class='value']") or "") for dots in serie.findall("{*}g")
                ]
                found[key] = values
    printed = {}
    for layer in root.iter(f"{SVG}g"):
        if layer.get("class") == "plot text-overlay":
            for serie in layer.findall("{*}g"):
                key = serie.get("class", "").split()[1]
                printed[key] = "".join(text.text or "" for text in serie.iter(f"{SVG}text"))
    return {str(names[key]): (values, printed[key]) for key, values in found.items()}


@pytest.fixture
async def admin(people):
    """The programme's coordinator, who reads every platform's figures."""
    return await people("coordinator", "admin")
