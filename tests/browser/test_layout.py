"""Every screen of every role holds on a small phone, in both directions: nothing scrolls
sideways, no control lies under the navigation bar or a message, a role with many places keeps
them in one bar with the rest under "More", and a message does not follow the person to the
next screen. At 360x740 and 320x640, in English (left to right) and Arabic (right to left);
each screen leaves a screenshot in test-artifacts/screenshots/."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.phone import GUIDE_ID, Person, open_phone, screenshot, sign_in, wait_for_quiet_network
from tests.browser.stakeholder_home import seed_stakeholder_home
from tests.browser.test_accessibility import newest_mail_id, seed

VIEWPORTS = {"360x740": {"width": 360, "height": 740}, "320x640": {"width": 320, "height": 640}}
LANGUAGES = ("en", "ar")

# Each role's screens; {placeholders} are filled from the seeded world.
SCREENS = {
    "youth": [
        ("home", "#/home"),
        ("notes", "#/notes"),
        ("note-new", f"#/notes/new?guide={GUIDE_ID}"),
        ("note", "#/notes/{note_id}"),
        ("forum", "#/forum"),
        ("forum-category", "#/forum/c/{category_id}"),
        ("forum-topic", "#/forum/t/{topic_id}"),
        ("notifications", "#/notifications"),
        ("settings", "#/settings"),
        ("events", "#/events"),
        ("event", "#/events/{event_id}"),
    ],
    "youth_worker": [
        ("home", "#/home"),
        ("review", "#/review"),
        ("review-note", "#/notes/{note_id}"),
        ("forum-topic", "#/forum/t/{topic_id}"),
        ("moderation", "#/moderation"),
        ("invites", "#/invites"),
        ("impact", "#/impact"),
        ("notifications", "#/notifications"),
        ("settings", "#/settings"),
        ("events", "#/events"),
        ("event", "#/events/{event_id}"),
        ("event-new", "#/events/new"),
        ("event-people", "#/events/{event_id}/people"),
        ("actions", "#/actions"),
    ],
    "researcher": [
        ("home", "#/home"),
        ("review", "#/review"),
        ("export", "#/export"),
        ("forum", "#/forum"),
        ("invites", "#/invites"),
        ("impact", "#/impact"),
        ("settings", "#/settings"),
        ("directory", "#/directory"),
        ("directory-entry", "#/directory/{entry_id}"),
        ("directory-new", "#/directory/new"),
        ("directory-import", "#/directory/import"),
        ("briefs", "#/briefs"),
        ("brief-editor", "#/briefs/{brief_id}"),
        ("brief-translation", "#/briefs/{translation_id}"),
        ("delphi", "#/delphi"),
        ("delphi-new", "#/delphi/new"),
        ("delphi-study", "#/delphi/{study_id}"),
        ("delphi-edit", "#/delphi/{study_id}/edit"),
        ("delphi-results", "#/delphi/{study_id}/results"),
        ("guides", "#/guides"),
        ("guide-new", "#/guides/new"),
    ],
    "stakeholder": [
        ("home", "#/home"),
        ("events", "#/events"),
        ("event", "#/events/{event_id}"),
        ("actions", "#/actions"),
        ("impact", "#/impact"),
        ("briefs", "#/briefs"),
        ("brief", "#/briefs/{brief_id}"),
        ("delphi", "#/delphi"),
        ("delphi-results", "#/delphi/{closed_study_id}/results"),
        ("notifications", "#/notifications"),
        ("settings", "#/settings"),
    ],
    "admin": [
        ("home", "#/home"),
        ("review", "#/review"),
        ("moderation", "#/moderation"),
        ("invites", "#/invites"),
        ("export", "#/export"),
        ("forum", "#/forum"),
        ("impact", "#/impact"),
        ("briefs", "#/briefs"),
        ("brief", "#/briefs/{brief_id}"),
        ("notifications", "#/notifications"),
        ("settings", "#/settings"),
        ("users", "#/users"),
        ("audit", "#/audit"),
        ("mail", "#/mail"),
        ("mail-message", "#/mail/{mail_id}"),
        ("guide", f"#/guides/{GUIDE_ID}"),
        ("platforms", "#/platforms"),
    ],
}
SIGNED_OUT = [
    ("sign-in", "#/sign-in"),
    ("join", "#/join?code={invite_code}"),
    ("reset-password", "#/reset-password"),
]

# Each control of <main> is brought into view as focus or a screen reader brings it
# ("nearest"), and must then be what a tap at its centre reaches, wholly inside the screen.
COVERED_CONTROLS = """() => {
  const found = [];
  const selector = "main button, main a[href], main input, main select, main textarea";
  for (const control of document.querySelectorAll(selector)) {
    if (!control.getClientRects().length || getComputedStyle(control).visibility === "hidden") continue;
    control.scrollIntoView({ block: "nearest", inline: "nearest" });
    const box = control.getBoundingClientRect();
    const name = (control.textContent || control.name || control.id || control.tagName).trim().slice(0, 40);
    if (box.left < -0.5 || box.right > innerWidth + 0.5) found.push(`${name}: outside the screen`);
    const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    if (!hit || !control.contains(hit)) {
      const by = hit ? (hit.closest("nav, [role=status], header") || hit).id || hit.tagName : "nothing";
      found.push(`${name}: covered by ${by}`);
    }
  }
  scrollTo(0, 0);
  return found;
}"""

NAV_PLACES_REACHABLE = """() => {
  const found = [];
  for (const place of document.querySelectorAll("#nav > ul > li > a, #nav > ul > li .more-button")) {
    const box = place.getBoundingClientRect();
    if (box.left < -0.5 || box.right > innerWidth + 0.5 || box.bottom > innerHeight + 0.5) found.push(`${place.textContent}: outside`);
    const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    if (!hit || !place.contains(hit)) found.push(`${place.textContent}: covered`);
  }
  return found;
}"""


@dataclass
class World:
    people: dict[str, Person]
    # By language: the Arabic-reading youth opens a note of their own.
    places: dict[str, dict[str, str]]


@pytest.fixture(scope="module")
def world(live_server: LiveServer) -> World:
    people = {
        f"{role}-{language}": live_server.create_person(role, ("DE",), language=language)
        for role in ("youth", "youth_worker", "researcher", "admin", "stakeholder")
        for language in LANGUAGES
    }
    newcomer = live_server.create_person("youth", ("DE",))
    by_role = {role: people[f"{role}-en"] for role in ("youth", "youth_worker", "researcher")}
    places = seed(live_server, by_role, newcomer)
    places_ar = seed(
        live_server, {**by_role, "youth": people["youth-ar"]}, live_server.create_person("youth", ("DE",))
    )
    for language, seeded in (("en", places), ("ar", places_ar)):
        seeded["mail_id"] = newest_mail_id(live_server, people[f"admin-{language}"])
    # A stakeholder's home with a published brief and open Delphi ballots.
    seed_stakeholder_home(live_server, [people["stakeholder-en"], people["stakeholder-ar"]])
    return World(people, {"en": places, "ar": places_ar})


@contextlib.contextmanager
def phone(browser: Browser, live_server: LiveServer, viewport: str, language: str = "en") -> Iterator[Page]:
    """A phone of this size whose browser reads the language (a person's own account brings
    theirs once they sign in)."""
    context: BrowserContext = open_phone(
        browser, live_server.base_url, viewport=VIEWPORTS[viewport], locale=language
    )
    try:
        yield context.new_page()
    finally:
        context.close()


def open_screen(page: Page, route: str) -> None:
    page.evaluate("document.querySelector('main h1')?.setAttribute('data-left', '')")
    if page.url.endswith(f"/{route}"):
        page.reload()
    else:
        page.goto(f"/{route}")
    expect(page.locator("main h1:not([data-left])")).to_be_visible()
    wait_for_quiet_network(page.context)


def layout_findings(page: Page, viewport: str) -> list[str]:
    findings = []
    # A phone's browser widens its layout to the content (innerWidth grows with it): the
    # phone's own width is the measure.
    width = page.evaluate("[document.scrollingElement.scrollWidth, innerWidth]")
    phone_width = VIEWPORTS[viewport]["width"]
    if max(width) > phone_width:
        findings.append(
            f"scrolls sideways: {width[0]} px wide, innerWidth {width[1]}, on a {phone_width} px phone"
        )
    findings += page.evaluate(COVERED_CONTROLS)
    return findings


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("role", [*SCREENS, "nobody"])
def test_no_screen_scrolls_sideways_or_hides_a_control(
    browser: Browser, live_server: LiveServer, world: World, role: str, viewport: str, language: str
):
    places = world.places[language]
    findings = []
    with phone(browser, live_server, viewport, language if role == "nobody" else "en") as page:
        if role == "nobody":
            screens = SIGNED_OUT
        else:
            screens = SCREENS[role]
            sign_in(page, world.people[f"{role}-{language}"])
        for name, route in screens:
            open_screen(page, route.format(**places))
            expect(page.locator("html")).to_have_attribute("dir", "rtl" if language == "ar" else "ltr")
            screenshot(page, f"layout-{role}-{name}-{viewport}-{language}")
            findings += [f"{name}: {finding}" for finding in layout_findings(page, viewport)]
            if role != "nobody":
                findings += [f"{name} nav: {finding}" for finding in page.evaluate(NAV_PLACES_REACHABLE)]
    assert findings == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_many_places_keep_one_bar_with_the_rest_under_more(
    browser: Browser, live_server: LiveServer, world: World, language: str
):
    with phone(browser, live_server, "320x640") as page:
        sign_in(page, world.people[f"youth_worker-{language}"])
        expect(page.locator("html")).to_have_attribute("lang", language)
        nav = page.get_by_role("navigation")
        bar = nav.locator(":scope > ul > li")
        expect(bar).to_have_count(5)
        # One row: every place of the bar at the same height.
        tops = {round(box["y"]) for box in (item.bounding_box() for item in bar.all()) if box}
        assert len(tops) == 1
        # The same order in every language: hrefs, not words, so English and Arabic compare.
        hrefs = nav.locator(":scope > ul > li > a").evaluate_all(
            "links => links.map(l => l.getAttribute('href'))"
        )
        assert hrefs == ["#/home", "#/review", "#/forum", "#/moderation"]
        first, last = bar.first.bounding_box(), bar.last.bounding_box()
        assert first and last
        # Mirrored right to left: Home is at the start of the reading direction.
        assert (first["x"] > last["x"]) == (language == "ar")

        more = nav.locator(".more-button")
        expect(more).to_have_attribute("aria-expanded", "false")
        more.click()
        expect(more).to_have_attribute("aria-expanded", "true")
        menu = page.locator("#more-places")
        expect(menu).to_be_visible()
        menu_hrefs = menu.locator("a").evaluate_all("links => links.map(l => l.getAttribute('href'))")
        assert menu_hrefs == [
            "#/invites",
            "#/events",
            "#/actions",
            "#/directory",
            "#/impact",
            "#/notifications",
            "#/settings",
        ]
        # Focus went into the menu; the arrow keys move within it; Escape closes it and
        # gives focus back to the button.
        expect(menu.locator("a").first).to_be_focused()
        page.keyboard.press("ArrowDown")
        expect(menu.locator("a").nth(1)).to_be_focused()
        page.keyboard.press("ArrowUp")
        page.keyboard.press("ArrowUp")
        expect(menu.locator("a").last).to_be_focused()
        box = menu.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 320
        screenshot(page, f"layout-youth_worker-more-open-{language}")
        page.keyboard.press("Escape")
        expect(menu).to_be_hidden()
        expect(more).to_be_focused()
        expect(more).to_have_attribute("aria-expanded", "false")

        # A place under "More" opens its screen; the button then says that the screen is there.
        more.click()
        menu.locator("a[href='#/settings']").click()
        page.wait_for_url("**/#/settings")
        expect(menu).to_be_hidden()
        expect(more).to_have_attribute("data-current", "true")


def test_more_stays_open_with_the_focus_where_it_was_when_the_screen_draws_itself_again(
    browser: Browser, live_server: LiveServer, world: World
):
    """Home draws itself again when the outbox has sent; that must not close the menu under a finger."""
    with phone(browser, live_server, "320x640", "en") as page:
        sign_in(page, world.people["youth_worker-en"])
        nav = page.get_by_role("navigation")
        nav.get_by_role("button", name="More").click()
        page.keyboard.press("ArrowDown")
        focused = "() => document.activeElement.getAttribute('href')"
        before = page.evaluate(focused)
        assert before and before.startswith("#/")
        page.evaluate("() => import('/app.js').then((app) => app.renderRoute())")
        expect(page.get_by_role("heading", name="Home", level=1)).to_be_visible()
        invites = nav.get_by_role("link", name="Invites")
        expect(invites).to_be_visible()
        assert page.evaluate(focused) == before
        # Going elsewhere still closes it.
        invites.click()
        page.wait_for_url("**/#/invites")
        expect(invites).to_be_hidden()


def test_a_youth_keeps_five_places_in_the_bar_and_no_more_button(
    browser: Browser, live_server: LiveServer, world: World
):
    with phone(browser, live_server, "320x640", "en") as page:
        sign_in(page, world.people["youth-en"])
        nav = page.get_by_role("navigation")
        expect(nav.locator(":scope > ul > li > a")).to_have_count(5)
        expect(nav.locator(".more-button")).to_have_count(0)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_message_stays_clear_of_the_bar_and_does_not_follow_to_the_next_screen(
    browser: Browser, live_server: LiveServer, world: World, language: str
):
    with phone(browser, live_server, "320x640") as page:
        sign_in(page, world.people[f"youth-{language}"])
        open_screen(page, "#/settings")
        page.wait_for_timeout(1600)  # past the welcome, which belongs to signing in
        status = page.locator("#status")
        long_message = "A message long enough to take two or three lines on a small phone, twice over."
        page.evaluate("(text) => import('/dom.js').then((dom) => dom.announce(text))", long_message)
        expect(status).to_have_text(long_message)
        assert page.evaluate(NAV_PLACES_REACHABLE) == []
        message, bar = status.bounding_box(), page.get_by_role("navigation").bounding_box()
        assert message and bar and message["y"] + message["height"] <= bar["y"]
        # Controls under the message are still reached by a tap.
        assert [finding for finding in page.evaluate(COVERED_CONTROLS) if "status" in finding] == []
        page.wait_for_timeout(1600)
        page.get_by_role("navigation").locator("a[href='#/forum']").click()
        page.wait_for_url("**/#/forum")
        expect(status).to_be_empty()
