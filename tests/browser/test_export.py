"""Export from the app: a researcher downloads notes with the progress shown, can cancel, and a
download whose connection drops resumes where it stopped with the same bytes."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import LiveServer
from tests.browser.phone import Person, sign_in, sign_out
from tests.notes.conftest import note_body

# Line breaks and quotes inside a field: the app counts records as they arrive, and a line
# break inside quotes ends none.
TEXTS = ['She said: "we stay".\nThen we left.', "Line one\r\nline two, with a comma", 'Only "quotes"']


@pytest.fixture
def researcher(live_server: LiveServer) -> Person:
    author = live_server.create_person("youth", ("DE",))
    api = live_server.api(author)
    for text in TEXTS:
        note = note_body(platform="DE", text=text)
        assert api.request("PUT", f"/api/v1/notes/{note['id']}", json=note).status_code == 201
    return live_server.create_person("researcher", ("DE",))


def open_export(page: Page, researcher: Person, format_: str) -> None:
    sign_in(page, researcher)
    page.goto("/#/export")
    page.get_by_label("Format").select_option(format_)
    page.get_by_label("Which notes").select_option("any")
    page.get_by_label("Platform").select_option("DE")


def as_downloaded(live_server: LiveServer, researcher: Person, format_: str) -> bytes:
    """What the API sends for the same filters now: the bytes the app's file must hold."""
    response = live_server.api(researcher).request(
        "GET", "/api/v1/exports/notes", params={"format": format_, "status": "any", "platform": "DE"}
    )
    assert response.status_code == 200
    return response.content


def count_of(live_server: LiveServer, researcher: Person) -> int:
    response = live_server.api(researcher).request(
        "GET", "/api/v1/exports/notes", params={"format": "ndjson", "status": "any", "platform": "DE"}
    )
    return int(response.headers["X-Export-Count"])


@pytest.mark.parametrize("format_", ["csv", "ndjson"])
def test_a_download_counts_its_notes_as_they_arrive_and_saves_the_file(
    page: Page, live_server: LiveServer, researcher: Person, format_: str
):
    open_export(page, researcher, format_)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download").click()
    notes = count_of(live_server, researcher)
    assert notes >= len(TEXTS)
    # The notes counted in the bytes that arrived, line breaks inside quotes left out.
    expect(
        page.locator("main").get_by_text(re.compile(rf"Download complete: {notes} notes, \d+ kB"))
    ).to_be_visible()
    saved = download.value
    assert saved.suggested_filename == f"tessera-notes.{format_}"
    assert saved.path().read_bytes() == as_downloaded(live_server, researcher, format_)


# The first export's body breaks off halfway, as a dropped connection breaks it: reading the
# rest rejects with the TypeError Chromium gives for a network error.
DROP_THE_FIRST_EXPORT = """
const realFetch = window.fetch;
let dropped = false;
window.fetch = async (input, init) => {
  const response = await realFetch(input, init);
  if (dropped || !String(input).includes("/api/v1/exports/notes")) return response;
  dropped = true;
  const bytes = new Uint8Array(await response.arrayBuffer());
  let sent = false;
  const half = new ReadableStream({
    pull(controller) {
      if (sent) return controller.error(new TypeError("network error"));
      sent = true;
      controller.enqueue(bytes.slice(0, Math.floor(bytes.length / 2)));
    },
  });
  return new Response(half, { status: response.status, headers: response.headers });
};
"""


def download_until_the_connection_drops(page: Page) -> None:
    page.get_by_role("button", name="Download").click()
    expect(
        page.locator("main").get_by_text("The connection was lost: resuming the download…")
    ).to_be_visible()


