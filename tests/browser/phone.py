"""What a person does with the app on a phone, for the end-to-end tests: sign in, lose and find
the network, wait for the outbox; and what the tests check beside it: accessibility (axe-core)
and a picture of each screen."""

from __future__ import annotations

import re
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Request, expect

CHROMIUM = Path("/usr/bin/chromium")
REPO_ROOT = Path(__file__).resolve().parent.parent.parent
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
# A missing element fails a test in seconds, not Playwright's default half-minute.
LOCATOR_TIMEOUT_MS = 10_000
NAVIGATION_TIMEOUT_MS = 15_000
# The outbox waits between retries; reconnecting and sending may take it a few rounds.
SYNC_TIMEOUT_MS = 20_000
# A small phone, held by someone reading English.
PHONE: dict[str, Any] = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "en",
}
GUIDE_ID = "6f1c1b52-5d0e-4a57-9a43-0c5d2b8f7e01"
# The impacts axe-core ranks as barriers, not annoyances.
BLOCKING_IMPACTS = frozenset({"serious", "critical"})
_IN_FLIGHT: weakref.WeakKeyDictionary[BrowserContext, set[Request]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Person:
    username: str
    password: str
    id: str
    role: str


class Api:
    """The API as a person's script would use it, to check what reached the server."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    @classmethod
    def signed_in(cls, base_url: str, person: Person) -> Api:
        client = httpx.Client(base_url=base_url, timeout=15)
        response = client.post(
            "/api/v1/auth/login", json={"username": person.username, "password": person.password}
        )
        response.raise_for_status()
        client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
        return cls(client)

    def get(self, path: str, **kwargs: Any) -> Any:
        response = self.client.get(path, **kwargs)
        response.raise_for_status()
        return response.json()

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.request(method, path, **kwargs)


def open_phone(browser: Browser, base_url: str, **overrides: Any) -> BrowserContext:
    """A fresh phone: its own storage, cookies and service worker."""
    context = browser.new_context(**{**PHONE, "base_url": base_url, **overrides})
    context.set_default_timeout(LOCATOR_TIMEOUT_MS)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    track_requests(context)
    return context


# Signing in and out


def open_app(page: Page, route: str = "#/sign-in") -> None:
    page.goto(f"/{route}")


def sign_in(page: Page, person: Person) -> None:
    """Signs in on the sign-in screen and waits for the home screen."""
    open_app(page)
    page.get_by_label("Username").fill(person.username)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name="Sign in").click()
    wait_for_home(page)


def sign_out(page: Page) -> None:
    """Signs out with the bar's button and waits for the app to start afresh: it reloads once
    the phone is wiped, and a form filled before the new page arrives is lost with the old one."""
    with page.expect_event("load"):
        page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")


def wait_for_home(page: Page) -> None:
    page.wait_for_url(re.compile(r"#/home"))
    expect(page.locator("main h1")).to_be_visible()


# The network and the outbox


def track_requests(context: BrowserContext) -> None:
    """Counts the phone's requests in flight, so a test can cut the network between them."""
    pending: set[Request] = set()
    context.on("request", lambda request: pending.add(request))
    context.on("requestfinished", lambda request: pending.discard(request))
    context.on("requestfailed", lambda request: pending.discard(request))
    _IN_FLIGHT[context] = pending


def wait_for_quiet_network(context: BrowserContext) -> None:
    """Waits until no request has been in flight for a moment (or a few seconds have passed).

    The app takes any answer as a sign it is online, and one on its way when the network
    goes would tell it so; a person's network drops at any time, a test's between requests.
    """
    pending = _IN_FLIGHT.get(context, set())
    quiet_since = time.monotonic()
    deadline = quiet_since + 5
    while time.monotonic() < deadline:
        if pending:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > 0.3:
            return
        # Waiting through Playwright lets its events (and so the count) arrive meanwhile.
        context.pages[0].wait_for_timeout(50)


def go_offline(context: BrowserContext) -> None:
    wait_for_quiet_network(context)
    context.set_offline(True)
    for page in context.pages:
        expect(page.locator("html")).to_have_attribute("data-online", "false")


def go_online(context: BrowserContext) -> None:
    context.set_offline(False)
    for page in context.pages:
        expect(page.locator("html")).to_have_attribute("data-online", "true")


def wait_for_outbox(page: Page, state: str = "idle", timeout: float = SYNC_TIMEOUT_MS) -> None:
    expect(page.locator("html")).to_have_attribute("data-outbox", state, timeout=timeout)


def wait_until_ready_offline(page: Page) -> None:
    """Waits until the service worker has kept the app on the phone and controls the page."""
    page.wait_for_function(
        "async () => { await navigator.serviceWorker.ready; return navigator.serviceWorker.controller !== null; }"
    )


# Notes


def open_new_note(page: Page) -> None:
    page.goto(f"/#/notes/new?guide={GUIDE_ID}")
    expect(page.get_by_label("Interviewee code")).to_be_visible()


def fill_note(page: Page, code: str, text: str) -> None:
    """Answers what the seeded guide requires, confirms consent, and writes the note's text."""
    page.get_by_label("Interviewee code").fill(code)
    page.get_by_role("group", name=re.compile("How old is the person")).get_by_label("16 to 17").check()
    page.get_by_role("group", name=re.compile("belong here")).get_by_label("4", exact=True).check()
    page.get_by_label("Notes", exact=True).fill(text)
    page.get_by_label(re.compile("agreed to this interview")).check()


def note_id_from_url(page: Page) -> str:
    """A note is kept on the phone under the id the phone made, which its address then shows."""
    expect(page).to_have_url(re.compile(r"#/notes/[0-9a-f-]{36}$"))
    return page.url.rsplit("/", 1)[1]


def state_of_note(page: Page) -> Locator:
    """The note's state as the editor shows it, in words."""
    return page.locator("main [data-state]").first


# What the phone keeps


def indexeddb_record_count(page: Page) -> int:
    """How many records all of the origin's IndexedDB databases hold together."""
    return int(
        page.evaluate(
            """async () => {
                let total = 0;
                for (const { name } of await indexedDB.databases()) {
                    const db = await new Promise((resolve, reject) => {
                        const request = indexedDB.open(name);
                        request.onsuccess = () => resolve(request.result);
                        request.onerror = () => reject(request.error);
                    });
                    for (const store of db.objectStoreNames) {
                        total += await new Promise((resolve, reject) => {
                            const request = db.transaction(store).objectStore(store).count();
                            request.onsuccess = () => resolve(request.result);
                            request.onerror = () => reject(request.error);
                        });
                    }
                    db.close();
                }
                return total;
            }"""
        )
    )


def eventually(check: Callable[[], bool], seconds: float = 10) -> bool:
    """Asks again until the check holds or the time is up: for what the app does in the background."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


# Accessibility and pictures


def axe_scan(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now (WCAG 2.x A and AA
    and best practices), each with the elements it found them on."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated by the browser's debugging protocol, which the app's CSP does not govern.
        page.evaluate(_axe_source())
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "targets": [node["target"] for node in violation["nodes"]],
        }
        for violation in results["violations"]
        if violation["impact"] in BLOCKING_IMPACTS
    ]


def _axe_source() -> str:
    # axe-core as axe-playwright-python ships it (MPL-2.0), so the tests fetch nothing.
    return resources.files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")


def screenshot(page: Page, name: str) -> Path:
    """A phone-sized picture of what the person sees, in test-artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path)
    return path
