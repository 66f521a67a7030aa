"""A stakeholder (a partner organisation's person) has the app of their role: home, events,
actions, impact, briefs, Delphi results, notifications and settings; notes, the forum and the directory are neither offered
nor opened by typing their address."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import BrowserContext, expect

from tests.browser.conftest import LiveServer
from tests.browser.phone import sign_in


def test_a_stakeholder_is_offered_neither_notes_nor_the_forum_nor_the_directory(
    new_phone: Callable[..., BrowserContext], live_server: LiveServer
):
    stakeholder = live_server.create_person("stakeholder", ("DE",))
    page = new_phone().new_page()
    sign_in(page, stakeholder)
    places = page.locator("#nav a").all_text_contents()
    assert [place.strip() for place in places] == [
        "Home",
        "Events",
        "Actions",
        "Impact",
        "Briefs",
        "Delphi",
        "Notifications",
        "Settings",
    ]
    for address in (
        "#/forum",
        "#/notes",
        "#/notes/new",
        "#/moderation",
        "#/review",
        "#/export",
        "#/directory",
    ):
        page.goto(f"/{address}")
        expect(page).to_have_url(re.compile(r"#/home$"))
