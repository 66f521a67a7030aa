"""A real Tessera server process on 127.0.0.1 for as long as a block runs: what the benchmarks
measure and what the app's browser tests (tests/browser/conftest.py) drive.

Both start, wait for and stop the server here, so a fix to any of that reaches both. Only the
standard library and httpx: a benchmark imports it as `live_server` (`python bench/<name>.py`
puts bench/ on sys.path), the tests as `bench.live_server`.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

HOST = "127.0.0.1"
# `python -m server` does not exist; this runs the `tessera` command with this very interpreter.
TESSERA = [sys.executable, "-c", "from server.cli import main; main()"]
# Start-up and `tessera create-user` migrate the database, which takes a while on a fresh
# PostgreSQL one.
STARTUP_SECONDS = 60


@dataclass
class Server:
    """A running server process, and what `tessera` commands need to reach the same data."""

    base_url: str
    env: dict[str, str]
    cwd: Path  # where the server runs, and so where `tessera` commands must run to find its data
    process: subprocess.Popen[bytes]
    log_path: Path

    def last_words(self, lines: int = 20) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def tessera_serve(port: int, *, workers: bool = False) -> list[str]:
    """`tessera serve` on the port; the background workers only when asked."""
    return [*TESSERA, "serve", "--host", HOST, "--port", str(port), *([] if workers else ["--no-workers"])]


@contextlib.contextmanager
def running_server(
    workdir: Path,
    env: dict[str, str],
    command: Callable[[int], list[str]] = tessera_serve,
    cwd: Path | None = None,
    port: int | None = None,
) -> Iterator[Server]:
    """A server process (`tessera serve` unless told) for the length of the block, stopped however
    it ends; on a free port unless given one (to name it in the environment beforehand)."""
    port = port or free_port()
    cwd = cwd or workdir
    log_path = workdir / "server.log"
    # The log goes to a file, not a pipe: nobody reads a pipe during the run, and a full one
    # would block the server. Appended, so a benchmark that restarts the server keeps every log.
    with log_path.open("ab") as log:
        process = subprocess.Popen(command(port), cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = Server(f"http://{HOST}:{port}", env, cwd, process, log_path)
    try:
        yield server
    except Exception:
        print(f"The server's last words:\n{server.last_words()}", file=sys.stderr)
        raise
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_healthy(server: Server) -> None:
    """Blocks until GET /health answers 200; an async caller runs it in a thread."""
    deadline = time.perf_counter() + STARTUP_SECONDS
    with httpx.Client(base_url=server.base_url) as client:
        while time.perf_counter() < deadline:
            if server.process.poll() is not None:
                raise RuntimeError(f"the server exited with code {server.process.returncode}")
            with contextlib.suppress(httpx.TransportError):
                if client.get("/health").status_code == 200:
                    return
            time.sleep(0.1)
    raise RuntimeError(f"the server did not answer /health with 200 within {STARTUP_SECONDS} s")
