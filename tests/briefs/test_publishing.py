"""Review, publishing and documents: a second researcher approves, the public page is readable by
anyone and escapes everything, Arabic reads right to left, and the PDF and DOCX open."""

from __future__ import annotations

import asyncio
import io
import time

import docx
import pypdf

from server.briefs import documents
from tests.accounts.test_last_admin import served, session_headers
from tests.briefs.conftest import path_of, publish, quote, save, start_brief


async def test_publishing_needs_the_approval_of_a_researcher_who_is_not_an_author(world):
    rosa, omar, lena = world["rosa"], world["omar"], world["lena"]
    brief = await start_brief(rosa)
    await rosa.post(f"/api/v1/briefs/{brief['id']}/authors", json={"user_id": omar.id})
    unreviewed = await rosa.post(f"/api/v1/briefs/{brief['id']}/publish")
    assert unreviewed.status_code == 409
    assert unreviewed.json()["type"] == "urn:tessera:problem:brief-not-reviewed"
    # Neither author may approve it.
    for author in (rosa, omar):
        own = await author.post(
            f"/api/v1/briefs/{brief['id']}/review", json={"decision": "approve", "version": 1}
        )
        assert own.status_code == 403
    # A researcher of another platform finds nothing to review.
    other = await world["marco"].post(
        f"/api/v1/briefs/{brief['id']}/review", json={"decision": "approve", "version": 1}
    )
    assert other.status_code == 404
    # An approval of an older version does not count.
    saved = (await save(rosa, brief, summary="Changed after it was read.")).json()
    stale = await lena.post(
        f"/api/v1/briefs/{brief['id']}/review", json={"decision": "approve", "version": 1}
    )
    assert stale.status_code == 409
    assert stale.json()["brief"]["version"] == 2
    approved = await lena.post(
        f"/api/v1/briefs/{brief['id']}/review", json={"decision": "approve", "version": 2}
    )
    assert approved.status_code == 200
    # The reviewer cannot publish what they did not write.
    assert (await lena.post(f"/api/v1/briefs/{brief['id']}/publish")).status_code == 403
    # An edit after approval needs approval again.
    await save(rosa, saved, summary="One more change.")
    assert (await omar.post(f"/api/v1/briefs/{brief['id']}/publish")).status_code == 409
    url = await publish(omar, lena, brief["id"])
    assert url.startswith("http") and "/briefs/housing-for-young-newcomers-" in url
    read = (await rosa.get(f"/api/v1/briefs/{brief['id']}")).json()
    assert read["status"] == "published" and read["url"] == url


async def test_the_public_page_is_read_without_signing_in_and_escapes_everything(world, client):
    rosa = world["rosa"]
    brief = await start_brief(rosa, title="<script>alert(1)</script> Housing")
    await save(
        rosa,
        brief,
        title="<script>alert(1)</script> Housing",
        summary='Rents & "costs" <b>doubled</b>.',
        sections=[{"heading": "<img src=x onerror=alert(2)>", "body": "Body <i>text</i>"}],
        recommendations=[{"text": "<a href='javascript:x'>Fund flats</a>"}],
    )
    await quote(rosa, brief["id"], "note", world["notes"]["mail"]["id"])
    url = await publish(rosa, world["lena"], brief["id"])
    client.cookies.clear()
    page = await client.get(path_of(url))
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    for raw in ("<script>", "<img", "<b>", "<i>", "<a href"):
        assert raw not in html, raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Housing" in html
    assert "Rents &amp; &quot;costs&quot; &lt;b&gt;doubled&lt;/b&gt;." in html
    assert "She moved here at 14. Mail: [redacted] and a flat." in html
    assert "amina" not in html.lower()
    assert '<html lang="en" dir="ltr">' in html
    assert '<meta property="og:title"' in html
    assert "@media print" in html
    assert "script-src" not in page.headers["content-security-policy"]
    assert "default-src 'none'" in page.headers["content-security-policy"]


async def test_an_unpublished_or_unknown_brief_has_no_public_page(world, client):
    brief = await start_brief(world["rosa"])
    client.cookies.clear()
    for path in ("/briefs/housing-for-young-newcomers", f"/briefs/{brief['id']}", "/briefs/NOT%20A%20SLUG"):
        assert (await client.get(path)).status_code == 404
    # Anonymous callers get nothing of the API.
    assert (await client.get(f"/api/v1/briefs/{brief['id']}")).status_code == 401


async def test_an_arabic_brief_reads_right_to_left_on_its_page_and_in_word(world, client):
    rosa = world["rosa"]
    brief = await start_brief(rosa, title="السكن للشباب", language="ar")
    await save(
        rosa,
        brief,
        title="السكن للشباب",
        summary="تضاعفت الإيجارات.",
        sections=[{"heading": "ما وجدناه", "body": "غرفة واحدة لخمسة أشخاص."}],
        recommendations=[{"text": "تمويل الشقق المشتركة."}],
    )
    url = await publish(rosa, world["lena"], brief["id"])
    client.cookies.clear()
    page = await client.get(path_of(url))
    assert '<html lang="ar" dir="rtl">' in page.text
    assert page.headers["content-language"] == "ar"
    response = await rosa.get(f"/api/v1/briefs/{brief['id']}/document?format=docx")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    document = docx.Document(io.BytesIO(response.content))
    texts = [paragraph.text for paragraph in document.paragraphs]
    assert "السكن للشباب" in texts and "غرفة واحدة لخمسة أشخاص." in texts
    for paragraph in document.paragraphs:
        assert paragraph._p.pPr is not None and paragraph._p.pPr.find(docx.oxml.ns.qn("w:bidi")) is not None


