"""Login storm: does password hashing stall the rest of the API?

A login costs one argon2id hash: tens of milliseconds of a core and tens of MiB. Tessera runs
it in worker threads with a cap on hashes in flight (``PasswordHasher`` in server/security.py),
so that a crowd signing in at once does not freeze everyone else. This benchmark checks that
from the outside, against a real server process on 127.0.0.1. It measures

- login throughput: many clients POSTing correct credentials to /api/v1/auth/login;
- the latency of a cheap signed-in request (GET /api/v1/me) and of the unauthenticated
  GET /health, first alone and then while the login storm runs.

The target, from the issue: p99 of a cheap request under a login storm stays within 3x its
p99 alone. The benchmark reports and does not judge: the exit code is 0 unless the run itself
breaks, or, with --check, 1 when a ratio exceeds the target.

    python bench/login_storm.py [--seconds 10] [--clients 16] [--database-url postgresql+asyncpg://...]

It prints a table and writes bench/results/login_storm.json. Other ``TESSERA_*`` variables in
the environment reach the server, so ``TESSERA_MAX_CONCURRENT_HASHES=2`` tries another cap.
Client and server share the machine's cores: compare figures between runs on one machine.
Never point --database-url at a database with real people in it: the run adds accounts.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import secrets
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import harness
import httpx
import live_server

from server.settings import load_settings

TARGET_RATIO = 3.0
RESULTS_FILE = harness.RESULTS_DIR / "login_storm.json"
PROBED = {"me": "/api/v1/me", "health": "/health"}


@dataclass
class Samples:
    """Latencies (seconds) of the requests answered 200, and how many were not."""

    latencies: list[float] = field(default_factory=list)
    failures: int = 0

    def record(self, response: httpx.Response | None, seconds: float) -> None:
        if response is not None and response.status_code == 200:
            self.latencies.append(seconds)
        else:
            self.failures += 1

    def extend(self, other: Samples) -> None:
        self.latencies.extend(other.latencies)
        self.failures += other.failures

    def summary(self) -> dict[str, Any]:
        return {
            "requests": len(self.latencies) + self.failures,
            "failures": self.failures,
            **harness.percentiles_ms(self.latencies),
        }


def parse_options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--seconds",
        type=float,
        default=10.0,
        help="length of the storm phase; the alone phase takes half of it (default 10)",
    )
    parser.add_argument("--clients", type=int, default=16, help="concurrent login clients (default 16)")
    parser.add_argument("--accounts", type=int, default=8, help="accounts the logins rotate over (default 8)")
    parser.add_argument(
        "--probe-interval-ms",
        type=float,
        default=20.0,
        help="pause between the probe requests of /api/v1/me and /health (default 20)",
    )
    harness.add_database_option(parser)
    harness.add_output_option(parser, RESULTS_FILE)
    parser.add_argument(
        "--check", action="store_true", help=f"exit 1 when a p99 ratio exceeds {TARGET_RATIO:g}x"
    )
    options = parser.parse_args()
    if options.seconds <= 0 or options.clients < 1 or options.accounts < 1 or options.probe_interval_ms <= 0:
        parser.error("--seconds, --clients, --accounts and --probe-interval-ms must be positive")
    return options


# The server


def login_storm_environment(workdir: Path, database_url: str | None) -> dict[str, str]:
    # Only failed logins count, but every client shares one address: a high limit keeps a
    # stray failure from turning the rest of the storm into throttled, unmeasured answers.
    extra = {"TESSERA_LOGIN_FAILURES_PER_ADDRESS": "1000000"}
    return harness.server_environment(workdir, database_url, extra)


async def create_accounts(server: live_server.Server, count: int) -> list[str]:
    """Young people on platform DE, made with `tessera create-user` as an operator would."""
    # A database given by URL may hold the accounts of earlier runs.
    suffix = secrets.token_hex(3)
    usernames = [f"bench{number}_{suffix}" for number in range(count)]
    await harness.create_users(server, dict.fromkeys(usernames, "youth"))
    return usernames


# The load


async def probe(client: httpx.AsyncClient, path: str, interval: float, deadline: float) -> Samples:
    """One request at a time, one every `interval` seconds, until the deadline.

    A slot missed behind a slow answer is skipped, not made up in a burst afterwards, so a
    stall shows as one slow sample: the p99 under the storm errs on the kind side.
    """
    samples = Samples()
    next_start = time.perf_counter()
    while time.perf_counter() < deadline:
        samples.record(*await harness.timed_request(client, "GET", path))
        next_start = max(next_start + interval, time.perf_counter())
        await asyncio.sleep(next_start - time.perf_counter())
    return samples


async def login_client(base_url: str, usernames: list[str], first: int, deadline: float) -> Samples:
    """Signs in over and over, each time as the next account, until the deadline."""
    samples = Samples()
    async with httpx.AsyncClient(base_url=base_url, timeout=harness.REQUEST_TIMEOUT) as client:
        turn = first
        while time.perf_counter() < deadline:
            body = {"username": usernames[turn % len(usernames)], "password": harness.PASSWORD}
            samples.record(*await harness.timed_request(client, "POST", harness.LOGIN, json=body))
            # A kept cookie would make the next login end that session first: extra work a
            # person signing in on a fresh phone does not cause.
            client.cookies.clear()
            turn += 1
    return samples


async def probe_both(
    clients: dict[str, httpx.AsyncClient], interval: float, deadline: float
) -> dict[str, Samples]:
    """The /api/v1/me and /health probes side by side, each on its own client."""
    results = await asyncio.gather(
        *(probe(clients[name], path, interval, deadline) for name, path in PROBED.items())
    )
    return dict(zip(PROBED, results, strict=True))


async def warm_up(probes: dict[str, httpx.AsyncClient]) -> None:
    # First requests pay for connections and lazy loading; none of that is what we measure.
    for _ in range(20):
        for name, path in PROBED.items():
            response = await probes[name].get(path)
            if response.status_code != 200:
                raise RuntimeError(
                    f"GET {path} answered {response.status_code} without load: {response.text}"
                )


async def measure(
    server: live_server.Server, usernames: list[str], options: argparse.Namespace
) -> dict[str, Any]:
    interval = options.probe_interval_ms / 1000
    alone_seconds = options.seconds / 2
    async with contextlib.AsyncExitStack() as stack:
        client = functools.partial(
            httpx.AsyncClient, base_url=server.base_url, timeout=harness.REQUEST_TIMEOUT
        )
        probes = {name: await stack.enter_async_context(client()) for name in PROBED}
        await harness.sign_in(probes["me"], usernames[0])
        await warm_up(probes)

        alone = await probe_both(probes, interval, time.perf_counter() + alone_seconds)

        started = time.perf_counter()
        deadline = started + options.seconds
        storm_task = asyncio.gather(
            *(login_client(server.base_url, usernames, first, deadline) for first in range(options.clients))
        )
        under_storm = await probe_both(probes, interval, deadline)
        logins = Samples()
        for samples in await storm_task:
            logins.extend(samples)
        # Logins in flight at the deadline still finish, so time runs until the last one has.
        storm_seconds = time.perf_counter() - started

    return {
        "logins": {
            "per_second": round(len(logins.latencies) / storm_seconds, 1),
            "seconds": round(storm_seconds, 2),
            **logins.summary(),
        },
        "requests": {
            PROBED[name]: {"alone": alone[name].summary(), "storm": under_storm[name].summary()}
            for name in PROBED
        },
    }


# The report


def is_within_target(ratio: float | None) -> bool:
    return ratio is not None and ratio <= TARGET_RATIO


def p99_ratios(requests: dict[str, Any]) -> dict[str, float | None]:
    ratios: dict[str, float | None] = {}
    for path, phases in requests.items():
        alone, storm = phases["alone"]["p99_ms"], phases["storm"]["p99_ms"]
        ratios[path] = round(storm / alone, 2) if alone and storm is not None else None
    return ratios


def describe_run(options: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    settings = load_settings(env)
    return {
        "started_at": harness.started_now(),
        "database": harness.describe_database(options.database_url),
        "login_clients": options.clients,
        "accounts": options.accounts,
        "alone_seconds": options.seconds / 2,
        "storm_seconds": options.seconds,
        "probe_interval_ms": options.probe_interval_ms,
        "argon2_memory_kib": settings.argon2_memory_kib,
        "argon2_time_cost": settings.argon2_time_cost,
        "max_concurrent_hashes": settings.max_concurrent_hashes,
        **harness.machine(),
    }


def format_table(result: dict[str, Any]) -> str:
    run, logins = result["run"], result["logins"]
    lines = [
        f"Login storm: {run['login_clients']} login clients over {run['accounts']} accounts",
        f"Database: {run['database']}",
        f"{run['cpus']} CPUs; argon2id {run['argon2_memory_kib']} KiB, t={run['argon2_time_cost']}, "
        f"at most {run['max_concurrent_hashes']} hashing at once",
        "",
        f"{'request':<25}{'phase':<7}{'requests':>9}{'failed':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}",
    ]

    def row(request: str, phase: str, summary: dict[str, Any]) -> str:
        figures = "".join(
            f"{summary[key]:>9.1f}" if summary[key] is not None else f"{'-':>9}"
            for key in ("p50_ms", "p95_ms", "p99_ms")
        )
        return f"{request:<25}{phase:<7}{summary['requests']:>9}{summary['failures']:>8}{figures}"

    lines.append(row(f"POST {harness.LOGIN}", "storm", logins))
    for path, phases in result["requests"].items():
        for phase in ("alone", "storm"):
            lines.append(row(f"GET {path}", phase, phases[phase]))
    lines += ["", f"Logins per second: {logins['per_second']:.1f} (over {logins['seconds']:.1f} s)"]
    for path, ratio in result["p99_ratios"].items():
        shown = "-" if ratio is None else f"{ratio:.2f}x"
        verdict = "within target" if is_within_target(ratio) else "OVER TARGET"
        lines.append(f"p99 under storm / alone, GET {path}: {shown} (target <= {TARGET_RATIO:g}x: {verdict})")
    return "\n".join(lines)


async def run_benchmark(server: live_server.Server, options: argparse.Namespace) -> dict[str, Any]:
    await asyncio.to_thread(live_server.wait_until_healthy, server)
    usernames = await create_accounts(server, options.accounts)
    return await measure(server, usernames, options)


def main() -> int:
    options = parse_options()
    with harness.bench_workdir() as workdir:
        env = login_storm_environment(workdir, options.database_url)
        # Read the settings as the server will, so a bad TESSERA_* value stops us before it starts.
        run = describe_run(options, env)
        with live_server.running_server(workdir, env) as server:
            measured = asyncio.run(run_benchmark(server, options))
    ratios = p99_ratios(measured["requests"])
    result = {
        "run": run,
        **measured,
        "p99_ratios": ratios,
        "target_ratio": TARGET_RATIO,
        "within_target": all(is_within_target(ratio) for ratio in ratios.values()),
    }
    return harness.report(result, options, format_table)


if __name__ == "__main__":
    sys.exit(main())
