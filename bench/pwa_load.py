"""The app on a slow phone network: how much does a first visit download, and how soon can a
signed-in person use the home screen, on that first visit and again offline?

Peer researchers open Tessera on cheap phones over weak mobile connections. This benchmark
loads the app in Debian's Chromium at phone size against a real `tessera serve` on 127.0.0.1,
with the page's network throttled through the DevTools protocol to Lighthouse's slow 3G
(400 ms round trip, 400 kbit/s down and up) and its CPU slowed 4x, and measures

- the app shell's transfer size: the compressed bytes (headers included, as DevTools counts
  them) of everything a first visit fetches, the service worker's precache included;
- the time from navigation to a usable home screen (the signed-in home's <h1> shown), on a
  first visit with an empty cache, and on a repeat visit with the network cut off;
- the same for a baseline: a page of one byte served by the same server, under the same
  throttling, so figures compare across machines as ratios.

The targets, from issues #14 and #18: the shell stays under 150 KB compressed; a first visit is
usable in under 3 s after at most 15 requests; a repeat visit offline in under 1 s; "My notes"
with 500 notes on the phone never holds the main thread for 100 ms. The benchmark reports and
does not judge: the exit code is 0 unless the run breaks, or, with --check, 1 when a target is
missed or the home screen never became usable.

    python bench/pwa_load.py [--runs 3] [--database-url postgresql+asyncpg://...]

It prints a table and writes bench/results/pwa_load.json. The server serves a copy of pwa/
with the one-byte page added, so pwa/ itself is never touched. Requests a service worker makes
itself (its precache) are counted but not throttled: Chromium throttles a page's requests only.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import harness
import live_server
from playwright.sync_api import Browser, BrowserContext, CDPSession, Page, Request, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
TARGET_SHELL_KB = 150
# The targets for a first visit: usable in under 3 s, after at most 15 requests.
TARGET_FIRST_VISIT_MS = 3000
TARGET_REQUESTS_BEFORE_USABLE = 15
TARGET_OFFLINE_MS = 1000
RESULTS_FILE = harness.RESULTS_DIR / "pwa_load.json"
BASELINE_PAGE = "/bench-one-byte.html"
USERNAME = "bench_youth"
# Lighthouse's slow 3G, in the DevTools protocol's units (bytes a second).
SLOW_3G = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 400_000 / 8,
    "uploadThroughput": 400_000 / 8,
}
CPU_SLOWDOWN = 4
PHONE: dict[str, Any] = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "en",
}
# The signed-in home screen, shown and usable: the route, and its one <h1> laid out.
HOME_IS_USABLE = """() => location.hash.startsWith('#/home')
    && document.documentElement.dataset.online !== undefined
    && [...document.querySelectorAll('main h1')].some((h) => h.offsetParent !== null && h.textContent.trim())
    ? performance.now() : false"""
# Slow 3G and a 4x slower CPU: a first visit may take a while, but not forever.
LOAD_TIMEOUT_MS = 120_000


class Transfers:
    """The encoded bytes of every finished request, from the page (DevTools protocol) and from
    its service worker (Playwright's request events), each request counted once."""

    def __init__(self, context: BrowserContext, cdp: CDPSession) -> None:
        self.page_bytes: dict[str, int] = {}
        self.worker_bytes: dict[int, int] = {}
        self.urls: dict[str, str] = {}
        # When each of the page's requests was sent (milliseconds since the epoch).
        self.sent_at: dict[str, float] = {}
        cdp.on("Network.requestWillBeSent", self._on_request)
        cdp.on("Network.loadingFinished", self._on_finished)
        context.on("requestfinished", self._on_worker_request)

    def _on_request(self, event: dict[str, Any]) -> None:
        # A data: address (the page's icon, written into it) is no request on the network.
        if event["request"]["url"].startswith("data:"):
            return
        self.urls[event["requestId"]] = event["request"]["url"]
        self.sent_at.setdefault(event["requestId"], float(event["wallTime"]) * 1000)

    def sent_before(self, epoch_ms: float) -> list[str]:
        """The addresses the page asked for before a moment, in the order it asked."""
        return [
            self.urls[request_id]
            for request_id, sent in sorted(self.sent_at.items(), key=lambda item: item[1])
            if sent < epoch_ms
        ]

    def _on_finished(self, event: dict[str, Any]) -> None:
        if event["requestId"] not in self.urls:
            return
        self.page_bytes[event["requestId"]] = int(event["encodedDataLength"])

    def _on_worker_request(self, request: Request) -> None:
        # The page's own requests are counted above; only a service worker's fetches are added.
        if request.service_worker is None:
            return
        sizes = request.sizes()
        self.worker_bytes[id(request)] = sizes["responseBodySize"] + sizes["responseHeadersSize"]

    @property
    def total(self) -> int:
        return sum(self.page_bytes.values()) + sum(self.worker_bytes.values())

    @property
    def requests(self) -> int:
        return len(self.page_bytes) + len(self.worker_bytes)


def parse_options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="measurements of each kind; medians shown")
    harness.add_database_option(parser)
    harness.add_output_option(parser, RESULTS_FILE)
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 when a target is missed or the home never became usable",
    )
    options = parser.parse_args()
    if options.runs < 1:
        parser.error("--runs must be positive")
    return options


