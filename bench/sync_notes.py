"""Field-note writes: how many notes a second does Tessera store, and what does storing cost?

Phones keep notes offline and send them in batches of up to 100 through POST /api/v1/sync;
the app saves a note on its own with PUT /api/v1/notes/{id}. This benchmark measures both from
the outside, against a real server process on 127.0.0.1, each beside a bare route of the same
app (bench/bare_app.py) that decodes the same body the same way and stores nothing:

- notes per second through POST /api/v1/sync and POST /bench/bare-sync, in batches of 100
  new notes of 1-2 KB each (free text and answers to the seeded interview guide);
- notes per second through PUT /api/v1/notes/{id} and PUT /bench/bare-notes/{id}.

The targets, from the issue: sync stores at least 10,000 notes/s on SQLite (judged on SQLite
only), and at least a third of what the bare route passes; single PUTs store at least 2,000
notes/s on SQLite with a p99 under 50 ms at --put-clients (8) clients. Every answer is checked, and a note
that is not "created" is counted and shown. The benchmark reports and does not judge: the exit
code is 0 unless the run itself breaks, or, with --check, 1 when a target is missed or a note
was not created.

    python bench/sync_notes.py [--seconds 8] [--sync-clients 4] [--put-clients 8] [--database-url postgresql+asyncpg://...]

It prints a table and writes bench/results/sync_notes.json. Other ``TESSERA_*`` variables in
the environment reach the server. Client and server share the machine's cores: compare figures
between runs on one machine. Never point --database-url at a database with real people in it:
the run adds an account and tens of thousands of notes, and leaves them there.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import random
import secrets
import statistics
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import harness
import httpx
import live_server
import msgspec

from server.notes.schemas import MAX_BATCH
from server.security import CSRF_HEADER
from server.settings import load_settings

TARGET_NOTES_PER_SECOND = 10_000
TARGET_RATIO = 0.33
TARGET_PUTS_PER_SECOND = 2_000
TARGET_PUT_P99_MS = 50
RESULTS_FILE = harness.RESULTS_DIR / "sync_notes.json"
# The real app and the bare routes of bench/bare_app.py, in one uvicorn process.
APP_FACTORY = "bench.bare_app:create"
# Distinct note contents the requests rotate over; only the ids are new in every request.
DISTINCT_NOTES = 8 * MAX_BATCH
# Where each note's id goes in a pre-encoded body: a UUID no generated note carries.
ID_GAP = "00000000-0000-4000-8000-000000000000"
WARM_UP_REQUESTS = 3


@dataclass(frozen=True)
class Phase:
    """One timed stretch of writes: a route, real or bare, and how many clients send to it."""

    name: str
    route: str
    kind: str  # "sync" or "put"
    path: str  # the sync route, or the notes route the id is appended to
    clients: int


@dataclass
class SignedIn:
    """What every client of a phase sends, as the app on a phone would: cookie and CSRF header."""

    base_url: str
    cookie: str
    csrf_token: str

    def client(self) -> httpx.AsyncClient:
        # The cookie as a plain header: httpx's cookie jar would cost the client a fifth of its
        # time a request, time the server on the same cores would not get.
        headers = {"Cookie": self.cookie, CSRF_HEADER: self.csrf_token, "Content-Type": "application/json"}
        return httpx.AsyncClient(base_url=self.base_url, timeout=harness.REQUEST_TIMEOUT, headers=headers)


@dataclass
class Bodies:
    """Request bodies encoded before the timing starts, split where each note's id goes.

    Joining the pieces with fresh ids costs a few microseconds a note, so the client spends
    its time sending rather than encoding JSON.
    """

    batches: list[list[bytes]]
    notes: list[list[bytes]]
    note_bytes: list[int]


class ItemResult(msgspec.Struct):
    id: str
    status: str
    error: str | None = None
    errors: list[dict[str, Any]] = []


class SyncAnswer(msgspec.Struct):
    results: list[ItemResult]


SYNC_ANSWER = msgspec.json.Decoder(SyncAnswer)


@dataclass
class Tally:
    """What came of one phase's requests: notes created, and what became of the others."""

    notes: int = 0
    requests: int = 0
    failed_requests: int = 0
    latencies: list[float] = field(default_factory=list)
    not_created: Counter[str] = field(default_factory=Counter)
    first_problem: str | None = None

    def refuse(self, reason: str, notes: int, detail: str) -> None:
        self.not_created[reason] += notes
        if self.first_problem is None:
            self.first_problem = f"{reason}: {detail[:300]}"

    def record_put(self, response: httpx.Response | None, seconds: float) -> None:
        self.requests += 1
        self.latencies.append(seconds)
        if response is not None and response.status_code == 201:
            self.notes += 1
            return
        self.failed_requests += 1
        if response is None:
            self.refuse("timeout", 1, "no answer")
        else:
            self.refuse(f"HTTP {response.status_code}", 1, response.text)

    def record_sync(self, response: httpx.Response | None, ids: list[str], seconds: float) -> None:
        self.requests += 1
        self.latencies.append(seconds)
        if response is None or response.status_code != 200:
            self.failed_requests += 1
            if response is None:
                self.refuse("timeout", len(ids), "no answer")
            else:
                self.refuse(f"HTTP {response.status_code}", len(ids), response.text)
            return
        try:
            results = SYNC_ANSWER.decode(response.content).results
        except msgspec.DecodeError as error:
            self.failed_requests += 1
            self.refuse("unreadable answer", len(ids), str(error))
            return
        answered = set()
        for result in results:
            answered.add(result.id)
            if result.status == "created":
                self.notes += 1
            else:
                self.refuse(result.status, 1, f"note {result.id}: {result.error} {result.errors}")
        # A note the answer does not mention at all is lost as surely as a refused one.
        if missing := sum(1 for note_id in ids if note_id not in answered):
            self.refuse("missing from the answer", missing, f"{missing} of {len(ids)} notes")

    def extend(self, other: Tally) -> None:
        self.notes += other.notes
        self.requests += other.requests
        self.failed_requests += other.failed_requests
        self.latencies.extend(other.latencies)
        self.not_created.update(other.not_created)
        self.first_problem = self.first_problem or other.first_problem


