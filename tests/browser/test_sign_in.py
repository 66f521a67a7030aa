"""Signing in on a phone."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.phone import Person, open_app, sign_in


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
