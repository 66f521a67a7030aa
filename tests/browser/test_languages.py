"""The app speaks the person's language: Arabic turns the whole app right to left."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.phone import Person, axe_scan, eventually, open_app, screenshot, sign_in


def expect_arabic(page: Page) -> None:
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")
    assert page.evaluate("document.documentElement.dir") == "rtl"


def test_arabic_chosen_in_settings_turns_the_app_right_to_left_and_is_kept(
    page: Page, live_server: LiveServer, youth: Person
):
    sign_in(page, youth)
    page.goto("/#/settings")
    expect(page.get_by_role("heading", level=1)).to_have_text("Settings")

    page.get_by_label("Language").select_option("ar")

    expect_arabic(page)
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Settings")
    expect(page.get_by_role("navigation").get_by_role("link", name="Settings")).to_have_count(0)
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    screenshot(page, "settings-arabic")
    assert axe_scan(page) == []
    # The saved language follows the person: to the server, and through a reload.
    assert eventually(lambda: live_server.api(youth).get("/api/v1/me")["language"] == "ar")
    page.reload()
    expect_arabic(page)
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Settings")


def test_arabic_chosen_before_signing_in_turns_the_sign_in_screen_right_to_left(page: Page):
    open_app(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")

    page.get_by_label("Language").select_option("ar")

    expect_arabic(page)
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Sign in")
    expect(page.get_by_label("Username")).to_have_count(0)
    screenshot(page, "sign-in-arabic")
    assert axe_scan(page) == []
