"""Note exports: how fast does a researcher download 100,000 notes, and what does it cost the server?

A researcher downloads notes for analysis through GET /api/v1/exports/notes in four formats:
CSV, XLSX, NDJSON and a REFI-QDA project (QDPX). This benchmark measures each format from the
outside, against a real server process on 127.0.0.1, with a researcher's personal API token:

- seconds from the request to the last byte (and to the first byte), notes per second, bytes;
- the server's peak memory growth: the server is restarted for every format, and the peak
  resident memory during the download (VmHWM) is compared with the resident memory just before
  it (VmRSS), both read from /proc/<pid>/status of the server process;
- as a baseline, the database's own dump of the same rows to a file: `sqlite3 -csv` on SQLite,
  `COPY ... TO STDOUT WITH CSV` through psql on PostgreSQL.

The notes are written straight into the database with bulk inserts (the API's way in is measured
by bench/sync_notes.py): 1-1.5 KB of German field-note text, a third of them with an e-mail
address the personal-information guard marked, so that redaction runs; answers to the seeded
interview guide; authors among a few young people on platform DE.

The targets, from the issue: a CSV export takes at most 3x the database's dump of the same rows,
and no format grows the server's memory by 100 MB or more. Every export must answer 200, and a
CSV or NDJSON export must hold one row per note. The benchmark reports and does not judge: the
exit code is 0 unless the run itself breaks, or, with --check, 1 when a target is missed or an
export failed.

    python bench/export_notes.py [--notes 100000] [--formats csv,ndjson] [--database-url postgresql+asyncpg://...]

It prints a table and writes bench/results/export_notes.json, one entry per database kind
(sqlite, postgresql), so that a run on each keeps both. --database-url must point at an empty
database the run may fill, say one made with `CREATE DATABASE tessera_bench_export`; drop it
afterwards. psql must be installed for PostgreSQL, the sqlite3 command for SQLite. Other
``TESSERA_*`` variables in the environment reach the server. Client and server share the
machine's cores: compare figures between runs on one machine.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import os
import platform
import random
import secrets
import shutil
import subprocess
import sys
import time
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import harness
import httpx
import live_server
import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

from server.accounts.models import User
from server.db import create_engine
from server.notes.models import Note, note_characters
from server.security import CSRF_HEADER
from server.settings import load_settings

FORMATS = ("csv", "xlsx", "ndjson", "qdpx")
TARGET_CSV_RATIO = 3.0
TARGET_MEMORY_MB = 100.0
RESULTS_FILE = harness.RESULTS_DIR / "export_notes.json"
TOKENS = "/api/v1/tokens"
EXPORT = "/api/v1/exports/notes"
# The export makes a column of each of the seeded guide's questions.
GUIDE_ID = uuid.UUID(harness.FIRST_GUIDE_ID)
YOUTH_ACCOUNTS = 4
INSERT_BATCH = 5000
# The columns of the export's query, in its order; the dump reads the same ones.
DUMPED_COLUMNS = (
    "id, platform_code, kind, status, language, author_id, interviewee_code, recorded_at, "
    "received_at, guide_id, guide_version, participants, tags, text, answers"
)
DUMP_QUERY = f"SELECT {DUMPED_COLUMNS} FROM notes"  # noqa: S608 - constant text
# The dump runs this often and the fastest counts: the first run may pay for reading the file
# into the page cache, which the exports, running after it, would not.
DUMP_RUNS = 2
# The file as a researcher's script saves it: curl asks for no compression. --gzip asks for it.
PLAIN = {"Accept-Encoding": "identity"}
MB = 1_000_000


def parse_options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notes", type=int, default=100_000, help="notes to export (default 100,000)")
    parser.add_argument(
        "--formats",
        default=",".join(FORMATS),
        help=f"comma-separated, of {', '.join(FORMATS)} (default all)",
    )
    harness.add_database_option(parser, "an empty database, used as-is (default: a temporary SQLite file)")
    parser.add_argument(
        "--gzip", action="store_true", help="ask for gzip on the wire (bytes are then those sent)"
    )
    parser.add_argument(
        "--export-limit",
        type=float,
        default=900.0,
        help="seconds after which an export is abandoned and reported as such (default 900)",
    )
    harness.add_output_option(parser, RESULTS_FILE)
    parser.add_argument(
        "--check",
        action="store_true",
        help=f"exit 1 when CSV takes over {TARGET_CSV_RATIO:g}x the dump, a format grows the "
        f"server by {TARGET_MEMORY_MB:g} MB or more, or an export fails",
    )
    options = parser.parse_args()
    options.formats = [name.strip() for name in options.formats.split(",") if name.strip()]
    if unknown := sorted(set(options.formats) - set(FORMATS)):
        parser.error(f"unknown formats: {', '.join(unknown)}")
    if options.notes < 1 or options.export_limit <= 0:
        parser.error("--notes and --export-limit must be positive")
    return options


# The server


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS (resident now) and VmHWM (the peak of resident) of a process, in KiB."""
    figures = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            figures[name] = int(value.split()[0])
    return figures


