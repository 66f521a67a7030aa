"""Background work: the job that keeps the file store from filling the disk with dead sessions."""

from __future__ import annotations

import asyncio
from pathlib import Path

from server.db import create_engine, create_sessionmaker
from server.settings import Settings
from server.stores import NamespacedFileStore
from server.workers import jobs_for


async def test_expired_sessions_and_counters_are_purged_from_the_file_store(tmp_path: Path):
    store = NamespacedFileStore(tmp_path)
    sessions = store.with_namespace("sessions")
    await store.set("counter:old", b"x", expires_in=1)
    await store.set("counter:live", b"y", expires_in=3600)
    await sessions.set("session:old", b"x", expires_in=1)
    await sessions.set("session:live", b"y", expires_in=3600)
    await asyncio.sleep(1.1)
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path.parent / 'unused.db'}")  # never opened
    with jobs_for(store, create_sessionmaker(engine), Settings()) as jobs:
        [(name, interval, purge)] = [job for job in jobs if job[0] == "purge expired sessions and counters"]
        await purge()
    await engine.dispose()
    # Only the live entries' files are left on disk, beside the namespace's directory.
    assert sorted(path.is_dir() for path in tmp_path.iterdir()) == [False, True]
    assert len(list((tmp_path / "sessions").iterdir())) == 1
    assert await store.get("counter:live") == b"y"
    assert await sessions.get("session:live") == b"y"
    assert name and interval == 3600.0
