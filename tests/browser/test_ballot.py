"""A Delphi ballot on a phone, opened from the private link by someone with no account: answers
saved as they are given and kept across a reload, an answer given offline sent once online, the
group's answers from round two, a closed round read-only, a wrong link, and a 320 px screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, Request, Route, expect

from tests.browser.conftest import LiveServer
from tests.browser.phone import Api, Person, axe_scan, eventually, go_offline, go_online, screenshot, sign_in
from tests.browser.test_accessibility import pa11y_findings

RULE = {"kind": "percent", "agree_from": 7, "disagree_to": 3, "threshold": 70, "max_opposite": 15}


class Study:
    """A study of Italy's platform made through the API by a facilitator, with two statements
    and a panellist invited in English."""

    def __init__(self, live_server: LiveServer) -> None:
        # The panel is invited before the first round opens: a round asks those invited by then.
        self.facilitator: Api = live_server.api(live_server.create_person("researcher", ("IT",)))
        # The links are used as a panellist's phone uses them: with no session at all.
        self.link = httpx.Client(base_url=live_server.base_url, timeout=15)
        self.id = self.post(
            "/api/v1/delphi/studies",
            {
                "title": "Youth migration policy",
                "platforms": ["IT"],
                "scale": {"min": 1, "max": 9},
                "consensus": RULE,
                "anonymity": "anonymous",
                "languages": ["en", "it", "ar"],
            },
        )["id"]
        path = f"/api/v1/delphi/studies/{self.id}"
        self.statements = [
            self.post(
                f"{path}/statements",
                {"text": {"en": "Work permits come with the residence permit."}, "theme": "Work"},
            )["id"],
            self.post(
                f"{path}/statements",
                {
                    "text": {"en": "Schools offer language classes.", "it": "Le scuole offrono corsi."},
                    "theme": "School",
                },
            )["id"],
        ]
        self.token = self.invite("Amina", "en")
        self.other = self.invite("Bilal", "it")
        self.arabic = self.invite("Yara", "ar")
        self.round_id = self.post(f"{path}/rounds", None)["id"]

    def invite(self, name: str, language: str) -> str:
        return self.post(
            f"/api/v1/delphi/studies/{self.id}/panellists", {"name": name, "language": language}
        )["token"]

    def answer(self, token: str, ratings: list[dict[str, Any]]) -> None:
        response = self.link.put(f"/api/v1/delphi/ballots/{token}", json={"ratings": ratings})
        assert response.status_code == 200, response.text

    def post(self, path: str, body: Any) -> Any:
        response = self.facilitator.request("POST", path, json=body)
        assert response.status_code in (200, 201), response.text
        return response.json()

    def ratings(self) -> dict[str, int | None]:
        """What the server holds for the panellist, read by the link as the app reads it."""
        return {item["id"]: item["my_rating"] for item in self.ballot()["statements"]}

    def comments(self) -> dict[str, str | None]:
        return {item["id"]: item["my_comment"] for item in self.ballot()["statements"]}

    def ballot(self) -> Any:
        response = self.link.get(f"/api/v1/delphi/ballots/{self.token}")
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def delphi(live_server: LiveServer) -> Study:
    return Study(live_server)


def statement(page: Page, statement_id: str):
    return page.locator(f'[data-statement="{statement_id}"]')


def rate(page: Page, statement_id: str, point: int, of: int = 9) -> None:
    statement(page, statement_id).get_by_role("button", name=f"{point} of {of}", exact=True).click()


def test_a_signed_out_phone_rates_two_statements_and_finds_them_after_a_reload(
    new_phone: Callable[..., BrowserContext], delphi: Study
):
    page = new_phone().new_page()
    page.goto(f"/#/ballot/{delphi.token}")
    expect(page.locator("main h1")).to_have_text("Youth migration policy")
    expect(page.get_by_role("heading", name="Work")).to_be_visible()
    expect(page.locator("nav")).to_be_hidden()  # nobody is signed in, and nobody is sent to sign in
    rate(page, delphi.statements[0], 7)
    rate(page, delphi.statements[1], 3)
    comment = statement(page, delphi.statements[1]).get_by_label("Your comment (optional)")
    comment.fill("Only in the cities.")
    comment.blur()
    for statement_id in delphi.statements:
        expect(statement(page, statement_id).locator('[data-state="saved"]')).to_have_text("Saved")
    assert eventually(lambda: delphi.ratings() == {delphi.statements[0]: 7, delphi.statements[1]: 3})
    assert eventually(lambda: delphi.comments()[delphi.statements[1]] == "Only in the cities.")

    page.reload()
    expect(
        statement(page, delphi.statements[0]).get_by_role("button", name="7 of 9", exact=True)
    ).to_have_attribute("aria-pressed", "true")
    expect(
        statement(page, delphi.statements[1]).get_by_role("button", name="3 of 9", exact=True)
    ).to_have_attribute("aria-pressed", "true")
    # The link is nowhere on the phone but in its address.
    stored = page.evaluate("JSON.stringify(Object.entries(localStorage))")
    assert delphi.token not in stored


def test_a_comment_given_while_the_rating_is_on_its_way_is_not_undone_by_it(
    new_phone: Callable[..., BrowserContext], delphi: Study
):
    """On a slow network the rating's request is still on its way when the comment is given: the
    comment goes after it, so the rating's older answer never reaches the server last."""
    page = new_phone().new_page()
    held: list[Route] = []

    def hold_the_first_answer(route: Route) -> None:
        if route.request.method == "PUT" and not held:
            held.append(route)
        else:
            route.continue_()

    page.route("**/api/v1/delphi/ballots/*", hold_the_first_answer)
    sent: list[Request] = []
    answered: list[Request] = []
    page.on("request", lambda request: sent.append(request) if request.method == "PUT" else None)
    page.on("requestfinished", lambda request: answered.append(request) if request.method == "PUT" else None)
    page.goto(f"/#/ballot/{delphi.token}")
    expect(page.locator("main h1")).to_have_text("Youth migration policy")
    rate(page, delphi.statements[1], 3)
    expect(statement(page, delphi.statements[1]).locator('[data-state="sending"]')).to_be_visible()
    comment = statement(page, delphi.statements[1]).get_by_label("Your comment (optional)")
    comment.fill("Only in the cities.")
    comment.blur()
    for _ in range(10):  # time for a second request to overtake the first, were it sent
        page.wait_for_timeout(150)
        if delphi.comments()[delphi.statements[1]]:
            break
    assert len(held) == 1
    held[0].continue_()
    expect(statement(page, delphi.statements[1]).locator('[data-state="saved"]')).to_have_text("Saved")
    for _ in range(50):  # the server is asked only once every answer the phone sent has been taken
        if len(answered) == len(sent) >= 2:
            break
        page.wait_for_timeout(100)
    assert len(answered) == len(sent) >= 2
    assert delphi.comments()[delphi.statements[1]] == "Only in the cities."
    assert delphi.ratings()[delphi.statements[1]] == 3


