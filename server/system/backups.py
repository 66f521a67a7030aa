"""`tessera backup` and `tessera restore`: a consistent copy of the database while Tessera
runs, and putting one back into an empty database.

SQLite is copied with its online backup API in one step, which reads one snapshot while
writers go on (copying the file with ``cp`` would miss what is still in the write-ahead log).
PostgreSQL is dumped with ``pg_dump`` in its custom format, one snapshot too, and restored
with ``pg_restore`` in one transaction: a restore that fails leaves the database empty.

A restore goes only into an empty database: merging a backup into live data would mix two
histories of the same notes, and replacing live data should never be one command away.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.engine import URL, make_url

# What marks a database as Tessera's (Alembic's record of the schema's revision).
VERSION_TABLE = "alembic_version"
BUSY_TIMEOUT_MS = 30_000


class BackupError(Exception):
    """What went wrong, said to the operator in a sentence."""


def backup(database_url: str, path: Path) -> None:
    """Write a consistent copy of the database to ``path`` (which must not exist yet)."""
    if path.exists():
        raise BackupError(f"{path} exists already: give a new name, a backup never overwrites one")
    if not path.parent.is_dir():
        raise BackupError(f"{path.parent} is not a directory")
    url = make_url(database_url)
    # Written beside the target and renamed at the end: a backup that stops half-way never
    # looks like a finished one.
    partial = path.with_name(f".{path.name}.partial")
    try:
        if url.get_backend_name() == "sqlite":
            _backup_sqlite(_sqlite_file(url), partial)
        else:
            _run(_pg_tool("pg_dump"), "--format=custom", f"--file={partial}", env=_libpq_environment(url))
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def restore(database_url: str, path: Path) -> None:
    """Put the backup at ``path`` into the database, which must be empty."""
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        _restore_sqlite(path, _sqlite_file(url))
    else:
        _restore_postgresql(path, url)


# SQLite


def _sqlite_file(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("TESSERA_DATABASE_URL names no database file")
    return Path(url.database)


def _backup_sqlite(database: Path, target: Path) -> None:
    if not database.is_file():
        raise BackupError(f"there is no database at {database}")
    # Read-only: a typo in the path must not create an empty database to back up.
    source = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if not _is_tessera_database(source):
            raise BackupError(f"{database} is not a Tessera database")
        # All pages in one step: one read transaction, so one consistent snapshot, however
        # much the server writes meanwhile (in WAL mode it neither waits nor makes anyone wait).
        source.backup(copy)
        # One self-contained file, with no write-ahead log beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{database} could not be read: {error}") from None
    finally:
        copy.close()
        source.close()


def _restore_sqlite(backup_file: Path, database: Path) -> None:
    try:
        source = sqlite3.connect(f"{backup_file.resolve().as_uri()}?mode=ro", uri=True)
        try:
            is_tessera = _is_tessera_database(source)
        finally:
            source.close()
    except sqlite3.DatabaseError:
        is_tessera = False
    if not is_tessera:
        raise BackupError(f"{backup_file} is not a backup of a Tessera SQLite database")
    database.parent.mkdir(parents=True, exist_ok=True)
    target = sqlite3.connect(database)
    try:
        target.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if target.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise BackupError(f"{database} is not empty: restore only into a new, empty database")
        source = sqlite3.connect(f"{backup_file.resolve().as_uri()}?mode=ro", uri=True)
        try:
            source.backup(target)
        finally:
            source.close()
        # Back to the mode Tessera runs in (server/db.py sets it on every connection as well).
        target.execute("PRAGMA journal_mode=WAL")
    finally:
        target.close()


def _is_tessera_database(connection: sqlite3.Connection) -> bool:
    found = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (VERSION_TABLE,)
    ).fetchone()
    return found is not None


# PostgreSQL


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed: install PostgreSQL's client tools (on Debian: postgresql-client), "
            "of the server's major version or newer"
        )
    return found


def _libpq_environment(url: URL) -> dict[str, str]:
    """The connection as libpq's variables: a password on the command line would show in `ps`."""
    given = {
        "PGHOST": url.host,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
        # asyncpg's ?ssl=require is libpq's sslmode.
        "PGSSLMODE": _first(url.query, "ssl") or _first(url.query, "sslmode"),
    }
    return {**os.environ, **{name: value for name, value in given.items() if value}}


def _first(query: Mapping[str, str | tuple[str, ...]], name: str) -> str | None:
    value = query.get(name)
    return value[0] if isinstance(value, tuple) else value


def _restore_postgresql(backup_file: Path, url: URL) -> None:
    pg_restore = _pg_tool("pg_restore")
    env = _libpq_environment(url)
    # The tools' paths come from shutil.which and every argument from the operator's own command.
    listing = subprocess.run(  # noqa: S603
        [pg_restore, "--list", str(backup_file)], env=env, capture_output=True, check=False
    )
    if listing.returncode != 0:
        raise BackupError(f"{backup_file} is not a PostgreSQL backup made by `tessera backup`")
    tables = asyncio.run(_count_tables(url))
    if tables:
        raise BackupError(
            f"the database {url.database} is not empty ({tables} tables): restore only into a new, empty database"
        )
    _run(
        pg_restore,
        # One transaction: a failed restore leaves the database as empty as it was.
        "--single-transaction",
        "--exit-on-error",
        # The tables belong to whoever restores them, which need not be who made the backup.
        "--no-owner",
        "--no-privileges",
        f"--dbname={url.database}",
        str(backup_file),
        env=env,
    )


async def _count_tables(url: URL) -> int:
    from server.db import create_engine

    engine = create_engine(url.render_as_string(hide_password=False))
    try:
        async with engine.connect() as connection:
            counted = await connection.exec_driver_sql(
                "SELECT count(*) FROM pg_catalog.pg_tables "
                "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
            )
            return int(counted.scalar_one())
    finally:
        await engine.dispose()


def _run(*command: str, env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()}")