def serve_app_copy(workdir: Path) -> Path:
    """pwa/ as it is, and beside it the baseline: a page of one byte."""
    copy = workdir / "pwa"
    shutil.copytree(harness.REPO_ROOT / "pwa", copy)
    (copy / BASELINE_PAGE.lstrip("/")).write_bytes(b"x")
    return copy


@contextmanager
def slow_phone(context: BrowserContext) -> Iterator[tuple[Page, CDPSession]]:
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    try:
        yield page, cdp
    finally:
        cdp.detach()
        page.close()


def load_baseline(browser: Browser, base_url: str) -> dict[str, Any]:
    context = browser.new_context(base_url=base_url, service_workers="block", **PHONE)
    try:
        with slow_phone(context) as (page, cdp):
            transfers = Transfers(context, cdp)
            page.goto(BASELINE_PAGE, wait_until="load", timeout=LOAD_TIMEOUT_MS)
            milliseconds = page.evaluate("() => performance.getEntriesByType('navigation')[0].loadEventEnd")
            return {"ms": round(milliseconds, 1), "bytes": transfers.total, "requests": transfers.requests}
    finally:
        context.close()


def wait_until_home(page: Page) -> float | None:
    """Milliseconds from navigation to the usable home screen, or None if it never came."""
    try:
        handle = page.wait_for_function(HOME_IS_USABLE, polling="raf", timeout=LOAD_TIMEOUT_MS)
    except Exception:
        return None
    return round(float(handle.json_value()), 1)


def load_app(browser: Browser, base_url: str) -> dict[str, Any]:
    """A first visit with an empty cache, signed in already, then a repeat visit offline."""
    context = browser.new_context(base_url=base_url, **PHONE)
    try:
        # Signed in before the clock starts: the session cookie is all a first visit brings.
        answer = context.request.post(
            harness.LOGIN, data={"username": USERNAME, "password": harness.PASSWORD}
        )
        if not answer.ok:
            raise RuntimeError(f"signing in failed: {answer.status} {answer.text()}")
        with slow_phone(context) as (page, cdp):
            transfers = Transfers(context, cdp)
            page.goto("/#/home", wait_until="commit", timeout=LOAD_TIMEOUT_MS)
            first_ms = wait_until_home(page)
            time_origin = float(page.evaluate("() => performance.timeOrigin"))
            before_usable = transfers.sent_before(time_origin + (first_ms or LOAD_TIMEOUT_MS))
            # The shell is what the first visit leaves on the phone: wait for the service
            # worker to have installed it, and for the last request to end.
            page.evaluate(
                "() => 'serviceWorker' in navigator"
                " ? Promise.race([navigator.serviceWorker.ready, new Promise((r) => setTimeout(r, 60000))])"
                " : null"
            )
            page.wait_for_load_state("networkidle", timeout=LOAD_TIMEOUT_MS)
            first: dict[str, Any] = {
                "ms": first_ms,
                "bytes": transfers.total,
                "page_bytes": sum(transfers.page_bytes.values()),
                "service_worker_bytes": sum(transfers.worker_bytes.values()),
                "requests": transfers.requests,
                "requests_before_usable": len(before_usable),
                "asked_before_usable": [url.removeprefix(base_url) for url in before_usable],
            }
            largest = sorted(
                (
                    (size, transfers.urls.get(request_id, "?"))
                    for request_id, size in transfers.page_bytes.items()
                ),
                reverse=True,
            )[:5]
            first["largest"] = [{"url": url.removeprefix(base_url), "bytes": size} for size, url in largest]
        context.set_offline(True)
        with slow_phone(context) as (page, cdp):
            cdp.send("Network.emulateNetworkConditions", {**SLOW_3G, "offline": True})
            transfers = Transfers(context, cdp)
            page.goto("/#/home", wait_until="commit", timeout=LOAD_TIMEOUT_MS)
            offline = {"ms": wait_until_home(page), "bytes": transfers.total}
        return {"first_visit": first, "repeat_offline": offline}
    finally:
        context.close()


