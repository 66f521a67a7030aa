"""Delphi studies on a facilitator's phone: a researcher starts a study, adds statements by
theme (one lacking a translation), puts people on the panel from the directory and by name,
opens the first round, closes it once the panel has rated, reads the results, finds the rule
locked and revokes a link; a stakeholder then reads the closed study's results, read only.
The screens also pass axe in Arabic, right to left."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.phone import axe_scan, screenshot, sign_in, wait_for_quiet_network
from tests.browser.test_accessibility import seed_delphi


def add_statement(page: Page, theme: str, english: str, arabic: str = "") -> None:
    form = page.locator("form", has=page.get_by_role("heading", name="Add a statement"))
    form.get_by_label("Theme (optional)").fill(theme)
    form.get_by_label("Text in English").fill(english)
    if arabic:
        form.get_by_label(re.compile(r"^Text in .+ \(optional\)$")).fill(arabic)
    form.get_by_role("button", name="Add the statement").click()
    expect(page.locator("#statements").get_by_text(english)).to_be_visible()


def open_delphi_from_more(page: Page) -> None:
    """Delphi is under "More": researchers' and stakeholders' bars are full."""
    wait_for_quiet_network(page.context)
    more = page.get_by_role("navigation").locator(".more-button")
    more.click()
    expect(more).to_have_attribute("aria-expanded", "true")
    page.locator("#more-places").get_by_role("link", name="Delphi").click()
    expect(page.locator("main h1")).to_have_text("Delphi studies")


def shown_link_token(page: Page) -> str:
    link = page.locator("[data-ballot-url]")
    expect(link).to_contain_text("/#/ballot/")
    return link.inner_text().rsplit("/", 1)[1]


def test_a_researcher_runs_a_round_from_start_to_results_and_a_stakeholder_reads_them(
    new_phone: Callable[..., BrowserContext], live_server: LiveServer
):
    researcher = live_server.create_person("researcher", ("SE",))
    entry = live_server.api(researcher).request(
        "POST",
        "/api/v1/stakeholders",
        json={
            "platform": "SE",
            "organisation": "Migrationsverket Göteborg",
            "person_name": "Karin Lind",
            "email": "karin@example.org",
            "sector": "public_authority",
            "level": "regional",
            "contact_basis": "consent",
        },
    )
    assert entry.status_code == 201, entry.text
    page = new_phone().new_page()
    sign_in(page, researcher)

    open_delphi_from_more(page)
    page.get_by_role("link", name="New study").click()
    page.get_by_label("Title").fill("Young people and work")
    page.get_by_label("Rating scale", exact=True).select_option("7")
    page.get_by_label("Agreement from this point").fill("5")
    page.get_by_label("Disagreement up to this point").fill("3")
    page.get_by_label("First language").select_option("en")
    page.locator("input[name=other_languages][value=ar]").check()
    screenshot(page, "delphi-new-filled")
    page.get_by_role("button", name="Start the study").click()
    expect(page.locator("main h1")).to_have_text("Young people and work")
    expect(page).to_have_url(re.compile(r"#/delphi/[0-9a-f-]{36}$"))
    study_id = page.url.rsplit("/", 1)[1]
    expect(page.locator("[data-rule=percent]")).to_contain_text("at least 70% rate 5 or more")

    add_statement(page, "Work", "Work permits come with the residence permit.")
    add_statement(page, "School", "Schools offer language classes.", "تقدم المدارس دروس اللغة.")
    work = page.locator("[data-theme=Work] [data-statement]")
    school = page.locator("[data-theme=School] [data-statement]")
    expect(work.locator("[data-missing]")).to_have_attribute("data-missing", "ar")
    expect(school.locator("[data-missing]")).to_have_attribute("data-missing", "")

    # From the directory: the link goes by e-mail, and is shown once here too.
    search = page.locator("form", has=page.get_by_role("heading", name="Add from the stakeholder directory"))
    search.get_by_label("Organisation or person").fill("lind")
    search.get_by_role("button", name="Search").click()
    page.get_by_role("button", name="Add Karin Lind (Migrationsverket Göteborg) to the panel").click()
    karin = shown_link_token(page)
    panellists = page.locator("#panellists [data-panellist]")
    expect(panellists).to_have_count(1)
    expect(panellists.first.locator("[data-invitation]")).to_have_attribute("data-invitation", "emailed")

    by_name = page.locator("form", has=page.get_by_role("heading", name="Add by name and e-mail"))
    by_name.get_by_label("Name").fill("Omar Said")
    by_name.get_by_label("Language of the ballot").select_option("ar")
    by_name.get_by_role("button", name="Add to the panel").click()
    expect(panellists).to_have_count(2)
    omar = shown_link_token(page)
    assert omar != karin
    expect(panellists.nth(1).locator("[data-invitation]")).to_have_attribute("data-invitation", "by-hand")

    page.get_by_role("button", name="Open round 1").click()
    round_one = page.locator("#rounds [data-round='1']")
    expect(round_one).to_have_attribute("data-open", "true")
    expect(round_one.locator("[data-attrition]")).to_contain_text("2 panellists invited")
    screenshot(page, "delphi-study-round-open")

    # The panel rates by its links, with no account.
    study = live_server.api(researcher).get(f"/api/v1/delphi/studies/{study_id}")
    statements = {item["text"]["en"]: item["id"] for item in study["statements"]}
    with httpx.Client(base_url=live_server.base_url, timeout=15) as link:
        for token, ratings in ((karin, (6, 7)), (omar, (2, 7))):
            body = {
                "ratings": [
                    {
                        "statement_id": statements["Work permits come with the residence permit."],
                        "rating": ratings[0],
                    },
                    {"statement_id": statements["Schools offer language classes."], "rating": ratings[1]},
                ]
            }
            assert link.put(f"/api/v1/delphi/ballots/{token}", json=body).status_code == 200

    round_one.get_by_role("button", name="Close the round").click()
    page.get_by_role("dialog").get_by_role("button", name="Close the round").click()
    expect(round_one).to_have_attribute("data-open", "false")
    expect(round_one.locator("[data-attrition]")).to_contain_text("2 of 2 panellists answered (100%)")

    page.get_by_role("link", name="Results").click()
    expect(page.locator("main h1")).to_have_text("Results: Young people and work")
    results = page.locator("[data-round='1']")
    agreed = results.locator("[data-consensus]", has_text="Schools offer language classes.")
    expect(agreed).to_have_attribute("data-consensus", "in")
    expect(agreed).to_contain_text("Consensus: agreed")
    expect(agreed.locator(".figures")).to_contain_text("Median7")
    expect(agreed.locator("[data-point='7']")).to_have_attribute("data-count", "2")
    expect(agreed.locator(".dist-row")).to_have_count(7)
    split = results.locator("[data-consensus]", has_text="Work permits")
    expect(split).to_have_attribute("data-consensus", "none")
    expect(split.locator("[data-point='2']")).to_have_attribute("data-count", "1")
    screenshot(page, "delphi-results")

    # The rule was fixed when the round opened: the form shows it locked.
    page.goto(f"/#/delphi/{study_id}/edit")
    expect(page.locator("fieldset[data-locked=true]")).to_be_visible()
    expect(page.get_by_label("Rating scale", exact=True)).to_be_disabled()
    expect(page.get_by_label("Agreement from this point")).to_be_disabled()
    screenshot(page, "delphi-edit-locked")

    page.goto(f"/#/delphi/{study_id}")
    page.get_by_role("button", name="Revoke the link of Omar Said").click()
    page.get_by_role("dialog").get_by_role("button", name="Revoke the link").click()
    expect(panellists.nth(1)).to_have_attribute("data-revoked", "true")
    with httpx.Client(base_url=live_server.base_url, timeout=15) as link:
        assert link.get(f"/api/v1/delphi/ballots/{omar}").status_code == 404

    page.get_by_role("button", name="Close the study").click()
    page.get_by_role("dialog").get_by_role("button", name="Close the study").click()
    expect(page.get_by_role("button", name="Open round 2")).to_have_count(0)
    expect(page.locator("form", has=page.get_by_role("heading", name="Add a statement"))).to_have_count(0)

    # A stakeholder of the platform finds the closed study under "More" and reads its results.
    stakeholder = live_server.create_person("stakeholder", ("SE",))
    reader = new_phone().new_page()
    sign_in(reader, stakeholder)
    open_delphi_from_more(reader)
    reader.get_by_role("link", name=re.compile("Young people and work")).click()
    expect(reader.locator("main h1")).to_have_text("Results: Young people and work")
    expect(reader.locator("[data-consensus=in]")).to_contain_text("Schools offer language classes.")
    expect(reader.locator("main button")).to_have_count(0)
    expect(reader.locator("main form")).to_have_count(0)
    screenshot(reader, "delphi-results-stakeholder")
    # The facilitators' screens stay closed to them.
    for address in (f"#/delphi/{study_id}", "#/delphi/new", f"#/delphi/{study_id}/edit"):
        reader.goto(f"/{address}")
        expect(reader).to_have_url(re.compile(r"#/home$"))


def test_an_open_study_is_not_listed_for_stakeholders(
    new_phone: Callable[..., BrowserContext], live_server: LiveServer
):
    researcher = live_server.create_person("researcher", ("NL",))
    api = live_server.api(researcher)
    created = api.request(
        "POST",
        "/api/v1/delphi/studies",
        json={
            "title": "Still running",
            "platforms": ["NL"],
            "scale": {"min": 1, "max": 5},
            "consensus": {"kind": "iqr", "max_iqr": 1, "agree_from": 4, "disagree_to": 2},
            "anonymity": "anonymous",
            "languages": ["en"],
        },
    )
    assert created.status_code == 201, created.text
    page = new_phone().new_page()
    sign_in(page, live_server.create_person("stakeholder", ("NL",)))
    page.goto("/#/delphi")
    expect(page.locator("main h1")).to_have_text("Delphi studies")
    expect(page.get_by_text("No study has closed yet.")).to_be_visible()
    page.goto(f"/#/delphi/{created.json()['id']}/results")
    expect(page.locator("main .error")).to_be_visible()


def test_the_delphi_screens_pass_axe_in_arabic_right_to_left(
    new_phone: Callable[..., BrowserContext], live_server: LiveServer
):
    researcher = live_server.create_person("researcher", ("DE",), language="ar")
    youth_worker = live_server.api(live_server.create_person("youth_worker", ("DE",)))
    entry = youth_worker.request(
        "POST",
        "/api/v1/stakeholders",
        json={
            "platform": "DE",
            "organisation": "Jugendamt Köln",
            "sector": "public_authority",
            "level": "local",
            "contact_basis": "legitimate_interest",
        },
    )
    assert entry.status_code == 201, entry.text
    study_id, closed_id = seed_delphi(live_server, live_server.api(researcher), entry.json()["id"])
    stakeholder = live_server.create_person("stakeholder", ("DE",), language="ar")
    findings = []
    for person, routes in (
        (
            researcher,
            {
                "list": "#/delphi",
                "new": "#/delphi/new",
                "study": f"#/delphi/{study_id}",
                "edit": f"#/delphi/{study_id}/edit",
                "results": f"#/delphi/{study_id}/results",
            },
        ),
        (stakeholder, {"list": "#/delphi", "results": f"#/delphi/{closed_id}/results"}),
    ):
        page = new_phone().new_page()
        sign_in(page, person)
        for name, route in routes.items():
            page.evaluate("document.querySelector('main h1')?.setAttribute('data-left', '')")
            page.goto(f"/{route}")
            expect(page.locator("main h1:not([data-left])")).to_be_visible()
            expect(page.locator("html")).to_have_attribute("dir", "rtl")
            wait_for_quiet_network(page.context)
            screenshot(page, f"delphi-ar-{person.role}-{name}")
            findings += [
                f"{route}: {violation['id']} on {violation['targets']}" for violation in axe_scan(page)
            ]
    assert findings == []
