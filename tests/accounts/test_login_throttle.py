"""Sign-in throttling as an attacker meets it: guesses sent all at once, a stranger typing
someone's name to lock them out, and X-Forwarded-For from whoever is not a trusted proxy.

Litestar's test client answers one request at a time, so requests meant to arrive together
go straight to the app on the test's own event loop, from an address the test chooses.
Each test runs on the embedded file store and on Redis (when one runs on 127.0.0.1:6379),
where names and addresses are fresh, so that no two runs share a counter.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from litestar import Litestar

from server.audit.models import AuditEvent
from server.settings import SettingsError, load_settings
from tests.conftest import PASSWORD, create_person
from tests.notes.test_crash import free_port, start_server
from tests.system.test_redis_store import REDIS_URL, redis_is_running

WRONG = "not the right password"
LOGIN = "/api/v1/auth/login"

ClientAt = Callable[[str], httpx.AsyncClient]


@contextlib.asynccontextmanager
async def running(app: Litestar) -> AsyncIterator[ClientAt]:
    """The app started on the test's event loop; ``client_at(address)`` sends from that address."""
    async with app.lifespan(), contextlib.AsyncExitStack() as clients:

        def client_at(address: str) -> httpx.AsyncClient:
            transport = httpx.ASGITransport(app=app, client=(address, 50000))
            client = httpx.AsyncClient(transport=transport, base_url="http://testserver.local")
            clients.push_async_callback(client.aclose)
            return client

        yield client_at


def fresh_address() -> str:
    """An address of the documentation range no other test or earlier run has used."""
    suffix = uuid.uuid4().hex
    return f"2001:db8:{suffix[:4]}:{suffix[4:8]}::1"


def fresh_name() -> str:
    return "p" + uuid.uuid4().hex[:12]


