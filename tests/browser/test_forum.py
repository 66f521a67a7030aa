"""The forum on a phone: a new member's first topic waits for a youth worker, who reads it as it
was formatted and approves it in the moderation queue; then everyone sees it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from playwright.sync_api import BrowserContext, expect

from tests.browser.conftest import LiveServer
from tests.browser.phone import Person, screenshot, sign_in

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
