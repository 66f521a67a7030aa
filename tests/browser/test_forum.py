"""The forum on a phone: a new member's first topic waits for a youth worker, who reads it as it
was formatted and approves it in the moderation queue; then everyone sees it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.browser.conftest import LiveServer
from tests.browser.phone import Person, axe_scan, screenshot, sign_in

CATEGORY = "Meet and talk"


def category_id(live_server: LiveServer, person: Person, name: str = CATEGORY) -> str:
    categories = live_server.api(person).get("/api/v1/forum/categories")["items"]
    return next(str(item["id"]) for item in categories if item["name"] == name and item["platform"] == "DE")


def topic_titles(live_server: LiveServer, person: Person, category: str) -> list[str]:
    topics = live_server.api(person).get("/api/v1/forum/topics", params={"category": category})["items"]
    return [topic["title"] for topic in topics]


def test_new_members_first_topic_waits_for_a_youth_worker_then_everyone_sees_it(
    new_phone: Callable[..., BrowserContext],
    live_server: LiveServer,
    youth: Person,
    youth_worker: Person,
):
    other_member = live_server.create_person("youth", ("DE",))
    title = f"Football on Sundays? {uuid.uuid4().hex[:6]}"
    member = new_phone().new_page()
    sign_in(member, youth)

    member.goto("/#/forum")
    member.get_by_role("link", name=re.compile(f"^{CATEGORY}")).click()
    expect(member).to_have_url(re.compile(r"#/forum/c/[0-9a-f-]{36}$"))
    member.get_by_label("Title").fill(title)
    member.get_by_label("Message").fill("Is anyone up for a **game** in the park near the station?")
    member.get_by_role("button", name="New topic").click()
    expect(member.get_by_role("status")).to_contain_text("youth worker")

    category = category_id(live_server, youth)
    queue = live_server.api(youth_worker).get("/api/v1/moderation/queue")["items"]
    [held] = [item for item in queue if item["topic_title"] == title]
    assert held["post"]["status"] == "pending"
    assert title not in topic_titles(live_server, other_member, category)

    moderator = new_phone().new_page()
    sign_in(moderator, youth_worker)
    moderator.goto("/#/moderation")
    waiting = moderator.get_by_role("listitem").filter(has_text=title)
    expect(waiting).to_be_visible()
    # The youth worker reads the post as its author formatted it, not its Markdown.
    expect(waiting.locator(".post strong")).to_have_text("game")
    expect(waiting).not_to_contain_text("**game**")
    screenshot(moderator, "moderation-queue")
    waiting.get_by_role("button", name="Approve").click()
    expect(moderator.get_by_role("status")).to_contain_text("approved")
    expect(moderator.get_by_role("listitem").filter(has_text=title)).to_have_count(0)

    member.goto(f"/#/forum/c/{category}")
    member.reload()
    member.get_by_role("link", name=re.compile(re.escape(title))).click()
    expect(member.get_by_role("heading", level=1)).to_have_text(title)
    expect(member.get_by_text("Waiting for a youth worker's approval.")).to_have_count(0)
    assert title in topic_titles(live_server, other_member, category)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_on_a_320_px_phone_a_reader_sees_whats_unread_reacts_and_opens_a_posts_menu_by_keyboard(
    new_phone: Callable[..., BrowserContext], live_server: LiveServer, youth_worker: Person, language: str
):
    reader = live_server.create_person("youth", ("DE",), language=language)
    worker = live_server.api(youth_worker)
    category = category_id(live_server, youth_worker)
    title = f"Swimming lessons {uuid.uuid4().hex[:6]}"
    started = worker.request(
        "POST",
        "/api/v1/forum/topics",
        json={"category_id": category, "title": title, "body": "Who wants to learn?", "language": "en"},
    )
    assert started.status_code == 201, started.text
    topic = started.json()["id"]
    page = new_phone(viewport={"width": 320, "height": 640}).new_page()
    sign_in(page, reader)

    # A topic never opened is marked unread in its category.
    page.goto(f"/#/forum/c/{category}")
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if language == "ar" else "ltr")
    listed = page.get_by_role("listitem").filter(has_text=title)
    expect(listed.locator(".unread")).to_be_visible()
    expect(listed.locator("time")).to_have_attribute("datetime", re.compile(r"^\d{4}-"))
    listed.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    post = page.locator("[data-post]").first
    # "now" or "1 min ago" in the reader's language, the exact time in its title.
    expect(post.locator("time")).to_have_attribute("title", re.compile(r"\d"))

    # A thumbs-up, counted and shown as given; the author hears of it.
    thumbs_up = post.locator(".reaction[data-kind=thumbs_up]")
    expect(thumbs_up).to_have_attribute("aria-pressed", "false")
    thumbs_up.click()
    expect(post.locator(".reaction[data-kind=thumbs_up]")).to_have_attribute("aria-pressed", "true")
    expect(post.locator(".reaction[data-kind=thumbs_up] .count")).to_have_text(re.compile("^(1|١)$"))
    events = [item["event"] for item in worker.get("/api/v1/notifications")["items"]]
    assert "post_reaction" in events

    # The post's actions are behind one button: keyboard opens it, Escape closes it.
    toggle = post.locator(".post-menu-button")
    expect(post.get_by_role("button", name=re.compile("Report|إبلاغ"))).to_be_hidden()
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    menu = post.locator(".post-actions")
    expect(menu).to_be_visible()
    box = menu.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 320, box
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 320
    screenshot(page, f"forum-post-menu-320-{language}")
    violations = axe_scan(page)
    assert violations == [], violations
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()
    expect(toggle).to_be_focused()

    # The reply box closes the topic's page.
    expect(page.locator("main form textarea[name=body]")).to_be_visible()

    # Read now; a new reply later shows as one new reply.
    reply = worker.request("POST", f"/api/v1/forum/topics/{topic}/posts", json={"body": "Tuesdays at six."})
    assert reply.status_code == 201, reply.text
    page.goto(f"/#/forum/c/{category}")
    page.reload()
    listed = page.get_by_role("listitem").filter(has_text=title)
    # "1 new reply"; Arabic says "one" in a word.
    expect(listed.locator(".unread")).to_contain_text(re.compile("1|١|واحد"))
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 320
    screenshot(page, f"forum-unread-320-{language}")
