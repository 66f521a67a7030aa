"""What every Tessera benchmark needs around its measurement: a real server process on 127.0.0.1,
accounts made as an operator makes them, a signed-in client, and a JSON result.

Each benchmark in bench/ stays runnable on its own (`python bench/<name>.py` puts bench/ on
sys.path, so `import harness` works); this module holds the parts where they must agree, so
that a fix to starting or stopping the server reaches all of them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import make_url

HOST = "127.0.0.1"
PASSWORD = "a long walk by the river"
REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO_ROOT / "bench" / "results"
# `python -m server` does not exist; this runs the `tessera` command with this very interpreter.
TESSERA = [sys.executable, "-c", "from server.cli import main; main()"]
LOGIN = "/api/v1/auth/login"
# The guide migration 0002_notes seeds on every database: notes answer it, exports show it.
FIRST_GUIDE_ID = "6f1c1b52-5d0e-4a57-9a43-0c5d2b8f7e01"
# A request stalled this long counts as failed rather than hanging the run.
REQUEST_TIMEOUT = httpx.Timeout(30.0)
# Start-up and `tessera create-user` migrate the database, which takes a while on a fresh
# PostgreSQL one.
STARTUP_SECONDS = 60


@dataclass
class Server:
    """A running server process, and what `tessera create-user` needs to reach the same data."""

    base_url: str
    env: dict[str, str]
    cwd: Path  # where the server runs, and so where `tessera` commands must run to find its data
    process: subprocess.Popen[bytes]
    log_path: Path


# Options and the run


def add_database_option(
    parser: argparse.ArgumentParser,
    help_text: str = "used as-is, e.g. $TESSERA_TEST_POSTGRES_URL (default: a temporary SQLite file)",
) -> None:
    parser.add_argument("--database-url", default=None, help=help_text)


def add_output_option(parser: argparse.ArgumentParser, default: Path) -> None:
    parser.add_argument("--output", type=Path, default=default, help="where the JSON result goes")


def describe_database(database_url: str | None) -> str:
    """The database as the result may show it: never with its password."""
    if database_url:
        return make_url(database_url).render_as_string(hide_password=True)
    return "sqlite (a temporary file)"


def started_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def machine() -> dict[str, Any]:
    """What a reader needs to compare figures between runs: client and server share these cores."""
    return {"cpus": os.cpu_count(), "python": platform.python_version()}


def end_on_sigterm(signal_number: int, _frame: object) -> None:
    # A CI job's time limit sends SIGTERM: leave through the finally blocks, so the server ends too.
    sys.exit(128 + signal_number)


@contextlib.contextmanager
def bench_workdir() -> Iterator[Path]:
    """A temporary directory for the database, store and log, removed however the run ends."""
    signal.signal(signal.SIGTERM, end_on_sigterm)
    with tempfile.TemporaryDirectory(prefix="tessera-bench-") as directory:
        yield Path(directory)


def save_result(result: dict[str, Any], output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nResult written to {output}")


# The server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def server_environment(
    workdir: Path, database_url: str | None, extra: dict[str, str] | None = None
) -> dict[str, str]:
    """The caller's environment, so other TESSERA_* variables reach the server, and our data places."""
    return {
        **os.environ,
        "TESSERA_DATABASE_URL": database_url or f"sqlite+aiosqlite:///{workdir / 'bench.db'}",
        "TESSERA_STORE_DIR": str(workdir / "store"),
        **(extra or {}),
    }


def tessera_serve(port: int) -> list[str]:
    return [*TESSERA, "serve", "--host", HOST, "--port", str(port), "--no-workers"]


