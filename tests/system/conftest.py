"""What the tests of Tessera's processes need: empty PostgreSQL databases of their own, and the
`tessera` command run as an operator runs it."""

from __future__ import annotations

import contextlib
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bench.live_server import TESSERA
from server.accounts.models import Role
from server.accounts.service import create_user_from_cli
from server.db import create_engine, create_sessionmaker, unit_of_work
from server.security import PasswordHasher
from tests.conftest import PASSWORD, POSTGRES_URL, PostgresDatabases


@contextlib.asynccontextmanager
async def empty_postgres_database() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database with a name of its own, dropped afterwards."""
    assert POSTGRES_URL
    server = PostgresDatabases(POSTGRES_URL)
    name = f"tessera_empty_{uuid.uuid4().hex[:12]}"
    admin = await server._admin()
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = server.url_of(name)
    try:
        yield url
    finally:
        server.drop(url)
        await server.drop_all()


@pytest.fixture
async def empty_postgres_url() -> AsyncIterator[str]:
    if not POSTGRES_URL:
        pytest.skip("TESSERA_TEST_POSTGRES_URL is not set")
    async with empty_postgres_database() as url:
        yield url


def tessera(*args: str, env: dict[str, str], cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """`tessera ARGS...` with this interpreter, as an operator would type it."""
    return subprocess.run(
        [*TESSERA, *args],
        env=env,
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def create_youth(database_url: str, *usernames: str, hasher: PasswordHasher) -> None:
    """Young people on platform DE, written straight into the database (as `tessera create-user`
    does, without a Python start-up and a migration for each)."""
    engine = create_engine(database_url)
    try:
        async with unit_of_work(create_sessionmaker(engine)) as db:
            for username in usernames:
                await create_user_from_cli(
                    db, hasher, username=username, password=PASSWORD, role=Role.YOUTH, platforms=["DE"],
                    display_name=None, language="en",
                )  # fmt: skip
    finally:
        await engine.dispose()
