"""The embedded file store, able to forget expired entries in its namespaces too.

Sessions, rate limits and throttling counters live in namespaces of one store, which
Litestar's FileStore keeps as sub-directories; its own ``delete_expired`` reads only plain
files and fails on those directories, so expired sessions would pile up on disk.
"""

from __future__ import annotations

from litestar.stores.file import FileStore


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
