"""The world of the app's end-to-end tests: one live `tessera serve` on 127.0.0.1 with a SQLite
database of its own, Debian's Chromium, and phones (browser contexts) held by people made as an
operator makes them.

The server and the browser live while this package's tests run, and every test makes its own
people, so tests never see each other's notes. These tests run once per pytest run, on SQLite:
they check the app, and the API's behaviour on PostgreSQL is the rest of the suite's concern.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import os
import sqlite3
import uuid
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from bench.live_server import HOST, free_port, running_server, tessera_serve, wait_until_healthy
from server.accounts.service import create_user_from_cli
from server.db import create_engine, create_sessionmaker
from server.security import PasswordHasher
from tests.browser.phone import CHROMIUM, LOCATOR_TIMEOUT_MS, Api, Person, open_phone, screenshot
from tests.conftest import PASSWORD


class LiveServer:
    """`tessera serve` in a process of its own (bench/live_server.py starts it, as the benchmarks
    do), and a way to make accounts in its database."""

    def __init__(self, workdir: Path, hasher: PasswordHasher) -> None:
        self.workdir = workdir
        self.database_path = workdir / "tessera.db"
        self.database_url = f"sqlite+aiosqlite:///{self.database_path}"
        self.hasher = hasher
        self.port = free_port()
        self.base_url = f"http://{HOST}:{self.port}"
        self._names = itertools.count(1)

    @property
    def env(self) -> dict[str, str]:
        outside = {key: value for key, value in os.environ.items() if not key.startswith("TESSERA_")}
        return {
            **outside,
            "TESSERA_DATABASE_URL": self.database_url,
            "TESSERA_STORE_DIR": str(self.workdir / "store"),
            "TESSERA_PUBLIC_URL": self.base_url,
            # Every phone of every browser test comes from 127.0.0.1: the per-address limits are
            # for one client, and the tests that check them run in-process (tests/accounts).
            "TESSERA_LOGIN_FAILURES_PER_ADDRESS": "1000",
            "TESSERA_REGISTRATION_FAILURES_PER_ADDRESS": "1000",
        }

    @contextlib.contextmanager
    def running(self) -> Iterator[LiveServer]:
        # The background workers run, as they do under a plain `tessera serve`.
        serve = functools.partial(tessera_serve, workers=True)
        with running_server(self.workdir, self.env, serve, port=self.port) as server:
            wait_until_healthy(server)
            yield self

    def create_person(
        self, role: str = "youth", platforms: tuple[str, ...] = ("DE",), language: str = "en"
    ) -> Person:
        """A new account with a name no other test uses, as `tessera create-user` makes it."""
        username = f"{role.replace('_', '')}{next(self._names)}"

        async def create() -> str:
            engine = create_engine(self.database_url)
            try:
                async with create_sessionmaker(engine)() as db:
                    user = await create_user_from_cli(
                        db,
                        self.hasher,
                        username=username,
                        password=PASSWORD,
                        role=role,
                        platforms=list(platforms),
                        display_name=None,
                        language=language,
                    )
                    await db.commit()
                    return str(user.id)
            finally:
                await engine.dispose()

        # Its own thread and event loop: Playwright's sync API owns this thread's loop.
        with ThreadPoolExecutor(max_workers=1) as thread:
            user_id = thread.submit(asyncio.run, create()).result()
        return Person(username=username, password=PASSWORD, id=user_id, role=role)

    def stored_notes(self, person: Person) -> list[dict[str, Any]]:
        """The person's notes as the database holds them, read past the API."""
        with contextlib.closing(sqlite3.connect(f"file:{self.database_path}?mode=ro", uri=True)) as db:
            rows = db.execute(
                "SELECT id, version, status, text FROM notes WHERE author_id = ?",
                (uuid.UUID(person.id).hex,),
            ).fetchall()
        return [
            {"id": str(uuid.UUID(row[0])), "version": row[1], "status": row[2], "text": row[3]}
            for row in rows
        ]

    def api(self, person: Person) -> Api:
        """The API signed in as the person, to check what reached the server."""
        return Api.signed_in(self.base_url, person)


@pytest.fixture(scope="session", autouse=True)
def chromium_present() -> None:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install chromium (Debian's; .ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI installs it, so there the app's tests must really run
        pytest.skip(message)


@pytest.fixture(scope="package")
def live_server(
    chromium_present: None, tmp_path_factory: pytest.TempPathFactory, test_hasher: PasswordHasher
) -> Iterator[LiveServer]:
    with LiveServer(tmp_path_factory.mktemp("live-server"), test_hasher).running() as server:
        yield server


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    # Between its calls, Playwright's sync API marks its own event loop as this thread's
    # running loop, which would stop every asyncio test after it. Scoped to this package,
    # it stops, and lets go of the loop, before the rest of the suite runs.
    with sync_playwright() as driver:
        expect.set_options(timeout=LOCATOR_TIMEOUT_MS)
        yield driver


@pytest.fixture(scope="package")
def browser(chromium_present: None, playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
    )
    yield browser
    browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # Lets a fixture's teardown see whether its test failed (pytest's documented recipe).
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def new_phone(
    request: pytest.FixtureRequest, browser: Browser, live_server: LiveServer
) -> Iterator[Callable[..., BrowserContext]]:
    """``new_phone()``: a fresh phone (its own storage, cookies and service worker); call it
    twice for one person's two devices."""
    contexts: list[BrowserContext] = []

    def make(**overrides: Any) -> BrowserContext:
        contexts.append(open_phone(browser, live_server.base_url, **overrides))
        return contexts[-1]

    yield make
    report = getattr(request.node, "report_call", None)
    for number, context in enumerate(contexts, 1):
        with contextlib.suppress(Exception):
            if report is not None and report.failed:
                # What each phone showed when the test failed, for CI's artifacts.
                for page in context.pages:
                    screenshot(page, f"failed-{request.node.name}-phone{number}")
            context.close()


@pytest.fixture
def page(new_phone: Callable[..., BrowserContext]) -> Page:
    """The app on one phone, not yet opened."""
    return new_phone().new_page()


@pytest.fixture
def youth(live_server: LiveServer) -> Person:
    return live_server.create_person("youth", ("DE",))


@pytest.fixture
def youth_worker(live_server: LiveServer) -> Person:
    return live_server.create_person("youth_worker", ("DE",))
