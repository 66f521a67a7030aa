"""Forum reading: how many pages a second does Tessera serve a member, and what does finding them cost?

A young person reads the forum a page at a time: a long topic through
GET /api/v1/forum/topics/{id}, oldest posts first, and a busy category through
GET /api/v1/forum/topics?category=..., pinned topics first, then the most recently active. Both
follow the answer's next_cursor. This benchmark measures them from the outside, against a real
server process on 127.0.0.1, each beside a bare route of the same app (bench/bare_app.py) that
takes the same query and answers with a page of the same shape and size, built at start-up:

- pages per second and p50/p99 a page reading a topic of 1,000 visible posts (300-800
  characters of lightly formatted text each), 50 a page, from the first page to the last;
- the same listing a category of 10,000 visible topics, its first 40 pages one after another;
- the same for single pages deep in that category (about the 9,000th topic on), reached
  through a cursor, against the same bare route.

Beside pages per second, the server's CPU time a page: on a machine others share, it moves
less than the rates do. The bare topic page carries HTML rendered once at start-up, so the
Markdown rendering the real route does on every request counts as the real route's work.

The forum is written straight into the database with bulk inserts once the server has migrated
it, beside a few posts and topics a reader must not see (waiting for or hidden by a youth
worker); the reader is a young member of platform DE who wrote none of it. Before timing, one
walk checks that every visible post and topic comes back exactly once, in order, and no other.

The working goal: every real route passes at least a third of the pages its bare route does.
The benchmark reports and does not judge: the exit code is 0 unless the run itself breaks, or,
with --check, 1 when a ratio is under that goal, a request failed or the walk found the wrong
posts or topics.

    python bench/forum_reading.py [--seconds 6] [--clients 4] [--database-url postgresql+asyncpg://...]

It prints a table and writes bench/results/forum_reading.json, one entry per database kind
(sqlite, postgresql), so that a run on each keeps both. On PostgreSQL the run makes a
new database named bench_forum_<random> on the server --database-url points at (the database
named there is only connected to, never changed), runs against it and drops it at the end, so
the role needs CREATEDB. Other ``TESSERA_*`` variables in the environment reach the server.
Client and server share the machine's cores: compare figures between runs on one machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import random
import secrets
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import harness
import httpx
import live_server
import msgspec
import sqlalchemy as sa
from bare_app import BARE_TOPICS, FORUM_PAGE_SIZE, forum_post_body, forum_topic_title
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sync_notes import (
    SignedIn,
    bare_app_environment,
    serve_bare_app,
    signed_in,
)

from server.accounts.models import User
from server.db import create_engine
from server.forum.formatting import render_post
from server.forum.models import Category, Post, Topic
from server.pagination import encode_cursor
from server.settings import load_settings

TARGET_RATIO = 0.33
RESULTS_FILE = harness.RESULTS_DIR / "forum_reading.json"
TOPICS = "/api/v1/forum/topics"
POSTS_IN_TOPIC = 1_000
TOPICS_IN_CATEGORY = 10_000
PINNED_TOPICS = 2
# Beside the visible ones, this share again waits for a youth worker or was hidden by one:
# the reader's queries must pass them over.
UNSEEN_SHARE = 0.05
LIST_PAGES = 40
# Where the deep pages start, counted in the category's unpinned topics, newest first.
DEEP_POSITIONS = range(8_000, 9_500, 100)
WRITERS = 4
INSERT_BATCH = 1_000
WARM_UP_WALKS = 1


@dataclass(frozen=True)
class Phase:
    """One timed stretch of reading: a route, real or bare, walked a number of pages at a time."""

    name: str
    route: str
    kind: str  # "topic" (posts of one topic) or "list" (a category's topics)
    path: str
    pages_a_walk: int
    deep: bool = False


@dataclass(frozen=True)
class Forum:
    """What the seeding made: where to read, and what a full walk must find."""

    category_id: uuid.UUID
    topic_id: uuid.UUID
    # In the order the reader must get them: posts oldest first; pinned topics, then the others
    # by their latest post, newest first.
    posts_in_order: list[uuid.UUID]
    topics_in_order: list[uuid.UUID]
    deep_cursors: list[str]
    rows: dict[str, int]
    seconds: float


class Listed(msgspec.Struct):
    id: uuid.UUID


class Page(msgspec.Struct):
    items: list[Listed]
    next_cursor: str | None


class TopicAnswer(msgspec.Struct):
    posts: Page


PAGE = msgspec.json.Decoder(Page)
TOPIC_ANSWER = msgspec.json.Decoder(TopicAnswer)


@dataclass
class Tally:
    """What came of one phase's requests."""

    pages: int = 0
    items: int = 0
    failed_requests: int = 0
    latencies: list[float] = field(default_factory=list)
    body_bytes: int = 0
    wire_bytes: int = 0
    first_problem: str | None = None

    def record(self, kind: str, response: httpx.Response | None, seconds: float) -> Page | None:
        """The page read from the answer; None when the request failed."""
        self.latencies.append(seconds)
        if response is None or response.status_code != 200:
            self.failed_requests += 1
            if self.first_problem is None:
                self.first_problem = (
                    "timeout" if response is None else f"HTTP {response.status_code}: {response.text[:300]}"
                )
            return None
        page = (
            TOPIC_ANSWER.decode(response.content).posts if kind == "topic" else PAGE.decode(response.content)
        )
        self.pages += 1
        self.items += len(page.items)
        self.body_bytes += len(response.content)
        self.wire_bytes += response.num_bytes_downloaded
        return page

    def extend(self, other: Tally) -> None:
        self.pages += other.pages
        self.items += other.items
        self.failed_requests += other.failed_requests
        self.latencies.extend(other.latencies)
        self.body_bytes += other.body_bytes
        self.wire_bytes += other.wire_bytes
        self.first_problem = self.first_problem or other.first_problem