def parse_options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each phase (default 8)")
    parser.add_argument(
        "--sync-clients", type=int, default=4, help="concurrent clients sending batches (default 4)"
    )
    parser.add_argument(
        "--put-clients", type=int, default=8, help="concurrent clients sending single notes (default 8)"
    )
    harness.add_database_option(parser)
    harness.add_output_option(parser, RESULTS_FILE)
    parser.add_argument(
        "--check",
        action="store_true",
        help=f"exit 1 when sync stays under {TARGET_NOTES_PER_SECOND:,} notes/s (SQLite), under "
        f"{TARGET_RATIO:g} of the bare route, PUT under {TARGET_PUTS_PER_SECOND:,} notes/s or over "
        f"{TARGET_PUT_P99_MS} ms at p99 (SQLite), or a note is not created",
    )
    options = parser.parse_args()
    if options.seconds <= 0 or options.sync_clients < 1 or options.put_clients < 1:
        parser.error("--seconds, --sync-clients and --put-clients must be positive")
    return options


def phases(options: argparse.Namespace) -> list[Phase]:
    # Each bare route just before its real one, and PUT after sync: the PUTs meet a table that
    # already holds the synced notes, as a server in use would.
    return [
        Phase("sync_bare", "POST /bench/bare-sync", "sync", "/bench/bare-sync", options.sync_clients),
        Phase("sync_real", "POST /api/v1/sync", "sync", "/api/v1/sync", options.sync_clients),
        Phase("put_bare", "PUT /bench/bare-notes/{id}", "put", "/bench/bare-notes/", options.put_clients),
        Phase("put_real", "PUT /api/v1/notes/{id}", "put", "/api/v1/notes/", options.put_clients),
    ]


# The notes


