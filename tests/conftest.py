"""The world the tests need: a fresh database per test (SQLite, and PostgreSQL when
TESSERA_TEST_POSTGRES_URL is set), the real app over Litestar's test client, and people."""

from __future__ import annotations

import asyncio
import gc
import os
import re
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.engine import make_url

from server.accounts.service import create_user_from_cli
from server.app import bind, create_app, shape
from server.db import checkpoint_and_truncate_wal, create_engine, create_sessionmaker, migrate
from server.security import CSRF_HEADER, SESSION_COOKIE, PasswordHasher
from server.settings import Settings

POSTGRES_URL = os.environ.get("TESSERA_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]
PASSWORD = "a long walk by the river"


class PostgresDatabases:
    """One migrated template per test process; each test gets a copy of it (CREATE DATABASE
    ... TEMPLATE), made BATCH at a time, and the copies the tests are done with are dropped
    together before the next batch is made.

    PostgreSQL 15 makes copies in a row in about 35 ms each and drops them in a row in about
    60 ms each, but a copy made just after a drop, or a drop just after a copy, waits for the
    switch between the two, 350 to 750 ms here: one copy and one drop a test made every test
    wait for it (0.63 s, the median setup of a PostgreSQL test, against 0.17 s on SQLite)."""

    BATCH = 16

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.run_id = uuid.uuid4().hex[:8]
        self.template = f"tessera_tpl_{self.run_id}"
        self.made = 0
        self.waiting: list[str] = []  # copies made, not yet given to a test
        self.done: list[str] = []  # copies the tests are done with, to drop
        self._ready = False

    async def _admin(self) -> asyncpg.Connection:
        return await asyncpg.connect(
            host=self.url.host or "127.0.0.1",
            port=self.url.port or 5432,
            user=self.url.username or "postgres",
            password=self.url.password,
            database=self.url.database or "postgres",
        )

    def url_of(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    async def fresh(self) -> str:
        if not self.waiting:
            admin = await self._admin()
            try:
                if not self._ready:
                    await admin.execute(f'CREATE DATABASE "{self.template}"')
                    engine = create_engine(self.url_of(self.template))
                    await migrate(engine)
                    await engine.dispose()
                    self._ready = True
                await self._drop_done(admin)
                for _ in range(self.BATCH):
                    name = f"tessera_{self.run_id}_{self.made}"
                    await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
                    # A commit does not wait for its WAL to reach the disk: what a test checks
                    # is lost only if PostgreSQL itself crashes, which no test makes it do.
                    await admin.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
                    self.made += 1
                    self.waiting.append(name)
            finally:
                await admin.close()
        return self.url_of(self.waiting.pop(0))

    def drop(self, name_url: str) -> None:
        """The test is done with this copy: it is dropped with the others before the next batch."""
        self.done.append(str(make_url(name_url).database))

    async def _drop_done(self, admin: asyncpg.Connection) -> None:
        while self.done:
            # FORCE: a connection a test left open does not keep its database.
            await admin.execute(f'DROP DATABASE IF EXISTS "{self.done[-1]}" WITH (FORCE)')
            self.done.pop()

    async def drop_all(self) -> None:
        """At the end of the test run: every copy, used or not, and the template."""
        self.done += self.waiting
        self.waiting.clear()
        if not self.done and not self._ready:
            return
        admin = await self._admin()
        try:
            await self._drop_done(admin)
            if self._ready:
                await admin.execute(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases | None]:
    if not POSTGRES_URL:
        yield None
        return
    databases = PostgresDatabases(POSTGRES_URL)
    yield databases
    asyncio.run(databases.drop_all())


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file per test run; each test gets a copy, as on PostgreSQL."""
    path = tmp_path_factory.mktemp("template") / "tessera.db"

    async def build() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        await migrate(engine)
        # Everything into the main file, so that copying that one file copies the database.
        await checkpoint_and_truncate_wal(engine)
        await engine.dispose()

    asyncio.run(build())
    return path


@pytest.fixture(params=BACKENDS)
async def database_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_template: Path,
    postgres_databases: PostgresDatabases | None,
) -> AsyncIterator[str]:
    if request.param == "sqlite":
        shutil.copyfile(sqlite_template, tmp_path / "tessera.db")
        yield f"sqlite+aiosqlite:///{tmp_path / 'tessera.db'}"
        return
    assert postgres_databases is not None
    url = await postgres_databases.fresh()
    yield url
    postgres_databases.drop(url)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, store_dir=str(tmp_path / "store"))


class ReusingHasher(PasswordHasher):
    """Hashes each test password once. Argon2 is slow on purpose and the tests make hundreds
    of people; the hash they get is a real one, only not made afresh for each of them."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self._made: dict[str, str] = {}

    async def hash(self, password: str) -> str:
        if password not in self._made:
            self._made[password] = await super().hash(password)
        return self._made[password]


@pytest.fixture(scope="session")
def test_hasher() -> PasswordHasher:
    return ReusingHasher(Settings())


# Apps built in this process, by shape (server.app.shape), for the tests to come, each with its
# number of routes when built. Registering Litestar's routes is most of what making an app costs
# (0.2 to 0.6 s an app): each test binds a built one to its own database and store instead
# (server.app.bind), the way a new process would start, and gives it back when it ends, unless
# the test registered routes of its own on it.
_idle_apps: dict[Settings, list[tuple[Litestar, int]]] = {}


def _app_for(settings: Settings) -> tuple[Litestar, int]:
    idle = _idle_apps.get(shape(settings))
    if idle:
        app, routes = idle.pop()
        bind(app, settings)
        return app, routes
    app = create_app(settings)
    return app, len(app.routes)


@pytest.fixture
async def make_app(settings: Settings, test_hasher: PasswordHasher) -> AsyncIterator[Any]:
    """``make_app(session_absolute_hours=1)``: the app with some settings changed."""
    engines = []
    made: list[tuple[Settings, Litestar, int]] = []

    def make(**overrides: Any) -> Litestar:
        app_settings = msgspec.structs.replace(settings, **overrides)
        app, routes = _app_for(app_settings)
        made.append((shape(app_settings), app, routes))
        # The test client runs the app on an event loop of its own; a test that reads or
        # writes the database directly needs connections made on the test's loop.
        engines.append(create_engine(settings.database_url))
        app.state.test_db = create_sessionmaker(engines[-1])
        app.state.test_hasher = test_hasher
        return app

    yield make
    for engine in engines:
        await engine.dispose()
    for app_shape, app, routes in made:
        # What the test's own client did not dispose of (an app never started, say).
        await app.state.engine.dispose()
        await app.state.reader_engine.dispose()
        if len(app.routes) == routes:
            _idle_apps.setdefault(app_shape, []).append((app, routes))


@pytest.fixture
def app(make_app: Any) -> Litestar:
    return make_app()  # type: ignore[no-any-return]


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


def served_routes(app: Litestar) -> set[tuple[str, str]]:
    """(method, path) of every API route, with path parameters written as OpenAPI does: {id}."""
    return {
        (method, re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path))
        for route in app.routes
        for method in getattr(route, "methods", set())
        if route.path.startswith(("/api/", "/health")) and method not in {"OPTIONS", "HEAD"}
    }


@dataclass
class Person:
    """Someone signed in: their requests carry their session cookie and CSRF token."""

    client: AsyncTestClient[Litestar]
    user: dict[str, Any]
    session_id: str
    csrf_token: str
    extra_headers: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return str(self.user["id"])

    def _headers(self, headers: dict[str, str] | None, csrf: bool) -> dict[str, str]:
        merged = {"Cookie": f"{SESSION_COOKIE}={self.session_id}", **self.extra_headers, **(headers or {})}
        if csrf:
            merged[CSRF_HEADER] = self.csrf_token
        return merged

    async def request(
        self,
        method: str,
        path: str,
        *,
        csrf: bool = True,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        self.client.cookies.clear()
        return await self.client.request(method, path, headers=self._headers(headers, csrf), **kwargs)

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", path, **kwargs)

    async def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("PATCH", path, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("DELETE", path, **kwargs)


async def create_person(
    app: Litestar,
    username: str,
    role: str,
    platforms: list[str] | None = None,
    password: str = PASSWORD,
    language: str = "en",
    display_name: str | None = None,
) -> None:
    async with app.state.test_db() as db:
        await create_user_from_cli(
            db,
            app.state.test_hasher,
            username=username,
            password=password,
            role=role,
            platforms=platforms or [],
            display_name=display_name,
            language=language,
        )
        await db.commit()


async def sign_in(client: AsyncTestClient[Litestar], username: str, password: str = PASSWORD) -> Person:
    client.cookies.clear()
    response = await client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    session_id = response.cookies[SESSION_COOKIE]
    client.cookies.clear()
    body = response.json()
    return Person(client, body["user"], session_id, body["csrf_token"])


async def without_platforms(client: AsyncTestClient[Litestar], admin: Person, person: Person) -> Person:
    """The person signed in again after an admin took every platform away from them."""
    response = await admin.patch(f"/api/v1/users/{person.id}", json={"platforms": []})
    assert response.status_code == 200, response.text
    assert response.json()["platforms"] == []
    return await sign_in(client, person.user["username"])


@pytest.fixture
def people(app: Litestar, client: AsyncTestClient[Litestar]) -> Any:
    """``await people("amina", "youth", ["DE"])`` creates a person and signs them in."""

    async def make(username: str, role: str, platforms: list[str] | None = None, **kwargs: Any) -> Person:
        await create_person(app, username, role, platforms, **kwargs)
        return await sign_in(client, username, kwargs.get("password", PASSWORD))

    return make


class Accented:
    """A catalogue standing in for a language's translations: every message marked with it."""

    def __init__(self, locale: str) -> None:
        self.locale = locale

    def gettext(self, text: str) -> str:
        return f"[{self.locale}] {text}"

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return f"[{self.locale}] {singular if count == 1 else plural}"


def pytest_collection_finish(session: pytest.Session) -> None:
    # Each test makes an app (Litestar builds every route again: a quarter of a second), and each
    # app is tens of thousands of small objects. With the default thresholds the collector walked
    # the whole heap of imported modules and collected tests many times an app; set aside what is
    # here now, and collect the young less often: tests/forum ran 14 % faster, for 150 MB more.
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # With pytest-xdist, the browser tests share one worker: one live server and one Chromium.
    for item in items:
        if "browser" in item.path.parts:
            item.add_marker(pytest.mark.xdist_group("browser"))