def parse_options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="length of each phase (default 6)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent readers (default 4)")
    harness.add_database_option(
        parser,
        "a PostgreSQL server to make a fresh bench_forum_* database on, e.g. "
        "$TESSERA_TEST_POSTGRES_URL (default: a temporary SQLite file)",
    )
    harness.add_output_option(parser, RESULTS_FILE)
    parser.add_argument(
        "--check",
        action="store_true",
        help=f"exit 1 when a real route passes under {TARGET_RATIO:g} of its bare route's pages, "
        "a request fails or a walk finds the wrong posts or topics",
    )
    options = parser.parse_args()
    if options.seconds <= 0 or options.clients < 1:
        parser.error("--seconds and --clients must be positive")
    return options


def phases() -> list[Phase]:
    topic_path = f"{TOPICS}/{{topic_id}}"
    bare_topic_path = f"{BARE_TOPICS}/{{topic_id}}"
    topic_pages = POSTS_IN_TOPIC // FORUM_PAGE_SIZE
    # Each bare route just before its real one. The deep pages have no bare phase of their own:
    # the bare route answers any cursor with the same page.
    return [
        Phase("topic_bare", f"GET {bare_topic_path}", "topic", bare_topic_path, topic_pages),
        Phase("topic_real", f"GET {topic_path}", "topic", topic_path, topic_pages),
        Phase("list_bare", f"GET {BARE_TOPICS}", "list", BARE_TOPICS, LIST_PAGES),
        Phase("list_real", f"GET {TOPICS}", "list", TOPICS, LIST_PAGES),
        Phase("deep_real", f"GET {TOPICS} (deep)", "list", TOPICS, 1, deep=True),
    ]


# The database