# What a youth researcher might write after an interview, a sentence at a time.
SENTENCES = (
    "Wir haben uns nach der Schule in der Stadtbibliothek getroffen, weil es dort ruhig ist.",
    "Sie ist vor drei Jahren mit ihrer Mutter und ihrem jüngeren Bruder hierhergekommen.",
    "Am Anfang war die Sprache das Schwierigste, vor allem am Telefon und auf den Ämtern.",
    "In der Willkommensklasse hat sie schnell Freundinnen gefunden, die auch Arabisch sprechen.",
    "Sie erzählt, dass ihr Sportverein für sie wie eine zweite Familie geworden ist.",
    "Beim Wechsel auf die Regelschule fühlte sie sich zuerst allein und oft übersehen.",
    "Ihr Lieblingsfach ist Biologie, und sie möchte später in der Pflege arbeiten.",
    "Die Wohnung ist klein, deshalb macht sie ihre Hausaufgaben meistens im Jugendzentrum.",
    "Über Diskriminierung wollte sie zuerst nicht sprechen, dann erzählte sie von einer Busfahrt.",
    "Ein Kontrolleur habe nur sie nach dem Ausweis gefragt, obwohl alle ein Ticket hatten.",
    "Sie sagt, dass ihr die Klassenlehrerin in der neunten Klasse sehr geholfen hat.",
    "Am Wochenende hilft sie ihrer Tante im Laden und verdient so etwas eigenes Geld.",
    "Manchmal übersetzt sie für ihre Eltern beim Arzt, was sie anstrengend findet.",
    "Sie wünscht sich mehr Orte, an denen junge Leute ohne Geld einfach zusammen sein können.",
    "Zu Hause sprechen sie Dari, mit ihren Freundinnen meistens Deutsch und etwas Englisch.",
    "Das Praktikum im Krankenhaus hat ihr gezeigt, dass sie wirklich Pflegerin werden will.",
    "Sie findet, dass viele Erwachsene nicht zuhören, wenn Jugendliche etwas vorschlagen.",
    "Im Schülerrat hat sie sich für einen ruhigen Raum und längere Öffnungszeiten eingesetzt.",
    "Ihr Bruder hat es schwerer, weil er noch keinen Ausbildungsplatz gefunden hat.",
    "Die Aufenthaltserlaubnis muss jedes Jahr verlängert werden, und das macht ihr Sorgen.",
    "Wenn sie an die Zukunft denkt, sieht sie sich in einer eigenen Wohnung in dieser Stadt.",
    "Sie lacht, als sie von ihrem ersten Winter und dem ersten Schnee erzählt.",
    "Online hält sie Kontakt zu ihrer Cousine, die seit zwei Jahren in Schweden lebt.",
    "Beim Fußballtraining sei es egal, woher man kommt, sagt sie, dort zähle nur der Pass.",
    "Das Gespräch dauerte etwa vierzig Minuten, am Ende wollte sie noch etwas ergänzen.",
    "Sie bat darum, den Namen ihrer Schule nicht aufzuschreiben, und ich habe es weggelassen.",
    "Ihre Mutter besucht einen Sprachkurs am Abend, deshalb kocht sie oft für die Familie.",
    "Mit dem Busticket für Schülerinnen kommt sie günstig zur Schule und zum Training.",
    "Sie hat Angst, dass ihre Noten für das Abitur nicht reichen, obwohl sie viel lernt.",
    "Ein Nachbar hat ihr beim Bewerbungsschreiben geholfen, darüber war sie sehr froh.",
)
SHORT_REASONS = (
    "Meine Freundinnen sind hier.",
    "Im Verein fühle ich mich willkommen.",
    "Manchmal schauen mich Leute im Bus komisch an.",
    "Ich verstehe inzwischen fast alles, aber nicht jeden Witz.",
    "Meine Familie ist zusammen, das ist das Wichtigste.",
)
HOPES = (
    "Pflege studieren und in der Nähe meiner Schwester bleiben.",
    "Eine Ausbildung als Elektriker finden und eine eigene Wohnung haben.",
    "Das Abitur schaffen und später Lehrerin werden.",
    "Dass meine Eltern eine feste Arbeit finden und wir bleiben dürfen.",
)
AGE_BANDS = ("14_15", "16_17", "18_21", "22_25")
HOUSING = ("family", "shared_flat", "own_flat", "youth_facility", "reception_centre")
PARTICIPATION = ("sports_club", "youth_centre", "religious_community", "volunteering", "student_council")
TAGS = ("education", "family", "language", "work", "housing", "sport", "discrimination", "future")