NOTES_ON_THE_PHONE = 500
TARGET_LONG_TASK_MS = 100
SEED_NOTES = """async ([owner, count]) => {
  const { putNote } = await import('/store.js');
  const text = 'We talked about school, football and the first winter here. '.repeat(30);
  const now = Date.now();
  for (let i = 0; i < count; i++) {
    await putNote({
      id: crypto.randomUUID(), owner, version: 1, serverStatus: 'submitted', dirty: false,
      queued: false, conflict: false, createdAt: now - i * 60000, updatedAt: now - i * 60000,
      sentAt: now - i * 60000,
      body: { kind: 'interview', platform: 'DE', language: 'en', interviewee_code: `DE-INT-${i}`,
        recorded_at: new Date(now - i * 60000).toISOString(), consent_confirmed: true,
        status: 'submitted', answers: {}, text, tags: ['school'] },
    });
  }
}"""
WATCH_LONG_TASKS = """() => {
  window.__longTasks = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__longTasks.push(Math.round(entry.duration));
  }).observe({ type: 'longtask' });
}"""


def notes_screen_long_tasks(browser: Browser, base_url: str) -> list[int]:
    """The main thread's long tasks (ms) while "My notes" lists 500 notes kept on the phone, with
    the CPU slowed as for the first visit (the network is not throttled: the list is local)."""
    context = browser.new_context(base_url=base_url, **PHONE)
    try:
        answer = context.request.post(
            harness.LOGIN, data={"username": USERNAME, "password": harness.PASSWORD}
        )
        user = answer.json()["user"]
        page = context.new_page()
        page.goto("/#/home")
        if wait_until_home(page) is None:
            raise RuntimeError("the home screen never came")
        page.evaluate(SEED_NOTES, [user["id"], NOTES_ON_THE_PHONE])
        cdp = context.new_cdp_session(page)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
        page.evaluate(WATCH_LONG_TASKS)
        page.goto("/#/notes")
        page.wait_for_selector('main ul.list[data-drawn="all"]', timeout=LOAD_TIMEOUT_MS)
        page.wait_for_timeout(500)
        return list(page.evaluate("window.__longTasks"))
    finally:
        context.close()


