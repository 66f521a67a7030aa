"""Policy briefs in the app: two co-authors edit one brief at once, and the one who saves second
sees both versions side by side, picks or merges each part and saves again, losing nothing;
the brief screens and the public list pass axe in Arabic, right to left."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.phone import Person, axe_scan, screenshot, sign_in, wait_for_quiet_network
from tests.browser.test_accessibility import seed_brief

WORDS = {
    "title": "Housing for young newcomers",
    "summary": "They wait two years.",
    "sections": [{"heading": "What we heard", "body": "Rooms shared by five."}],
    "recommendations": [{"text": "Reserve flats for care leavers."}],
}


def open_brief(context: BrowserContext, person: Person, brief_id: str) -> Page:
    page = context.new_page()
    sign_in(page, person)
    page.goto(f"/#/briefs/{brief_id}")
    expect(page.get_by_label("Summary", exact=True)).to_have_value(WORDS["summary"])
    return page


def test_two_co_authors_editing_at_once_settle_the_conflict_side_by_side(
    new_phone: Callable[..., BrowserContext], live_server: LiveServer
):
    rosa, omar = (live_server.create_person("researcher", ("DE",)) for _ in range(2))
    api = live_server.api(rosa)
    started = api.request(
        "POST", "/api/v1/briefs", json={"title": WORDS["title"], "platforms": ["DE"], "language": "en"}
    )
    brief_id = started.json()["id"]
    assert (
        api.request("POST", f"/api/v1/briefs/{brief_id}/authors", json={"user_id": omar.id}).status_code
        == 200
    )
    assert (
        api.request("PUT", f"/api/v1/briefs/{brief_id}", json={**WORDS, "base_version": 1}).status_code == 200
    )

    on_rosas = open_brief(new_phone(), rosa, brief_id)
    on_omars = open_brief(new_phone(), omar, brief_id)

    # Omar saves first.
    on_omars.get_by_label("Summary", exact=True).fill("They wait two years; some wait three.")
    on_omars.get_by_role("button", name="Save", exact=True).click()
    expect(on_omars.get_by_text("Version 3", exact=False).first).to_be_visible()

    # Rosa, still on version 2, changes the title and the summary and adds a recommendation.
    on_rosas.get_by_label("Title", exact=True).fill("Housing for young newcomers in Berlin")
    on_rosas.get_by_label("Summary", exact=True).fill("They wait two years for a shared flat.")
    on_rosas.get_by_role("button", name="Add a recommendation").click()
    on_rosas.get_by_label("Recommendation 2", exact=True).fill("Count the waiting lists every year.")
    on_rosas.get_by_role("button", name="Save", exact=True).click()

    conflict = on_rosas.locator("#conflict")
    expect(
        conflict.get_by_role("heading", name="Someone saved this brief while you edited it")
    ).to_be_focused()
    # Side by side: theirs (Omar's saved summary) and mine; sections were not touched by her.
    expect(conflict.locator("[data-theirs=summary]")).to_have_text("They wait two years; some wait three.")
    expect(conflict.locator("[data-mine=summary]")).to_have_text("They wait two years for a shared flat.")
    expect(conflict.locator("[data-conflict]")).to_have_count(3)
    expect(conflict.locator("[data-conflict=sections]")).to_have_count(0)
    assert axe_scan(on_rosas) == []
    screenshot(on_rosas, "brief-conflict")
    # Nothing was overwritten yet.
    assert api.get(f"/api/v1/briefs/{brief_id}")["summary"] == "They wait two years; some wait three."

    # She merges the summaries by hand, keeps her title, and keeps both lists of recommendations.
    summary = conflict.locator("[data-conflict=summary]")
    summary.get_by_label("Keep my merge below").check()
    summary.get_by_label("Merged Summary", exact=True).fill(
        "They wait two years for a shared flat; some wait three."
    )
    conflict.locator("[data-conflict=recommendations]").get_by_label("Keep both").check()
    conflict.get_by_role("button", name="Save the merged version").click()
    expect(on_rosas.locator("#conflict")).to_have_count(0)

    saved = api.get(f"/api/v1/briefs/{brief_id}")
    assert saved["version"] == 4
    assert saved["title"] == "Housing for young newcomers in Berlin"
    assert saved["summary"] == "They wait two years for a shared flat; some wait three."
    assert [item["text"] for item in saved["recommendations"]] == [
        "Reserve flats for care leavers.",
        "Count the waiting lists every year.",
    ]
    assert saved["sections"] == WORDS["sections"]
    expect(on_rosas.get_by_label("Summary", exact=True)).to_have_value(saved["summary"])


def test_brief_screens_and_the_public_list_pass_axe_right_to_left(
    new_phone: Callable[..., BrowserContext], live_server: LiveServer
):
    researcher = live_server.create_person("researcher", ("DE",), language="ar")
    stakeholder = live_server.create_person("stakeholder", ("DE",), language="ar")
    brief_id, translation_id = seed_brief(live_server, researcher)
    findings = []
    for person, routes in (
        (researcher, ["#/briefs", f"#/briefs/{brief_id}", f"#/briefs/{translation_id}"]),
        (stakeholder, ["#/briefs", f"#/briefs/{brief_id}"]),
    ):
        # The phone reads English; the account brings Arabic once signed in.
        page = new_phone().new_page()
        sign_in(page, person)
        for route in routes:
            page.goto(f"/{route}")
            expect(page.locator("main h1")).to_be_visible()
            wait_for_quiet_network(page.context)
            expect(page.locator("html")).to_have_attribute("dir", "rtl")
            screenshot(page, f"brief-ar-{person.role}-{route.count('/')}-{route[-4:]}")
            findings += [(route, violation["id"], violation["targets"]) for violation in axe_scan(page)]
        if person is researcher:
            # The translation says it is out of date; the original lists it so.
            page.goto(f"/#/briefs/{brief_id}")
            expect(page.locator("[data-out-of-date]")).to_have_count(1)
        else:
            # A stakeholder reads the published words, with no editor, and a link to the public page.
            expect(page.locator("#brief-editor")).to_have_count(0)
            expect(page.locator("main a[href^='http'][href*='/briefs/']")).to_be_visible()
    public = new_phone(locale="ar").new_page()
    public.goto("/briefs?platform=DE")
    expect(public.locator("html")).to_have_attribute("dir", "rtl")
    expect(public.locator("main li a")).not_to_have_count(0)
    findings += [("/briefs", violation["id"], violation["targets"]) for violation in axe_scan(public)]
    assert findings == []
