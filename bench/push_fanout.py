"""Web Push fan-out: how fast does one notification reach 1,000 devices through the outbox?

One notification goes to 1,000 people with a device each (the size of an announcement to a
platform). It is measured two ways in the same run, against the same push service on
127.0.0.1 (tests/push/push_service.py: it checks each message's VAPID signature, and with
--decrypt decrypts every body too):

- baseline: a bare loop of pywebpush sends of the same payload to the same 1,000
  subscriptions, with the same number of sends in flight, keeping no record;
- outbox: `notify()` commits the notification and its 1,000 outbox rows, and the delivery
  worker that `tessera serve` and `tessera worker` run (woken by the commit, as in serve)
  claims them with leases, encrypts, signs, posts and records each answer.

Deliveries per second are counted from the start (the commit, for the outbox) to the moment
the push service has accepted the last message; the outbox figure also gives the time until
the last acceptance is recorded in the database. The target: the outbox keeps at least half
the baseline's rate (what durability, leases and records may cost). Exit code 0 unless the
run breaks, or with --check, 1 when the target is missed or a message was not delivered once.

    python bench/push_fanout.py [--devices 1000] [--rounds 3] [--concurrency 16] [--decrypt] [--database-url postgresql+asyncpg://...]

It prints a table and writes bench/results/push_fanout.json. The worker runs in this process
(as inside `tessera serve`), the push service in threads of it: all share the machine's cores,
so compare figures between runs on one machine. Never point --database-url at a database with
real people in it: the run adds a thousand accounts and leaves them there.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import harness
import msgspec
import requests
import sqlalchemy as sa
from pywebpush import webpush
from requests.adapters import HTTPAdapter

from server.accounts.models import User
from server.db import create_engine, create_sessionmaker, migrate, unit_of_work, utcnow
from server.i18n import SUPPORTED_LOCALES
from server.notifications.service import notify, title
from server.push.delivery import PushDelivery
from server.push.keys import b64url, current_vapid
from server.push.models import PushMessage, PushSubscription
from server.push.service import origin_of
from server.settings import load_settings

# The push service the tests use lives in tests/; this runs from a checkout, where it is.
sys.path.insert(0, str(harness.REPO_ROOT))
from tests.push.push_service import PushService

TARGET_RATIO = 0.5
RESULTS_FILE = harness.RESULTS_DIR / "push_fanout.json"


def parse_options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, default=1000, help="subscriptions reached (default 1000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each, the median kept (default 3)")
    parser.add_argument("--concurrency", type=int, default=16, help="sends in flight (default 16)")
    parser.add_argument("--decrypt", action="store_true", help="the push service decrypts every message")
    harness.add_database_option(parser)
    harness.add_output_option(parser, RESULTS_FILE)
    parser.add_argument(
        "--check", action="store_true", help=f"exit 1 under {TARGET_RATIO:g} of the baseline's rate"
    )
    options = parser.parse_args()
    if options.devices < 1 or options.rounds < 1 or options.concurrency < 1:
        parser.error("--devices, --rounds and --concurrency must be positive")
    return options


async def make_people(db_sessionmaker: Any, service: PushService, devices: int) -> list[uuid.UUID]:
    """People with a device each, in every language, written as rows: no hashing, no requests."""
    now = utcnow()
    people, subscriptions = [], []
    for number in range(devices):
        person = uuid.uuid4()
        device = service.new_device()
        keys = device.subscription()["keys"]
        people.append(
            {
                "id": person,
                "username": f"fan{number}",
                "username_key": f"fan{number}-{person.hex[:8]}",
                "role": "youth",
                "language": SUPPORTED_LOCALES[number % len(SUPPORTED_LOCALES)],
                "status": "active",
                "session_epoch": 0,
                "created_at": now,
            }
        )
        subscriptions.append(
            {
                "id": uuid.uuid4(),
                "user_id": person,
                "endpoint": device.endpoint,
                "p256dh": keys["p256dh"],
                "auth": keys["auth"],
                "created_at": now,
                "updated_at": now,
            }
        )
    async with db_sessionmaker() as db:
        await db.execute(sa.insert(User), people)
        await db.execute(sa.insert(PushSubscription), subscriptions)
        await db.commit()
    return [row["id"] for row in people]


def baseline_round(
    service: PushService, subscriptions: list[dict[str, Any]], vapid: Any, settings: Any, concurrency: int
) -> float:
    """Seconds for a bare loop of pywebpush sends to every subscription, `concurrency` at once."""
    http = requests.Session()
    adapter = HTTPAdapter(pool_connections=8, pool_maxsize=concurrency)
    http.mount("http://", adapter)
    payload = msgspec.json.encode(
        {"id": str(uuid.uuid4()), "title": title("topic_reply", {}).render("en"), "url": "/#/forum"}
    ).decode()

    def send(subscription: dict[str, Any]) -> None:
        webpush(
            subscription,
            payload,
            vapid_private_key=vapid,
            vapid_claims={
                "sub": settings.push_subject,
                "aud": origin_of(subscription["endpoint"]) or "",
                "exp": int(time.time()) + 12 * 3600,
            },
            ttl=settings.push_ttl_seconds,
            headers={"Topic": b64url(uuid.uuid4().bytes), "Urgency": "normal"},
            timeout=10,
            requests_session=http,
        )

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(send, subscriptions))
    elapsed = time.perf_counter() - started
    http.close()
    return elapsed


async def outbox_round(
    db_sessionmaker: Any, service: PushService, delivery: PushDelivery, people: list[uuid.UUID]
) -> dict[str, float]:
    """Seconds from the commit of one notification to the last acceptance, and to the last record."""
    expected = len(service.received) + len(people)
    worker = asyncio.create_task(run_worker(delivery))
    await asyncio.sleep(0.2)  # the worker is waiting for work, as in a quiet server
    started = time.perf_counter()
    async with unit_of_work(db_sessionmaker) as db:
        await notify(db, recipient_ids=people, event="topic_reply", link="/#/forum")
    committed = time.perf_counter() - started
    while len(service.received) < expected:  # noqa: ASYNC110 - counted in the service's threads
        await asyncio.sleep(0.005)
    accepted = time.perf_counter() - started
    while True:
        async with db_sessionmaker() as db:
            unsent = await db.scalar(
                sa.select(sa.func.count()).select_from(PushMessage).where(PushMessage.sent_at.is_(None))
            )
        if not unsent:
            break
        await asyncio.sleep(0.05)
    recorded = time.perf_counter() - started
    worker.cancel()
    await asyncio.gather(worker, return_exceptions=True)
    return {"notify_seconds": committed, "accepted_seconds": accepted, "recorded_seconds": recorded}


async def run_worker(delivery: PushDelivery) -> None:
    while True:
        await delivery.run_round()


async def run_benchmark(options: argparse.Namespace, database_url: str) -> dict[str, Any]:
    settings = load_settings(
        {"TESSERA_DATABASE_URL": database_url, "TESSERA_PUSH_CONCURRENCY": str(options.concurrency)}
    )
    engine = create_engine(database_url)
    await migrate(engine)
    db_sessionmaker = create_sessionmaker(engine)
    with PushService(decrypt=options.decrypt) as service:
        settings = msgspec.structs.replace(settings, push_allowed_origins=service.origin)
        people = await make_people(db_sessionmaker, service, options.devices)
        async with db_sessionmaker() as db:
            vapid = await current_vapid(db, settings)
            await db.commit()
            rows = (
                await db.execute(
                    sa.select(PushSubscription.endpoint, PushSubscription.p256dh, PushSubscription.auth)
                )
            ).all()
        subscriptions = [{"endpoint": e, "keys": {"p256dh": p, "auth": a}} for e, p, a in rows]
        delivery = PushDelivery(db_sessionmaker, settings)
        baseline, outbox = [], []
        for _ in range(options.rounds):
            baseline.append(
                await asyncio.to_thread(
                    baseline_round, service, subscriptions, vapid, settings, options.concurrency
                )
            )
            outbox.append(await outbox_round(db_sessionmaker, service, delivery, people))
        delivery.close()
        errors = list(service.errors)
        topics = [item.topic for item in service.received]
    await engine.dispose()
    baseline_seconds = statistics.median(baseline)
    accepted_seconds = statistics.median(round_["accepted_seconds"] for round_ in outbox)
    recorded_seconds = statistics.median(round_["recorded_seconds"] for round_ in outbox)
    expected_posts = 2 * options.devices * options.rounds
    return {
        "baseline": {"seconds": baseline, "deliveries_per_second": options.devices / baseline_seconds},
        "outbox": {
            "rounds": outbox,
            "deliveries_per_second": options.devices / accepted_seconds,
            "recorded_per_second": options.devices / recorded_seconds,
            "notify_seconds": statistics.median(round_["notify_seconds"] for round_ in outbox),
        },
        "ratio": baseline_seconds / accepted_seconds,
        "push_service_errors": errors[:5],
        "delivered_once": len(topics) == expected_posts and len(set(topics)) == expected_posts,
    }


def format_table(result: dict[str, Any]) -> str:
    run, measured = result["run"], result["measured"]
    baseline, outbox = measured["baseline"], measured["outbox"]
    met = measured["ratio"] >= TARGET_RATIO
    return "\n".join(
        [
            f"Web Push fan-out: one notification to {run['devices']:,} devices, {run['concurrency']} sends in flight, "
            f"median of {run['rounds']} rounds; push service decrypts: {run['decrypt']}",
            f"Database: {run['database']}; {run['cpus']} CPUs",
            "",
            f"{'path':<44}{'deliveries/s':>14}",
            f"{'baseline: bare pywebpush loop':<44}{baseline['deliveries_per_second']:>14,.0f}",
            f"{'outbox: commit to last acceptance':<44}{outbox['deliveries_per_second']:>14,.0f}",
            f"{'outbox: commit to last acceptance recorded':<44}{outbox['recorded_per_second']:>14,.0f}",
            "",
            f"notify() writing the notifications and {run['devices']:,} outbox rows: "
            f"{outbox['notify_seconds'] * 1000:,.0f} ms",
            f"Outbox / baseline: {measured['ratio']:.2f} (target >= {TARGET_RATIO:g}: {'met' if met else 'MISSED'})",
            "Every message delivered exactly once (distinct Topics): "
            + ("yes" if measured["delivered_once"] else "NO")
            + (
                f"; push service refused some: {measured['push_service_errors']}"
                if measured["push_service_errors"]
                else ""
            ),
        ]
    )


def main() -> int:
    options = parse_options()
    with harness.bench_workdir() as workdir:
        database_url = options.database_url or f"sqlite+aiosqlite:///{Path(workdir) / 'bench.db'}"
        measured = asyncio.run(run_benchmark(options, database_url))
    result: dict[str, Any] = {
        "run": {
            "started": harness.started_now(),
            "database": harness.describe_database(options.database_url),
            "devices": options.devices,
            "rounds": options.rounds,
            "concurrency": options.concurrency,
            "decrypt": options.decrypt,
            **harness.machine(),
        },
        "measured": measured,
        "target_ratio": TARGET_RATIO,
    }
    result["within_target"] = measured["ratio"] >= TARGET_RATIO and measured["delivered_once"]
    return harness.report(result, options, format_table)


if __name__ == "__main__":
    sys.exit(main())
