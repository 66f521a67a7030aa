"""The impact figures over time (GET /api/v1/impact/charts/over-time.svg): a line per figure of
running totals over the last twelve months, counted by the live figures' own rules, so each
line ends on what GET /api/v1/impact says today."""

from __future__ import annotations

import datetime as dt

import defusedxml.ElementTree as ET
import pytest

from server.accounts.consent import CONSENT_VERSION
from tests.events.conftest import register
from tests.impact.conftest import (
    SVG,
    attended,
    figures,
    focus_group,
    lines,
    of,
    past_event,
    stakeholder_entry,
    write_note,
)

OVER_TIME = "/api/v1/impact/charts/over-time.svg"
LINES = {
    "Interviews": lambda f: f["interviews"],
    "Focus groups": lambda f: f["focus_groups"],
    "Stakeholders": lambda f: f["stakeholders"]["total"],
    "Event participants": lambda f: f["events"]["participants"],
}


def month_labels(svg: str) -> list[str]:
    axis = next(g for g in ET.fromstring(svg).iter(f"{SVG}g") if g.get("class") == "axis x")
    return [text.text or "" for text in axis.iter(f"{SVG}text")]


def months_ago(months: int) -> dt.datetime:
    """The middle of the month this many months before this one."""
    today = dt.datetime.now(dt.UTC)
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return dt.datetime(year, month + 1, 15, 12, tzinfo=dt.UTC)


@pytest.fixture
async def researcher(people):
    return await people("rosa", "researcher", ["DE", "IT"])


@pytest.fixture
async def worker(people):
    return await people("worker", "youth_worker", ["DE", "IT"])


@pytest.fixture
async def programme(people, worker):
    """Counted and uncounted notes of every kind on two platforms, a person who withdrew
    consent, the directory, and an event with people who came and one who did not."""
    amina = await people("amina", "youth", ["DE"])
    giulia = await people("giulia", "youth", ["IT"])
    sami = await people("sami", "youth", ["DE"])
    approved = await write_note(amina, recorded_at=months_ago(3).isoformat())
    await worker.post(f"/api/v1/notes/{approved['id']}/review", json={"decision": "approve"})
    await write_note(amina)
    await write_note(amina, status="draft")
    withdrawn = await write_note(amina)
    assert (await amina.delete(f"/api/v1/notes/{withdrawn['id']}")).status_code == 204
    await write_note(amina, kind="observation")
    await focus_group(amina, 8, recorded_at=months_ago(30).isoformat())
    await focus_group(giulia, 5, platform="IT")
    await write_note(giulia, platform="IT")
    await write_note(sami)
    await sami.post("/api/v1/me/consent", json={"version": CONSENT_VERSION, "accepted": False})
    await stakeholder_entry(worker, "DE", "ngo", "local")
    await stakeholder_entry(worker, "IT", "health", "regional")
    workshop = await past_event(worker, "DE", "workshop")
    await attended(worker, workshop["id"], "SY", "AF")
    await register(worker, workshop["id"], name="No-show", country="ER")


@pytest.mark.parametrize("platform", [None, "DE", "IT"])
async def test_each_line_ends_on_the_live_figure(researcher, programme, platform):
    params = {"platform": platform} if platform else None
    live = await figures(researcher, platform)
    total = live["total"] if platform is None else of(live, platform)

    response = await researcher.get(OVER_TIME, params=params)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.headers["cache-control"] == "no-store"
    chart = lines(response.text)
    assert set(chart) == set(LINES)
    for name, read in LINES.items():
        values, printed = chart[name]
        assert len(values) == 12
        assert values[-1] == read(total), name
        assert printed == str(read(total)), name
        assert values == sorted(values), f"{name} is a running total"
    if platform != "IT":
        # Some figures are counted in earlier months: the lines are not all flat at today.
        assert chart["Focus groups"][0][0] == 1


async def test_a_note_approved_two_months_ago_counts_from_its_month_on(people, researcher, worker):
    amina = await people("amina", "youth", ["DE"])
    note = await write_note(amina, recorded_at=months_ago(2).isoformat())
    assert (
        await worker.post(f"/api/v1/notes/{note['id']}/review", json={"decision": "approve"})
    ).status_code == 200
    await write_note(amina)

    interviews, printed = lines((await researcher.get(OVER_TIME, params={"platform": "DE"})).text)[
        "Interviews"
    ]

    assert interviews == [0] * 9 + [1, 1, 2]
    assert printed == "2"


async def test_what_came_before_the_twelve_months_is_in_the_first(people, researcher):
    amina = await people("amina", "youth", ["DE"])
    await write_note(amina, recorded_at=months_ago(14).isoformat())

    interviews, _printed = lines((await researcher.get(OVER_TIME)).text)["Interviews"]

    assert interviews == [1] * 12


async def test_the_months_are_in_the_readers_language(people, researcher):
    olena = await people("olena", "researcher", ["DE"], language="uk")
    today = dt.datetime.now(dt.UTC)
    english = month_labels((await researcher.get(OVER_TIME)).text)
    ukrainian_svg = (await olena.get(OVER_TIME)).text
    ukrainian = month_labels(ukrainian_svg)

    assert english[0] == f"{months_ago(11):%b %Y}"
    assert english[-1] == (f"{today:%b %Y}" if today.month == 1 else f"{today:%b}")
    assert len(ukrainian) == 12
    assert not set(ukrainian) & set(english)
    assert "Figures over time" not in ukrainian_svg


async def test_the_chart_parses_and_carries_no_script(researcher, programme):
    svg = (await researcher.get(OVER_TIME)).text

    root = ET.fromstring(svg)
    assert not [element for element in root.iter() if element.tag.endswith("script")]
    assert "<script" not in svg and 'xlink:href="http' not in svg and 'src="http' not in svg