@contextlib.contextmanager
def running_server(
    workdir: Path,
    env: dict[str, str],
    command: Callable[[int], list[str]] = tessera_serve,
    cwd: Path | None = None,
) -> Iterator[Server]:
    """A server process (`tessera serve` unless told) for the length of the block, stopped however it ends."""
    port = free_port()
    cwd = cwd or workdir
    log_path = workdir / "server.log"
    # The log goes to a file, not a pipe: nobody reads a pipe during the run, and a full one
    # would block the server. Appended, so a benchmark that restarts the server keeps every log.
    with log_path.open("ab") as log:
        process = subprocess.Popen(command(port), cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield Server(f"http://{HOST}:{port}", env, cwd, process, log_path)
    except Exception:
        print(f"The server's last words:\n{tail(log_path)}", file=sys.stderr)
        raise
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def tail(path: Path, lines: int = 20) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


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


# The people


async def create_users(server: Server, roles: dict[str, str], platform_code: str = "DE") -> None:
    """Accounts (username: role) on one platform, made with `tessera create-user` as an operator would."""
    # Each command is a Python start-up and a hash: more at once than cores only queue.
    slots = asyncio.Semaphore(os.cpu_count() or 1)

    async def create(username: str, role: str) -> None:
        command = [*TESSERA, "create-user", "--username", username, "--role", role]
        async with slots:
            process = await asyncio.create_subprocess_exec(
                *command,
                "--platform",
                platform_code,
                "--password-stdin",
                cwd=server.cwd,
                env=server.env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            try:
                # A command stuck on a locked database must break the run, not stall it.
                output, _ = await asyncio.wait_for(
                    process.communicate(f"{PASSWORD}\n".encode()), STARTUP_SECONDS
                )
            finally:
                if process.returncode is None:
                    process.kill()
                    await process.wait()
        if process.returncode != 0:
            raise RuntimeError(f"tessera create-user {username} failed:\n{output.decode(errors='replace')}")

    await asyncio.gather(*(create(username, role) for username, role in roles.items()))


async def sign_in(client: httpx.AsyncClient, username: str) -> str:
    """Leaves the session cookie in the client's jar, as a browser would; returns the CSRF token."""
    response = await client.post(LOGIN, json={"username": username, "password": PASSWORD})
    if response.status_code != 200:
        raise RuntimeError(f"signing in as {username} failed: {response.status_code} {response.text}")
    return str(response.json()["csrf_token"])


# The figures


async def timed_request(
    client: httpx.AsyncClient, method: str, path: str, **kwargs: Any
) -> tuple[httpx.Response | None, float]:
    """The answer (None when it timed out) and the seconds it took."""
    started = time.perf_counter()
    try:
        response = await client.request(method, path, **kwargs)
    except httpx.TimeoutException:
        response = None
    return response, time.perf_counter() - started


def percentiles_ms(
    latencies: list[float], percents: tuple[int, ...] = (50, 95, 99)
) -> dict[str, float | None]:
    """`p<N>_ms` for each percent asked; one sample stands for all of them, none gives None."""
    if len(latencies) < 2:
        only = round(latencies[0] * 1000, 2) if latencies else None
        return {f"p{percent}_ms": only for percent in percents}
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {f"p{percent}_ms": round(cuts[percent - 1] * 1000, 2) for percent in percents}


def process_cpu_seconds(pid: int) -> float | None:
    """CPU time of a process and all its threads so far, where Linux tells it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The fields after the command name, which may hold spaces: utime and stime are 14 and 15.
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float | None:
    """CPU time all processes on the machine have used so far, where Linux tells it."""
    try:
        first_line = Path("/proc/stat").read_text().split("\n", 1)[0]
    except OSError:
        return None
    # user nice system idle iowait irq softirq steal: all but idle and iowait are busy.
    ticks = [int(value) for value in first_line.split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def cores(before: float | None, after: float | None, seconds: float) -> float | None:
    return round((after - before) / seconds, 2) if before is not None and after is not None else None


class CpuUse:
    """Cores busy during a phase, in cores (1.0 is one core for the whole phase): the server's,
    this client's and the whole machine's, so that a disturbed phase shows as one."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.at_start = self._now()

    def _now(self) -> tuple[float | None, float | None, float | None]:
        return process_cpu_seconds(self.server_pid), time.process_time(), machine_busy_seconds()

    def cores(self, elapsed: float) -> tuple[float | None, float | None, float | None]:
        server, client, machine = (
            cores(before, after, elapsed) for before, after in zip(self.at_start, self._now(), strict=True)
        )
        return server, client, machine
