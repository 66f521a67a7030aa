"""Directory import: how long does POST /api/v1/stakeholders/import take for 10,000 rows?

A spreadsheet of 10,000 entries (every column filled as a programme's mapping fills it: names
with accents, an e-mail address and a phone number to check, languages, services, the legal
basis with its date), written once as CSV and once as XLSX. Each file goes to a platform of
its own, in turn:

- dry run: read, every row checked against the file and the stored directory, nothing written;
- import: the same, then all 10,000 entries written in one transaction;
- again: the same file once more, which must change nothing (10,000 unchanged).

The baseline, measured in the same run on the same file: reading it alone in this process
(server/stakeholders/spreadsheets.read_sheet, the csv module or the XLSX reader), which every
import must do before it checks a row; the ratio says what checking and writing add.

The target, from issue #15: an import of 10,000 rows under 10 s, dry run and real run. The
benchmark reports and does not judge: the exit code is 0 unless the run breaks, or, with
--check, 1 when a target is missed.

    python bench/directory_import.py [--rows 10000] [--database-url postgresql+asyncpg://...]

It prints a table and writes bench/results/directory_import.json, one entry per database kind.
Client and server share the machine's cores.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import random
import secrets
import sys
import time
from typing import Any

import harness
import httpx
import live_server
import openpyxl

from server.settings import load_settings
from server.stakeholders import spreadsheets
from server.stakeholders.models import Level, Sector

TARGET_SECONDS = 10.0
RESULTS_FILE = harness.RESULTS_DIR / "directory_import.json"
IMPORT = "/api/v1/stakeholders/import"
# An import can take a while: only a stalled one should fail the run.
IMPORT_TIMEOUT = httpx.Timeout(300.0)
# The columns a file may set, as the importer reads them (and an export writes them).
HEADER = spreadsheets.WRITABLE_COLUMNS
KINDS = ("Associazione", "Cooperativa sociale", "Comune di", "Fondazione", "Centro giovani", "Scuola")
PLACES = ("Roma", "Milano", "Torino", "Bolzano", "Napoli", "Forlì", "Cefalù", "Cantù", "Palermo", "Genova")
GIVEN = ("Giulia", "José", "Amélie", "Łukasz", "Zoë", "Fatima", "Niccolò", "Mehmet", "Chiara", "Søren")
FAMILY = ("Bianchi", "Núñez", "Đorđević", "Rossi", "Öztürk", "Esposito", "D'Amico", "Müller", "Conti")
SERVICES = ("accoglienza", "orientamento ai servizi", "lingua italiana", "alloggio", "lavoro", "salute")
FORMATS = {"CSV": ("text/csv", "DE"), "XLSX": (spreadsheets.XLSX_MEDIA_TYPE, "IT")}


def parse_options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000, help="rows of each file (default 10,000)")
    harness.add_database_option(parser)
    harness.add_output_option(parser, RESULTS_FILE)
    parser.add_argument(
        "--check", action="store_true", help=f"exit 1 when an import takes {TARGET_SECONDS:g} s or more"
    )
    options = parser.parse_args()
    if not 1 <= options.rows <= spreadsheets.MAX_IMPORT_ROWS:
        parser.error(f"--rows must be between 1 and {spreadsheets.MAX_IMPORT_ROWS:,}")
    return options


# The files


def sheet_rows(count: int) -> list[list[str]]:
    """Distinct entries, every one valid: a person at an organisation, or the organisation alone."""
    rng = random.Random(15)
    rows = []
    for number in range(count):
        organisation = f"{KINDS[number % len(KINDS)]} {rng.choice(PLACES)} {number + 1}"
        person = rng.random() < 0.7
        rows.append(
            [
                organisation,
                f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}" if person else "",
                "Coordinatrice" if person else "",
                f"contatto{number + 1}@ente-{number % 500}.it",
                f"+39 06 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}",
                rng.choice(tuple(Sector)).value,
                rng.choice(tuple(Level)).value,
                rng.choice(PLACES),
                "it; en" if rng.random() < 0.5 else "it",
                "; ".join(rng.sample(SERVICES, 2)),
                "consent" if person else "legitimate_interest",
                "2026-03-02" if person else "",
            ]
        )
    return rows


def csv_file(rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return text.getvalue().encode()


def xlsx_file(rows: list[list[str]]) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# The figures


async def timed_import(
    client: httpx.AsyncClient, csrf: str, body: bytes, media_type: str, platform: str, *, dry_run: bool
) -> tuple[dict[str, Any], float]:
    response, seconds = await harness.timed_request(
        client,
        "POST",
        IMPORT,
        params={"platform": platform, "dry_run": str(dry_run).lower()},
        content=body,
        headers={"Content-Type": media_type, "x-csrf-token": csrf},
        timeout=IMPORT_TIMEOUT,
    )
    if response is None or response.status_code != 200:
        raise RuntimeError(
            f"the import failed: {response and response.status_code} {response and response.text[:2000]}"
        )
    return response.json(), seconds


async def run_benchmark(server: live_server.Server, options: argparse.Namespace) -> dict[str, Any]:
    await asyncio.to_thread(live_server.wait_until_healthy, server)
    admin = f"bench_admin_{secrets.token_hex(3)}"
    await harness.create_users(server, {admin: "admin"})
    rows = sheet_rows(options.rows)
    files = {"CSV": csv_file(rows), "XLSX": xlsx_file(rows)}
    results = []
    async with httpx.AsyncClient(base_url=server.base_url, timeout=harness.REQUEST_TIMEOUT) as client:
        csrf = await harness.sign_in(client, admin)
        for name, (media_type, platform) in FORMATS.items():
            body = files[name]
            # The best of three: the first read also loads the reader's modules.
            read_seconds = float("inf")
            for _ in range(3):
                started = time.perf_counter()
                sheet = spreadsheets.read_sheet(body, media_type)
                read_seconds = min(read_seconds, time.perf_counter() - started)
            if len(sheet.rows) != options.rows:
                raise RuntimeError(f"the {name} file holds {len(sheet.rows)} rows, not {options.rows}")
            expected = {
                "dry run": {"created": options.rows, "updated": 0, "unchanged": 0},
                "import": {"created": options.rows, "updated": 0, "unchanged": 0},
                "again": {"created": 0, "updated": 0, "unchanged": options.rows},
            }
            for step, counts in expected.items():
                cpu = harness.CpuUse(server.process.pid)
                answer, seconds = await timed_import(
                    client, csrf, body, media_type, platform, dry_run=step == "dry run"
                )
                phase = cpu.figures(seconds)
                got = {key: answer[key] for key in counts}
                if got != counts:
                    raise RuntimeError(f"{name} {step}: expected {counts}, the server answered {got}")
                results.append(
                    {
                        "format": name,
                        "step": step,
                        "platform": platform,
                        "rows": options.rows,
                        "file_kb": round(len(body) / 1024),
                        "seconds": round(seconds, 2),
                        "rows_per_second": round(options.rows / seconds),
                        "baseline_read_seconds": round(read_seconds, 2),
                        "ratio_to_read": round(seconds / read_seconds, 1),
                        **phase,
                        # What the server itself spent, in CPU seconds: on a shared machine the
                        # wall time grows with others' load, this much less.
                        "server_cpu_seconds": round(phase["server_cpu"] * seconds, 2)
                        if phase["server_cpu"] is not None
                        else None,
                    }
                )
    return {"results": results}


def format_table(result: dict[str, Any]) -> str:
    run = result["run"]
    lines = [
        f"Directory import: {run['rows']:,} rows a file ({run['database']}; {run['cpus']} CPUs)",
        "",
        f"{'format':<7}{'step':<9}{'KB':>6}{'seconds':>9}{'rows/s':>8}{'read s':>8}{'x read':>8}"
        f"{'srv':>6}{'srv s':>7}{'client':>7}{'others':>7}",
    ]
    columns = [
        ("seconds", 9, 2),
        ("rows_per_second", 8, 0),
        ("baseline_read_seconds", 8, 2),
        ("ratio_to_read", 8, 1),
        ("server_cpu", 6, 2),
        ("server_cpu_seconds", 7, 2),
        ("client_cpu", 7, 2),
        ("others_cpu", 7, 2),
    ]
    for row in result["results"]:
        lines.append(
            f"{row['format']:<7}{row['step']:<9}{row['file_kb']:>6}" + harness.figure_cells(row, columns)
        )
    lines.append("")
    lines.append(
        f"Slowest: {result['slowest_seconds']:.2f} s, target under {TARGET_SECONDS:g} s: "
        + ("met" if result["within_target"] else "MISSED")
    )
    lines += harness.cpu_notes(result["results"])
    return "\n".join(lines)


def main() -> int:
    options = parse_options()
    with harness.bench_workdir() as workdir:
        env = harness.server_environment(workdir, options.database_url)
        settings = load_settings(env)
        run = {
            **harness.run_header(options.database_url, is_sqlite=settings.is_sqlite),
            "rows": options.rows,
            **harness.machine(),
        }
        with live_server.running_server(workdir, env) as server:
            measured = asyncio.run(run_benchmark(server, options))
    slowest = max(row["seconds"] for row in measured["results"])
    result = {
        "run": run,
        **measured,
        "slowest_seconds": slowest,
        "target_seconds": TARGET_SECONDS,
        "within_target": slowest < TARGET_SECONDS,
    }
    return harness.report(result, options, format_table, per_database_kind=True)


if __name__ == "__main__":
    sys.exit(main())
