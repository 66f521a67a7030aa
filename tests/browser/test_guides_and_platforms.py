"""The staff's guide editor and the admins' platforms screen on a phone: a researcher writes a
guide in two languages, sees the server's objection next to the field it names, previews the
questions as peer researchers will see them, saves it and edits it into a second version, which
a young person of the platform then answers in their own language; an admin changes a
platform's languages and consent age; nobody else reaches either screen."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.phone import axe_scan, screenshot, sign_in, wait_for_quiet_network


def assert_no_serious_violation(page: Page) -> None:
    violations = axe_scan(page)
    assert violations == [], "\n".join(
        f"{violation['impact']}: {violation['id']} ({violation['help']}) on {violation['targets']}"
        for violation in violations
    )


def open_under_more(page: Page, place: str) -> None:
    wait_for_quiet_network(page.context)
    nav = page.get_by_role("navigation")
    nav.get_by_role("button", name="More").click()
    nav.get_by_role("link", name=place).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(place)


def write_texts(group, english: str, german: str) -> None:
    group.get_by_label("English (the guide's own language)").fill(english)
    group.get_by_label("Deutsch").fill(german)


def test_a_researcher_writes_a_guide_in_two_languages_and_a_young_person_answers_its_second_version(
    new_phone: Callable[..., BrowserContext], live_server: LiveServer
):
    page = new_phone().new_page()
    sign_in(page, live_server.create_person("researcher", ("PL",)))
    open_under_more(page, "Interview guides")
    page.get_by_role("link", name="New guide").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New guide")

    page.get_by_label("Another language").select_option(label="Deutsch")
    page.get_by_role("button", name="Add the language").click()
    expect(page.get_by_role("button", name="Remove Deutsch")).to_be_focused()
    write_texts(page.get_by_role("group", name="Title"), "Living here", "Hier leben")

    first = page.locator("[data-question='0']")
    first.get_by_label("Kind of answer").select_option(label="One choice")
    write_texts(
        first.get_by_role("group", name="Question text"), "Where do you live now?", "Wo wohnst du jetzt?"
    )
    write_texts(
        first.get_by_role("group", name="Option 1").get_by_role("group", name="Label"),
        "With family",
        "Bei der Familie",
    )
    # The second option has no English label yet: the server names the field.
    second_option = first.get_by_role("group", name="Option 2")
    second_option.get_by_label("Deutsch").fill("Allein")

    page.get_by_role("button", name="Add a question").click()
    number = page.locator("[data-question='1']")
    number.get_by_label("Kind of answer").select_option(label="Number")
    write_texts(
        number.get_by_role("group", name="Question text"),
        "How many years have you lived here?",
        "Wie viele Jahre lebst du schon hier?",
    )
    number.get_by_label("Smallest number (optional)").fill("0")
    number.get_by_label("Largest number (optional)").fill("50")

    page.get_by_role("button", name="Save the guide").click()
    complaint = second_option.locator(".field-error")
    expect(complaint).to_have_text("A text is needed in the guide's own language (en).")
    expect(second_option.get_by_label("English (the guide's own language)")).to_have_attribute(
        "aria-invalid", "true"
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("New guide")
    second_option.get_by_label("English (the guide's own language)").fill("On my own")

    page.get_by_role("button", name="Preview").click()
    shown = page.get_by_role("form", name="Preview")
    expect(
        shown.get_by_role("group", name="Where do you live now?").get_by_label("With family")
    ).to_be_visible()
    expect(shown.get_by_role("radio", name="On my own")).to_be_visible()
    expect(shown.get_by_label("How many years have you lived here?")).to_have_attribute("type", "number")
    page.get_by_label("Show the questions in").select_option(label="Deutsch")
    expect(
        shown.get_by_role("group", name="Wo wohnst du jetzt?").get_by_label("Bei der Familie")
    ).to_be_visible()
    screenshot(page, "researcher-guide-new-preview")
    assert_no_serious_violation(page)

    page.get_by_role("button", name="Save the guide").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Living here")
    expect(page).to_have_url(re.compile(r"#/guides/[0-9a-f-]{36}$"))
    guide_id = page.url.rsplit("/", 1)[1]
    expect(page.locator("[data-version]")).to_have_count(1)
    expect(page.locator("[data-version='1']")).to_contain_text("Version 1, the current one")

    # Version 2: a new question, moved to the front.
    page.get_by_role("button", name="Add a question").click()
    hopes = page.locator("[data-question='2']")
    write_texts(
        hopes.get_by_role("group", name="Question text"), "What do you hope for?", "Was wünschst du dir?"
    )
    hopes.get_by_label("An answer is required").check()
    hopes.get_by_role("button", name="Move up").click()
    page.locator("[data-question='1']").get_by_role("button", name="Move up").click()
    expect(page.locator("[data-question='0'] textarea").first).to_have_value("What do you hope for?")
    page.get_by_role("button", name="Save as version 2").click()
    expect(page.locator("[data-version]")).to_have_count(2)
    expect(page.locator("[data-version='2']")).to_contain_text("Version 2, the current one")
    page.locator("[data-version='1']").get_by_role("button", name="Show version 1").click()
    expect(page.get_by_role("form", name="Version 1").get_by_text("What do you hope for?")).to_have_count(0)
    expect(page.get_by_role("form", name="Version 1").get_by_text("Where do you live now?")).to_be_visible()
    screenshot(page, "researcher-guide-versions")
    assert_no_serious_violation(page)

    youth = new_phone().new_page()
    sign_in(youth, live_server.create_person("youth", ("PL",), language="de"))
    youth.goto(f"/#/notes/new?guide={guide_id}")
    expect(youth.get_by_role("heading", level=1)).to_have_text("Hier leben")
    form = youth.locator("main form")
    expect(form.get_by_label(re.compile("Was wünschst du dir"))).to_be_visible()
    expect(form.get_by_role("group", name="Wo wohnst du jetzt?").get_by_label("Allein")).to_be_visible()
    labels = form.locator("[data-question]").evaluate_all("nodes => nodes.map(n => n.dataset.question)")
    assert labels == ["q3", "q1", "q2"]


def test_an_admin_changes_a_platforms_languages_and_consent_age(
    new_phone: Callable[..., BrowserContext], live_server: LiveServer
):
    admin = live_server.create_person("admin", ())
    page = new_phone().new_page()
    sign_in(page, admin)
    open_under_more(page, "Platforms")
    card = page.locator("[data-platform='PL']")
    expect(card).to_contain_text("Poland")
    expect(card.locator("[data-languages]")).to_have_text("Languages: Polski")
    try:
        card.get_by_role("button", name="Change Poland").click()
        card.get_by_label("Українська").check()
        card.get_by_label("Age of digital consent").select_option("15")
        screenshot(page, "admin-platforms-change")
        assert_no_serious_violation(page)
        card.get_by_role("button", name="Save changes").click()

        card = page.locator("[data-platform='PL']")
        expect(card.locator("[data-languages]")).to_have_text("Languages: Polski, Українська")
        expect(card.locator("[data-consent-age]")).to_have_text("Age of digital consent: 15")
        stored = next(
            p for p in live_server.api(admin).get("/api/v1/platforms")["items"] if p["code"] == "PL"
        )
        assert (stored["languages"], stored["digital_consent_age"]) == (["pl", "uk"], 15)
    finally:
        # The live server is shared: Poland goes back to how the other tests know it.
        live_server.api(admin).request(
            "PATCH", "/api/v1/platforms/PL", json={"languages": ["pl"], "digital_consent_age": 16}
        )


@pytest.mark.parametrize("role", ["youth", "stakeholder", "youth_worker"])
@pytest.mark.parametrize("route", ["#/guides", "#/guides/new", "#/platforms"])
def test_whoever_may_not_use_the_staff_screens_is_sent_home(
    new_phone: Callable[..., BrowserContext], live_server: LiveServer, role: str, route: str
):
    page = new_phone().new_page()
    sign_in(page, live_server.create_person(role, ("PL",)))
    page.goto(f"/{route}")
    page.wait_for_url(re.compile(r"#/home$"))
    expect(page.locator("main")).not_to_contain_text("Interview guides")
    nav = page.get_by_role("navigation")
    expect(nav.locator("a[href='#/guides'], a[href='#/platforms']")).to_have_count(0)


def test_a_researcher_is_sent_home_from_the_platforms_screen(
    new_phone: Callable[..., BrowserContext], live_server: LiveServer
):
    page = new_phone().new_page()
    sign_in(page, live_server.create_person("researcher", ("PL",)))
    page.goto("/#/platforms")
    page.wait_for_url(re.compile(r"#/home$"))