def reset_peak_memory(pid: int) -> bool:
    """Start VmHWM afresh from VmRSS (Linux 4.0 and later), so start-up's peak does not count."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


# The people and the notes


async def create_accounts(server: live_server.Server) -> tuple[list[str], str]:
    """Young people and a researcher on platform DE, made with `tessera create-user`."""
    suffix = secrets.token_hex(3)
    youth = [f"bench_youth{number}_{suffix}" for number in range(YOUTH_ACCOUNTS)]
    researcher = f"bench_researcher_{suffix}"
    await harness.create_users(server, {**dict.fromkeys(youth, "youth"), researcher: "researcher"})
    return youth, researcher


async def create_token(server: live_server.Server, researcher: str) -> str:
    """A personal API token, made as a researcher would: sign in, then ask for one."""
    async with httpx.AsyncClient(base_url=server.base_url, timeout=harness.REQUEST_TIMEOUT) as client:
        headers = {CSRF_HEADER: await harness.sign_in(client, researcher)}
        response = await client.post(TOKENS, json={"name": "export benchmark"}, headers=headers)
        if response.status_code != 201:
            raise RuntimeError(f"creating a token failed: {response.status_code} {response.text}")
        return str(response.json()["token"])


SENTENCES = (
    "Wir haben uns nach der Schule in der Stadtbibliothek getroffen, weil es dort ruhig ist.",
    "Sie ist vor drei Jahren mit ihrer Mutter und ihrem jüngeren Bruder hierhergekommen.",
    "Am Anfang war die Sprache das Schwierigste, vor allem am Telefon und auf den Ämtern.",
    "In der Willkommensklasse hat sie schnell Freundinnen gefunden, die auch Arabisch sprechen.",
    "Sein Sportverein ist für ihn wie eine zweite Familie geworden, sagt er.",
    "Beim Wechsel auf die Regelschule fühlte er sich zuerst allein und oft übersehen.",
    "Ihr Lieblingsfach ist Biologie, und sie möchte später in der Pflege arbeiten.",
    "Die Wohnung ist klein, deshalb macht er seine Hausaufgaben meistens im Jugendzentrum.",
    "Über Diskriminierung wollte sie zuerst nicht sprechen, dann erzählte sie von einer Busfahrt.",
    "Ein Kontrolleur habe nur ihn nach dem Ausweis gefragt, obwohl alle ein Ticket hatten.",
    "Die Klassenlehrerin in der neunten Klasse hat ihr sehr geholfen.",
    "Am Wochenende hilft er seinem Onkel im Laden und verdient so etwas eigenes Geld.",
    "Sie lacht, als sie von ihrem ersten Winter und dem ersten Schnee erzählt.",
    "Online hält er Kontakt zu seinem Cousin, der seit zwei Jahren in Schweden lebt.",
    "Beim Fußballtraining sei es egal, woher man kommt, dort zähle nur der Pass.",
    "Das Gespräch dauerte etwa vierzig Minuten, am Ende wollte sie noch etwas ergänzen.",
    "Sie bat darum, den Namen ihrer Schule nicht aufzuschreiben, und ich habe es weggelassen.",
    "Seine Mutter besucht einen Sprachkurs am Abend, deshalb kocht er oft für die Familie.",
    "Mit dem Busticket für Schülerinnen kommt sie günstig zur Schule und zum Training.",
    "Er hat Angst, dass seine Noten für das Abitur nicht reichen, obwohl er viel lernt.",
    "Ein Nachbar hat ihr beim Bewerbungsschreiben geholfen, darüber war sie sehr froh.",
    "Im Jugendparlament hat sie zum ersten Mal vor vielen Leuten gesprochen.",
    "Die Wartezeit auf den Termin bei der Ausländerbehörde betrug fast vier Monate.",
    "In der Moschee und im Chor der Schule fühlt er sich gleichermaßen zu Hause.",
)
# Words and places that make one note's text differ from the next, as real notes do.
PLACES = ("Leipzig", "Kassel", "Bremen", "Fürth", "Hagen", "Jena", "Görlitz", "Trier", "Aachen", "Halle")
TOPICS = (
    "Ausbildung",
    "Praktikum",
    "Nachhilfe",
    "Wohnungssuche",
    "Führerschein",
    "Ehrenamt",
    "Schwimmkurs",
    "Sprachcafé",
    "Berufsschule",
    "Mentoring",
    "Theatergruppe",
    "Hausaufgabenhilfe",
)
NAMES = ("amina", "yusuf", "daria", "omar", "leyla", "ivan", "samira", "bilal", "nour", "mateo")
MAIL_DOMAINS = ("example.org", "mail.example", "posteo.example", "web.example")
HOPES = (
    "Pflege studieren und in der Nähe meiner Schwester bleiben.",
    "Eine Ausbildung als Elektriker finden und eine eigene Wohnung haben.",
    "Das Abitur schaffen und später Lehrerin werden.",
    "Dass meine Eltern eine feste Arbeit finden und wir bleiben dürfen.",
    "Einen Platz im Studienkolleg bekommen und Informatik studieren.",
)
AGE_BANDS = ("14_15", "16_17", "18_21", "22_25")
PARTICIPATION = ("sports_club", "youth_centre", "religious_community", "volunteering", "student_council")
TAGS = ("education", "family", "language", "work", "housing", "sport", "discrimination", "future")
KINDS = ("interview", "interview", "interview", "focus_group", "observation")


def note_text(rng: random.Random) -> tuple[str, list[dict[str, Any]]]:
    """1-1.5 KB of field notes, and the personal-information spans the guard would have marked."""
    target_bytes = rng.randint(1000, 1400)
    pieces: list[str] = []
    spans: list[dict[str, Any]] = []
    length = size = 0  # in characters, as the spans count, and in UTF-8 bytes
    with_address = rng.random() < 0.33
    while size < target_bytes:
        if with_address and not spans and size > target_bytes // 3:
            address = f"{rng.choice(NAMES)}.{rng.randint(1, 9999)}@{rng.choice(MAIL_DOMAINS)}"
            before = "Für Rückfragen gab sie mir ihre Adresse "
            start = length + len(before)
            spans.append({"field": "text", "start": start, "end": start + len(address), "kind": "email"})
            sentence = f"{before}{address}, die ich hier nicht weitergebe."
        elif rng.random() < 0.25:
            sentence = (
                f"Thema war auch {rng.choice(TOPICS)} in {rng.choice(PLACES)}, "
                f"seit {rng.randint(2, 30)} Wochen ist das wichtig für sie."
            )
        else:
            sentence = rng.choice(SENTENCES)
        pieces.append(sentence)
        length += len(sentence) + 1  # the space that joins it to the next
        size += len(sentence.encode()) + 1
    return " ".join(pieces), spans


def note_rows(rng: random.Random, count: int, author_ids: list[uuid.UUID]) -> Iterator[dict[str, Any]]:
    """Notes as the server stores them, recorded over the past year and sent within 3 days."""
    year_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=365)
    for _ in range(count):
        text, spans = note_text(rng)
        kind = rng.choice(KINDS)
        recorded_at = year_ago + dt.timedelta(seconds=rng.randint(0, 362 * 24 * 3600))
        received_at = recorded_at + dt.timedelta(minutes=rng.randint(1, 3 * 24 * 60))
        yield {
            "id": uuid.UUID(int=rng.getrandbits(128), version=4),
            "author_id": rng.choice(author_ids),
            "platform_code": "DE",
            "guide_id": GUIDE_ID,
            "guide_version": 1,
            "kind": kind,
            "language": "de",
            "recorded_at": recorded_at,
            "received_at": received_at,
            "changed_at": received_at,
            "interviewee_code": f"DE-{'FG' if kind == 'focus_group' else 'INT'}-{rng.randint(1, 999):03d}",
            "participants": (
                {"count": rng.randint(3, 8), "age_bands": ["14-15", "16-17"]}
                if kind == "focus_group"
                else None
            ),
            "answers": (
                answers := {
                    "age_band": rng.choice(AGE_BANDS),
                    "belonging": rng.randint(1, 5),
                    "hopes": rng.choice(HOPES),
                    "participation": rng.sample(PARTICIPATION, rng.randint(1, 2)),
                }
            ),
            "text": text,
            "characters": note_characters(text, answers),
            "tags": rng.sample(TAGS, rng.randint(1, 3)),
            "consent_confirmed": True,
            "status": rng.choice(("approved", "submitted")),
            "version": 1,
            "content_hash": f"{rng.getrandbits(256):064x}",
            "personal_information": spans,
        }


async def fill_notes(database_url: str, youth: list[str], count: int) -> float:
    """Bulk-insert the notes into the (migrated) database; return the seconds it took."""
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            existing = await connection.scalar(sa.select(sa.func.count()).select_from(Note))
            if existing:
                raise RuntimeError(
                    f"the database already holds {existing} notes: give --database-url an empty database"
                )
            author_ids = list(
                (await connection.scalars(sa.select(User.id).where(User.username.in_(youth)))).all()
            )
        if len(author_ids) != len(youth):
            raise RuntimeError(f"found {len(author_ids)} of the {len(youth)} young people just created")
        started = time.perf_counter()
        # The same notes on every run, so runs differ only in what the server does with them.
        rows = note_rows(random.Random(2024), count, author_ids)
        while batch := [row for _, row in zip(range(INSERT_BATCH), rows, strict=False)]:
            async with engine.begin() as connection:
                await connection.execute(sa.insert(Note), batch)
        if engine.dialect.name == "postgresql":
            # Autovacuum would soon gather the statistics of a table this size; the export's
            # query plan should not depend on whether it got there yet.
            async with engine.begin() as connection:
                await connection.execute(sa.text("ANALYZE notes"))
        return time.perf_counter() - started
    finally:
        await engine.dispose()


async def prepare(server: live_server.Server, database_url: str, count: int) -> tuple[str, float]:
    youth, researcher = await create_accounts(server)
    token = await create_token(server, researcher)
    return token, await fill_notes(database_url, youth, count)


# The measurements


def dump_command(database_url: str) -> tuple[list[str], dict[str, str]]:
    """The database's own command-line dump of the exported columns, and its environment."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if shutil.which("sqlite3") is None:
            raise RuntimeError("the sqlite3 command is missing: apt-get install sqlite3")
        return ["sqlite3", "-csv", str(url.database), DUMP_QUERY], dict(os.environ)
    if shutil.which("psql") is None:
        raise RuntimeError("the psql command is missing: apt-get install postgresql-client")
    env = dict(os.environ)
    if url.password is not None:
        # In the environment, not on the command line, where `ps` would show it.
        env["PGPASSWORD"] = str(url.password)
    plain: URL = url.set(drivername="postgresql", password=None)
    connection = plain.render_as_string(hide_password=False)
    copy = f"COPY ({DUMP_QUERY}) TO STDOUT WITH CSV"
    return ["psql", "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", connection, "-c", copy], env