def test_an_answer_given_offline_waits_on_the_phone_and_is_sent_once_online(
    new_phone: Callable[..., BrowserContext], delphi: Study
):
    phone = new_phone()
    page = phone.new_page()
    page.goto(f"/#/ballot/{delphi.token}")
    expect(page.locator("main h1")).to_have_text("Youth migration policy")
    go_offline(phone)
    rate(page, delphi.statements[0], 8)
    expect(statement(page, delphi.statements[0]).locator('[data-state="waiting"]')).to_have_text(
        "Saved on this phone, will be sent"
    )
    assert delphi.ratings()[delphi.statements[0]] is None
    keys = page.evaluate("Object.keys(localStorage).filter((key) => key.startsWith('tessera.ballot.'))")
    assert len(keys) == 1 and delphi.token not in keys[0]

    go_online(phone)
    expect(statement(page, delphi.statements[0]).locator('[data-state="saved"]')).to_have_text("Saved")
    assert eventually(lambda: delphi.ratings()[delphi.statements[0]] == 8)
    assert (
        page.evaluate("Object.keys(localStorage).filter((key) => key.startsWith('tessera.ballot.')).length")
        == 0
    )


def test_round_two_shows_the_group_and_a_closed_round_is_read_only(
    new_phone: Callable[..., BrowserContext], delphi: Study
):
    first, second = delphi.statements
    delphi.answer(delphi.token, [{"statement_id": first, "rating": 2}, {"statement_id": second, "rating": 5}])
    delphi.answer(delphi.other, [{"statement_id": first, "rating": 8, "comment": "Too slow today."}])
    delphi.post(f"/api/v1/delphi/rounds/{delphi.round_id}/close", None)
    second_round = delphi.post(f"/api/v1/delphi/studies/{delphi.id}/rounds", None)["id"]

    page = new_phone().new_page()
    page.goto(f"/#/ballot/{delphi.token}")
    row = statement(page, first)
    expect(row.locator("[data-figures]")).to_contain_text("2 answers: median 5, middle half from 3.5 to 6.5.")
    expect(row.locator(".comments")).to_have_text("Too slow today.")
    # Bars as long as their share: one person each at 2 and 8, nobody at 1.
    widths = {
        point: row.locator(f'.dist-row[data-point="{point}"] .dist-bar').bounding_box()["width"]  # type: ignore[index]
        for point in (1, 2, 8)
    }
    assert widths[1] == 0 and widths[2] == widths[8] > 0
    screenshot(page, "ballot-round-two")
    expect(row.locator(".dist-row.mine")).to_have_attribute("data-point", "2")
    expect(row.locator(".dist-row.mine")).to_contain_text("your rating")
    expect(row.get_by_role("button", name="2 of 9", exact=True)).to_have_attribute("aria-pressed", "false")

    delphi.post(f"/api/v1/delphi/rounds/{second_round}/close", None)
    page.reload()
    expect(page.locator("[data-closed]")).to_have_text("This round is closed")
    expect(row.get_by_role("button", name="4 of 9", exact=True)).to_be_disabled()


