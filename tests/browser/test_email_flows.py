"""What staff and stakeholders do by e-mail on a phone: keep a confirmed address in Settings,
ask for a reset code by e-mail on the sign-in screen and choose a new password with it, and send
an invite by e-mail. Without an SMTP server (the embedded default) every message stays in the
outbox, where these tests read the code as the person would read it in their mailbox."""

from __future__ import annotations

import contextlib
import re
import sqlite3

from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.phone import Person, axe_scan, eventually, screenshot, sign_in, wait_for_quiet_network

NEW_PASSWORD = "a long walk by the river"
SAME_ANSWER = "If an account has this address, we sent it a code. It is valid for 30 minutes."


def mail_texts(live_server: LiveServer, to: str, template: str) -> list[str]:
    """The plain-text parts of the messages to this address from this template, newest first,
    read from the outbox past the API."""
    with contextlib.closing(sqlite3.connect(f"file:{live_server.database_path}?mode=ro", uri=True)) as db:
        rows = db.execute(
            "SELECT text FROM mail_outbox WHERE to_address = ? AND template = ? ORDER BY created_at DESC",
            (to, template),
        ).fetchall()
    return [row[0] for row in rows]


def code_in(text: str) -> str:
    found = re.search(r"code is ([A-Z0-9]{4}(?:-[A-Z0-9]{4})+)", text)
    assert found, text
    return found.group(1)


def confirm_address_in_settings(page: Page, live_server: LiveServer, address: str, password: str) -> None:
    page.goto("/#/settings")
    section = page.locator("[data-email-section]")
    expect(section).to_contain_text("No confirmed address yet.")
    section.get_by_label("Your e-mail address").fill(address)
    # A wrong password sends nothing: a session left open is not enough to take the account.
    section.get_by_label("Current password").fill("not my password")
    section.get_by_role("button", name="Send the code").click()
    expect(section.get_by_role("alert")).to_contain_text("The password is wrong.")
    section.get_by_label("Current password").fill(password)
    section.get_by_role("button", name="Send the code").click()
    expect(section.locator("[data-pending-email]")).to_have_attribute("data-pending-email", address)
    # The section in its fullest state (an address waiting for its code) has no serious
    # accessibility violation; the shared axe list scans Settings as a young person sees it.
    assert axe_scan(page) == []
    assert eventually(lambda: bool(mail_texts(live_server, address, "email_confirmation")))
    code = code_in(mail_texts(live_server, address, "email_confirmation")[0])

    section.get_by_label("Confirmation code").fill("WRON-GWRO-NG22")
    section.get_by_role("button", name="Confirm the address").click()
    expect(section.get_by_role("alert")).to_be_visible()
    expect(section.locator("[data-email]")).to_have_attribute("data-email", "")

    section.get_by_label("Confirmation code").fill(code)
    section.get_by_role("button", name="Confirm the address").click()
    expect(section.locator("[data-email]")).to_have_attribute("data-email", address)
    expect(section.locator("[data-pending-email]")).to_have_count(0)


def test_a_researcher_sets_confirms_and_removes_their_e_mail_address(page: Page, live_server: LiveServer):
    researcher = live_server.create_person("researcher", ("DE",))
    address = f"{researcher.username}@example.org"
    sign_in(page, researcher)
    confirm_address_in_settings(page, live_server, address, researcher.password)
    assert live_server.api(researcher).get("/api/v1/me")["email"] == address
    screenshot(page, "settings-email-confirmed")

    section = page.locator("[data-email-section]")
    section.get_by_role("button", name="Remove my e-mail address").click()
    page.get_by_role("dialog").get_by_role("button", name="Yes, remove").click()
    expect(section).to_contain_text("No confirmed address yet.")
    me = live_server.api(researcher).get("/api/v1/me")
    assert me["email"] is None and me["pending_email"] is None