@contextlib.asynccontextmanager
async def fresh_database(database_url: str | None) -> AsyncIterator[str | None]:
    """None for SQLite; on PostgreSQL, the URL of a new database on that server, dropped afterwards."""
    if database_url is None:
        yield None
        return
    server_url = make_url(database_url)
    if server_url.get_backend_name() != "postgresql":
        raise SystemExit("--database-url must be a PostgreSQL URL (SQLite is the default)")
    name = f"bench_forum_{secrets.token_hex(4)}"
    await run_on_server(server_url, f'CREATE DATABASE "{name}"')
    try:
        yield server_url.set(database=name).render_as_string(hide_password=False)
    finally:
        # The server has stopped by now; FORCE ends a connection some crash may have left.
        await run_on_server(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def run_on_server(server_url: URL, statement: str) -> None:
    # CREATE and DROP DATABASE refuse to run inside a transaction.
    engine = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(sa.text(statement))
    finally:
        await engine.dispose()


# The forum


def spread_backwards(
    rng: random.Random, latest: dt.datetime, count: int, mean_minutes: float
) -> list[dt.datetime]:
    """`count` moments before `latest`, newest first, a random few minutes apart."""
    moments = []
    at = latest
    for _ in range(count):
        at -= dt.timedelta(seconds=rng.expovariate(1 / (mean_minutes * 60)) + 1)
        moments.append(at)
    return moments


def unseen_status(rng: random.Random) -> tuple[str, str | None]:
    return rng.choice((("pending", "new_member"), ("pending", "personal_information"), ("hidden", "reports")))


def new_id(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def forum_rows(
    rng: random.Random, category_id: uuid.UUID, writer_ids: list[uuid.UUID]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], uuid.UUID]:
    """Topics and posts as the server stores them, and the id of the long topic."""
    now = dt.datetime.now(dt.UTC)
    unseen_topics = round(TOPICS_IN_CATEGORY * UNSEEN_SHARE)
    # The category, newest activity first; the long topic had the latest reply.
    activity = spread_backwards(rng, now - dt.timedelta(minutes=1), TOPICS_IN_CATEGORY + unseen_topics, 8)
    unseen_at = set(rng.sample(range(1, len(activity)), unseen_topics))
    pinned_at = set(rng.sample([n for n in range(1, len(activity)) if n not in unseen_at], PINNED_TOPICS))
    topics: list[dict[str, Any]] = []
    posts: list[dict[str, Any]] = []
    long_topic_id = new_id(rng)
    for number, last_post_at in enumerate(activity):
        status, held_for = unseen_status(rng) if number in unseen_at else ("visible", None)
        topic_id = long_topic_id if number == 0 else new_id(rng)
        author_id = rng.choice(writer_ids)
        first_post_id = new_id(rng)
        created_at = last_post_at if number else last_post_at - dt.timedelta(days=45)
        topics.append(
            {
                "id": topic_id,
                "category_id": category_id,
                "author_id": author_id,
                "title": forum_topic_title(rng),
                "language": "de",
                "status": status,
                "first_post_id": first_post_id,
                "is_pinned": number in pinned_at,
                "is_locked": False,
                "reply_count": POSTS_IN_TOPIC - 1 if number == 0 else 0,
                "created_at": created_at,
                "last_post_at": last_post_at,
            }
        )
        posts.append(post_row(rng, first_post_id, topic_id, author_id, created_at, status, held_for))
    # The long topic's replies, oldest first, and a few the reader must not see among them.
    replies = POSTS_IN_TOPIC - 1
    unseen_replies = round(POSTS_IN_TOPIC * UNSEEN_SHARE)
    moments = sorted(
        spread_backwards(rng, activity[0] + dt.timedelta(seconds=1), replies + unseen_replies, 40)
    )
    unseen_reply_at = set(rng.sample(range(len(moments) - 1), unseen_replies))
    for number, created_at in enumerate(moments):
        status, held_for = unseen_status(rng) if number in unseen_reply_at else ("visible", None)
        author_id = rng.choice(writer_ids)
        posts.append(post_row(rng, new_id(rng), long_topic_id, author_id, created_at, status, held_for))
    # Rows arrive in the order they were written, not in the order the reader asks for them.
    topics.sort(key=lambda row: row["created_at"])
    posts.sort(key=lambda row: row["created_at"])
    return topics, posts, long_topic_id


def post_row(
    rng: random.Random,
    post_id: uuid.UUID,
    topic_id: uuid.UUID,
    author_id: uuid.UUID,
    created_at: dt.datetime,
    status: str,
    held_for: str | None,
) -> dict[str, Any]:
    return {
        "id": post_id,
        "topic_id": topic_id,
        "author_id": author_id,
        "body": (body := forum_post_body(rng)),
        "body_html": render_post(body),
        "language": "de",
        "status": status,
        "held_for": held_for,
        "created_at": created_at,
        "edited_at": None,
    }


def batches(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), INSERT_BATCH):
        yield rows[start : start + INSERT_BATCH]


