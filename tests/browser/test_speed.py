"""A cheap phone on a weak network: the first visit asks for little before the home screen can be
used, and a long list never holds the phone's main thread for long (issue #18's budgets)."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.phone import Person, sign_in

# The budgets: at most 15 requests before the home is usable, and no task on the main
# thread of 100 ms or more while a screen shows a long list. The suite runs beside other tests on
# a shared CPU, where Chromium's 4x slowdown multiplies every stall of the machine: the long-task
# budget is checked here at the machine's speed (500 notes held it for 234 ms before the lists
# were drawn in slices, 0 tasks of 50 ms or more since), and at a cheap phone's speed by
# bench/pwa_load.py.
REQUESTS_BEFORE_USABLE = 15
LONG_TASK_BUDGET_MS = 100

# Milliseconds from navigation to the home's <h1> shown, and the requests started before then
# (the page itself included; a data: address is no request).
REQUESTS_UNTIL_HOME = """async () => {
  const heading = () => [...document.querySelectorAll('main h1')].some((h) => h.offsetParent !== null);
  while (!(location.hash.startsWith('#/home') && heading())) await new Promise((r) => requestAnimationFrame(r));
  const usable = performance.now();
  const asked = performance.getEntriesByType('resource')
    .filter((entry) => entry.startTime < usable && !entry.name.startsWith('data:'))
    .map((entry) => new URL(entry.name).pathname);
  return { usable, asked: [location.pathname, ...asked] };
}"""

WATCH_LONG_TASKS = """() => {
  window.__longTasks = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__longTasks.push(Math.round(entry.duration));
  }).observe({ type: 'longtask' });
}"""


def test_a_first_visit_asks_for_at_most_15_things_before_home_is_usable(
    new_phone: Callable[..., BrowserContext], live_server: LiveServer, youth: Person
):
    phone = new_phone()
    answer = phone.request.post(
        "/api/v1/auth/login", data={"username": youth.username, "password": youth.password}
    )
    assert answer.ok
    page = phone.new_page()
    page.goto("/#/home", wait_until="commit")
    measured = page.evaluate(REQUESTS_UNTIL_HOME)
    asked = measured["asked"]
    assert len(asked) <= REQUESTS_BEFORE_USABLE, asked
    # Each module once, and nothing the first screen does not need.
    assert len(asked) == len(set(asked)), asked
    assert "/sw.js" not in asked and "/api/v1/sync" not in asked


def seed_notes_on_the_phone(page: Page, owner: str, count: int) -> None:
    """Notes written on this phone and sent since, as the outbox keeps them (sealed)."""
    page.evaluate(
        """async ([owner, count]) => {
          const { putNote } = await import('/store.js');
          const text = 'We talked about school, football and the first winter here. '.repeat(30);
          const now = Date.now();
          for (let i = 0; i < count; i++) {
            const id = crypto.randomUUID();
            await putNote({
              id, owner, version: 1, serverStatus: i % 3 ? 'submitted' : 'approved',
              dirty: false, queued: false, conflict: false, createdAt: now - i * 60000,
              updatedAt: now - i * 60000, sentAt: now - i * 60000,
              body: { kind: 'interview', platform: 'DE', language: 'en', interviewee_code: `DE-INT-${i}`,
                recorded_at: new Date(now - i * 60000).toISOString(), consent_confirmed: true,
                status: 'submitted', answers: {}, text, tags: ['school'] },
            });
          }
        }""",
        [owner, count],
    )


def test_my_notes_with_500_notes_never_holds_the_main_thread_for_100_ms(
    new_phone: Callable[..., BrowserContext], youth: Person
):
    page = new_phone().new_page()
    sign_in(page, youth)
    seed_notes_on_the_phone(page, youth.id, 500)
    # The longest task of up to three drawings: a stall of the shared machine lengthens one
    # drawing's task at random, a list drawn in one piece lengthens every drawing's.
    longest = []
    for _ in range(3):
        page.goto("/#/home")
        expect(page.locator("main h1")).to_be_visible()
        page.evaluate(WATCH_LONG_TASKS)
        page.goto("/#/notes")
        # Every note is listed, the last one drawn too.
        expect(page.locator("main [data-note]")).to_have_count(500)
        expect(page.locator("main ul.list")).to_have_attribute("data-drawn", "all")
        longest.append(max(page.evaluate("window.__longTasks"), default=0))
        if longest[-1] < LONG_TASK_BUDGET_MS:
            break
    assert min(longest) < LONG_TASK_BUDGET_MS, longest


def test_notes_read_a_slice_at_a_time_are_only_the_persons_own_on_a_shared_phone(
    new_phone: Callable[..., BrowserContext], youth: Person
):
    # A session that ended leaves its unsent notes on the phone, sealed, until that person is back:
    # the slices read by note id hold both people's notes, and only the owner's are listed.
    page = new_phone().new_page()
    sign_in(page, youth)
    seed_notes_on_the_phone(page, "someone-else", 120)
    seed_notes_on_the_phone(page, youth.id, 130)
    page.goto("/#/notes")
    expect(page.locator("main [data-note]")).to_have_count(130)
    expect(page.locator("main ul.list")).to_have_attribute("data-drawn", "all")
    codes = page.locator("main [data-note] .title").all_text_contents()
    assert len(set(codes)) == 130