def note_with_gap(rng: random.Random, now: dt.datetime) -> dict[str, Any]:
    """A note as a phone sends it (like note_body in tests/notes/conftest.py), its id left open."""
    sentences: list[str] = []
    text_bytes = rng.randint(1000, 1250)
    while len(" ".join(sentences).encode()) < text_bytes:
        sentences.append(rng.choice(SENTENCES))
    focus_group = rng.random() < 0.2
    note: dict[str, Any] = {
        "id": ID_GAP,
        "base_version": 0,
        "kind": "focus_group" if focus_group else "interview",
        "platform": "DE",
        "language": "de",
        "recorded_at": (now - dt.timedelta(minutes=rng.randint(30, 7 * 24 * 60))).isoformat(),
        "interviewee_code": f"DE-{'FG' if focus_group else 'INT'}-{rng.randint(1, 999):03d}",
        "consent_confirmed": True,
        "status": "submitted",
        "guide_id": harness.FIRST_GUIDE_ID,
        "answers": {
            "age_band": rng.choice(AGE_BANDS),
            "years_here": rng.randint(0, 12),
            "housing": rng.choice(HOUSING),
            "belonging": rng.randint(1, 5),
            "belonging_why": rng.choice(SHORT_REASONS),
            "participation": rng.sample(PARTICIPATION, rng.randint(1, 2)),
            "hopes": rng.choice(HOPES),
        },
        "text": " ".join(sentences),
        "tags": rng.sample(TAGS, rng.randint(1, 3)),
    }
    if focus_group:
        note["participants"] = {"count": rng.randint(3, 8), "age_bands": ["14-15", "16-17"]}
    return note


def build_bodies() -> Bodies:
    # The same notes on every run, so runs differ only in what the server does with them.
    rng = random.Random(2024)
    now = dt.datetime.now(dt.UTC)
    notes = [note_with_gap(rng, now) for _ in range(DISTINCT_NOTES)]
    gap = ID_GAP.encode()
    batches = [
        msgspec.json.encode({"notes": notes[start : start + MAX_BATCH]}).split(gap)
        for start in range(0, len(notes), MAX_BATCH)
    ]
    singles = [msgspec.json.encode(note).split(gap) for note in notes]
    assert all(len(parts) == MAX_BATCH + 1 for parts in batches)
    assert all(len(parts) == 2 for parts in singles)
    return Bodies(batches, singles, [len(msgspec.json.encode(note)) for note in notes])


def fresh_note_ids(count: int) -> list[str]:
    """Random version-4 UUIDs, as a phone makes them, at a fraction of uuid.uuid4()'s cost."""
    digits = os.urandom(16 * count).hex()
    ids = []
    for start in range(0, 32 * count, 32):
        d = digits[start : start + 32]
        ids.append(f"{d[:8]}-{d[8:12]}-4{d[13:16]}-{'89ab'[int(d[16], 16) & 3]}{d[17:20]}-{d[20:]}")
    return ids


def fill(parts: list[bytes], ids: list[str]) -> bytes:
    pieces: list[bytes] = [b""] * (len(parts) + len(ids))
    pieces[::2] = parts
    pieces[1::2] = [note_id.encode() for note_id in ids]
    return b"".join(pieces)


# The server


def bare_app_environment(workdir: Path, database_url: str | None) -> dict[str, str]:
    # uvicorn imports bench.bare_app, which only the repository root on the path makes findable.
    python_path = os.pathsep.join(filter(None, [str(harness.REPO_ROOT), os.environ.get("PYTHONPATH")]))
    return harness.server_environment(workdir, database_url, {"PYTHONPATH": python_path})


def serve_bare_app(port: int) -> list[str]:
    command = [sys.executable, "-m", "uvicorn", "--factory", APP_FACTORY]
    return [*command, "--host", live_server.HOST, "--port", str(port), "--log-level", "warning"]


async def create_author(server: live_server.Server) -> str:
    """A young person on platform DE, made with `tessera create-user` as an operator would."""
    # A database given by URL may hold the author of an earlier run.
    username = f"bench_author_{secrets.token_hex(3)}"
    await harness.create_users(server, {username: "youth"})
    return username


async def signed_in(server: live_server.Server, username: str) -> SignedIn:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=harness.REQUEST_TIMEOUT) as client:
        csrf_token = await harness.sign_in(client, username)
        cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
        return SignedIn(server.base_url, cookie, csrf_token)


# The load


Send = Callable[[httpx.AsyncClient, int, Tally], Awaitable[None]]


def sender(phase: Phase, bodies: Bodies) -> Send:
    """One request of the phase, with new notes: the n-th of a client's turns."""
    if phase.kind == "sync":

        async def send_batch(client: httpx.AsyncClient, turn: int, tally: Tally) -> None:
            parts = bodies.batches[turn % len(bodies.batches)]
            ids = fresh_note_ids(len(parts) - 1)
            response, seconds = await harness.timed_request(
                client, "POST", phase.path, content=fill(parts, ids)
            )
            tally.record_sync(response, ids, seconds)

        return send_batch

    async def send_note(client: httpx.AsyncClient, turn: int, tally: Tally) -> None:
        parts = bodies.notes[turn % len(bodies.notes)]
        ids = fresh_note_ids(1)
        response, seconds = await harness.timed_request(
            client, "PUT", phase.path + ids[0], content=fill(parts, ids)
        )
        tally.record_put(response, seconds)

    return send_note