def test_a_download_whose_connection_drops_resumes_with_the_rest_of_the_same_file(
    page: Page, live_server: LiveServer, researcher: Person
):
    whole = as_downloaded(live_server, researcher, "csv")
    asked: list[dict[str, str]] = []

    def record(route: Route) -> None:
        asked.append(route.request.all_headers())
        route.continue_()

    page.route(re.compile(r"/api/v1/exports/notes\?"), record)
    page.add_init_script(DROP_THE_FIRST_EXPORT)
    open_export(page, researcher, "csv")
    with page.expect_download() as download:
        download_until_the_connection_drops(page)
    assert download.value.path().read_bytes() == whole
    assert len(asked) == 2
    resumed: dict[str, Any] = asked[1]
    assert resumed["range"] == f"bytes={len(whole) // 2}-"
    assert resumed["if-range"].startswith('"')


def test_a_download_resumed_after_the_data_changed_holds_the_new_data_whole(
    page: Page, live_server: LiveServer, researcher: Person
):
    before = as_downloaded(live_server, researcher, "csv")
    page.add_init_script(DROP_THE_FIRST_EXPORT)
    open_export(page, researcher, "csv")
    with page.expect_download() as download:
        download_until_the_connection_drops(page)
        # While the app waits to resume, a note is added: the first half is of data that changed.
        author = live_server.create_person("youth", ("DE",))
        note = note_body(platform="DE", text="Written while the download waited.")
        assert (
            live_server.api(author).request("PUT", f"/api/v1/notes/{note['id']}", json=note).status_code
            == 201
        )
    saved = download.value.path().read_bytes()
    assert saved == as_downloaded(live_server, researcher, "csv") != before
    assert b"Written while the download waited." in saved


def test_a_download_goes_on_while_the_person_looks_at_another_screen(page: Page, researcher: Person):
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)

    page.route(re.compile(r"/api/v1/exports/notes\?"), hold)
    open_export(page, researcher, "csv")
    page.get_by_role("button", name="Download").click()
    # Focus moves to the Cancel button, and the form cannot start a second download.
    expect(page.get_by_role("button", name="Cancel")).to_be_focused()
    expect(page.get_by_role("button", name="Download")).to_be_disabled()
    page.goto("/#/settings")
    expect(page.locator("main h1")).to_have_text("Settings")
    page.goto("/#/export")
    expect(page.locator("main").get_by_text("Preparing the export…")).to_be_visible()
    expect(page.get_by_role("button", name="Download")).to_be_disabled()
    page.get_by_role("button", name="Cancel").click()
    expect(page.locator("main").get_by_text("Download cancelled.")).to_be_visible()
    expect(page.get_by_role("button", name="Download")).to_be_enabled()
    assert len(held) == 1


def test_someone_else_signing_in_on_the_phone_never_sees_the_last_persons_download(
    page: Page, live_server: LiveServer, researcher: Person
):
    # Signing out starts the app afresh: nothing of a download on its way may outlive it.
    page.route(re.compile(r"/api/v1/exports/notes\?"), lambda route: None)  # never answered
    open_export(page, researcher, "csv")
    page.get_by_role("button", name="Download").click()
    expect(page.locator("main").get_by_text("Preparing the export…")).to_be_visible()
    sign_out(page)
    sign_in(page, live_server.create_person("researcher", ("DE",)))
    page.goto("/#/export")
    expect(page.get_by_role("button", name="Download")).to_be_enabled()
    expect(page.locator("main").get_by_text("Preparing the export…")).to_have_count(0)
    expect(page.get_by_role("button", name="Cancel")).to_have_count(0)


def test_a_download_can_be_cancelled_before_it_ends(page: Page, researcher: Person):
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)  # never answered: the export is still being prepared

    page.route(re.compile(r"/api/v1/exports/notes\?"), hold)
    open_export(page, researcher, "xlsx")
    page.get_by_role("button", name="Download").click()
    expect(page.locator("main").get_by_text("Preparing the export…")).to_be_visible()
    page.get_by_role("button", name="Cancel").click()
    expect(page.locator("main").get_by_text("Download cancelled.")).to_be_visible()
    # The form is ready for another try.
    expect(page.get_by_role("button", name="Download")).to_be_enabled()
    assert len(held) == 1
