"""The Impact screen on a phone: a stakeholder reads their platform's figures as a young person's
sent notes reach them, with the server's charts, in their language and direction, and prints a
report without the app's chrome."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from playwright.sync_api import BrowserContext, expect

from tests.browser.conftest import LiveServer
from tests.browser.phone import GUIDE_ID, sign_in

FIGURES_WIDTH = """() => document.documentElement.scrollWidth <= window.innerWidth"""


# The live server is shared by the session's browser tests: a platform no other test writes to.
PLATFORM, PLATFORM_NAME = "SI", "Slovenia"


def send_note(live_server: LiveServer, author, kind: str = "interview", **fields) -> None:
    note_id = str(uuid.uuid4())
    body = {
        "id": note_id,
        "base_version": 0,
        "kind": kind,
        "platform": PLATFORM,
        "language": "en",
        "recorded_at": "2026-11-01T10:00:00Z",
        "interviewee_code": "DE-INT-001",
        "consent_confirmed": True,
        "guide_id": GUIDE_ID,
        "answers": {"age_band": "16_17", "belonging": 4},
        **fields,
    }
    response = live_server.api(author).request("PUT", f"/api/v1/notes/{note_id}", json=body)
    assert response.status_code == 201, response.text


def test_a_stakeholder_reads_their_platforms_figures_and_charts(
    new_phone: Callable[..., BrowserContext], live_server: LiveServer
):
    author = live_server.create_person("youth", (PLATFORM,))
    send_note(live_server, author)
    send_note(live_server, author, kind="focus_group", participants={"count": 7})
    send_note(live_server, author, status="draft")
    stakeholder = live_server.create_person("stakeholder", (PLATFORM,))
    page = new_phone().new_page()
    sign_in(page, stakeholder)

    page.locator("#nav a", has_text="Impact").click()

    expect(page.get_by_role("heading", name="Impact", level=1)).to_be_visible()
    platform = page.get_by_role("region", name=PLATFORM_NAME)
    expect(platform.locator("div", has=page.locator("dt", has_text="Interviews")).locator("dd")).to_have_text(
        "1"
    )
    expect(
        platform.locator("div", has=page.locator("dt", has_text="Focus group participants")).locator("dd")
    ).to_have_text("7")
    expect(
        platform.locator("div", has=page.locator("dt", has_text="Peer researchers")).locator("dd")
    ).to_have_text("1")
    # Only their platform: no other country's card.
    expect(page.locator(".impact-card")).to_have_count(2)
    for name in ("Figures by platform", "Figures over time"):
        chart = page.get_by_role("img", name=name)
        expect(chart).to_be_visible()
        # The chart is drawn on the server when asked for: it has arrived once it has a width.
        page.wait_for_function(
            "image => image.complete && image.naturalWidth > 0", arg=chart.element_handle()
        )
    assert page.evaluate(FIGURES_WIDTH)


def test_the_report_prints_without_the_apps_chrome(
    new_phone: Callable[..., BrowserContext], live_server: LiveServer
):
    researcher = live_server.create_person("researcher", ("DE",))
    page = new_phone().new_page()
    sign_in(page, researcher)
    page.goto("/#/impact")
    expect(page.get_by_role("button", name="Print the report")).to_be_visible()

    page.emulate_media(media="print")

    expect(page.locator("#nav")).to_be_hidden()
    expect(page.get_by_role("button", name="Print the report")).to_be_hidden()
    expect(page.locator(".impact-card").first).to_be_visible()


def test_in_arabic_the_screen_reads_right_to_left_on_a_small_phone(
    new_phone: Callable[..., BrowserContext], live_server: LiveServer
):
    stakeholder = live_server.create_person("stakeholder", ("DE",), language="ar")
    page = new_phone(viewport={"width": 320, "height": 640}).new_page()
    sign_in(page, stakeholder)
    page.goto("/#/impact")

    expect(page.locator(".impact-card").first).to_be_visible()
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate(FIGURES_WIDTH)


def test_the_report_downloads_as_a_pdf_of_the_chosen_platform(
    new_phone: Callable[..., BrowserContext], live_server: LiveServer
):
    researcher = live_server.create_person("researcher", (PLATFORM,))
    page = new_phone().new_page()
    sign_in(page, researcher)
    page.goto("/#/impact")

    # The first PDF starts the PDF process: seconds on a busy machine.
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("link", name="Download the report as PDF").click()

    path = download.value.path()
    assert download.value.suggested_filename.startswith("impact-si-")
    with open(path, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
