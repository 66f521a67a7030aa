"""A Delphi study the size of the programme's: 150 panellists, 80 statements, 3 rounds.

Each round, every panellist saves their whole ballot at once (150 PUTs of 80 answers in
flight together, through their private links), then the facilitator closes the round, which
computes every statement's figures. Measured against baselines taken in the same run, on the
same server and connections:

- saving: the p99 of the 150 ballot saves, against the p99 of 150 GET /health sent at once
  (what the server and this client cost for 150 requests in flight doing nothing);
- closing: the seconds POST /api/v1/delphi/rounds/{id}/close takes, against the median of
  five GET /api/v1/delphi/studies/{id} (one signed-in request that reads the study).

The issue's targets: closing a round under 1 s, ballot saves' p99 under 200 ms. Exit code 0
unless the run breaks, or with --check, 1 when a target is missed.

    python bench/delphi_round.py [--panellists 150] [--statements 80] [--rounds 3] [--database-url postgresql+asyncpg://...]

It prints a table and writes bench/results/delphi_round.json (one result per database kind).
Client and server share the machine's cores, so compare figures between runs on one machine.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from typing import Any

import harness
import httpx
import live_server

CLOSE_TARGET_SECONDS = 1.0
SAVE_P99_TARGET_MS = 200.0
RESULTS_FILE = harness.RESULTS_DIR / "delphi_round.json"
FACILITATOR = "facilitator"


def parse_options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--panellists", type=int, default=150, help="panellists (default 150)")
    parser.add_argument("--statements", type=int, default=80, help="statements (default 80)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (default 3)")
    harness.add_database_option(parser)
    harness.add_output_option(parser, RESULTS_FILE)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    options = parser.parse_args()
    if min(options.panellists, options.statements, options.rounds) < 1:
        parser.error("--panellists, --statements and --rounds must be positive")
    return options


async def build_study(
    client: httpx.AsyncClient, csrf: str, options: argparse.Namespace
) -> tuple[str, list[str]]:
    headers = {"x-csrf-token": csrf}
    body = {
        "title": "Benchmark study",
        "platforms": ["DE"],
        "scale": {"min": 1, "max": 9},
        "consensus": {
            "kind": "percent",
            "agree_from": 7,
            "disagree_to": 3,
            "threshold": 70,
            "max_opposite": 15,
        },
        "anonymity": "anonymous",
        "languages": ["en", "de"],
    }
    response = await client.post("/api/v1/delphi/studies", json=body, headers=headers)
    response.raise_for_status()
    study_id = response.json()["id"]
    for number in range(options.statements):
        text = {"en": f"Statement {number}: services should do this.", "de": f"Aussage {number}."}
        response = await client.post(
            f"/api/v1/delphi/studies/{study_id}/statements", json={"text": text}, headers=headers
        )
        response.raise_for_status()
    tokens = []
    for number in range(options.panellists):
        response = await client.post(
            f"/api/v1/delphi/studies/{study_id}/panellists",
            json={"name": f"Panellist {number}", "language": "de" if number % 2 else "en"},
            headers=headers,
        )
        response.raise_for_status()
        tokens.append(response.json()["token"])
    return study_id, tokens


def ballot_body(
    generator: random.Random, statement_ids: list[str], leaning: dict[str, int]
) -> dict[str, Any]:
    """Ratings around each statement's leaning: some statements reach consensus, others not."""
    return {
        "ratings": [
            {
                "statement_id": statement_id,
                "rating": max(1, min(9, leaning[statement_id] + generator.choice([-2, -1, 0, 0, 1, 2]))),
                "comment": "Because of what we see every day." if generator.random() < 0.1 else None,
            }
            for statement_id in statement_ids
        ]
    }


async def at_once(
    base_url: str, requests: list[tuple[str, str, dict[str, Any] | None]]
) -> tuple[list[float], int]:
    """Every request in flight together, each on a connection of its own, made afresh (an idle
    kept-alive one may be closed by the server just as it is reused); the latencies and how
    many failed."""
    limits = httpx.Limits(max_connections=len(requests), max_keepalive_connections=len(requests))
    async with httpx.AsyncClient(base_url=base_url, timeout=harness.REQUEST_TIMEOUT, limits=limits) as client:
        return await _at_once(client, requests)


async def _at_once(
    client: httpx.AsyncClient, requests: list[tuple[str, str, dict[str, Any] | None]]
) -> tuple[list[float], int]:
    start = asyncio.Event()

    async def one(method: str, path: str, body: dict[str, Any] | None) -> tuple[httpx.Response | None, float]:
        await start.wait()
        return await harness.timed_request(client, method, path, json=body)

    tasks = [asyncio.create_task(one(*request)) for request in requests]
    await asyncio.sleep(0)
    start.set()
    answers = await asyncio.gather(*tasks)
    failed = sum(1 for response, _ in answers if response is None or response.status_code != 200)
    return [seconds for _, seconds in answers], failed


