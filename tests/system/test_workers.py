"""Background work: the job that keeps the file store from filling the disk with dead sessions."""

from __future__ import annotations

import asyncio
from pathlib import Path

from litestar.stores.file import FileStore

from server.workers import jobs_for


async def test_expired_sessions_and_counters_are_purged_from_the_file_store(tmp_path: Path):
    store = FileStore(tmp_path)
    await store.set("session:old", b"x", expires_in=1)
    await store.set("session:live", b"y", expires_in=3600)
    await asyncio.sleep(1.1)
    [(name, interval, purge)] = jobs_for(store)
    await purge()
    # Only the live entry's file is left on disk.
    assert len(list(tmp_path.iterdir())) == 1
    assert await store.get("session:live") == b"y"
    assert name and interval == 3600.0
