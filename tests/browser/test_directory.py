"""A researcher keeps their platform's stakeholder directory on the phone: adds an entry, is
warned (with a link) when the same person is already there, applies an edit again over someone
else's, finds the entry with a search that ignores accents, and checks a mapping file before
importing it, seeing every bad row and field."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import BrowserContext, expect

from tests.browser.conftest import LiveServer
from tests.browser.phone import sign_in

MAPPING_WITH_A_BAD_ROW = (
    b"organisation,person_name,email,sector,level,contact_basis\n"
    b"Scuola Pascoli,,segreteria@pascoli.example.org,education,local,legitimate_interest\n"
    b"Centro Astalli,Marco Verdi,not-an-address,ngo,national,consent\n"
)


def test_a_researcher_adds_an_entry_is_warned_of_a_duplicate_and_sees_a_bad_row_of_a_file(
    new_phone: Callable[..., BrowserContext], live_server: LiveServer
):
    researcher = live_server.create_person("researcher", ("IT",))
    page = new_phone().new_page()
    sign_in(page, researcher)

    page.goto("/#/directory/new")
    page.get_by_label("Organisation").fill("Caritas Roma")
    page.get_by_label("Person (optional)").fill("Giulia Rossi")
    page.get_by_label("Sector").select_option("ngo")
    page.get_by_role("button", name="Add to the directory").click()
    expect(page.locator("main h1")).to_have_text("Giulia Rossi, Caritas Roma")
    entry_url = page.url

    # The same person written another way: the stored entry is shown, with a way to it, and
    # what was typed stays.
    page.goto("/#/directory/new")
    page.get_by_label("Organisation").fill("CARITAS ROMA")
    page.get_by_label("Person (optional)").fill("Giúlia Rossi")
    page.get_by_role("button", name="Add to the directory").click()
    warning = page.locator("[data-stored-entry]")
    expect(warning).to_contain_text("already in the directory")
    expect(page.get_by_label("Person (optional)")).to_have_value("Giúlia Rossi")
    warning.get_by_role("link", name="Open the stored entry").click()
    expect(page).to_have_url(entry_url)

    # Someone else changes the entry while the researcher edits it: the stored entry is shown,
    # what they typed stays, and applying it again keeps the other person's change.
    page.get_by_role("link", name="Change").click()
    page.get_by_label("Town or area (optional)").fill("Roma, Esquilino")
    entry_id = entry_url.rsplit("/", 1)[1]
    meanwhile = live_server.api(researcher).request(
        "PATCH", f"/api/v1/stakeholders/{entry_id}", json={"version": 1, "role_title": "Coordinator"}
    )
    assert meanwhile.status_code == 200, meanwhile.text
    page.get_by_role("button", name="Save changes").click()
    stored = page.locator("[data-stored-entry]")
    expect(stored).to_contain_text("Coordinator")
    expect(page.get_by_label("Town or area (optional)")).to_have_value("Roma, Esquilino")
    stored.get_by_role("button", name="Apply my changes again").click()
    expect(page).to_have_url(entry_url)
    expect(page.locator("main .details")).to_contain_text("Roma, Esquilino")
    expect(page.locator("main .details")).to_contain_text("Coordinator")

    # Searching without the accent the person typed finds the entry.
    page.goto("/#/directory")
    page.get_by_label("Organisation or person").fill("giulia")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#entries [data-entry]")).to_have_count(1)

    page.goto("/#/directory/import")
    page.locator("input[type=file]").set_input_files(
        {"name": "mapping.csv", "mimeType": "text/csv", "buffer": MAPPING_WITH_A_BAD_ROW}
    )
    page.get_by_role("button", name="Check the file").click()
    bad = page.locator("[data-bad-rows] tbody tr")
    expect(bad).to_have_count(1)
    expect(bad.first.locator("td").nth(0)).to_have_text("3")
    expect(bad.first.locator("td").nth(1)).to_have_text("email")
    expect(page.get_by_role("button", name="Import", exact=True)).to_be_disabled()
    # Nothing was written: the school is not in the directory.
    page.goto("/#/directory?platform=IT&q=pascoli")
    expect(page.get_by_text("Nothing matches this search.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"q=pascoli"))