async def run_benchmark(server: live_server.Server, options: argparse.Namespace) -> dict[str, Any]:
    await harness.create_users(server, {FACILITATOR: "researcher"})
    async with httpx.AsyncClient(base_url=server.base_url, timeout=harness.REQUEST_TIMEOUT) as facilitator:
        csrf = await harness.sign_in(facilitator, FACILITATOR)
        headers = {"x-csrf-token": csrf}
        study_id, tokens = await build_study(facilitator, csrf, options)
        generator = random.Random(16)
        rounds = []
        leaning: dict[str, int] = {}
        for _ in range(options.rounds):
            opened = await facilitator.post(f"/api/v1/delphi/studies/{study_id}/rounds", headers=headers)
            if opened.status_code == 409:
                print(f"No round {len(rounds) + 1}: {opened.json()['detail']}")
                break
            opened.raise_for_status()
            round_id, statement_ids = opened.json()["id"], opened.json()["statement_ids"]
            for statement_id in statement_ids:
                leaning.setdefault(statement_id, generator.choice([2, 5, 8, 8]))
            # Baseline: as many requests at once doing nothing.
            baseline, _ = await at_once(server.base_url, [("GET", "/health", None)] * len(tokens))
            cpu = harness.CpuUse(server.process.pid)
            started = time.perf_counter()
            saves, failed = await at_once(
                server.base_url,
                [
                    ("PUT", f"/api/v1/delphi/ballots/{token}", ballot_body(generator, statement_ids, leaning))
                    for token in tokens
                ],
            )
            save_cpu = cpu.figures(time.perf_counter() - started)
            reads = []
            for _ in range(5):
                response, seconds = await harness.timed_request(
                    facilitator, "GET", f"/api/v1/delphi/studies/{study_id}"
                )
                if response is None or response.status_code != 200:
                    raise RuntimeError(f"reading the study failed: {response and response.text}")
                reads.append(seconds)
            closed, close_seconds = await harness.timed_request(
                facilitator, "POST", f"/api/v1/delphi/rounds/{round_id}/close", headers=headers
            )
            if closed is None or closed.status_code != 200:
                raise RuntimeError(f"closing round failed: {closed and closed.text}")
            save_figures = harness.percentiles_ms(saves)
            baseline_p99 = harness.percentiles_ms(baseline)["p99_ms"]
            read_ms = statistics.median(reads) * 1000
            rounds.append(
                {
                    "round": closed.json()["number"],
                    "statements": len(statement_ids),
                    "saves": len(saves),
                    "failed": failed,
                    **save_figures,
                    "baseline_p99_ms": baseline_p99,
                    "save_ratio": round(save_figures["p99_ms"] / baseline_p99, 2)
                    if save_figures["p99_ms"] and baseline_p99
                    else None,
                    "close_ms": round(close_seconds * 1000, 2),
                    "baseline_read_ms": round(read_ms, 2),
                    "close_ratio": round(close_seconds * 1000 / read_ms, 2),
                    **save_cpu,
                }
            )
    within = all(
        row["failed"] == 0
        and row["close_ms"] < CLOSE_TARGET_SECONDS * 1000
        and (row["p99_ms"] or 0) < SAVE_P99_TARGET_MS
        for row in rounds
    )
    return {
        "run": {
            "started_at": harness.started_now(),
            "database": harness.describe_database(options.database_url),
            "database_kind": "postgresql" if options.database_url else "sqlite",
            "panellists": options.panellists,
            "statements": options.statements,
            **harness.machine(),
        },
        "rounds": rounds,
        "targets": {"close_ms": CLOSE_TARGET_SECONDS * 1000, "save_p99_ms": SAVE_P99_TARGET_MS},
        "within_target": within,
    }


def format_table(result: dict[str, Any]) -> str:
    columns = [
        ("p50_ms", 9, 1),
        ("p99_ms", 9, 1),
        ("baseline_p99_ms", 10, 1),
        ("save_ratio", 8, 2),
        ("close_ms", 10, 1),
        ("baseline_read_ms", 10, 1),
        ("close_ratio", 8, 2),
        ("server_cpu", 7, 2),
    ]
    lines = [
        f"Delphi round: {result['run']['panellists']} panellists, {result['run']['statements']} statements"
        f" ({result['run']['database']})",
        f"{'round':>5}{'asked':>6}{'failed':>7}{'save p50':>9}{'save p99':>9}{'base p99':>10}{'ratio':>8}"
        f"{'close ms':>10}{'read ms':>10}{'ratio':>8}{'cpu':>7}",
    ]
    for row in result["rounds"]:
        lines.append(
            f"{row['round']:>5}{row['statements']:>6}{row['failed']:>7}" + harness.figure_cells(row, columns)
        )
    lines.append(
        f"Targets: closing under {CLOSE_TARGET_SECONDS:g} s, saves' p99 under {SAVE_P99_TARGET_MS:g} ms:"
        f" {'met' if result['within_target'] else 'MISSED'}"
    )
    lines += harness.cpu_notes(result["rounds"])
    return "\n".join(lines)


def main() -> int:
    options = parse_options()
    with harness.bench_workdir() as workdir:
        # Every panellist answers from this one address: the per-address limit is lifted.
        env = harness.server_environment(
            workdir, options.database_url, {"TESSERA_DELPHI_BALLOT_REQUESTS_PER_MINUTE": "1000000"}
        )
        with live_server.running_server(workdir, env) as server:
            live_server.wait_until_healthy(server)
            result = asyncio.run(run_benchmark(server, options))
    return harness.report(result, options, format_table, per_database_kind=True)


if __name__ == "__main__":
    raise SystemExit(main())