async def seed_forum(database_url: str, writers: list[str]) -> Forum:
    """Bulk-insert the category's topics and the long topic's posts into the migrated database."""
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            category_id = await connection.scalar(
                sa.select(Category.id)
                .where(Category.platform_code == "DE")
                .order_by(Category.position, Category.id)
                .limit(1)
            )
            if category_id is None:
                raise RuntimeError("the migrations seeded no forum category for platform DE")
            writer_ids = list(
                (await connection.scalars(sa.select(User.id).where(User.username.in_(writers)))).all()
            )
        if len(writer_ids) != len(writers):
            raise RuntimeError(f"found {len(writer_ids)} of the {len(writers)} writers just created")
        # The same forum on every run, so runs differ only in what the server does with it.
        topics, posts, long_topic_id = forum_rows(random.Random(2025), category_id, sorted(writer_ids))
        started = time.perf_counter()
        for table, rows in ((Topic, topics), (Post, posts)):
            for batch in batches(rows):
                async with engine.begin() as connection:
                    await connection.execute(sa.insert(table), batch)
        if engine.dialect.name == "postgresql":
            # Autovacuum would soon gather the statistics of tables this size; the query plans
            # should not depend on whether it got there yet.
            async with engine.begin() as connection:
                for table_name in ("forum_topics", "forum_posts"):
                    await connection.execute(sa.text(f"ANALYZE {table_name}"))
        seconds = time.perf_counter() - started
    finally:
        await engine.dispose()
    visible_topics = [row for row in topics if row["status"] == "visible"]
    newest_first = sorted(visible_topics, key=lambda row: (row["last_post_at"], row["id"]), reverse=True)
    unpinned = [row for row in newest_first if not row["is_pinned"]]
    visible_posts = sorted(
        (row for row in posts if row["topic_id"] == long_topic_id and row["status"] == "visible"),
        key=lambda row: (row["created_at"], row["id"]),
    )
    return Forum(
        category_id=category_id,
        topic_id=long_topic_id,
        posts_in_order=[row["id"] for row in visible_posts],
        topics_in_order=[row["id"] for row in newest_first if row["is_pinned"]]
        + [row["id"] for row in unpinned],
        # A cursor names the last topic of the page before: the page starts at the position.
        deep_cursors=[
            encode_cursor(unpinned[position - 1]["last_post_at"], unpinned[position - 1]["id"])
            for position in DEEP_POSITIONS
        ],
        rows={"topics": len(topics), "posts": len(posts)},
        seconds=round(seconds, 2),
    )


async def create_people(server: live_server.Server) -> tuple[list[str], str]:
    """A few young writers and the young reader, on platform DE, made with `tessera create-user`."""
    suffix = secrets.token_hex(3)
    writers = [f"bench_writer{number}_{suffix}" for number in range(WRITERS)]
    reader = f"bench_reader_{suffix}"
    await harness.create_users(server, {**dict.fromkeys(writers, "youth"), reader: "youth"})
    return writers, reader


# The load


def query(phase: Phase, forum: Forum, cursor: str | None) -> dict[str, str | int]:
    params: dict[str, str | int] = {"limit": FORUM_PAGE_SIZE}
    if phase.kind == "list":
        params["category"] = str(forum.category_id)
    if cursor:
        params["cursor"] = cursor
    return params