def median(values: list[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    if len(present) < len(values) or not present:
        return None
    return round(statistics.median(present), 1)


def measure(base_url: str, runs: int) -> dict[str, Any]:
    baselines, apps, notes_tasks = [], [], []
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        try:
            for _ in range(runs):
                # Interleaved, so a disturbance of the machine touches both alike.
                baselines.append(load_baseline(browser, base_url))
                apps.append(load_app(browser, base_url))
                notes_tasks.append(max(notes_screen_long_tasks(browser, base_url), default=0))
        finally:
            browser.close()
    baseline_ms = median([run["ms"] for run in baselines])
    first_ms = median([run["first_visit"]["ms"] for run in apps])
    offline_ms = median([run["repeat_offline"]["ms"] for run in apps])
    # The run of median size stands for all, so its parts add up to the total shown.
    typical = sorted(apps, key=lambda run: run["first_visit"]["bytes"])[len(apps) // 2]["first_visit"]
    shell_bytes = typical["bytes"]
    baseline_bytes = int(statistics.median(run["bytes"] for run in baselines))

    def ratio(value: float | None, base: float | None) -> float | None:
        return round(value / base, 2) if value is not None and base else None

    return {
        "baseline": {"ms": baseline_ms, "bytes": baseline_bytes},
        "first_visit": {
            "ms": first_ms,
            "ratio": ratio(first_ms, baseline_ms),
            "bytes": shell_bytes,
            "kb": round(shell_bytes / 1000, 1),
            "bytes_ratio": ratio(shell_bytes, baseline_bytes),
            "page_bytes": typical["page_bytes"],
            "service_worker_bytes": typical["service_worker_bytes"],
            "requests": typical["requests"],
            "requests_before_usable": typical["requests_before_usable"],
            "asked_before_usable": typical["asked_before_usable"],
            "largest": typical["largest"],
        },
        "repeat_offline": {
            "ms": offline_ms,
            "ratio": ratio(offline_ms, baseline_ms),
            "bytes": max(run["repeat_offline"]["bytes"] for run in apps),
        },
        "notes_screen": {
            "notes": NOTES_ON_THE_PHONE,
            "longest_task_ms": statistics.median(notes_tasks),
            "runs": notes_tasks,
        },
        "runs": {"baseline": baselines, "app": apps},
    }


def format_table(result: dict[str, Any]) -> str:
    run, first = result["run"], result["first_visit"]

    def ms(value: float | None) -> str:
        return f"{value:>10.0f}" if value is not None else f"{'never':>10}"

    def times(value: float | None) -> str:
        return f"{value:>10.2f}x" if value is not None else f"{'-':>11}"

    lines = [
        f"App load on a phone: slow 3G ({SLOW_3G['latency']} ms RTT, 400 kbit/s down and up), "
        f"CPU {CPU_SLOWDOWN}x slower; medians of {run['runs']} runs",
        f"Database: {run['database']}; {run['cpus']} CPUs",
        "",
        f"{'load':<34}{'ms':>10}{'vs baseline':>12}{'KB':>9}",
        f"{'baseline (a one-byte page)':<34}{ms(result['baseline']['ms'])}{'1.00x':>12}"
        f"{result['baseline']['bytes'] / 1000:>9.1f}",
        f"{'first visit, signed in':<34}{ms(first['ms'])}{times(first['ratio']):>12}{first['kb']:>9.1f}",
        f"{'repeat visit, offline':<34}{ms(result['repeat_offline']['ms'])}"
        f"{times(result['repeat_offline']['ratio']):>12}{result['repeat_offline']['bytes'] / 1000:>9.1f}",
        "",
        f"My notes with {result['notes_screen']['notes']} notes on the phone: longest main-thread task "
        + (
            f"{result['notes_screen']['longest_task_ms']:.0f} ms"
            if result["notes_screen"]["longest_task_ms"]
            else "none (no task of 50 ms or more)"
        )
        + f" (median; target < {TARGET_LONG_TASK_MS} ms)",
        f"Requests before the home was usable: {first['requests_before_usable']} "
        f"(target <= {TARGET_REQUESTS_BEFORE_USABLE}): " + " ".join(first["asked_before_usable"]),
        "Largest transfers of a first visit: "
        + ", ".join(f"{item['url']} {item['bytes'] / 1000:.1f} KB" for item in first["largest"]),
        f"App shell: {first['kb']:.1f} KB compressed in {first['requests']} requests: "
        f"{first['page_bytes'] / 1000:.1f} KB by the page, "
        f"{first['service_worker_bytes'] / 1000:.1f} KB by the service worker's precache "
        f"(target < {TARGET_SHELL_KB} KB)",
        f"Targets: first visit < {TARGET_FIRST_VISIT_MS} ms after <= {TARGET_REQUESTS_BEFORE_USABLE} "
        f"requests, offline < {TARGET_OFFLINE_MS} ms, no task of {TARGET_LONG_TASK_MS} ms, shell < "
        f"{TARGET_SHELL_KB} KB: {'all met' if result['within_target'] else 'NOT ALL MET'}",
    ]
    return "\n".join(lines)


def main() -> int:
    options = parse_options()
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: apt-get install chromium", file=sys.stderr)
        return 2
    with harness.bench_workdir() as workdir:
        pwa_dir = serve_app_copy(workdir)
        env = harness.server_environment(workdir, options.database_url, {"TESSERA_PWA_DIR": str(pwa_dir)})
        with live_server.running_server(workdir, env) as server:
            live_server.wait_until_healthy(server)
            asyncio.run(harness.create_users(server, {USERNAME: "youth"}))
            measured = measure(server.base_url, options.runs)
    run = {
        "started_at": harness.started_now(),
        "database": harness.describe_database(options.database_url),
        "runs": options.runs,
        "network": SLOW_3G,
        "cpu_slowdown": CPU_SLOWDOWN,
        **harness.machine(),
    }
    usable = measured["first_visit"]["ms"] is not None and measured["repeat_offline"]["ms"] is not None
    result = {
        "run": run,
        **measured,
        "target_shell_kb": TARGET_SHELL_KB,
        "within_target": usable
        and measured["first_visit"]["kb"] < TARGET_SHELL_KB
        and measured["first_visit"]["ms"] < TARGET_FIRST_VISIT_MS
        and measured["first_visit"]["requests_before_usable"] <= TARGET_REQUESTS_BEFORE_USABLE
        and measured["repeat_offline"]["ms"] < TARGET_OFFLINE_MS
        and measured["notes_screen"]["longest_task_ms"] < TARGET_LONG_TASK_MS,
    }
    return harness.report(result, options, format_table)


if __name__ == "__main__":
    sys.exit(main())
