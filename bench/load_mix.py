"""A day's mixed load: how does Tessera hold up when phones sync, members read and post in the
forum, people sign in and a researcher exports, all at once, on one or two processes?

locust runs the people of bench/load_mix_users.py (its users in one process, headless, against
127.0.0.1): phones (6 in 10) that sync bursts of 1-20 notes, send a batch again now and then and
sign out and in; forum members (3 in 10) who read topic lists and topics and now and then reply
or start a topic; a researcher (1 in 10) who downloads the platform's submitted notes as CSV
every few seconds. Each configuration gets a fresh database and a fresh server:

- sqlite, 1 process: `tessera serve` alone, the embedded default;
- sqlite, 2 processes: `tessera serve --workers 2` with Redis (one SQLite writer between them);
- postgresql, 1 and 2 processes, with Redis (only with --database-url).

The baseline, measured in the same run: the same phones and forum members against the bare
routes of bench/bare_app.py, which decode the same bodies and answer pages of the same shape
without a database (sign-ins and exports have none and are left out of it). The table gives each
configuration's requests/s, p50 and p99 and its share of errors, and the ratios to the baseline:
requests/s over the bare requests/s (higher is better), p50 and p99 over the bare ones (lower).

Few accounts stand for many people here: the forum's per-member hourly limits are lifted and
new members' posts need no approval for the run (TESSERA_FORUM_*), so that what is measured is
the work, not the 429s. Redis is a redis-server of the run's own on a free port, without
persistence, stopped at the end; the machine's Redis is never used.

    python bench/load_mix.py [--seconds 20] [--users 24] [--database-url postgresql+asyncpg://...]
        [--configurations sqlite-1,sqlite-2,postgresql-1,postgresql-2]

It needs the bench extra (`pip install -e '.[bench]'`, for locust) and redis-server for the
configurations with Redis. It prints a table and writes bench/results/load_mix.json. On
PostgreSQL each configuration makes a new database named bench_mix_<random> on the server
--database-url points at and drops it at the end, so the role needs CREATEDB. The exit code is
0 unless the run breaks, or, with --check, 1 when a configuration failed more than 1 % of its
requests. locust, the servers, Redis and PostgreSQL share the machine's cores: a busy machine
moves every figure, so compare ratios from one run, not absolute figures between runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import harness
import live_server
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

USERS_FILE = Path(__file__).with_name("load_mix_users.py")
REAL_USERS = ["Phone", "ForumMember", "Researcher"]
BARE_USERS = ["BarePhone", "BareForumMember"]
CONFIGURATIONS = ["sqlite-1", "sqlite-2", "postgresql-1", "postgresql-2"]
# A configuration that fails more of its requests than this misses the target of --check.
ERROR_SHARE_ALLOWED = 0.01
# Lifted for the run: a handful of accounts stand for many members (see the docstring).
SERVER_SETTINGS = {
    "TESSERA_FORUM_TOPICS_PER_HOUR": "1000000",
    "TESSERA_FORUM_POSTS_PER_HOUR": "1000000",
    "TESSERA_FORUM_POSTS_BEFORE_TRUST": "0",
}
# The bare app comes with the real one in one uvicorn process (bench/sync_notes.py does the same).
BARE_APP_FACTORY = "bench.bare_app:create"


def parse_options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=20, help="how long each configuration runs")
    parser.add_argument("--users", type=int, default=24, help="locust users at once")
    parser.add_argument("--accounts", type=int, default=6, help="young people's accounts the users share")
    parser.add_argument(
        "--configurations",
        default=",".join(CONFIGURATIONS),
        help="which to run (postgresql-* only with --database-url)",
    )
    harness.add_database_option(
        parser, "a PostgreSQL server to make fresh databases on, for the postgresql-* configurations"
    )
    harness.add_output_option(parser, harness.RESULTS_DIR / "load_mix.json")
    parser.add_argument("--check", action="store_true", help="exit 1 when a configuration failed >1%%")
    return parser.parse_args()


# Redis and databases of the run's own


@contextlib.contextmanager
def own_redis(workdir: Path) -> Iterator[str | None]:
    """A redis-server on a free port for the length of the block; None where none is installed."""
    if shutil.which("redis-server") is None:
        yield None
        return
    port = live_server.free_port()
    command = [
        "redis-server",
        "--port",
        str(port),
        "--bind",
        live_server.HOST,
        "--save",
        "",
        "--appendonly",
        "no",
    ]
    with (workdir / "redis.log").open("ab") as log:
        process = subprocess.Popen(command, cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection((live_server.HOST, port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        yield f"redis://{live_server.HOST}:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextlib.asynccontextmanager
async def fresh_database(kind: str, server_url: str | None) -> AsyncIterator[str | None]:
    """None for SQLite (the harness's temporary file); on PostgreSQL a new database, dropped after."""
    if kind == "sqlite":
        yield None
        return
    assert server_url is not None
    url = make_url(server_url)
    name = f"bench_mix_{secrets.token_hex(4)}"
    await run_on_server(server_url, f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        # FORCE: a connection a killed process left behind must not keep the database.
        await run_on_server(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def run_on_server(server_url: str, statement: str) -> None:
    # CREATE and DROP DATABASE refuse to run inside a transaction.
    engine = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(sa.text(statement))
    finally:
        await engine.dispose()


# locust


def run_locust(
    host: str, users: list[str], options: argparse.Namespace, workdir: Path, env: dict[str, str]
) -> dict[str, Any]:
    """locust headless against the host for --seconds; the figures of its CSV summary."""
    prefix = workdir / "locust"
    command = [
        *(sys.executable, "-m", "locust", "-f", str(USERS_FILE), "--headless", "--host", host),
        *("-u", str(options.users), "-r", str(options.users), "-t", f"{options.seconds}s"),
        *("--csv", str(prefix), "--only-summary", "--exit-code-on-error", "0", "--loglevel", "WARNING"),
        *("--stop-timeout", "10"),
        *users,
    ]
    with (workdir / "locust.log").open("ab") as log:
        subprocess.run(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, check=True, timeout=options.seconds + 120
        )
    with Path(f"{prefix}_stats.csv").open(newline="") as stats:
        rows = {row["Name"]: row for row in csv.DictReader(stats)}
    with Path(f"{prefix}_failures.csv").open(newline="") as failed:
        failures = [
            f"{row['Method']} {row['Name']}: {row['Error']} ({row['Occurrences']}x)"
            for row in csv.DictReader(failed)
        ]
    return {
        "total": figures(rows.pop("Aggregated")),
        "requests": {name: figures(row) for name, row in sorted(rows.items())},
        "failures": failures,
    }


def figures(row: dict[str, str]) -> dict[str, Any]:
    count, failures = int(row["Request Count"]), int(row["Failure Count"])
    return {
        "requests": count,
        "failures": failures,
        "error_share": round(failures / count, 4) if count else None,
        "requests_per_second": round(float(row["Requests/s"]), 1),
        "p50_ms": number(row["50%"]),
        "p99_ms": number(row["99%"]),
    }


def number(text: str) -> float | None:
    return None if text in ("", "N/A") else float(text)


# The configurations


def serve(processes: int) -> Any:
    def command(port: int) -> list[str]:
        more = ["--workers", str(processes)] if processes > 1 else []
        return [*live_server.tessera_serve(port), *more]

    return command


def serve_bare_app(port: int) -> list[str]:
    command = [sys.executable, "-m", "uvicorn", "--factory", BARE_APP_FACTORY, "--log-level", "warning"]
    return [*command, "--host", live_server.HOST, "--port", str(port)]


async def measure_bare(options: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    place = workdir / "bare"
    place.mkdir()
    python_path = os.pathsep.join(filter(None, [str(harness.REPO_ROOT), os.environ.get("PYTHONPATH")]))
    env = harness.server_environment(place, None, {"PYTHONPATH": python_path})
    with live_server.running_server(place, env, serve_bare_app, cwd=harness.REPO_ROOT) as server:
        await asyncio.to_thread(live_server.wait_until_healthy, server)
        return run_locust(server.base_url, BARE_USERS, options, place, dict(os.environ))


async def measure_configuration(
    name: str, options: argparse.Namespace, workdir: Path, redis_url: str | None
) -> dict[str, Any]:
    kind, processes = name.split("-")
    place = workdir / name
    place.mkdir()
    extra = dict(SERVER_SETTINGS)
    if redis_url and (kind == "postgresql" or int(processes) > 1):
        # A Redis database of its own (0-3): each configuration starts with nobody signed in.
        extra["TESSERA_REDIS_URL"] = f"{redis_url.rsplit('/', 1)[0]}/{CONFIGURATIONS.index(name)}"
    async with fresh_database(kind, options.database_url) as database_url:
        env = harness.server_environment(place, database_url, extra)
        with live_server.running_server(place, env, serve(int(processes))) as server:
            await asyncio.to_thread(live_server.wait_until_healthy, server)
            phones = [f"phone{number}_{secrets.token_hex(2)}" for number in range(options.accounts)]
            researcher = f"researcher_{secrets.token_hex(2)}"
            await harness.create_users(server, {**dict.fromkeys(phones, "youth"), researcher: "researcher"})
            users_env = {
                **os.environ,
                "LOAD_MIX_PHONES": ",".join(phones),
                "LOAD_MIX_RESEARCHER": researcher,
                "LOAD_MIX_PASSWORD": harness.PASSWORD,
            }
            started = time.perf_counter()
            measured = await asyncio.to_thread(
                run_locust, server.base_url, REAL_USERS, options, place, users_env
            )
            measured["seconds"] = round(time.perf_counter() - started, 1)
            if server.process.poll() is not None:
                raise RuntimeError(f"the server of {name} ended during the run:\n{server.last_words()}")
    measured["redis"] = "TESSERA_REDIS_URL" in extra
    return measured


def ratio(real: float | None, bare: float | None) -> float | None:
    return round(real / bare, 3) if real is not None and bare else None


def compare(real: dict[str, Any], bare: dict[str, Any]) -> dict[str, float | None]:
    return {
        "requests_per_second": ratio(real["requests_per_second"], bare["requests_per_second"]),
        "p50": ratio(real["p50_ms"], bare["p50_ms"]),
        "p99": ratio(real["p99_ms"], bare["p99_ms"]),
    }


# The report


def format_table(result: dict[str, Any]) -> str:
    run = result["run"]
    lines = [
        f"Mixed load, {run['users']} locust users for {run['seconds']} s each, on {run['machine']['cpus']} cores"
        f" (client, servers and databases share them; load average {run['machine']['load_average']} at the"
        f" start); {run['database']}",
        "",
        f"{'':<16}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'errors':>8}   {'vs bare: req/s':>14}{'p50':>7}{'p99':>7}",
    ]
    bare = result["bare"]["total"]
    lines.append(
        f"{'bare routes':<16}{bare['requests_per_second']:>8.1f}{bare['p50_ms']:>8.0f}{bare['p99_ms']:>8.0f}"
        f"{bare['error_share'] or 0:>8.1%}"
    )
    for name, measured in result["configurations"].items():
        total, ratios = measured["total"], measured["ratios"]
        cells = "".join(
            f"{value:>7.2f}" if value is not None else f"{'-':>7}" for value in (ratios["p50"], ratios["p99"])
        )
        lines.append(
            f"{name:<16}{total['requests_per_second']:>8.1f}{total['p50_ms'] or 0:>8.0f}{total['p99_ms'] or 0:>8.0f}"
            f"{total['error_share'] or 0:>8.1%}   {ratios['requests_per_second'] or 0:>14.3f}{cells}"
        )
    lines.append("")
    lines.append("By request (p50 / p99 ms, errors):")
    for name, measured in result["configurations"].items():
        parts = [
            f"{request} {figures['p50_ms'] or 0:.0f}/{figures['p99_ms'] or 0:.0f}"
            + (f" ({figures['failures']} failed)" if figures["failures"] else "")
            for request, figures in measured["requests"].items()
        ]
        lines.append(f"  {name}: " + ", ".join(parts))
        lines.extend(f"    failed: {failure}" for failure in measured["failures"])
    lines.extend(["", *result["notes"]])
    return "\n".join(lines)


async def run(options: argparse.Namespace) -> dict[str, Any]:
    names = [name for name in options.configurations.split(",") if name]
    if unknown := set(names) - set(CONFIGURATIONS):
        raise SystemExit(f"unknown configurations: {', '.join(sorted(unknown))}")
    if not options.database_url:
        names = [name for name in names if not name.startswith("postgresql")]
    elif make_url(options.database_url).get_backend_name() != "postgresql":
        raise SystemExit("--database-url must be a PostgreSQL URL (SQLite is the default)")
    notes = [
        "The machine is shared and noisy: compare ratios from one run, not absolute figures between runs.",
        "The bare baseline has no sign-in and no export (no bare route); a bare PUT stands in for forum writes.",
    ]
    with harness.bench_workdir() as workdir, own_redis(workdir) as redis_url:
        if redis_url is None:
            skipped = [name for name in names if name.startswith("postgresql") or name.endswith("-2")]
            names = [name for name in names if name not in skipped]
            if skipped:
                notes.append(f"No redis-server installed: left out {', '.join(skipped)}.")
        bare = await measure_bare(options, workdir)
        configurations = {}
        for name in names:
            measured = await measure_configuration(name, options, workdir, redis_url)
            measured["ratios"] = compare(measured["total"], bare["total"])
            configurations[name] = measured
            print(f"{name}: {measured['total']}", file=sys.stderr)
    return {
        "benchmark": "load_mix",
        "run": {
            "started": harness.started_now(),
            "users": options.users,
            "seconds": options.seconds,
            "accounts": options.accounts,
            "database": harness.describe_database(options.database_url),
            # Other work on the machine when the run began (1-minute load average, in cores).
            "machine": {**harness.machine(), "load_average": round(os.getloadavg()[0], 2)},
        },
        "bare": bare,
        "configurations": configurations,
        "notes": notes,
        "within_target": all(
            (measured["total"]["error_share"] or 0) <= ERROR_SHARE_ALLOWED
            for measured in configurations.values()
        ),
    }


def main() -> int:
    options = parse_options()
    return harness.report(asyncio.run(run(options)), options, format_table)


if __name__ == "__main__":
    sys.exit(main())