async def walk(
    client: httpx.AsyncClient,
    phase: Phase,
    forum: Forum,
    tally: Tally,
    turn: int,
    deadline: float = float("inf"),
    pages: int | None = None,
) -> list[uuid.UUID]:
    """One reader's walk from the first page (or a deep one) on; the ids of what it read."""
    path = phase.path.format(topic_id=forum.topic_id)
    cursor = forum.deep_cursors[turn % len(forum.deep_cursors)] if phase.deep else None
    seen: list[uuid.UUID] = []
    for _ in range(pages or phase.pages_a_walk):
        response, seconds = await harness.timed_request(
            client, "GET", path, params=query(phase, forum, cursor)
        )
        page = tally.record(phase.kind, response, seconds)
        if page is None:
            break
        seen.extend(item.id for item in page.items)
        cursor = page.next_cursor
        if cursor is None or time.perf_counter() >= deadline:
            break
    return seen


async def keep_walking(
    client: httpx.AsyncClient, phase: Phase, forum: Forum, first: int, deadline: float
) -> Tally:
    tally = Tally()
    turn = first
    while time.perf_counter() < deadline:
        await walk(client, phase, forum, tally, turn, deadline)
        turn += 1
    return tally


async def check_walks(session: SignedIn, forum: Forum) -> dict[str, Any]:
    """Reads the whole topic and the whole category once: exactly the visible, in order, once each?"""
    by_name = {phase.name: phase for phase in phases()}
    topic, listing = Tally(), Tally()
    async with session.client() as client:
        posts = await walk(client, by_name["topic_real"], forum, topic, 0, pages=POSTS_IN_TOPIC)
        topics = await walk(client, by_name["list_real"], forum, listing, 0, pages=TOPICS_IN_CATEGORY)
    return {
        "topic_pages": topic.pages,
        "posts_read": len(posts),
        "posts_as_expected": posts == forum.posts_in_order,
        "category_pages": listing.pages,
        "topics_listed": len(topics),
        "topics_as_expected": topics == forum.topics_in_order,
        "failed_requests": topic.failed_requests + listing.failed_requests,
        "first_problem": topic.first_problem or listing.first_problem,
    }


async def warm_up(clients: list[httpx.AsyncClient], phase: Phase, forum: Forum) -> None:
    # First requests pay for connections, lazy loading and a cold page cache; none of that is
    # what we measure.
    for number, client in enumerate(clients):
        for turn in range(WARM_UP_WALKS):
            tally = Tally()
            await walk(client, phase, forum, tally, number + turn)
            if tally.failed_requests:
                raise RuntimeError(f"{phase.route} failed without load: {tally.first_problem}")


async def measure_phase(
    server: live_server.Server, session: SignedIn, phase: Phase, forum: Forum, options: argparse.Namespace
) -> dict[str, Any]:
    async with contextlib.AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(session.client()) for _ in range(options.clients)]
        await warm_up(clients, phase, forum)
        cpu = harness.CpuUse(server.process.pid)
        started = time.perf_counter()
        deadline = started + options.seconds
        # Each deep reader starts at another cursor.
        tallies = await asyncio.gather(
            *(
                keep_walking(
                    client, phase, forum, number * len(forum.deep_cursors) // options.clients, deadline
                )
                for number, client in enumerate(clients)
            )
        )
        # Requests in flight at the deadline still finish, so time runs until the last one has.
        elapsed = time.perf_counter() - started
        cpu_figures = cpu.figures(elapsed)
        server_cpu = cpu_figures["server_cpu"]
    tally = Tally()
    for each in tallies:
        tally.extend(each)
    return {
        "route": phase.route,
        "clients": options.clients,
        "pages_a_walk": phase.pages_a_walk,
        "seconds": round(elapsed, 2),
        "pages": tally.pages,
        "items": tally.items,
        "failed_requests": tally.failed_requests,
        "first_problem": tally.first_problem,
        "pages_per_second": round(tally.pages / elapsed, 1),
        **harness.percentiles_ms(tally.latencies, (50, 99)),
        "kb_a_page": round(tally.body_bytes / tally.pages / 1024, 1) if tally.pages else None,
        "wire_kb_a_page": round(tally.wire_bytes / tally.pages / 1024, 1) if tally.pages else None,
        **cpu_figures,
        # What the server spent on a page whoever else wanted the cores: steadier than pages/s
        # on a busy machine.
        "server_cpu_ms_a_page": round(server_cpu * elapsed / tally.pages * 1000, 2)
        if server_cpu is not None and tally.pages
        else None,
    }