def measure_dump(database_url: str, workdir: Path) -> dict[str, Any]:
    command, env = dump_command(database_url)
    target = workdir / "dump.csv"
    timings = []
    for _ in range(DUMP_RUNS):
        with target.open("wb") as output:
            started = time.perf_counter()
            finished = subprocess.run(command, stdout=output, stderr=subprocess.PIPE, env=env, check=False)
            timings.append(time.perf_counter() - started)
        if finished.returncode != 0:
            raise RuntimeError(f"the dump failed: {finished.stderr.decode(errors='replace')}")
    size = target.stat().st_size
    target.unlink()
    return {"command": command[0], "seconds": round(min(timings), 3), "bytes": size}


def count_rows(format_: str, path: Path) -> int | None:
    """Data rows of a CSV or NDJSON file (CSV fields may hold line breaks); None for zip formats."""
    if format_ == "csv":
        with path.open(newline="", encoding="utf-8") as file:
            return sum(1 for _ in csv.reader(file)) - 1  # the header
    if format_ == "ndjson":
        with path.open("rb") as file:
            return sum(1 for line in file if line.strip())
    return None


def download(
    server: live_server.Server,
    token: str,
    format_: str,
    target: Path,
    options: argparse.Namespace,
    *,
    warm_up: bool,
) -> dict[str, Any]:
    """One export to a file, timed from the request to the last byte."""
    headers = {"Authorization": f"Bearer {token}", **({} if options.gzip else PLAIN)}
    params = {"format": format_, "status": "any"}
    if warm_up:
        # No note is this old: the export runs end to end, loading its code, with nothing in it.
        params["until"] = "2000-01-01T00:00:00Z"
    # XLSX and QDPX are written whole before the first byte: the read timeout must allow for it.
    timeout = httpx.Timeout(options.export_limit, connect=10.0)
    started = time.perf_counter()
    deadline = started + options.export_limit
    first_byte: float | None = None
    over_limit = False
    with (
        httpx.Client(base_url=server.base_url, timeout=timeout, headers=headers) as client,
        target.open("wb") as file,
    ):
        try:
            with client.stream("GET", EXPORT, params=params) as response:
                if response.status_code != 200:
                    return {
                        "status": response.status_code,
                        "error": response.read().decode(errors="replace")[:500],
                        "seconds": round(time.perf_counter() - started, 3),
                    }
                for chunk in response.iter_bytes():
                    if first_byte is None:
                        first_byte = time.perf_counter() - started
                    file.write(chunk)
                    if time.perf_counter() > deadline:
                        over_limit = True
                        break
                wire_bytes = response.num_bytes_downloaded
                declared = response.headers.get("X-Export-Count")
        except httpx.TimeoutException:
            over_limit = True
    seconds = time.perf_counter() - started
    if over_limit:
        return {"status": "over limit", "seconds": round(seconds, 3)}
    return {
        "status": 200,
        "seconds": round(seconds, 3),
        "first_byte_seconds": round(first_byte or seconds, 3),
        "bytes": wire_bytes,
        "file_bytes": target.stat().st_size,
        "declared_notes": int(declared) if declared is not None else None,
    }


