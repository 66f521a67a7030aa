"""`tessera backup` while phones sync, and `tessera restore` into an empty database: every note
acknowledged before the backup began is in the restored copy."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import httpx
import pytest
import sqlalchemy as sa

from bench.live_server import running_server, wait_until_healthy
from server.db import create_engine
from server.security import CSRF_HEADER, PasswordHasher
from server.system.backups import BackupError, backup, restore
from tests.conftest import PASSWORD
from tests.notes.conftest import note_body
from tests.system.conftest import create_youth, empty_postgres_database, tessera

BATCH = 20
SENDERS = 3


@contextlib.asynccontextmanager
async def empty_database_like(database_url: str, tmp_path: Path) -> AsyncIterator[str]:
    if database_url.startswith("sqlite"):
        yield f"sqlite+aiosqlite:///{tmp_path / 'restored' / 'tessera.db'}"
        return
    async with empty_postgres_database() as url:
        yield url


async def note_ids(database_url: str) -> set[str]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            ids = (
                await connection.scalars(sa.select(sa.column("id", sa.Uuid)).select_from(sa.table("notes")))
            ).all()
            return {str(note_id) for note_id in ids}
    finally:
        await engine.dispose()


async def test_a_backup_taken_during_a_sync_burst_restores_every_acknowledged_note(
    database_url: str, tmp_path: Path, test_hasher: PasswordHasher
):
    env = {**os.environ, "TESSERA_DATABASE_URL": database_url, "TESSERA_STORE_DIR": str(tmp_path / "store")}
    backup_file = tmp_path / "tessera.backup"
    sent: set[str] = set()
    acknowledged: set[str] = set()
    with running_server(tmp_path, env) as server:
        await anyio.to_thread.run_sync(wait_until_healthy, server)
        await create_youth(database_url, "amina", hasher=test_hasher)
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
            login = await client.post("/api/v1/auth/login", json={"username": "amina", "password": PASSWORD})
            assert login.status_code == 200
            client.headers[CSRF_HEADER] = login.json()["csrf_token"]
            stop = anyio.Event()
            enough_before_backup = anyio.Event()

            async def keep_syncing() -> None:
                while not stop.is_set():
                    batch = [note_body(uuid.uuid4()) for _ in range(BATCH)]
                    sent.update(note["id"] for note in batch)
                    response = await client.post("/api/v1/sync", json={"notes": batch})
                    assert response.status_code == 200, response.text
                    acknowledged.update(
                        result["id"] for result in response.json()["results"] if result["status"] == "created"
                    )
                    if len(acknowledged) >= 2 * BATCH:
                        enough_before_backup.set()

            async with anyio.create_task_group() as burst:
                for _ in range(SENDERS):
                    burst.start_soon(keep_syncing)
                with anyio.fail_after(20):
                    await enough_before_backup.wait()
                acknowledged_before_backup = set(acknowledged)
                made = await anyio.to_thread.run_sync(
                    lambda: tessera("backup", str(backup_file), env=env, cwd=tmp_path)
                )
                acknowledged_during_backup = set(acknowledged) - acknowledged_before_backup
                stop.set()
    assert made.returncode == 0, made.stdout + made.stderr
    # The server kept storing notes while the backup was being made.
    assert acknowledged_during_backup
    async with empty_database_like(database_url, tmp_path) as empty_url:
        await anyio.to_thread.run_sync(restore, empty_url, backup_file)
        in_restored_copy = await note_ids(empty_url)
        assert acknowledged_before_backup <= in_restored_copy
        assert in_restored_copy <= sent
        # Restoring twice would mix two histories: the second is refused and changes nothing.
        with pytest.raises(BackupError, match="not empty"):
            await anyio.to_thread.run_sync(restore, empty_url, backup_file)
        assert await note_ids(empty_url) == in_restored_copy


async def test_a_backup_never_overwrites_a_file_and_restore_refuses_a_database_in_use(
    database_url: str, tmp_path: Path
):
    env = {**os.environ, "TESSERA_DATABASE_URL": database_url, "TESSERA_STORE_DIR": str(tmp_path / "store")}
    existing = tmp_path / "yesterday.backup"
    existing.write_bytes(b"yesterday's backup")
    with pytest.raises(BackupError, match="exists already"):
        await anyio.to_thread.run_sync(backup, database_url, existing)
    assert existing.read_bytes() == b"yesterday's backup"
    backup_file = tmp_path / "today.backup"
    await anyio.to_thread.run_sync(backup, database_url, backup_file)
    # As the operator sees it: the command's refusal, with the reason.
    into_live = tessera("restore", str(backup_file), env=env, cwd=tmp_path)
    assert into_live.returncode != 0
    assert "not empty" in into_live.stderr


async def test_restore_refuses_a_file_that_is_no_backup(database_url: str, tmp_path: Path):
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("not a database")
    async with empty_database_like(database_url, tmp_path) as empty_url:
        with pytest.raises(BackupError, match=r"is not a .*backup"):
            await anyio.to_thread.run_sync(restore, empty_url, not_a_backup)
