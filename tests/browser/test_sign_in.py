"""Signing in on a phone."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.phone import Person, go_offline, open_app, sign_in, wait_for_home, wait_until_ready_offline


def test_person_signs_in_and_reaches_home(page: Page, youth: Person):
    sign_in(page, youth)

    assert re.search(r"#/home$", page.url)
    expect(page.locator("main h1")).to_have_count(1)
    expect(page.get_by_role("heading", name="Sign in")).to_have_count(0)


def test_wrong_password_is_said_and_the_sign_in_screen_stays(page: Page, youth: Person):
    open_app(page)
    page.get_by_label("Username").fill(youth.username)
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Sign in").click()

    # Said where the person is, and to screen readers at once.
    expect(page.get_by_role("alert")).not_to_be_empty()
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()


def test_the_menu_offers_the_screens_of_the_persons_role_also_when_reopened_offline(
    page: Page, youth_worker: Person
):
    sign_in(page, youth_worker)
    menu = page.get_by_role("navigation")
    # The role groups come from the server (GET /api/v1/vocabularies), not from a copy in the app.
    for screen in ("Moderation", "Review"):
        expect(menu.get_by_role("link", name=screen)).to_be_visible()
    # Past five places, the rest are under "More".
    menu.get_by_role("button", name="More").click()
    expect(menu.get_by_role("link", name="Invites")).to_be_visible()
    page.keyboard.press("Escape")
    for screen in ("My notes", "Export"):
        expect(menu.get_by_role("link", name=screen)).to_have_count(0)

    wait_until_ready_offline(page)
    go_offline(page.context)
    page.reload()
    wait_for_home(page)
    expect(menu.get_by_role("link", name="Moderation")).to_be_visible()
    expect(menu.get_by_role("link", name="My notes")).to_have_count(0)
    page.goto("/#/invites")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.url.endswith("#/invites")


def test_opening_the_app_signed_out_logs_no_error_and_a_reload_keeps_the_person_signed_in(
    page: Page, youth: Person
):
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("response", lambda response: errors.append(response.url) if response.status >= 400 else None)

    open_app(page)
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    assert errors == []

    # The session answer carries the person again after a reload, and with it the CSRF token.
    sign_in(page, youth)
    page.reload()
    wait_for_home(page)
    expect(page.locator("#sign-out")).to_be_visible()
    assert errors == []
