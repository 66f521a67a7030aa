"""What every Tessera benchmark needs around its measurement: accounts made as an operator makes
them, a signed-in client, the figures, and the report (a table and a JSON result); the server
process itself comes from live_server.py, which the app's browser tests start too.

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
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import live_server
from sqlalchemy.engine import make_url

PASSWORD = "a long walk by the river"
REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO_ROOT / "bench" / "results"
LOGIN = "/api/v1/auth/login"
# The guide migration 0002_notes seeds on every database: notes answer it, exports show it.
FIRST_GUIDE_ID = "6f1c1b52-5d0e-4a57-9a43-0c5d2b8f7e01"
# The client is one Python thread: this busy, it rather than the server sets the pace.
CLIENT_BOUND_CPU = 0.85
# Other processes this busy (cores) during a phase leave its figures in doubt.
DISTURBED_CPU = 0.2
# A request stalled this long counts as failed rather than hanging the run.
REQUEST_TIMEOUT = httpx.Timeout(30.0)


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


def run_header(database_url: str | None, *, is_sqlite: bool) -> dict[str, Any]:
    """When the run started and on which database: the head of every result's `run`."""
    return {
        "started_at": started_now(),
        "database": describe_database(database_url),
        "database_kind": "sqlite" if is_sqlite else "postgresql",
    }


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


def save_result(result: dict[str, Any], output: Path, *, per_database_kind: bool = False) -> None:
    """Write the result; per_database_kind keeps the other database kind's latest result beside it."""
    if per_database_kind:
        saved: dict[str, Any] = {}
        if output.exists():
            with contextlib.suppress(ValueError):
                saved = json.loads(output.read_text())
        saved[result["run"]["database_kind"]] = result
        result = saved
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nResult written to {output}")


def report(
    result: dict[str, Any],
    options: argparse.Namespace,
    format_table: Callable[[dict[str, Any]], str],
    *,
    per_database_kind: bool = False,
) -> int:
    """Print the table, write the JSON result, and give the exit code: 1 with --check when a
    target was missed, else 0 (a benchmark reports, it does not judge unless asked)."""
    print(format_table(result))
    save_result(result, options.output, per_database_kind=per_database_kind)
    return 1 if options.check and not result["within_target"] else 0


def figure_cells(row: dict[str, Any], columns: Iterable[tuple[str, int, int]]) -> str:
    """The row's figures (key, width, digits) right-aligned in a table; "-" for a missing one."""
    return "".join(
        f"{row[key]:>{width}.{digits}f}" if row[key] is not None else f"{'-':>{width}}"
        for key, width, digits in columns
    )


def cpu_notes(phases: Iterable[dict[str, Any]]) -> list[str]:
    """What the table's reader must know when the client or other processes held the figures down."""
    phases = list(phases)
    notes = []
    if any(phase["client_bound"] for phase in phases):
        notes.append(
            "* The client kept a core busy: the server could go faster than this, so a bare rate so"
            " marked is a floor and its ratio a ceiling."
        )
    if any((phase["others_cpu"] or 0) >= DISTURBED_CPU for phase in phases):
        notes.append(
            "Other processes used CPU during the run (the 'others' column, in cores): a database"
            " server on this machine counts among them; anything else makes the figures lower than"
            " a quiet machine gives."
        )
    return notes


# The server


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


# The people


async def create_users(server: live_server.Server, roles: dict[str, str], platform_code: str = "DE") -> None:
    """Accounts (username: role) on one platform, made with `tessera create-user` as an operator would."""
    # Each command is a Python start-up and a hash: more at once than cores only queue.
    slots = asyncio.Semaphore(os.cpu_count() or 1)

    async def create(username: str, role: str) -> None:
        command = [*live_server.TESSERA, "create-user", "--username", username, "--role", role]
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
                    process.communicate(f"{PASSWORD}\n".encode()), live_server.STARTUP_SECONDS
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

    def figures(self, elapsed: float) -> dict[str, Any]:
        """The phase's cores: the server's, the client's (and whether it set the pace), the others'."""
        server_cpu, client_cpu, machine_cpu = self.cores(elapsed)
        return {
            "server_cpu": server_cpu,
            "client_cpu": client_cpu,
            "client_bound": client_cpu is not None and client_cpu >= CLIENT_BOUND_CPU,
            # Whatever else ran on the machine meanwhile took cores from server and client alike.
            "others_cpu": None
            if machine_cpu is None or server_cpu is None or client_cpu is None
            else max(0.0, round(machine_cpu - server_cpu - client_cpu, 2)),
        }
