"""The impact report as a PDF: the figures a reader may see, in their language and direction,
read back with pypdf; another platform's figures never in it."""

from __future__ import annotations

import io

import pypdf
import pytest

from tests.impact.conftest import focus_group, stakeholder_entry, write_note


def text_of(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
async def researcher(people):
    return await people("rosa", "researcher", ["DE", "IT"])


async def test_the_report_holds_each_platforms_figures_and_the_charts(people, researcher):
    amina = await people("amina", "youth", ["DE"])
    giulia = await people("giulia", "youth", ["IT"])
    for _ in range(3):
        await write_note(amina)
    await focus_group(giulia, 7, platform="IT")
    await stakeholder_entry(researcher, "DE", "ngo", "local")

    response = await researcher.get("/api/v1/impact/report.pdf")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith('attachment; filename="impact-all-')
    assert response.headers["cache-control"] == "no-store"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    # The total, then each platform on a page of its own.
    assert len(reader.pages) >= 3
    text = text_of(response.content)
    assert "Impact: All my platforms" in text
    assert "Germany" in text and "Italy" in text
    assert "Interviews 3" in text or "Interviews\n3" in text
    assert "Focus group participants 7" in text or "Focus group participants\n7" in text
    assert "Figures by platform" in text and "Stakeholders by sector" in text
    assert "Figures over time" in text


async def test_a_report_of_one_platform_leaves_the_others_out(people, researcher):
    amina = await people("amina", "youth", ["DE"])
    await write_note(amina)
    await write_note(amina)

    response = await researcher.get("/api/v1/impact/report.pdf", params={"platform": "IT"})

    assert response.status_code == 200, response.text
    text = text_of(response.content)
    assert "Impact: Italy" in text
    assert "Germany" not in text
    assert "Interviews 0" in text or "Interviews\n0" in text


async def test_the_report_is_in_the_readers_language_arabic_right_to_left(people):
    amina = await people("amina", "youth", ["DE"])
    await write_note(amina)
    layla = await people("layla", "researcher", ["DE"], language="ar")

    response = await layla.get("/api/v1/impact/report.pdf")

    assert response.status_code == 200, response.text
    text = text_of(response.content)
    # Germany's name and the title in Arabic, as CLDR and the catalogue give them.
    assert "ألمانيا" in text
    assert "Interviews" not in text


async def test_another_platforms_report_is_refused_and_nobody_gets_one_without_a_session(client, people):
    worker = await people("wanda", "youth_worker", ["DE"])
    response = await worker.get("/api/v1/impact/report.pdf", params={"platform": "IT"})
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    youth = await people("amina", "youth", ["DE"])
    assert (await youth.get("/api/v1/impact/report.pdf")).status_code == 403
    assert (await client.get("/api/v1/impact/report.pdf")).status_code == 401
