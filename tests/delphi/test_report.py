"""A study's report (CREDES/ACCORD) as printable HTML and as PDF, in English and in Arabic,
and who may read it."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pypdf
import pytest

from tests.delphi.conftest import IQR_RULE, add_statement, close_round, invite, open_round, rate, start_study
from tests.stakeholders.conftest import entry

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def cells(html: str, statement_id: str) -> list[str]:
    """The text of a results row's cells, statement first."""
    row = re.search(rf'<tr data-statement="{statement_id}">(.*?)</tr>', html, re.S)
    assert row is not None, statement_id
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    ]


async def two_rounds(facilitator: Any, client: Any, **fields: Any) -> dict[str, Any]:
    """Round 1: three statements, three panellists invited (two from the directory), two answer;
    "housing" reaches consensus and leaves; round 2 asks the rest and one statement added since."""
    fields.setdefault("languages", ["en", "ar"])
    study_id = await start_study(
        facilitator, purpose="To agree on recommendations for young newcomers' housing.", **fields
    )
    housing = await add_statement(facilitator, study_id, {"en": "Housing first", "ar": "السكن أولا"})
    school = await add_statement(facilitator, study_id, {"en": "School places for all"})
    work = await add_statement(facilitator, study_id, {"en": "Work permits sooner"})
    ngo = await facilitator.post("/api/v1/stakeholders", json=entry(organisation="Casa Aperta", sector="ngo"))
    town = await facilitator.post(
        "/api/v1/stakeholders", json=entry(organisation="Comune", person_name="Ada Neri")
    )
    assert ngo.status_code == 201 and town.status_code == 201, (ngo.text, town.text)
    panel = [
        await invite(facilitator, study_id, stakeholder_id=ngo.json()["id"]),
        await invite(facilitator, study_id, stakeholder_id=town.json()["id"]),
        await invite(facilitator, study_id, name="Giulia Bianchi"),
    ]
    first = await open_round(facilitator, study_id)
    await rate(client, panel[0]["token"], (housing, 9), (school, 5), (work, 2))
    await rate(client, panel[1]["token"], (housing, 8), (school, 8), (work, 6))
    await close_round(facilitator, first["id"])
    added = await add_statement(facilitator, study_id, {"en": "Mentors for every newcomer"})
    second = await open_round(facilitator, study_id)
    # The first panellist moves by three points on "school", the second by one.
    await rate(client, panel[0]["token"], (school, 8), (work, 3), (added, 7))
    await rate(client, panel[1]["token"], (school, 7), (work, 6))
    await close_round(facilitator, second["id"])
    return {
        "study": study_id,
        "housing": housing,
        "school": school,
        "work": work,
        "added": added,
        "panel": panel,
    }


async def test_the_html_report_holds_every_credes_item_with_the_figures(facilitator, client):
    world = await two_rounds(facilitator, client, consensus=IQR_RULE)
    response = await facilitator.get(f"/api/v1/delphi/studies/{world['study']}/report")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    html = response.text
    assert '<html lang="en" dir="ltr">' in html and "@media print" in html
    assert "To agree on recommendations for young newcomers&#x27; housing." in html
    # The rule as fixed, and when: the first round's opening.
    assert "the interquartile range (Q3 − Q1) is at most 1 and the median is 7 or higher" in html
    assert "when the first round opened" in html
    # Panel: counts by where they came from, sector and level; no names in an anonymous study.
    assert "Giulia Bianchi" not in html and "Ada Neri" not in html and "Casa Aperta" not in html
    panel = html[html.index('id="panel"') : html.index('id="response"')]
    assert re.search(r"From the stakeholder directory</th><td class=\"number\">2<", panel)
    assert re.search(r"Invited by name</th><td class=\"number\">1<", panel)
    assert re.search(r"NGO</th><td class=\"number\">1<", panel)
    assert re.search(r"Public authority</th><td class=\"number\">1<", panel)
    assert re.search(r"Local</th><td class=\"number\">2<", panel)
    # Response per round: 3 invited, 2 responded (66.7 %), both rounds; nobody left.
    response_rows = re.findall(
        r"<tr><td class=\"number\">(\d)</td>.*?</tr>", html[html.index('id="response"') :]
    )
    assert response_rows[:2] == ["1", "2"]
    assert html.count('<td class="number">66.7</td>') == 2
    # Round 1: housing 9 and 8: n 2, median 8.5, Q1–Q3 8.25–8.75, agree 100 %, consensus in.
    assert cells(html, world["housing"])[1:7] == ["2", "8.5", "8.25–8.75", "100", "0", "Consensus in"]
    # Round 2 asks school, work and the added statement; housing left with consensus in.
    round_two = html[html.index('id="round-2"') : html.index('id="outcome"')]
    assert "Left after the round before" in round_two and "Housing first" in round_two
    assert "Added in this round" in round_two and "Mentors for every newcomer" in round_two
    # Stability: on "school" one of two moved by more than one point (5 → 8; 8 → 7).
    school = cells(round_two, world["school"])
    assert school[1:3] == ["2", "7.5"] and school[-1] == "50"
    assert cells(round_two, world["added"])[1] == "1"