def test_a_signed_in_person_opens_the_link_and_their_session_goes_nowhere_with_it(
    new_phone: Callable[..., BrowserContext], delphi: Study, youth: Person
):
    page = new_phone().new_page()
    sign_in(page, youth)
    sent: list[dict[str, str]] = []
    page.on(
        "request",
        lambda request: sent.append(request.all_headers()) if "/delphi/ballots/" in request.url else None,
    )
    page.goto(f"/#/ballot/{delphi.token}")
    expect(page.locator("main h1")).to_have_text("Youth migration policy")
    rate(page, delphi.statements[0], 6)
    expect(statement(page, delphi.statements[0]).locator('[data-state="saved"]')).to_be_visible()
    assert sent and not any(
        "cookie" in headers or "x-csrf-token" in headers or "referer" in headers for headers in sent
    )
    assert delphi.ratings()[delphi.statements[0]] == 6


def test_a_wrong_link_does_not_work_and_says_no_more(page: Page):
    page.goto("/#/ballot/not-a-real-link-at-all-0000000000000000")
    expect(page.locator("main h1")).to_have_text("This link does not work")


def test_the_ballot_does_not_scroll_sideways_at_320_px_in_arabic(
    new_phone: Callable[..., BrowserContext], delphi: Study
):
    page = new_phone(viewport={"width": 320, "height": 640}).new_page()
    page.goto(f"/#/ballot/{delphi.arabic}")
    expect(page.locator("main h1")).to_have_text("Youth migration policy")
    # The page speaks the ballot's language, whatever the phone's; a statement not in Arabic yet
    # says so and keeps its own language.
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    text = statement(page, delphi.statements[0]).locator(".ballot-text")
    expect(text).to_have_attribute("lang", "en")
    expect(page.locator(".scale-point")).to_have_count(18)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    screenshot(page, "ballot-ar-320x640")


LABELS = ["Not at all", "No", "Hardly", "A little", "Half", "Somewhat", "Mostly", "Yes", "Fully"]


def test_the_first_round_shows_the_labels_and_the_rule_and_takes_a_proposal_even_offline(
    new_phone: Callable[..., BrowserContext], delphi: Study
):
    # Labels for a language that has none may come after the first round has opened.
    labelled = delphi.facilitator.request(
        "PATCH", f"/api/v1/delphi/studies/{delphi.id}", json={"scale_labels": {"en": LABELS}}
    )
    assert labelled.status_code == 200, labelled.text
    phone = new_phone(viewport={"width": 320, "height": 640})
    page = phone.new_page()
    page.goto(f"/#/ballot/{delphi.token}")
    expect(page.locator(".scale-legend dd")).to_have_count(9)
    expect(page.locator(".scale-legend dd").first).to_have_text("Not at all")
    expect(page.locator("[data-rule]")).to_contain_text("at least 70 % rate it 7 or higher")
    statement(page, delphi.statements[0]).get_by_role("button", name="9 of 9: Fully", exact=True).click()
    assert eventually(lambda: delphi.ratings()[delphi.statements[0]] == 9)

    page.get_by_label("A statement you propose").fill("Free transport passes for newcomers")
    page.get_by_label("Why (optional)").fill("Buses cost too much")
    page.get_by_role("button", name="Propose", exact=True).click()
    expect(page.locator('.ballot-proposals [data-proposal="pending"]')).to_contain_text(
        "Free transport passes"
    )
    assert eventually(
        lambda: (
            delphi.ballot()["proposals"]["mine"]
            == [
                {
                    "text": "Free transport passes for newcomers",
                    "comment": "Buses cost too much",
                    "status": "pending",
                }
            ]
        )
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    screenshot(page, "ballot-proposals-320x640")
    assert axe_scan(page) == [] and pa11y_findings(page) == []

    # Offline, a second proposal waits on the phone and goes once online.
    go_offline(phone)
    page.get_by_label("A statement you propose").fill("Language classes at work")
    page.get_by_role("button", name="Propose", exact=True).click()
    expect(page.locator(".ballot-proposals .ballot-status")).to_contain_text("Saved on this phone")
    go_online(phone)
    assert eventually(lambda: len(delphi.ballot()["proposals"]["mine"]) == 2)
    listed = delphi.facilitator.request("GET", f"/api/v1/delphi/studies/{delphi.id}/proposals").json()[
        "items"
    ]
    assert sorted(item["text"] for item in listed) == [
        "Free transport passes for newcomers",
        "Language classes at work",
    ]