async def keep_sending(client: httpx.AsyncClient, send: Send, first: int, deadline: float) -> Tally:
    tally = Tally()
    turn = first
    while time.perf_counter() < deadline:
        await send(client, turn, tally)
        turn += 1
    return tally


async def warm_up(clients: list[httpx.AsyncClient], phase: Phase, send: Send) -> None:
    # First requests pay for connections and lazy loading; none of that is what we measure.
    for number, client in enumerate(clients):
        for turn in range(WARM_UP_REQUESTS):
            tally = Tally()
            await send(client, number * WARM_UP_REQUESTS + turn, tally)
            if tally.failed_requests:
                raise RuntimeError(f"{phase.route} failed without load: {tally.first_problem}")


async def measure_phase(
    server: live_server.Server, session: SignedIn, phase: Phase, bodies: Bodies, seconds: float
) -> dict[str, Any]:
    send = sender(phase, bodies)
    async with contextlib.AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(session.client()) for _ in range(phase.clients)]
        await warm_up(clients, phase, send)
        cpu = harness.CpuUse(server.process.pid)
        started = time.perf_counter()
        deadline = started + seconds
        # Each client starts at another body, so the clients send different notes at once.
        spread = len(bodies.batches) if phase.kind == "sync" else len(bodies.notes)
        tallies = await asyncio.gather(
            *(
                keep_sending(client, send, number * spread // phase.clients, deadline)
                for number, client in enumerate(clients)
            )
        )
        # Requests in flight at the deadline still finish, so time runs until the last one has.
        elapsed = time.perf_counter() - started
        cpu_figures = cpu.figures(elapsed)
    tally = Tally()
    for each in tallies:
        tally.extend(each)
    return {
        "route": phase.route,
        "clients": phase.clients,
        "seconds": round(elapsed, 2),
        "requests": tally.requests,
        "failed_requests": tally.failed_requests,
        "notes": tally.notes,
        "notes_per_second": round(tally.notes / elapsed, 1),
        "not_created": dict(tally.not_created),
        "first_problem": tally.first_problem,
        **harness.percentiles_ms(tally.latencies, (50, 99)),
        **cpu_figures,
    }


# The report


def ratio(real: dict[str, Any], bare: dict[str, Any]) -> float | None:
    if not bare["notes_per_second"]:
        return None
    return round(real["notes_per_second"] / bare["notes_per_second"], 3)


def judge(result: dict[str, Any]) -> dict[str, bool | None]:
    """Each target met or missed; None where it does not apply (the rate target is SQLite's)."""
    sync_real, sync_ratio = result["phases"]["sync_real"], result["ratios"]["sync"]
    return {
        "sync_notes_per_second": sync_real["notes_per_second"] >= TARGET_NOTES_PER_SECOND
        if result["run"]["is_sqlite"]
        else None,
        "sync_ratio": sync_ratio is not None and sync_ratio >= TARGET_RATIO,
        "put_notes_per_second": result["phases"]["put_real"]["notes_per_second"] >= TARGET_PUTS_PER_SECOND
        if result["run"]["is_sqlite"]
        else None,
        "put_p99": (result["phases"]["put_real"]["p99_ms"] or float("inf")) < TARGET_PUT_P99_MS
        if result["run"]["is_sqlite"]
        else None,
        "every_note_created": all(
            not result["phases"][name]["not_created"] for name in ("sync_real", "put_real")
        ),
    }


def describe_run(options: argparse.Namespace, env: dict[str, str], bodies: Bodies) -> dict[str, Any]:
    settings = load_settings(env)
    return {
        "started_at": harness.started_now(),
        "database": harness.describe_database(options.database_url),
        "is_sqlite": settings.is_sqlite,
        "seconds_per_phase": options.seconds,
        "sync_clients": options.sync_clients,
        "put_clients": options.put_clients,
        "notes_per_batch": MAX_BATCH,
        "distinct_note_contents": DISTINCT_NOTES,
        "note_bytes": {
            "min": min(bodies.note_bytes),
            "mean": round(statistics.fmean(bodies.note_bytes)),
            "max": max(bodies.note_bytes),
        },
        **harness.machine(),
    }


def verdict(met: bool | None) -> str:
    return {True: "met", False: "MISSED", None: "not judged on this database"}[met]


def format_table(result: dict[str, Any]) -> str:
    run, targets = result["run"], result["targets"]
    sizes = run["note_bytes"]
    lines = [
        f"Field-note writes: {run['notes_per_batch']} notes a sync batch, every note new; "
        f"notes of {sizes['min']}-{sizes['max']} bytes (mean {sizes['mean']})",
        f"Database: {run['database']}",
        f"{run['cpus']} CPUs; {run['seconds_per_phase']:g} s a phase; "
        f"{run['sync_clients']} sync clients, {run['put_clients']} PUT clients",
        "",
        f"{'route':<29}{'requests':>9}{'failed':>8}{'notes':>9}{'notes/s':>10}"
        f"{'p50 ms':>9}{'p99 ms':>9}{'server CPU':>12}{'client CPU':>12}{'others':>8}",
    ]
    for phase in result["phases"].values():
        figures = harness.figure_cells(
            phase,
            (
                ("notes_per_second", 10, 0),
                ("p50_ms", 9, 1),
                ("p99_ms", 9, 1),
                ("server_cpu", 12, 2),
                ("client_cpu", 12, 2),
                ("others_cpu", 8, 2),
            ),
        )
        lines.append(
            f"{phase['route']:<29}{phase['requests']:>9}{phase['failed_requests']:>8}{phase['notes']:>9}{figures}"
            + (" *" if phase["client_bound"] else "")
        )
    sync_ratio, put_ratio = result["ratios"]["sync"], result["ratios"]["put"]
    lines += [
        "",
        f"Sync, real: {result['phases']['sync_real']['notes_per_second']:,.0f} notes/s "
        f"(target >= {TARGET_NOTES_PER_SECOND:,} on SQLite: {verdict(targets['sync_notes_per_second'])})",
        f"Sync, real / bare: {'-' if sync_ratio is None else f'{sync_ratio:.2f}'} "
        f"(target >= {TARGET_RATIO:g}: {verdict(targets['sync_ratio'])})",
        f"PUT, real: {result['phases']['put_real']['notes_per_second']:,.0f} notes/s "
        f"(target >= {TARGET_PUTS_PER_SECOND:,} on SQLite: {verdict(targets['put_notes_per_second'])}), "
        f"p99 {result['phases']['put_real']['p99_ms']} ms "
        f"(target < {TARGET_PUT_P99_MS} ms on SQLite: {verdict(targets['put_p99'])})",
        f"PUT, real / bare: {'-' if put_ratio is None else f'{put_ratio:.2f}'} (no target)",
    ]
    lines += harness.cpu_notes(result["phases"].values())
    problems = [
        f"  {phase['route']}: "
        + ", ".join(f"{count} {reason}" for reason, count in phase["not_created"].items())
        + f"; first: {phase['first_problem']}"
        for phase in result["phases"].values()
        if phase["not_created"]
    ]
    if problems:
        lines += ["Notes not created:", *problems]
    else:
        lines.append("Every note sent was created.")
    return "\n".join(lines)


async def run_benchmark(
    server: live_server.Server, options: argparse.Namespace, bodies: Bodies
) -> dict[str, Any]:
    await asyncio.to_thread(live_server.wait_until_healthy, server)
    session = await signed_in(server, await create_author(server))
    measured = {}
    for phase in phases(options):
        measured[phase.name] = await measure_phase(server, session, phase, bodies, options.seconds)
    return measured


def main() -> int:
    options = parse_options()
    bodies = build_bodies()
    with harness.bench_workdir() as workdir:
        env = bare_app_environment(workdir, options.database_url)
        # Read the settings as the server will, so a bad TESSERA_* value stops us before it starts.
        run = describe_run(options, env, bodies)
        with live_server.running_server(workdir, env, serve_bare_app, cwd=harness.REPO_ROOT) as server:
            measured = asyncio.run(run_benchmark(server, options, bodies))
    result: dict[str, Any] = {
        "run": run,
        "phases": measured,
        "ratios": {
            "sync": ratio(measured["sync_real"], measured["sync_bare"]),
            "put": ratio(measured["put_real"], measured["put_bare"]),
        },
        "target_notes_per_second": TARGET_NOTES_PER_SECOND,
        "target_ratio": TARGET_RATIO,
    }
    result["targets"] = judge(result)
    result["within_target"] = all(met is not False for met in result["targets"].values())
    return harness.report(result, options, format_table)


if __name__ == "__main__":
    sys.exit(main())