async def test_the_pdf_is_a_pdf_holding_the_title_and_the_redacted_quote(world):
    rosa = world["rosa"]
    brief = await start_brief(rosa, title="Housing for young newcomers in Leipzig")
    await quote(rosa, brief["id"], "note", world["notes"]["mail"]["id"])
    response = await world["omar"].get(f"/api/v1/briefs/{brief['id']}/document?format=pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    pages = pypdf.PdfReader(io.BytesIO(response.content)).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).split())
    assert "Housing for young newcomers in Leipzig" in text
    assert "[redacted]" in text and "amina.k@example.org" not in text


async def test_one_person_waits_for_two_pdfs_at_most_and_a_full_queue_asks_everyone_to_come_back(
    world, make_app, monkeypatch
):
    """PDFs are drawn one after the other: nobody may fill the queue so that everyone waits."""
    brief = await start_brief(world["rosa"])
    path = f"/api/v1/briefs/{brief['id']}/document?format=pdf"
    # The app on the test's own loop, so that requests sent together arrive together.
    async with served(make_app()) as client:
        rosa, omar = await session_headers(client, "rosa"), await session_headers(client, "omar")
        # The PDF process is busy for a while, so the PDFs asked for meanwhile wait in the queue.
        documents._processes().submit(time.sleep, 3)
        three = await asyncio.gather(*(client.get(path, headers=rosa) for _ in range(3)))
        assert sorted(answer.status_code for answer in three) == [200, 200, 429]
        refused = next(answer for answer in three if answer.status_code == 429)
        assert refused.json()["type"] == "urn:tessera:problem:rate-limited"
        assert "2 PDFs" in refused.json()["detail"] and int(refused.headers["retry-after"]) > 0
        assert all(answer.content.startswith(b"%PDF") for answer in three if answer.status_code == 200)
        # Once they are downloaded, the person's places are free again.
        assert (await client.get(path, headers=rosa)).status_code == 200

        monkeypatch.setattr(documents, "PDFS_WAITING", 1)
        documents._processes().submit(time.sleep, 3)
        two = await asyncio.gather(client.get(path, headers=rosa), client.get(path, headers=omar))
        assert sorted(answer.status_code for answer in two) == [200, 503]
        full = next(answer for answer in two if answer.status_code == 503)
        assert full.json()["type"] == "urn:tessera:problem:service-unavailable"
        assert full.headers["retry-after"] == "60"


async def test_a_stakeholder_downloads_a_published_brief_but_not_a_draft_and_a_bad_format_is_422(world):
    rosa, stakeholder = world["rosa"], world["stakeholder"]
    draft = await start_brief(rosa)
    assert (await stakeholder.get(f"/api/v1/briefs/{draft['id']}/document?format=docx")).status_code == 404
    await publish(rosa, world["lena"], draft["id"])
    assert (await stakeholder.get(f"/api/v1/briefs/{draft['id']}/document?format=docx")).status_code == 200
    bad = await stakeholder.get(f"/api/v1/briefs/{draft['id']}/document?format=odt")
    assert bad.status_code in {400, 422}
    assert bad.headers["content-type"] == "application/problem+json"


async def test_a_quote_added_after_publishing_waits_for_the_next_review_before_it_is_public(world, client):
    rosa, lena = world["rosa"], world["lena"]
    brief = await start_brief(rosa)
    url = await publish(rosa, lena, brief["id"])
    added = await quote(rosa, brief["id"], "event_outcome", world["outcome"]["id"])
    assert added.status_code == 201, added.text
    client.cookies.clear()
    page = (await client.get(path_of(url))).text
    assert "Waiting lists for shared flats" not in page
    stakeholder_read = (await world["stakeholder"].get(f"/api/v1/briefs/{brief['id']}")).json()
    assert stakeholder_read["evidence"] == []
    # Reviewed and published again, it is public.
    await publish(rosa, lena, brief["id"])
    client.cookies.clear()
    assert "Waiting lists for shared flats" in (await client.get(path_of(url))).text


async def test_a_control_character_pasted_into_a_brief_still_gives_a_word_document(world):
    rosa = world["rosa"]
    brief = await start_brief(rosa)
    saved = await save(rosa, brief, summary="Pasted from a chat:\u000b two lines\u0001.")
    assert saved.status_code == 200, saved.text

    response = await rosa.get(f"/api/v1/briefs/{brief['id']}/document?format=docx")

    assert response.status_code == 200, response.text
    text = "\n".join(paragraph.text for paragraph in docx.Document(io.BytesIO(response.content)).paragraphs)
    assert "Pasted from a chat: two lines." in text