# The report


def ratio(real: float | None, bare: float | None) -> float | None:
    return round(real / bare, 3) if real is not None and bare else None


def compare(measured: dict[str, Any]) -> dict[str, dict[str, float | None]]:
    """Real against bare: pages/s (higher is better for the real route), p99 and CPU a page (lower is)."""
    pairs = {
        "topic": ("topic_real", "topic_bare"),
        "list": ("list_real", "list_bare"),
        "deep": ("deep_real", "list_bare"),
    }
    return {
        name: {
            "pages_per_second": ratio(measured[real]["pages_per_second"], measured[bare]["pages_per_second"]),
            "p99": ratio(measured[real]["p99_ms"], measured[bare]["p99_ms"]),
            "server_cpu_a_page": ratio(
                measured[real]["server_cpu_ms_a_page"], measured[bare]["server_cpu_ms_a_page"]
            ),
        }
        for name, (real, bare) in pairs.items()
    }


def judge(result: dict[str, Any]) -> dict[str, bool]:
    walks = result["walks"]
    return {
        **{
            f"{name}_ratio": figures["pages_per_second"] is not None
            and figures["pages_per_second"] >= TARGET_RATIO
            for name, figures in result["ratios"].items()
        },
        "every_request_answered": walks["failed_requests"] == 0
        and all(not phase["failed_requests"] for phase in result["phases"].values()),
        "walks_found_what_is_visible": walks["posts_as_expected"] and walks["topics_as_expected"],
    }


def describe_run(
    options: argparse.Namespace, env: dict[str, str], database_url: str | None
) -> dict[str, Any]:
    settings = load_settings(env)
    return {
        **harness.run_header(database_url, is_sqlite=settings.is_sqlite),
        "seconds_per_phase": options.seconds,
        "clients": options.clients,
        "page_size": FORUM_PAGE_SIZE,
        "posts_in_topic": POSTS_IN_TOPIC,
        "topics_in_category": TOPICS_IN_CATEGORY,
        "pinned_topics": PINNED_TOPICS,
        "unseen_share": UNSEEN_SHARE,
        "list_pages_a_walk": LIST_PAGES,
        "deep_positions": [DEEP_POSITIONS.start, DEEP_POSITIONS.stop - DEEP_POSITIONS.step],
        **harness.machine(),
    }