def measure_export(
    workdir: Path, env: dict[str, str], token: str, format_: str, options: argparse.Namespace
) -> dict[str, Any]:
    """One format on a freshly started server: time, size, rows and the server's memory growth."""
    target = workdir / f"export.{format_}"
    with live_server.running_server(workdir, env) as server:
        live_server.wait_until_healthy(server)
        warm = download(server, token, format_, target, options, warm_up=True)
        if warm["status"] != 200:
            raise RuntimeError(f"the empty {format_} export answered {warm['status']}: {warm.get('error')}")
        # Let the server settle (closed connections, freed buffers) before reading its idle size.
        time.sleep(1.0)
        pid = server.process.pid
        idle = memory_kib(pid)["VmRSS"]
        peak_was_reset = reset_peak_memory(pid)
        result = download(server, token, format_, target, options, warm_up=False)
        peak = memory_kib(pid)["VmHWM"]
    result["format"] = format_
    result["idle_rss_mb"] = round(idle * 1024 / MB, 1)
    result["peak_rss_mb"] = round(peak * 1024 / MB, 1)
    result["memory_growth_mb"] = round(max(0, peak - idle) * 1024 / MB, 1)
    result["peak_was_reset"] = peak_was_reset
    if result["status"] == 200:
        result["notes_per_second"] = round(options.notes / result["seconds"], 1)
        result["rows"] = count_rows(format_, target)
        if format_ in ("xlsx", "qdpx"):
            result["is_zip"] = zipfile.is_zipfile(target)
    target.unlink(missing_ok=True)
    return result