async def test_a_named_study_lists_its_panellists_by_name_to_its_facilitators_only(
    facilitator, client, people
):
    world = await two_rounds(facilitator, client, anonymity="named")
    path = f"/api/v1/delphi/studies/{world['study']}/report"
    html = (await facilitator.get(path)).text
    assert "<li>Giulia Bianchi</li>" in html
    assert (await facilitator.post(f"/api/v1/delphi/studies/{world['study']}/close")).status_code == 200
    # A stakeholder of the platform reads the closed study's report with counts, not names.
    stakeholder = await people("partner", "stakeholder", ["IT"])
    read = await stakeholder.get(path)
    assert read.status_code == 200, read.text
    assert "Giulia Bianchi" not in read.text and "Ada Neri" not in read.text


async def test_the_pdf_holds_the_figures(facilitator, client):
    world = await two_rounds(facilitator, client)
    response = await facilitator.get(f"/api/v1/delphi/studies/{world['study']}/report?format=pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    text = " ".join(
        " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.content)).pages).split()
    )
    assert "Bottom-up recommendations on youth migration policy" in text
    assert "Housing first" in text and "8.25–8.75" in text and "66.7" in text
    assert "Giulia Bianchi" not in text


async def test_the_report_in_arabic_runs_right_to_left_with_the_arabic_statement(facilitator, client):
    world = await two_rounds(facilitator, client)
    path = f"/api/v1/delphi/studies/{world['study']}/report?language=ar"
    html = (await facilitator.get(path)).text
    assert '<html lang="ar" dir="rtl">' in html
    assert '<span lang="ar" dir="auto">السكن أولا</span>' in html
    # A statement without Arabic shows in the study's first language, marked as such.
    assert '<span lang="en" dir="auto">School places for all</span> <span class="fallback">' in html
    assert cells(html, world["housing"])[1:4] == ["2", "8.5", "8.25–8.75"]
    pdf = await facilitator.get(path + "&format=pdf")
    assert pdf.status_code == 200, pdf.text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "delphi-report-ar.pdf").write_bytes(pdf.content)  # to look at
    (ARTIFACTS / "delphi-report-ar.html").write_text(html)
    text = " ".join(
        " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.content)).pages).split()
    )
    assert "8.25" in text and "66.7" in text and "School places for all" in text
    assert re.search("[\u0600-\u06ff]", text)


@pytest.mark.parametrize("query", ["?format=odt", "?language=xx"])
async def test_a_bad_format_or_language_is_a_localised_4xx(facilitator, client, query):
    study_id = await start_study(facilitator)
    response = await facilitator.get(f"/api/v1/delphi/studies/{study_id}/report{query}")
    assert response.status_code in {400, 422}
    assert response.headers["content-type"] == "application/problem+json"


async def test_who_may_read_the_report(facilitator, client, people):
    world = await two_rounds(facilitator, client)
    path = f"/api/v1/delphi/studies/{world['study']}/report"
    stakeholder = await people("partner", "stakeholder", ["IT"])
    elsewhere = await people("partner-de", "stakeholder", ["DE"])
    other = await people("forscher", "researcher", ["DE"])
    youth = await people("amina", "youth", ["IT"])
    assert (await stakeholder.get(path)).status_code == 404  # not before the study is closed
    assert (await other.get(path)).status_code == 404
    assert (await youth.get(path)).status_code == 403
    assert (await facilitator.post(f"/api/v1/delphi/studies/{world['study']}/close")).status_code == 200
    assert (await stakeholder.get(path)).status_code == 200
    assert (await elsewhere.get(path)).status_code == 404
    assert (await other.get(path + "?format=pdf")).status_code == 404
    client.cookies.clear()
    assert (await client.get(path)).status_code == 401
    # A ballot link is no key to the report.
    token = world["panel"][0]["token"]
    assert (await client.get(path, headers={"Authorization": f"Bearer {token}"})).status_code == 401
