"""The embedded file store, able to forget expired entries in its namespaces too, and
counters that count atomically in it or in Redis.

Sessions, rate limits and throttling counters live in namespaces of one store, which
Litestar's FileStore keeps as sub-directories; its own ``delete_expired`` reads only plain
files and fails on those directories, so expired sessions would pile up on disk.
"""

from __future__ import annotations

from dataclasses import dataclass

import anyio
from litestar.stores.base import Store
from litestar.stores.file import FileStore
from litestar.stores.redis import RedisStore

# INCR and the expiry of a new counter in one step: a counter that never expired would
# throttle for ever, and one that expired between two steps would start again unlimited.
_ADD_SCRIPT = b"""
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then
    redis.call('EXPIRE', KEYS[1], ARGV[1])
    ttl = tonumber(ARGV[1])
end
return {count, ttl}
"""
_SUBTRACT_SCRIPT = b"""
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then
    redis.call('DECR', KEYS[1])
end
"""


class NamespacedFileStore(FileStore):
    def with_namespace(self, namespace: str) -> NamespacedFileStore:
        return NamespacedFileStore(super().with_namespace(namespace).path)

    async def delete_expired(self) -> None:
        async for entry in self.path.iterdir():
            if await entry.is_dir():
                await NamespacedFileStore(entry).delete_expired()
                continue
            stored = await self._load_from_path(entry)
            if stored and stored.expired:
                await entry.unlink(missing_ok=True)


@dataclass(frozen=True, slots=True)
class Count:
    value: int
    resets_in_seconds: int


class Counters:
    """Counters that count up atomically and start again a fixed window after their first count.

    A throttle must count an attempt before doing what the attempt costs: reading a count and
    writing it back later lets every request of a burst read the same number (issue 10). In
    Redis a script counts, so any number of processes share one count; the file store serves
    one process, which counts under a lock of its own.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = anyio.Lock()
        if isinstance(store, RedisStore):
            self._add_script = store._redis.register_script(_ADD_SCRIPT)
            self._subtract_script = store._redis.register_script(_SUBTRACT_SCRIPT)

    def _redis_key(self, key: str) -> str:
        assert isinstance(self._store, RedisStore)
        return f"{self._store.namespace}:{key}" if self._store.namespace else key

    async def add(self, key: str, window_seconds: int) -> Count:
        """Count one and answer the count it makes."""
        if isinstance(self._store, RedisStore):
            value, ttl = await self._add_script(keys=[self._redis_key(key)], args=[window_seconds])
            return Count(int(value), int(ttl))
        async with self._lock:
            raw = await self._store.get(key)
            remaining = (await self._store.expires_in(key) if raw is not None else None) or window_seconds
            value = int(raw or 0) + 1
            await self._store.set(key, str(value), remaining)
            return Count(value, remaining)

    async def subtract(self, key: str) -> None:
        """Give back one count (never below zero), keeping the window where it is."""
        if isinstance(self._store, RedisStore):
            await self._subtract_script(keys=[self._redis_key(key)])
            return
        async with self._lock:
            raw = await self._store.get(key)
            remaining = await self._store.expires_in(key) if raw is not None else None
            if raw is not None and remaining and int(raw) > 0:
                await self._store.set(key, str(int(raw) - 1), remaining)

    async def reset(self, key: str) -> None:
        async with self._lock:
            await self._store.delete(key)