# The report


def judge(result: dict[str, Any]) -> dict[str, Any]:
    """Per format: did it succeed, its time over the dump's, and the targets it met."""
    dump_seconds = result["dump"]["seconds"]
    notes = result["run"]["notes"]
    for export in result["exports"].values():
        succeeded = export["status"] == 200 and export.get("is_zip", True)
        if export.get("rows") is not None:
            succeeded = succeeded and export["rows"] == notes
        export["succeeded"] = succeeded
        export["dump_ratio"] = (
            round(export["seconds"] / dump_seconds, 2) if export["status"] == 200 and dump_seconds else None
        )
        export["within_memory_target"] = export["memory_growth_mb"] < TARGET_MEMORY_MB
        if export["format"] == "csv":
            ratio = export["dump_ratio"]
            export["within_ratio_target"] = ratio is not None and ratio <= TARGET_CSV_RATIO
    return {
        format_: export["succeeded"]
        and export["within_memory_target"]
        and export.get("within_ratio_target", True)
        for format_, export in result["exports"].items()
    }


def describe_run(options: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    settings = load_settings(env)
    return {
        **harness.run_header(options.database_url, is_sqlite=settings.is_sqlite),
        "notes": options.notes,
        "formats": options.formats,
        "gzip": options.gzip,
        "cpus": os.cpu_count(),
        # Other work on the machine takes cores from client and server alike.
        "load_average_at_start": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
    }


def format_table(result: dict[str, Any]) -> str:
    run, dump = result["run"], result["dump"]
    lines = [
        f"Note export: {run['notes']:,} notes, status=any, "
        f"{'gzip on the wire' if run['gzip'] else 'no compression'}",
        f"Database: {run['database']}; {run['cpus']} CPUs, load average {run['load_average_at_start']} "
        f"at the start; the notes were inserted in {result['fill_seconds']:.1f} s",
        "",
        f"{'export':<14}{'status':>11}{'seconds':>9}{'1st byte':>9}{'notes/s':>10}{'MB':>8}"
        f"{'rows':>9}{'mem +MB':>9}{'x dump':>8}",
    ]
    for format_, export in result["exports"].items():
        ok = export["status"] == 200

        def figure(key: str, shape: str, export: dict[str, Any] = export) -> str:
            value = export.get(key)
            return "-" if value is None else format(value, shape)

        lines.append(
            f"{format_:<14}{export['status']!s:>11}{export['seconds']:>9.2f}"
            f"{figure('first_byte_seconds', '.2f'):>9}{figure('notes_per_second', ',.0f'):>10}"
            f"{(format(export['bytes'] / MB, '.1f') if ok else '-'):>8}"
            f"{figure('rows', ','):>9}{export['memory_growth_mb']:>9.1f}{figure('dump_ratio', '.2f'):>8}"
        )
    lines.append(
        f"{dump['command'] + ' dump':<14}{'':>11}{dump['seconds']:>9.2f}{'':>9}"
        f"{run['notes'] / dump['seconds']:>10,.0f}{dump['bytes'] / MB:>8.1f}"
    )
    lines.append("")
    for format_, export in result["exports"].items():
        problems = []
        if not export["succeeded"]:
            problems.append("FAILED: " + describe_failure(export, run["notes"]))
        if "within_ratio_target" in export:
            verdict = "within target" if export["within_ratio_target"] else "OVER TARGET"
            problems.append(f"{export['dump_ratio']}x the dump (target <= {TARGET_CSV_RATIO:g}x: {verdict})")
        verdict = "within target" if export["within_memory_target"] else "OVER TARGET"
        problems.append(
            f"memory +{export['memory_growth_mb']:.1f} MB over {export['idle_rss_mb']:.1f} MB idle "
            f"(target < {TARGET_MEMORY_MB:g} MB: {verdict})"
        )
        lines.append(f"{format_}: " + "; ".join(problems))
    return "\n".join(lines)


def describe_failure(export: dict[str, Any], notes: int) -> str:
    if export["status"] != 200:
        return f"answered {export['status']} {export.get('error', '')}".strip()
    if export.get("is_zip") is False:
        return "not a zip file"
    return f"{export['rows']} rows for {notes} notes"


def run_benchmark(workdir: Path, env: dict[str, str], options: argparse.Namespace) -> dict[str, Any]:
    database_url = env["TESSERA_DATABASE_URL"]
    with live_server.running_server(workdir, env) as server:
        live_server.wait_until_healthy(server)
        token, fill_seconds = asyncio.run(prepare(server, database_url, options.notes))
    print(f"{options.notes:,} notes inserted in {fill_seconds:.1f} s", file=sys.stderr)
    dump = measure_dump(database_url, workdir)
    exports = {}
    for format_ in options.formats:
        exports[format_] = measure_export(workdir, env, token, format_, options)
        print(f"{format_}: {exports[format_]['status']} in {exports[format_]['seconds']} s", file=sys.stderr)
    return {"fill_seconds": round(fill_seconds, 2), "dump": dump, "exports": exports}


def main() -> int:
    options = parse_options()
    with harness.bench_workdir() as workdir:
        env = harness.server_environment(workdir, options.database_url)
        # Read the settings as the server will, so a bad TESSERA_* value stops us before it starts.
        run = describe_run(options, env)
        measured = run_benchmark(workdir, env, options)
    result: dict[str, Any] = {
        "run": run,
        **measured,
        "target_csv_dump_ratio": TARGET_CSV_RATIO,
        "target_memory_growth_mb": TARGET_MEMORY_MB,
    }
    result["targets"] = judge(result)
    result["within_target"] = all(result["targets"].values())
    return harness.report(result, options, format_table, per_database_kind=True)


if __name__ == "__main__":
    sys.exit(main())