def test_a_young_person_is_offered_no_e_mail_address(page: Page, youth: Person):
    sign_in(page, youth)
    page.goto("/#/settings")
    expect(page.get_by_role("heading", name="Settings", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Password")).to_be_visible()
    expect(page.locator("[data-email-section]")).to_have_count(0)


def test_a_stakeholder_gets_a_reset_code_by_e_mail_and_chooses_a_new_password(
    new_phone, live_server: LiveServer
):
    stakeholder = live_server.create_person("stakeholder", ("DE",))
    address = f"{stakeholder.username}@example.org"
    own_phone = new_phone().new_page()
    sign_in(own_phone, stakeholder)
    confirm_address_in_settings(own_phone, live_server, address, stakeholder.password)

    phone = new_phone().new_page()
    phone.goto("/#/sign-in")
    phone.get_by_role("link", name="Get a code by e-mail").click()
    expect(phone.get_by_role("heading", name="Forgot your password?", level=1)).to_be_visible()
    expect(phone.get_by_text("Young people: ask your youth worker")).to_be_visible()
    wait_for_quiet_network(phone.context)
    # An address no account has gets the same answer, and no e-mail.
    nobody = f"nobody-{stakeholder.username}@example.org"
    phone.get_by_label("E-mail address").fill(nobody)
    phone.get_by_role("button", name="Send me a code").click()
    expect(phone.locator("[data-reset-requested]")).to_have_text(SAME_ANSWER)
    assert mail_texts(live_server, nobody, "password_reset") == []

    phone.get_by_label("E-mail address").fill(address)
    phone.get_by_role("button", name="Send me a code").click()
    expect(phone.locator("[data-reset-requested]")).to_have_text(SAME_ANSWER)
    expect(phone.get_by_label("Username")).to_be_focused()
    screenshot(phone, "reset-code-by-email-requested")
    assert eventually(lambda: bool(mail_texts(live_server, address, "password_reset")))
    text = mail_texts(live_server, address, "password_reset")[0]
    assert f"username={stakeholder.username}" in text

    phone.get_by_label("Username").fill(stakeholder.username)
    phone.get_by_label("Reset code").fill(code_in(text))
    phone.get_by_label("New password").fill(NEW_PASSWORD)
    phone.get_by_role("button", name="Choose the new password").click()
    expect(phone).to_have_url(re.compile(r"#/sign-in\?reset=1"))
    sign_in(phone, Person(stakeholder.username, NEW_PASSWORD, stakeholder.id, stakeholder.role))


def test_a_youth_worker_sends_an_invite_by_e_mail_in_the_language_chosen(
    page: Page, youth_worker: Person, live_server: LiveServer
):
    address = f"friend-of-{youth_worker.username}@example.org"
    sign_in(page, youth_worker)
    page.goto("/#/invites")
    page.get_by_label("Who joins with it").select_option("stakeholder")
    page.get_by_label("Their e-mail address (optional)").fill(address)
    page.get_by_label("Language of the e-mail").select_option("fr")
    page.get_by_role("button", name="Create invite").click()
    expect(page.locator("[data-invite-emailed]")).to_have_text(
        f"The invite was also sent by e-mail to {address}."
    )
    url = page.locator("[data-invite-url]").inner_text().strip()
    screenshot(page, "invite-sent-by-email")
    with contextlib.closing(sqlite3.connect(f"file:{live_server.database_path}?mode=ro", uri=True)) as db:
        rows = db.execute(
            "SELECT language, text FROM mail_outbox WHERE to_address = ? AND template = 'invitation'",
            (address,),
        ).fetchall()
    assert len(rows) == 1
    language, text = rows[0]
    assert language == "fr" and url in text

    # Without an address, nothing is e-mailed and nothing says so.
    page.get_by_role("button", name="Create invite").click()
    expect(page.locator("[data-invite-url]")).not_to_have_text(url)
    expect(page.locator("[data-invite-emailed]")).to_have_count(0)
