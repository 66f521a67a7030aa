"""What a person does about their account in Settings, on a phone: change the password,
withdraw their consent and give it again, and erase the account, choosing what becomes of
their notes already approved for research."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from server.accounts.consent import CONSENT_VERSION
from tests.browser.conftest import LiveServer
from tests.browser.phone import Person, screenshot, sign_in, sign_out, wait_for_quiet_network
from tests.notes.conftest import note_body

NEW_PASSWORD = "a long walk by the river"


def open_settings(page: Page) -> None:
    page.goto("/#/settings")
    expect(page.get_by_role("heading", name="Settings", level=1)).to_be_visible()


def test_a_person_changes_their_password_and_signs_in_with_the_new_one(page: Page, youth: Person):
    sign_in(page, youth)
    open_settings(page)
    page.get_by_label("Current password").fill("not my password")
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("alert")).to_contain_text("password is wrong")

    page.get_by_label("Current password").fill(youth.password)
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("#status")).to_contain_text("Your password is changed")
    # Still signed in here, under the renewed session.
    page.reload()
    expect(page.get_by_role("heading", name="Settings", level=1)).to_be_visible()

    sign_out(page)
    expect(page).to_have_url(re.compile(r"#/sign-in"))
    sign_in(page, Person(youth.username, NEW_PASSWORD, youth.id, youth.role))


def test_a_person_withdraws_consent_and_gives_it_again(page: Page, youth: Person, live_server: LiveServer):
    # Accounts made at the console have no consent yet: this one has joined as with an invite.
    given = live_server.api(youth).request(
        "POST", "/api/v1/me/consent", json={"version": CONSENT_VERSION, "accepted": True}
    )
    assert given.status_code == 201, given.text
    sign_in(page, youth)
    open_settings(page)
    page.get_by_role("button", name="Withdraw my consent").click()
    expect(page.locator("[data-consent]")).to_have_attribute("data-consent", "withdrawn")
    history = live_server.api(youth).get("/api/v1/me/consent")
    assert history["has_consent"] is False
    screenshot(page, "settings-consent-withdrawn")

    page.get_by_role("button", name="Give my consent again").click()
    expect(page.locator("[data-consent]")).to_have_attribute("data-consent", "given")
    assert live_server.api(youth).get("/api/v1/me/consent")["has_consent"] is True


def test_erasure_asks_for_the_password_and_keeps_approved_notes_when_chosen(
    page: Page, youth: Person, youth_worker: Person, live_server: LiveServer
):
    author = live_server.api(youth)
    note = note_body(platform="DE")
    assert author.request("PUT", f"/api/v1/notes/{note['id']}", json=note).status_code == 201
    reviewer = live_server.api(youth_worker)
    approved = reviewer.request("POST", f"/api/v1/notes/{note['id']}/review", json={"decision": "approve"})
    assert approved.status_code == 200, approved.text

    sign_in(page, youth)
    open_settings(page)
    erase = page.get_by_role("button", name="Delete my account")
    page.get_by_role("group", name="Notes already approved for research").get_by_label(
        "Keep them for the research, without my name"
    ).check()
    page.get_by_label("Your password, to confirm").fill("not my password")
    erase.click()
    expect(page.get_by_role("alert")).to_contain_text("password is wrong")
    assert reviewer.request("GET", f"/api/v1/notes/{note['id']}").status_code == 200
    screenshot(page, "settings-erasure")

    page.get_by_label("Your password, to confirm").fill(youth.password)
    erase.click()
    expect(page).to_have_url(re.compile(r"#/sign-in\?erased=1"))
    expect(page.locator("#status")).to_contain_text("Your account is deleted")
    # The approved note stays for the research, without a name; the account is gone.
    assert reviewer.request("GET", f"/api/v1/notes/{note['id']}").status_code == 200
    login = live_server.api(youth_worker).client.post(
        "/api/v1/auth/login", json={"username": youth.username, "password": youth.password}
    )
    assert login.status_code == 401


def test_a_youth_worker_hands_over_a_reset_code_and_the_person_chooses_a_new_password(
    new_phone, youth: Person, youth_worker: Person
):
    worker_phone = new_phone().new_page()
    sign_in(worker_phone, youth_worker)
    worker_phone.goto("/#/invites")
    worker_phone.get_by_label("Their username").fill(youth.username)
    worker_phone.get_by_role("button", name="Make a reset code").click()
    shown = worker_phone.locator("[data-reset-code] .token")
    expect(shown).to_be_visible()
    code = shown.inner_text().strip()
    screenshot(worker_phone, "youth_worker-reset-code")

    # The young person's own phone, still signed in from before: that session ends.
    old_phone = new_phone().new_page()
    sign_in(old_phone, youth)

    phone = new_phone().new_page()
    phone.goto("/#/sign-in")
    phone.get_by_role("link", name="Forgot your password?").click()
    expect(phone.get_by_role("heading", name="Forgot your password?", level=1)).to_be_visible()
    wait_for_quiet_network(phone.context)
    phone.get_by_label("Username").fill(youth.username)
    phone.get_by_label("Reset code").fill("WRONGWRONG22")
    phone.get_by_label("New password").fill(NEW_PASSWORD)
    phone.get_by_role("button", name="Choose the new password").click()
    expect(phone.get_by_role("alert")).to_contain_text("code is wrong")
    phone.get_by_label("Reset code").fill(code)
    phone.get_by_label("New password").fill(NEW_PASSWORD)
    phone.get_by_role("button", name="Choose the new password").click()
    expect(phone).to_have_url(re.compile(r"#/sign-in\?reset=1"))
    expect(phone.locator("#status")).to_contain_text("Sign in with the new one")
    sign_in(phone, Person(youth.username, NEW_PASSWORD, youth.id, youth.role))

    # The session on the phone from before ended: opening the app again asks to sign in.
    old_phone.reload()
    expect(old_phone).to_have_url(re.compile(r"#/sign-in"))
