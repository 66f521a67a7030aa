"""Every screen of the app, at phone size, for the role that uses it: one <h1> in <main>, the
navigation landmark, no serious or critical axe-core violation, and none of what pa11y found
(inputs without a type, autocomplete values wrong for their field, content outside a landmark).
Each leaves a screenshot in test-artifacts/screenshots/ for a person to look at."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.phone import (
    GUIDE_ID,
    Api,
    Person,
    axe_scan,
    open_phone,
    screenshot,
    sign_in,
    wait_for_quiet_network,
)
from tests.browser.stakeholder_home import seed_stakeholder_home
from tests.notes.conftest import note_body

# The autocomplete tokens the app uses and the input types each is valid on (HTML's autofill
# table, as pa11y's HTML_CodeSniffer checks it: an input without a type is on none of them).
AUTOCOMPLETE_TYPES = {
    "off": {"text", "search", "password", "number", "email", "tel", "url", "datetime-local"},
    "username": {"text", "search"},
    "nickname": {"text", "search"},
    "current-password": {"text", "search", "password"},
    "new-password": {"text", "search", "password"},
    "one-time-code": {"text", "search", "password", "number", "tel"},
    "email": {"text", "search", "email"},
}

FORM_FINDINGS = """(allowed) => {
  const findings = [];
  for (const input of document.querySelectorAll("input")) {
    const name = input.name || input.id || input.outerHTML.slice(0, 60);
    const type = input.getAttribute("type");
    if (!type) findings.push(`${name}: no type`);
    const token = input.getAttribute("autocomplete");
    if (token !== null && !(allowed[token] || []).includes(type)) {
      findings.push(`${name}: autocomplete "${token}" on type ${type}`);
    }
  }
  return findings;
}"""


def pa11y_findings(page: Page) -> list[str]:
    """What pa11y reported: inputs without a type, autocomplete values their field cannot take,
    and content outside every landmark (axe-core's "region", a moderate finding)."""
    findings: list[str] = page.evaluate(FORM_FINDINGS, {k: sorted(v) for k, v in AUTOCOMPLETE_TYPES.items()})
    regions = page.evaluate("async () => await axe.run(document, {runOnly: ['region']})")
    findings += [
        f"outside a landmark: {node['target']}" for rule in regions["violations"] for node in rule["nodes"]
    ]
    return findings


# (who looks, screen name, route); {placeholders} are filled from the world below.
SCREENS = [
    ("nobody", "sign-in", "#/sign-in"),
    ("nobody", "join", "#/join?code={invite_code}"),
    ("nobody", "reset-password", "#/reset-password"),
    ("youth", "home", "#/home"),
    ("youth", "notes", "#/notes"),
    ("youth", "note-new", f"#/notes/new?guide={GUIDE_ID}"),
    ("youth", "note", "#/notes/{note_id}"),
    ("youth", "forum", "#/forum"),
    ("youth", "forum-category", "#/forum/c/{category_id}"),
    ("youth", "forum-topic", "#/forum/t/{topic_id}"),
    ("youth", "notifications", "#/notifications"),
    ("youth", "settings", "#/settings"),
    ("youth_worker", "home", "#/home"),
    ("youth_worker", "moderation", "#/moderation"),
    ("youth_worker", "invites", "#/invites"),
    ("youth_worker", "review", "#/review"),
    ("youth_worker", "review-note", "#/notes/{note_id}"),
    ("youth_worker", "events", "#/events"),
    ("youth_worker", "event", "#/events/{event_id}"),
    ("youth_worker", "event-edit", "#/events/{event_id}/edit"),
    ("youth_worker", "event-people", "#/events/{event_id}/people"),
    ("youth_worker", "actions", "#/actions"),
    ("researcher", "export", "#/export"),
    ("researcher", "review", "#/review"),
    ("researcher", "directory", "#/directory"),
    ("researcher", "directory-entry", "#/directory/{entry_id}"),
    ("researcher", "directory-edit", "#/directory/{entry_id}/edit"),
    ("researcher", "directory-import", "#/directory/import"),
    ("researcher", "impact", "#/impact"),
    ("researcher", "briefs", "#/briefs"),
    ("researcher", "brief-editor", "#/briefs/{brief_id}"),
    ("researcher", "brief-translation", "#/briefs/{translation_id}"),
    ("stakeholder", "briefs", "#/briefs"),
    ("stakeholder", "brief", "#/briefs/{brief_id}"),
    ("admin", "users", "#/users"),
    ("admin", "invites", "#/invites"),
    ("admin", "audit", "#/audit"),
    ("admin", "mail", "#/mail"),
    ("admin", "mail-message", "#/mail/{mail_id}"),
    ("researcher", "guides", "#/guides"),
    ("researcher", "guide-new", "#/guides/new"),
    ("admin", "guide", f"#/guides/{GUIDE_ID}"),
    ("admin", "platforms", "#/platforms"),
    # With a published brief and open Delphi ballots (tests/browser/stakeholder_home.py).
    ("stakeholder", "home", "#/home"),
    ("stakeholder_ar", "home", "#/home"),
    ("youth_worker_ar", "event-people", "#/events/{event_id}/people"),
    ("researcher", "delphi", "#/delphi"),
    ("researcher", "delphi-new", "#/delphi/new"),
    ("researcher", "delphi-study", "#/delphi/{study_id}"),
    ("researcher", "delphi-edit", "#/delphi/{study_id}/edit"),
    ("researcher", "delphi-results", "#/delphi/{study_id}/results"),
]


@dataclass
class World:
    """People of one platform, each on a phone, and something on every screen to show."""

    pages: dict[str, Page]
    places: dict[str, str]


@pytest.fixture(scope="module")
def world(browser: Browser, live_server: LiveServer) -> Iterator[World]:
    people = {
        role: live_server.create_person(role, ("DE",))
        for role in ("youth", "youth_worker", "researcher", "stakeholder", "admin")
    }
    newcomer = live_server.create_person("youth", ("DE",))
    places = seed(live_server, people, newcomer)
    places["mail_id"] = newest_mail_id(live_server, people["admin"])
    # The same screens read right to left.
    people["youth_worker_ar"] = live_server.create_person("youth_worker", ("DE",), language="ar")
    people["stakeholder_ar"] = live_server.create_person("stakeholder", ("DE",), language="ar")
    seed_stakeholder_home(live_server, [people["stakeholder"], people["stakeholder_ar"]])
    contexts: list[BrowserContext] = []
    pages = {}
    for role in ("nobody", *people):
        context = open_phone(browser, live_server.base_url)
        contexts.append(context)
        pages[role] = context.new_page()
    try:
        for role, person in people.items():
            sign_in(pages[role], person)
        yield World(pages, places)
    finally:
        for context in contexts:
            with contextlib.suppress(Exception):
                context.close()


def seed(live_server: LiveServer, people: dict[str, Person], newcomer: Person) -> dict[str, str]:
    author, youth_worker = live_server.api(people["youth"]), live_server.api(people["youth_worker"])
    note = note_body(platform="DE")
    assert author.request("PUT", f"/api/v1/notes/{note['id']}", json=note).status_code == 201
    categories = author.get("/api/v1/forum/categories")["items"]
    category_id = next(str(item["id"]) for item in categories if item["platform"] == "DE")
    topic = youth_worker.request(
        "POST",
        "/api/v1/forum/topics",
        json={
            "category_id": category_id,
            "title": "Welcome to the group",
            "body": "Say hello and tell us which sports you like.",
            "language": "en",
        },
    )
    assert topic.status_code == 201, topic.text
    held = live_server.api(newcomer).request(
        "POST",
        f"/api/v1/forum/topics/{topic.json()['id']}/posts",
        json={"body": "Hello! I like volleyball and chess."},
    )
    assert held.status_code == 201, held.text
    invite = youth_worker.request(
        "POST",
        "/api/v1/invites",
        json={"role": "youth", "platform": "DE", "max_uses": 1, "expires_in_days": 7},
    )
    assert invite.status_code == 201, invite.text
    event_id, entry_id = seed_events_and_directory(youth_worker)
    brief_id, translation_id = seed_brief(live_server, people["researcher"])
    study_id, closed_study_id = seed_delphi(live_server, live_server.api(people["researcher"]), entry_id)
    return {
        "brief_id": brief_id,
        "translation_id": translation_id,
        "event_id": event_id,
        "entry_id": entry_id,
        "study_id": study_id,
        "closed_study_id": closed_study_id,
        "note_id": note["id"],
        "category_id": category_id,
        "topic_id": str(topic.json()["id"]),
        "invite_code": invite.json()["code"],
    }


def seed_brief(live_server: LiveServer, researcher: Person) -> tuple[str, str]:
    """A published brief of the researcher's (reviewed by a second researcher) with an Arabic
    translation that its original has since moved past: answers both ids."""
    author = live_server.api(researcher)
    reviewer = live_server.api(live_server.create_person("researcher", ("DE",)))
    started = author.request(
        "POST",
        "/api/v1/briefs",
        json={"title": "Housing for young newcomers", "platforms": ["DE"], "language": "en"},
    )
    assert started.status_code == 201, started.text
    brief = started.json()
    words = {
        "title": brief["title"],
        "summary": "Young newcomers wait two years for a shared flat.",
        "sections": [{"heading": "What we heard", "body": "Rooms shared by five, far from school."}],
        "recommendations": [{"text": "Reserve flats for young people leaving care."}],
    }
    saved = author.request("PUT", f"/api/v1/briefs/{brief['id']}", json={**words, "base_version": 1})
    assert saved.status_code == 200, saved.text
    approved = reviewer.request(
        "POST", f"/api/v1/briefs/{brief['id']}/review", json={"decision": "approve", "version": 2}
    )
    assert approved.status_code == 200, approved.text
    assert author.request("POST", f"/api/v1/briefs/{brief['id']}/publish").status_code == 200
    translation = author.request(
        "POST", f"/api/v1/briefs/{brief['id']}/translations", json={"language": "ar"}
    )
    assert translation.status_code == 201, translation.text
    moved = author.request(
        "PUT",
        f"/api/v1/briefs/{brief['id']}",
        json={**words, "summary": "Young newcomers wait three years.", "base_version": 2},
    )
    assert moved.status_code == 200, moved.text
    return str(brief["id"]), str(translation.json()["id"])


def newest_mail_id(live_server: LiveServer, admin: Person) -> str:
    """The newest message of the outbox (the seeded registration's confirmation)."""
    return str(live_server.api(admin).get("/api/v1/mail/outbox?limit=1")["items"][0]["id"])


def seed_events_and_directory(youth_worker: Api) -> tuple[str, str]:
    """A workshop with a registration and an agreed action, and a directory entry with an
    engagement; answers their ids."""
    event = youth_worker.request(
        "POST",
        "/api/v1/events",
        json={
            "platform": "DE",
            "kind": "workshop",
            "title": "Workshop: finding an apprenticeship",
            "description": "Bring your questions; we bring people who hire apprentices.",
            "starts_at": "2030-05-04T08:00:00Z",
            "ends_at": "2030-05-04T10:30:00Z",
            "time_zone": "Europe/Berlin",
            "place": "Jugendhaus Mitte, Raum 2",
            "capacity": 12,
            "languages": ["en", "ar"],
        },
    )
    assert event.status_code == 201, event.text
    event_id = str(event.json()["id"])
    registration = youth_worker.request(
        "POST",
        f"/api/v1/events/{event_id}/registrations",
        # With an e-mail, so that the outbox holds its confirmation.
        json={"name": "Amina K.", "organisation": "Jugendhaus", "email": "amina.k@example.org"},
    )
    assert registration.status_code == 201, registration.text
    action = youth_worker.request(
        "POST",
        f"/api/v1/events/{event_id}/outcomes",
        json={
            "kind": "action",
            "text": "Ask the chamber of crafts for a list of firms.",
            "language": "en",
            "owner": "Lena",
            "due": "2030-06-01",
        },
    )
    assert action.status_code == 201, action.text
    entry = youth_worker.request(
        "POST",
        "/api/v1/stakeholders",
        json={
            "platform": "DE",
            # A world seeded twice on one platform must not make the same entry twice.
            "organisation": f"Handwerkskammer Berlin – Ausbildungsberatung {event_id[:4]}",
            "person_name": "Jonas Weber",
            "sector": "public_authority",
            "level": "regional",
            "contact_basis": "consent",
            "languages": ["de", "en"],
            "services": ["apprenticeship advice"],
        },
    )
    assert entry.status_code == 201, entry.text
    entry_id = str(entry.json()["id"])
    engagement = youth_worker.request(
        "POST",
        f"/api/v1/stakeholders/{entry_id}/engagements",
        json={
            "kind": "workshop",
            "at": "2030-05-04T08:00:00Z",
            "event_id": event_id,
            "summary": "Spoke at the workshop.",
        },
    )
    assert engagement.status_code == 201, engagement.text
    return event_id, entry_id


def seed_delphi(live_server: LiveServer, researcher: Api, entry_id: str) -> tuple[str, str]:
    """Two Delphi studies of the researcher's platform, each with two themes, a statement lacking
    a translation, a panellist from the directory and one by name, and a closed round rated by
    both: one study with its second round open, one closed (which stakeholders read); answers
    their ids."""
    link = httpx.Client(base_url=live_server.base_url, timeout=15)

    def post(path: str, body: object = None) -> dict[str, str]:
        response = researcher.request("POST", path, json=body)
        assert response.status_code in (200, 201), response.text
        return response.json()  # type: ignore[no-any-return]

    ids = []
    for title in ("Youth migration policy", "Schools and languages"):
        study_id = post(
            "/api/v1/delphi/studies",
            {
                "title": title,
                "platforms": ["DE"],
                "scale": {"min": 1, "max": 9},
                "consensus": {
                    "kind": "percent",
                    "agree_from": 7,
                    "disagree_to": 3,
                    "threshold": 70,
                    "max_opposite": 15,
                },
                "anonymity": "facilitators",
                "languages": ["en", "ar"],
            },
        )["id"]
        path = f"/api/v1/delphi/studies/{study_id}"
        statements = [
            post(
                f"{path}/statements",
                {"text": {"en": "Work permits come with the residence permit."}, "theme": "Work"},
            )["id"],
            post(
                f"{path}/statements",
                {
                    "text": {"en": "Schools offer language classes.", "ar": "تقدم المدارس دروس اللغة."},
                    "theme": "School",
                },
            )["id"],
        ]
        tokens = [
            post(f"{path}/panellists", {"stakeholder_id": entry_id, "language": "en"})["token"],
            post(f"{path}/panellists", {"name": "Omar Said", "email": "omar@example.org", "language": "ar"})[
                "token"
            ],
        ]
        round_id = post(f"{path}/rounds")["id"]
        for token, rating in zip(tokens, (8, 5), strict=True):
            ratings = [{"statement_id": statement, "rating": rating} for statement in statements]
            assert link.put(f"/api/v1/delphi/ballots/{token}", json={"ratings": ratings}).status_code == 200
        post(f"/api/v1/delphi/rounds/{round_id}/close")
        post(f"{path}/rounds")
        ids.append(study_id)
    post(f"/api/v1/delphi/studies/{ids[1]}/close")
    return ids[0], ids[1]


@pytest.mark.parametrize(
    ("role", "name", "route"), SCREENS, ids=[f"{role}-{name}" for role, name, _ in SCREENS]
)
def test_screen_has_one_heading_a_navigation_and_no_serious_accessibility_violation(
    world: World, role: str, name: str, route: str
):
    page = world.pages[role]
    address = f"/{route.format(**world.places)}"
    # Each screen draws a new <h1>: marking the old one tells the next screen's from it.
    page.evaluate("document.querySelector('main h1')?.setAttribute('data-left', '')")
    if page.url.endswith(address):
        page.reload()
    else:
        page.goto(address)
    expect(page.locator("main h1:not([data-left])")).to_be_visible()
    wait_for_quiet_network(page.context)
    expect(page.locator("main h1")).to_have_count(1)
    expect(page.locator("main h1")).to_be_visible()
    if role != "nobody":
        expect(page.get_by_role("navigation")).to_be_visible()

    screenshot(page, f"{role}-{name}")
    violations = axe_scan(page)
    assert violations == [], "\n".join(
        f"{violation['impact']}: {violation['id']} ({violation['help']}) on {violation['targets']}"
        for violation in violations
    )
    assert pa11y_findings(page) == []
