"""Two processes starting at once on a new PostgreSQL database: one migrates, the other waits."""

from __future__ import annotations

import asyncio
import os
import subprocess

import asyncpg
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from bench.live_server import TESSERA
from server.db import alembic_config


def head_revision() -> str:
    return str(ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head())


async def test_two_processes_migrating_a_new_postgresql_database_at_once_both_succeed(
    empty_postgres_url: str,
):
    env = {**os.environ, "TESSERA_DATABASE_URL": empty_postgres_url}
    migrations = [
        await asyncio.create_subprocess_exec(
            *TESSERA, "migrate", env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        for _ in range(2)
    ]
    outputs = await asyncio.wait_for(asyncio.gather(*(process.communicate() for process in migrations)), 60)
    assert [process.returncode for process in migrations] == [0, 0], outputs
    url = make_url(empty_postgres_url)
    connection = await asyncpg.connect(
        host=url.host, port=url.port, user=url.username, password=url.password, database=url.database
    )
    try:
        assert await connection.fetch("SELECT version_num FROM alembic_version") == [(head_revision(),)]
        assert await connection.fetchval("SELECT count(*) FROM users") == 0
    finally:
        await connection.close()