def format_table(result: dict[str, Any]) -> str:
    run, forum, walks = result["run"], result["forum"], result["walks"]
    lines = [
        f"Forum reading: a topic of {run['posts_in_topic']:,} posts and a category of "
        f"{run['topics_in_category']:,} topics, {run['page_size']} a page, as a young member of DE",
        f"Database: {run['database']} ({forum['rows']['topics']:,} topic and {forum['rows']['posts']:,} post "
        f"rows seeded in {forum['seconds']:.1f} s)",
        f"{run['cpus']} CPUs; {run['seconds_per_phase']:g} s a phase; {run['clients']} readers",
        "",
        f"{'phase':<12}{'route':<38}{'pages':>7}{'failed':>7}{'pages/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'KB/page':>9}{'CPU ms/page':>12}{'server':>8}{'client':>8}{'others':>8}",
    ]
    for name, phase in result["phases"].items():
        figures = harness.figure_cells(
            phase,
            (
                ("pages_per_second", 9, 1),
                ("p50_ms", 9, 1),
                ("p99_ms", 9, 1),
                ("kb_a_page", 9, 1),
                ("server_cpu_ms_a_page", 12, 1),
                ("server_cpu", 8, 2),
                ("client_cpu", 8, 2),
                ("others_cpu", 8, 2),
            ),
        )
        lines.append(
            f"{name:<12}{phase['route']:<38}{phase['pages']:>7}{phase['failed_requests']:>7}{figures}"
            + (" *" if phase["client_bound"] else "")
        )
    lines.append("")
    for name, label in (
        ("topic", "Topic pages"),
        ("list", "Category pages"),
        ("deep", "Deep category pages"),
    ):
        figures = result["ratios"][name]
        throughput, p99, cpu = figures["pages_per_second"], figures["p99"], figures["server_cpu_a_page"]
        met = result["targets"][f"{name}_ratio"]
        lines.append(
            f"{label}, real / bare: {'-' if throughput is None else f'{throughput:.2f}'} of the pages/s "
            f"(goal >= {TARGET_RATIO:g}: {'met' if met else 'MISSED'}), "
            f"p99 {'-' if p99 is None else f'{p99:.1f}'}x, server CPU a page "
            f"{'-' if cpu is None else f'{cpu:.1f}'}x"
        )
    lines.append(
        "(server, client, others: cores in use during the phase; CPU ms/page: the server's CPU time a page)"
    )
    lines.append(
        f"Checked once through: {walks['posts_read']:,} posts in {walks['topic_pages']} pages "
        f"({'as expected' if walks['posts_as_expected'] else 'NOT the visible posts in order'}), "
        f"{walks['topics_listed']:,} topics in {walks['category_pages']} pages "
        f"({'as expected' if walks['topics_as_expected'] else 'NOT the visible topics in order'})"
    )
    lines += harness.cpu_notes(result["phases"].values())
    problems = [
        f"  {phase['route']}: {phase['failed_requests']} failed; first: {phase['first_problem']}"
        for phase in result["phases"].values()
        if phase["failed_requests"]
    ]
    if walks["failed_requests"]:
        problems.append(
            f"  the checking walk: {walks['failed_requests']} failed; first: {walks['first_problem']}"
        )
    if problems:
        lines += ["Failed requests:", *problems]
    return "\n".join(lines)


async def run_benchmark(
    server: live_server.Server, options: argparse.Namespace, database_url: str
) -> tuple[Forum, dict[str, Any], dict[str, Any]]:
    await asyncio.to_thread(live_server.wait_until_healthy, server)
    writers, reader = await create_people(server)
    forum = await seed_forum(database_url, writers)
    session = await signed_in(server, reader)
    walks = await check_walks(session, forum)
    measured = {}
    for phase in phases():
        measured[phase.name] = await measure_phase(server, session, phase, forum, options)
    return forum, walks, measured


async def run_on_fresh_database(options: argparse.Namespace) -> dict[str, Any]:
    async with fresh_database(options.database_url) as database_url:
        with harness.bench_workdir() as workdir:
            env = bare_app_environment(workdir, database_url)
            # Read the settings as the server will, so a bad TESSERA_* value stops us before it starts.
            run = describe_run(options, env, database_url)
            with live_server.running_server(workdir, env, serve_bare_app, cwd=harness.REPO_ROOT) as server:
                forum, walks, measured = await run_benchmark(server, options, env["TESSERA_DATABASE_URL"])
    return {
        "run": run,
        "forum": {"rows": forum.rows, "seconds": forum.seconds},
        "walks": walks,
        "phases": measured,
    }


def main() -> int:
    options = parse_options()
    result = asyncio.run(run_on_fresh_database(options))
    result["ratios"] = compare(result["phases"])
    result["target_ratio"] = TARGET_RATIO
    result["targets"] = judge(result)
    result["within_target"] = all(result["targets"].values())
    return harness.report(result, options, format_table, per_database_kind=True)


if __name__ == "__main__":
    sys.exit(main())
