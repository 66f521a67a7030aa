"""XLSX and QDPX leave while they are written: the first bytes do not wait for the last note."""

from __future__ import annotations

import io
import tempfile
import threading
import time
import zipfile
from typing import IO

import anyio
import pytest

from server.exports import streamed


async def test_the_first_bytes_leave_while_the_writer_is_still_writing():
    release = threading.Event()

    def write(target: IO[bytes]) -> None:
        target.write(b"head ")
        time.sleep(streamed.CHUNK_SECONDS + 0.05)
        target.write(b"row 1 ")
        # The rest is written only once the reader holds the first part: a writer whose bytes
        # left only at its end would wait here until it gives up.
        if not release.wait(timeout=20):
            raise AssertionError("nothing was sent while the file was being written")
        target.write(b"tail")

    chunks = streamed.streamed(write)
    with anyio.fail_after(10):
        first = await anext(chunks)
    assert first == b"head row 1 "
    release.set()
    assert b"".join([chunk async for chunk in chunks]) == b"tail"


async def test_a_client_that_goes_away_stops_the_writer():
    stopped: list[BaseException] = []
    finished = threading.Event()

    def write(target: IO[bytes]) -> None:
        try:
            while True:  # an export far larger than anyone will wait for
                target.write(b"x" * streamed.CHUNK_BYTES)
        except BaseException as error:
            stopped.append(error)
            raise
        finally:
            finished.set()

    chunks = streamed.streamed(write)
    assert len(await anext(chunks)) == streamed.CHUNK_BYTES
    with anyio.fail_after(10):
        await chunks.aclose()
    assert finished.wait(timeout=10)
    assert [type(error) for error in stopped] == [anyio.BrokenResourceError]


async def test_a_failing_writer_fails_the_download():
    def write(target: IO[bytes]) -> None:
        target.write(b"head")
        raise OSError("disk full")

    # The response has begun: the error ends it, so the client sees a broken download, never a
    # file that looks whole.
    with pytest.raises(OSError, match="disk full"):
        async for _ in streamed.streamed(write):
            pass


def test_a_file_written_for_a_resumed_download_has_the_streamed_bytes():
    def write(target: IO[bytes]) -> None:
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("a.txt", "Schule " * 1000)

    async def collect() -> bytes:
        return b"".join([chunk async for chunk in streamed.streamed(write)])

    sent = anyio.run(collect)
    with tempfile.TemporaryFile() as handle:
        streamed.write_to_file(write, handle)
        handle.seek(0)
        assert handle.read() == sent
    assert zipfile.ZipFile(io.BytesIO(sent)).read("a.txt") == ("Schule " * 1000).encode()