@pytest.fixture(params=["files", "redis"])
def store_settings(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Settings for the store under test: the embedded files, or Redis as several processes share it."""
    if request.param == "files":
        return {}
    if not redis_is_running():
        pytest.skip("no Redis on 127.0.0.1:6379")
    return {"redis_url": REDIS_URL}


def counting_verifications(app: Litestar, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The passwords the app checks from now on, in order."""
    hasher = app.state.account_services.hasher
    checked: list[str] = []
    original = hasher.verify

    async def verify(stored_hash: str | None, password: str) -> bool:
        checked.append(password)
        return await original(stored_hash, password)

    monkeypatch.setattr(hasher, "verify", verify)
    return checked


async def test_guesses_sent_at_once_are_checked_no_more_often_than_the_limit(
    make_app, store_settings, monkeypatch
):
    app = make_app(**store_settings)
    name = fresh_name()
    await create_person(app, name, "youth", ["DE"])
    checked = counting_verifications(app, monkeypatch)
    guesses = [WRONG + str(i) for i in range(100)]
    guesses[95] = PASSWORD
    async with running(app) as client_at:
        attacker = client_at(fresh_address())
        answers = await asyncio.gather(
            *(attacker.post(LOGIN, json={"username": name, "password": guess}) for guess in guesses)
        )
    statuses = [answer.status_code for answer in answers]
    limit = app.state.settings.login_failures_per_account
    assert len(checked) <= limit
    assert len([status for status in statuses if status != 429]) <= limit
    assert set(statuses) <= {401, 429} | ({200} if PASSWORD in checked else set())


async def test_the_right_password_after_a_burst_of_wrong_ones_is_refused(make_app, store_settings):
    app = make_app(**store_settings)
    name = fresh_name()
    await create_person(app, name, "youth", ["DE"])
    async with running(app) as client_at:
        attacker = client_at(fresh_address())
        burst = await asyncio.gather(
            *(attacker.post(LOGIN, json={"username": name, "password": WRONG + str(i)}) for i in range(99))
        )
        right = await attacker.post(LOGIN, json={"username": name, "password": PASSWORD})
    assert sum(answer.status_code == 401 for answer in burst) == app.state.settings.login_failures_per_account
    assert right.status_code == 429
    assert 0 < int(right.headers["retry-after"]) <= 15 * 60


async def test_the_owner_signs_in_from_elsewhere_after_a_stranger_used_up_the_limit(make_app, store_settings):
    app = make_app(**store_settings)
    name = fresh_name()
    await create_person(app, name, "youth", ["DE"])
    async with running(app) as client_at:
        stranger, owner = client_at(fresh_address()), client_at(fresh_address())
        await asyncio.gather(
            *(stranger.post(LOGIN, json={"username": name, "password": WRONG}) for _ in range(20))
        )
        assert (await stranger.post(LOGIN, json={"username": name, "password": PASSWORD})).status_code == 429
        assert (await owner.post(LOGIN, json={"username": name, "password": PASSWORD})).status_code == 200


async def test_guesses_from_new_addresses_of_one_ipv6_connection_count_as_one_address(
    make_app, store_settings
):
    # A home or phone connection gets a whole /64: a new address for every guess is still one client.
    app = make_app(**store_settings)
    name = fresh_name()
    await create_person(app, name, "youth", ["DE"])
    prefix = fresh_address().removesuffix("::1")
    async with running(app) as client_at:
        answers = [
            await client_at(f"{prefix}:{index:x}:1:2:3").post(
                LOGIN, json={"username": name, "password": WRONG}
            )
            for index in range(1, 8)
        ]
        owner = await client_at(fresh_address()).post(LOGIN, json={"username": name, "password": PASSWORD})
    assert [answer.status_code for answer in answers] == [401] * 5 + [429] * 2
    assert owner.status_code == 200


async def test_guesses_spread_over_many_addresses_stop_at_the_limit_for_the_account(make_app, store_settings):
    app = make_app(**store_settings, login_failures_per_account=2, login_failures_per_account_all_addresses=6)
    name = fresh_name()
    await create_person(app, name, "youth", ["DE"])
    async with running(app) as client_at:
        botnet = [client_at(fresh_address()) for _ in range(5)]
        answers = await asyncio.gather(
            *(bot.post(LOGIN, json={"username": name, "password": WRONG}) for bot in botnet for _ in range(3))
        )
        owner = await client_at(fresh_address()).post(LOGIN, json={"username": name, "password": PASSWORD})
    assert sum(answer.status_code == 401 for answer in answers) == 6
    assert owner.status_code == 429


async def test_signing_in_forgets_the_owners_own_mistakes_and_uses_up_no_limit(make_app, store_settings):
    # The address's limit is above the three typos but below the sign-ins that follow them.
    app = make_app(**store_settings, login_failures_per_account=2, login_failures_per_address=4)
    names = [fresh_name() for _ in range(4)]
    for name in names:
        await create_person(app, name, "youth", ["DE"])
    async with running(app) as client_at:
        school = client_at(fresh_address())
        for _ in range(3):
            # One typo each time, then the right password: never two failures in a row.
            assert (
                await school.post(LOGIN, json={"username": names[0], "password": WRONG})
            ).status_code == 401
            assert (
                await school.post(LOGIN, json={"username": names[0], "password": PASSWORD})
            ).status_code == 200
        # A whole class signs in from the school's one address, twice over.
        for name in names * 2:
            assert (
                await school.post(LOGIN, json={"username": name, "password": PASSWORD})
            ).status_code == 200


# X-Forwarded-For


async def test_x_forwarded_for_from_an_untrusted_peer_does_not_escape_the_throttle(make_app):
    app = make_app(login_failures_per_address=2)
    async with running(app) as client_at:
        local = client_at("127.0.0.1")
        for name in ("one", "two"):
            await local.post(LOGIN, json={"username": name, "password": WRONG})
        escaped = await local.post(
            LOGIN, json={"username": "three", "password": WRONG}, headers={"X-Forwarded-For": "198.51.100.9"}
        )
    assert escaped.status_code == 429


async def test_tessera_serve_ignores_x_forwarded_for_from_the_same_machine(database_url, tmp_path):
    # uvicorn's own proxy handling believes any process on 127.0.0.1: `tessera serve` must not.
    env = {key: value for key, value in os.environ.items() if not key.startswith("TESSERA_")}
    env.update(
        TESSERA_DATABASE_URL=database_url,
        TESSERA_STORE_DIR=str(tmp_path / "store"),
        TESSERA_LOGIN_FAILURES_PER_ADDRESS="2",
    )
    port = free_port()
    server = start_server(env, Path(tmp_path), port)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for name in ("one", "two"):
                await client.post(LOGIN, json={"username": name, "password": WRONG})
            escaped = await client.post(
                LOGIN,
                json={"username": "three", "password": WRONG},
                headers={"X-Forwarded-For": "198.51.100.9"},
            )
    finally:
        server.kill()
        server.wait(timeout=10)
    assert escaped.status_code == 429


async def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(make_app):
    app = make_app(trusted_proxies="127.0.0.1", login_failures_per_address=2)
    async with running(app) as client_at:
        proxy = client_at("127.0.0.1")

        async def attempt(forwarded_for: str) -> int:
            response = await proxy.post(
                LOGIN,
                json={"username": fresh_name(), "password": WRONG},
                headers={"X-Forwarded-For": forwarded_for},
            )
            return response.status_code

        assert [await attempt("198.51.100.1") for _ in range(3)] == [401, 401, 429]
        assert await attempt("198.51.100.2") == 401
        # What the client wrote left of the address the proxy appended is not believed.
        assert await attempt("198.51.100.2, 198.51.100.1") == 429


@pytest.mark.parametrize(
    ("peer", "trusted", "forwarded_for", "recorded"),
    [
        ("203.0.113.5", "", "198.51.100.1", "203.0.113.5"),
        ("127.0.0.1", "", "198.51.100.1", "127.0.0.1"),
        ("203.0.113.5", "127.0.0.1", "198.51.100.1", "203.0.113.5"),
        ("127.0.0.1", "127.0.0.1", "198.51.100.1", "198.51.100.1"),
        ("127.0.0.1", "127.0.0.1", "203.0.113.9, 198.51.100.1", "198.51.100.1"),
        ("10.0.0.3", "10.0.0.0/8", "203.0.113.9, 198.51.100.1, 10.2.0.1", "198.51.100.1"),
        ("10.0.0.3", "10.0.0.0/8, fd00::/8", "198.51.100.1:4711, fd00::7", "198.51.100.1"),
        ("10.0.0.3", "10.0.0.0/8", "[2001:db8::1]:443", "2001:db8::1"),
        ("10.0.0.3", "10.0.0.0/8", "10.0.0.9", "10.0.0.9"),
        ("10.0.0.3", "10.0.0.0/8", "not an address, 198.51.100.1", "198.51.100.1"),
        ("10.0.0.3", "10.0.0.0/8", "198.51.100.1, unknown", "10.0.0.3"),
        ("10.0.0.3", "10.0.0.0/8", "", "10.0.0.3"),
    ],
)
async def test_the_audit_log_records_the_client_address_x_forwarded_for_may_name(
    make_app, peer, trusted, forwarded_for, recorded
):
    app = make_app(trusted_proxies=trusted)
    async with running(app) as client_at:
        await client_at(peer).post(
            LOGIN, json={"username": "ghost", "password": WRONG}, headers={"X-Forwarded-For": forwarded_for}
        )
    async with app.state.test_db() as db:
        addresses = await db.scalars(
            sa.select(AuditEvent.client_address).where(AuditEvent.kind == "login.failed")
        )
        assert list(addresses) == [recorded]


@pytest.mark.parametrize("value", ["10.0.0.300", "10.0.0.0/33", "proxy.example.org", "10.0.0.1;10.0.0.2"])
def test_a_wrong_trusted_proxies_value_stops_start_up_naming_the_variable(value):
    with pytest.raises(SettingsError, match="TESSERA_TRUSTED_PROXIES"):
        load_settings({"TESSERA_TRUSTED_PROXIES": value})


def test_trusted_proxies_take_addresses_and_networks_of_both_families():
    settings = load_settings({"TESSERA_TRUSTED_PROXIES": " 10.0.0.2, 192.168.0.0/16,fd00::/8 "})
    assert [str(network) for network in settings.trusted_proxy_networks] == [
        "10.0.0.2/32",
        "192.168.0.0/16",
        "fd00::/8",
    ]
