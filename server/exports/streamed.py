"""Zip-based exports (XLSX, QDPX) sent while they are written, in flat memory.

The zip libraries are synchronous: a writer runs in a worker thread and writes into a
ChunkSink, an output that cannot seek, so that zipfile writes each entry once, front to back,
with its sizes in a data descriptor behind it (APPNOTE 4.3.9), and never goes back to patch a
header. The sink hands its bytes to the event loop in chunks; the response sends each as it
comes. The first bytes leave within a fraction of a second whatever the size of the export.

The same writer into a temporary file gives the same bytes (a resumed download is served
from such a file), because the file is written through a ChunkSink too.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import io
import pickle
import tempfile
import time
import zipfile
from collections.abc import AsyncIterator, Callable, Iterator
from typing import IO, Any, BinaryIO, cast

import anyio
import anyio.from_thread
import anyio.to_thread

CHUNK_BYTES = 256 * 1024
# A chunk is sent when it is full or when it has waited this long: the first bytes of a large
# export (its fixed parts, the first rows) leave at once rather than after 256 KB of output.
CHUNK_SECONDS = 0.2
ZIP_EPOCH = dt.datetime(1980, 1, 1)  # the earliest date a zip entry can carry
ZipDate = tuple[int, int, int, int, int, int]
# Chunks waiting for the client: the writer pauses when the client reads slower than it writes.
CHUNKS_IN_FLIGHT = 4


def zip_date(created_at: dt.datetime) -> ZipDate:
    """A zip entry's date (UTC): exports carry a fixed one, so the same data gives the same bytes."""
    moment = created_at.astimezone(dt.UTC).replace(tzinfo=None) if created_at.tzinfo else created_at
    moment = max(moment, ZIP_EPOCH)
    return (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)


class ChunkSink(io.RawIOBase):
    """A write-only, unseekable output that passes its bytes on in chunks."""

    def __init__(self, send: Callable[[bytes], object]) -> None:
        super().__init__()
        self._send = send
        self._buffer = bytearray()
        self._written = 0
        self._last_sent = time.monotonic()

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def tell(self) -> int:
        # zipfile asks where it is to record each entry's offset; it never seeks.
        return self._written

    def write(self, data: Any) -> int:
        size = len(data)
        self._buffer += data
        self._written += size
        if len(self._buffer) >= CHUNK_BYTES or time.monotonic() - self._last_sent >= CHUNK_SECONDS:
            self._pass_on()
        return size

    def finish(self) -> None:
        """Pass on what is left; the writer calls it when the file is complete."""
        self._pass_on()

    def _pass_on(self) -> None:
        if self._buffer:
            self._send(bytes(self._buffer))
            self._buffer.clear()
        self._last_sent = time.monotonic()


def streamed(write: Callable[[BinaryIO], object]) -> AsyncIterator[bytes]:
    """The bytes ``write`` writes in a worker thread, as they come.

    The writer may pull rows from the event loop (formats.blocking_rows). If the client goes
    away, the chunk the writer passes on next fails and the writer stops; if the writer fails,
    the download fails with its error.
    """

    async def chunks() -> AsyncIterator[bytes]:
        sending, receiving = anyio.create_memory_object_stream[bytes](CHUNKS_IN_FLIGHT)

        def run() -> None:
            sink = ChunkSink(lambda chunk: anyio.from_thread.run(sending.send, chunk))
            write(cast(BinaryIO, sink))
            sink.finish()

        async def produce() -> None:
            # BrokenResourceError: the client went away, and nobody wants the rest.
            with contextlib.suppress(anyio.BrokenResourceError):
                async with sending:
                    await anyio.to_thread.run_sync(run)

        # A task of its own, not a task group around the yields below: the caller may stop
        # iterating at any point (a client gone), and a generator must not yield from inside
        # a cancel scope.
        writer = asyncio.ensure_future(produce())
        try:
            async with receiving:
                async for chunk in receiving:
                    yield chunk
        finally:
            # The receiving end is closed: a writer waiting to pass a chunk on stops now.
            with anyio.CancelScope(shield=True):
                await writer

    return chunks()


def write_to_file(write: Callable[[BinaryIO], object], handle: IO[bytes]) -> None:
    """``write`` into a temporary file, byte for byte as ``streamed`` sends it."""
    sink = ChunkSink(handle.write)
    write(cast(BinaryIO, sink))
    sink.finish()


class EntriesOnDisk:
    """zipfile's record of the entries it wrote, kept in a temporary file, not in memory.

    zipfile keeps a ZipInfo (some 400 bytes) for every entry until it writes the central
    directory at the end; a project of a million notes has a million entries. ``attach``
    gives a ZipFile opened for writing this in place of its ``filelist``, and a map that keeps
    nothing in place of its ``NameToInfo``: it appends each record here and reads them back
    once, in order, when it closes. The entries' names must then be unique by construction,
    since zipfile can no longer warn of a duplicate. Close the archive before this.
    """

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by __exit__
        self._count = 0

    def __enter__(self) -> EntriesOnDisk:
        return self

    def __exit__(self, *_: object) -> None:
        self._file.close()

    def attach(self, archive: zipfile.ZipFile) -> None:
        archive.filelist = self  # type: ignore[assignment]
        archive.NameToInfo = _Forgotten()

    def append(self, entry: zipfile.ZipInfo) -> None:
        pickle.dump(entry, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self._count += 1

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[zipfile.ZipInfo]:
        self._file.seek(0)
        for _ in range(self._count):
            yield pickle.load(self._file)  # noqa: S301 - our own records, written just before
        self._file.seek(0, io.SEEK_END)


class _Forgotten(dict[str, zipfile.ZipInfo]):
    """A name-to-entry map that keeps nothing (see EntriesOnDisk)."""

    def __setitem__(self, key: str, value: zipfile.ZipInfo) -> None:
        pass
