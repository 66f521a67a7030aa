"""Event registration: 200 stakeholders register at once for a workshop of 100 places.

Every registration takes the event's row lock, counts the places taken, and confirms or puts
the person on the waiting list (server/events/service.py), so at most one counts at a time.
The benchmark checks what a user would notice and measures how long the queue makes them
wait, against real server process on 127.0.0.1:

- exactly 100 confirmed and 100 on the waiting list, positions 1 to 100 each given once,
  in the server's answers and in the organiser's list afterwards; no request failed;
- p50/p95/p99 of the 200 POST /api/v1/events/{id}/registrations sent together, each on a
  connection of its own, against the baseline of the same 200 people reading the same event
  (GET /api/v1/events/{id}) at once, in the same run.

The registrants are stakeholder accounts of the platform, each signed in with a session of
its own (personal API tokens only read); all but the first are written straight into the
database with the first one's password, so the run does not start `tessera create-user` 200
times.

The issue (#15) asks for no figure but correctness: the exit code is 0 unless the run breaks,
or, with --check, 1 when the counts are wrong or a request failed.

    python bench/event_registration.py [--people 200] [--places 100] [--database-url postgresql+asyncpg://...]

It prints a table and writes bench/results/event_registration.json, one entry per database
kind. Client and server share the machine's cores.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import secrets
import sys
import time
import uuid
from collections import Counter
from typing import Any

import harness
import httpx
import live_server
import sqlalchemy as sa

from server.accounts.models import User, UserPlatform
from server.db import create_engine
from server.settings import load_settings

RESULTS_FILE = harness.RESULTS_DIR / "event_registration.json"
PLATFORM = "DE"


def parse_options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=200, help="registrations sent at once (default 200)")
    parser.add_argument("--places", type=int, default=100, help="the event's capacity (default 100)")
    harness.add_database_option(parser)
    harness.add_output_option(parser, RESULTS_FILE)
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when the counts are wrong or a request failed"
    )
    options = parser.parse_args()
    if min(options.people, options.places) < 1:
        parser.error("--people and --places must be positive")
    return options


async def registrants(
    server: live_server.Server, database_url: str, count: int, suffix: str
) -> list[httpx.AsyncClient]:
    """Stakeholders of the platform, each signed in with a client of their own. One is made as
    an operator makes it; the others are copies written in one transaction (same password),
    so that only the sign-ins hash, not `tessera create-user` {count} times."""
    first = f"bench_sh_{suffix}_0"
    await harness.create_users(server, {first: "stakeholder"}, PLATFORM)
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            password_hash = await connection.scalar(
                sa.select(User.password_hash).where(User.username == first)
            )
            users, links = [], []
            for number in range(1, count):
                user_id = uuid.uuid4()
                name = f"bench_sh_{suffix}_{number}"
                users.append(
                    {
                        "id": user_id,
                        "username": name,
                        "username_key": name,
                        "display_name": f"Stakeholder {number}",
                        "password_hash": password_hash,
                        "role": "stakeholder",
                        "language": "en",
                    }
                )
                links.append({"user_id": user_id, "platform_code": PLATFORM})
            if users:
                await connection.execute(sa.insert(User), users)
                await connection.execute(sa.insert(UserPlatform), links)
    finally:
        await engine.dispose()
    clients = []
    # Each sign-in is an argon2 hash: more at once than cores only queue.
    slots = asyncio.Semaphore(2)

    async def sign_in(number: int) -> None:
        # A connection afresh for every request: one kept alive may be closed by the server, idle
        # while the others sign in, just as it is reused.
        client = httpx.AsyncClient(
            base_url=server.base_url,
            timeout=harness.REQUEST_TIMEOUT,
            limits=httpx.Limits(max_keepalive_connections=0),
        )
        clients.append(client)
        async with slots:
            csrf = await harness.sign_in(client, f"bench_sh_{suffix}_{number}")
        client.headers["x-csrf-token"] = csrf

    await asyncio.gather(*(sign_in(number) for number in range(count)))
    return clients


async def at_once(
    clients: list[httpx.AsyncClient], method: str, path: str, body: dict[str, Any] | None = None
) -> list[tuple[httpx.Response | None, float]]:
    """One request per person, all in flight together, each on a new connection of their own."""
    start = asyncio.Event()

    async def one(client: httpx.AsyncClient) -> tuple[httpx.Response | None, float]:
        await start.wait()
        started = time.perf_counter()
        try:
            return await harness.timed_request(client, method, path, json=body)
        except httpx.TransportError:
            # Counted as a failure, as a timeout is.
            return None, time.perf_counter() - started

    tasks = [asyncio.create_task(one(client)) for client in clients]
    await asyncio.sleep(0)
    start.set()
    return list(await asyncio.gather(*tasks))


async def organisers_list(client: httpx.AsyncClient, event_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"limit": 100, **({"cursor": cursor} if cursor else {})}
        response = await client.get(f"/api/v1/events/{event_id}/registrations", params=params)
        response.raise_for_status()
        page = response.json()
        items += page["items"]
        if not (cursor := page["next_cursor"]):
            return items


def tally(items: list[dict[str, Any]]) -> dict[str, Any]:
    statuses = Counter(item["status"] for item in items)
    positions = sorted(item["position"] for item in items if item["position"] is not None)
    return {"statuses": dict(statuses), "positions": positions}


async def run_benchmark(
    server: live_server.Server, options: argparse.Namespace, database_url: str
) -> dict[str, Any]:
    await asyncio.to_thread(live_server.wait_until_healthy, server)
    suffix = secrets.token_hex(3)
    organiser = f"bench_admin_{suffix}"
    await harness.create_users(server, {organiser: "admin"})
    people = await registrants(server, database_url, options.people, suffix)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=harness.REQUEST_TIMEOUT) as client:
        csrf = await harness.sign_in(client, organiser)
        starts = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
        created = await client.post(
            "/api/v1/events",
            json={
                "platform": PLATFORM,
                "kind": "workshop",
                "title": "Local research and action workshop",
                "starts_at": starts.isoformat(),
                "ends_at": (starts + dt.timedelta(hours=6)).isoformat(),
                "time_zone": "Europe/Berlin",
                "place": "Rathaus, Saal 2",
                "capacity": options.places,
                "languages": ["de", "en"],
            },
            headers={"x-csrf-token": csrf},
        )
        if created.status_code != 201:
            raise RuntimeError(f"creating the event failed: {created.status_code} {created.text}")
        event_id = created.json()["id"]
        path = f"/api/v1/events/{event_id}"

        # Warm up the server's path, then the baseline: all read the event at once.
        await at_once(people, "GET", path)
        baseline = await at_once(people, "GET", path)
        baseline_failed = sum(
            1 for response, _ in baseline if response is None or response.status_code != 200
        )
        cpu = harness.CpuUse(server.process.pid)
        started = time.perf_counter()
        answers = await at_once(people, "POST", f"{path}/registrations", body={})
        elapsed = time.perf_counter() - started
        phase = cpu.figures(elapsed)
        failed = [response for response, _ in answers if response is None or response.status_code != 201]
        answered = tally(
            [
                response.json()
                for response, _ in answers
                if response is not None and response.status_code == 201
            ]
        )
        listed = tally(await organisers_list(client, event_id))
    for person in people:
        await person.aclose()

    waitlisted = max(0, options.people - options.places)
    expected = {
        "statuses": {
            key: value
            for key, value in (("confirmed", min(options.people, options.places)), ("waitlisted", waitlisted))
            if value
        },
        "positions": list(range(1, waitlisted + 1)),
    }
    registration_figures = harness.percentiles_ms([seconds for _, seconds in answers])
    baseline_figures = harness.percentiles_ms([seconds for _, seconds in baseline])
    return {
        "registrations": {
            "sent": len(answers),
            "failed": len(failed),
            "failures": [
                f"{r.status_code} {r.text[:200]}" if r is not None else "timeout" for r in failed[:5]
            ],
            "seconds": round(elapsed, 2),
            **registration_figures,
            **phase,
        },
        "baseline_reads": {"sent": len(baseline), "failed": baseline_failed, **baseline_figures},
        "ratio_p99": round(registration_figures["p99_ms"] / baseline_figures["p99_ms"], 2)
        if registration_figures["p99_ms"] and baseline_figures["p99_ms"]
        else None,
        "answered": {
            "statuses": answered["statuses"],
            "positions_ok": answered["positions"] == expected["positions"],
        },
        "listed": {
            "statuses": listed["statuses"],
            "positions_ok": listed["positions"] == expected["positions"],
        },
        "expected": expected["statuses"],
        "correct": not failed
        and answered["statuses"] == expected["statuses"]
        and listed["statuses"] == expected["statuses"]
        and answered["positions"] == expected["positions"]
        and listed["positions"] == expected["positions"],
    }


def format_table(result: dict[str, Any]) -> str:
    run = result["run"]
    registrations, baseline = result["registrations"], result["baseline_reads"]
    lines = [
        f"Event registration: {run['people']} at once for {run['places']} places"
        f" ({run['database']}; {run['cpus']} CPUs)",
        "",
        f"{'requests (all at once)':<34}{'sent':>5}{'failed':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}",
    ]
    columns = [("p50_ms", 9, 1), ("p95_ms", 9, 1), ("p99_ms", 9, 1)]
    for name, row in (("GET the event (baseline)", baseline), ("POST a registration", registrations)):
        lines.append(f"{name:<34}{row['sent']:>5}{row['failed']:>7}" + harness.figure_cells(row, columns))
    lines.append(
        f"p99 ratio registration/read: {result['ratio_p99']}; all {registrations['sent']} answered in"
        f" {registrations['seconds']:.2f} s; server {registrations['server_cpu']} cores,"
        f" others {registrations['others_cpu']}"
    )
    lines.append(
        f"Answers: {result['answered']['statuses']}, waiting-list positions 1..n once each:"
        f" {result['answered']['positions_ok']}"
    )
    lines.append(
        f"Organiser's list: {result['listed']['statuses']}, positions once each:"
        f" {result['listed']['positions_ok']}"
    )
    lines.append(f"Expected {result['expected']}, no failure: {'correct' if result['correct'] else 'WRONG'}")
    for failure in registrations["failures"]:
        lines.append(f"  failed: {failure}")
    lines += harness.cpu_notes([registrations])
    return "\n".join(lines)


def main() -> int:
    options = parse_options()
    with harness.bench_workdir() as workdir:
        env = harness.server_environment(workdir, options.database_url)
        settings = load_settings(env)
        run = {
            **harness.run_header(options.database_url, is_sqlite=settings.is_sqlite),
            "people": options.people,
            "places": options.places,
            **harness.machine(),
        }
        with live_server.running_server(workdir, env) as server:
            measured = asyncio.run(run_benchmark(server, options, env["TESSERA_DATABASE_URL"]))
    result = {"run": run, **measured, "within_target": measured["correct"]}
    return harness.report(result, options, format_table, per_database_kind=True)


if __name__ == "__main__":
    sys.exit(main())
