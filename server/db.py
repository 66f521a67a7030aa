"""The database: engines, the unit of work of each request, the declarative base and the
migration hook. One Alembic history serves SQLite (the embedded default) and PostgreSQL.

The transaction rule, which every domain follows:

1. A request has one unit of work: the session ``provide_db`` gives a handler as
   ``db: Database``. It commits once, when the handler has returned and its answer is made,
   and rolls back when anything raises, so a request that fails leaves nothing behind.
   Handlers and services never call ``commit()`` or ``rollback()``; they ``flush()`` only
   when they need what the database gives back (an id, a constraint checked now).
2. A race is handled where it happens, with a savepoint: ``async with db.begin_nested():``
   around the write that may lose, so the rest of the unit of work stays. (A race answered
   with an error needs none: the whole unit rolls back.)
3. What must wait for the commit (waking the push delivery worker, later sending e-mail,
   ending a session in the store) is registered at the call site with
   ``after_commit(db, callback)``: it runs once the commit has succeeded, never after a
   rollback.
4. What must be kept whatever becomes of the request (the audit record of a failed sign-in
   or of an export before its first byte, a token's last use noted by the authentication
   middleware) is written in a unit of work of its own, committed when its block ends:
   ``async with databases.separate_unit_of_work() as db:``. Reads that must hold no lock
   while slow work follows (a lookup before a password hash) use ``databases.reading()``.
   Both are opened only while the request's own unit has not written yet: on SQLite a
   second writer would wait for the first.
5. GET and HEAD requests only read: the provider alone decides that they get a reader
   session, which on SQLite takes a snapshot and no lock.
6. SQLite has one writer at a time. Every writing transaction of the process queues for its
   engine's write gate (taken at BEGIN, given back when the connection returns to the pool)
   and is woken the moment the one before it ends, instead of sleeping and polling inside
   SQLite. A writer cancelled while SQLite runs its statement (a timeout, a shutdown) has
   that statement interrupted, so its lock is not held on for nobody while the next one
   waits. PostgreSQL locks rows and needs no gate.

Background workers and the CLI serve no request: each step of theirs is a unit of work of
its own, ``async with unit_of_work(maker) as db:``. ``commit()`` is called here and nowhere else.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import anyio
import msgspec
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from litestar import Request
from litestar.di import NamedDependency
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


# A time a client sends must say its zone: "14:30" alone is a different moment in Leipzig
# and in Kyiv, and the database columns refuse it.
AwareDateTime = Annotated[dt.datetime, msgspec.Meta(tz=True)]


class UtcDateTime(sa.TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite keeps no zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: give a timezone")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


Word = TypeVar("Word", bound=StrEnum)


class VocabularyColumn(sa.TypeDecorator[Word]):
    """A column holding one word of a vocabulary (a StrEnum): stored as its text, read back as the word."""

    impl = sa.String
    cache_ok = True

    def __init__(self, vocabulary: type[Word], length: int) -> None:
        super().__init__(length)
        self.vocabulary = vocabulary

    def process_bind_param(self, value: str | None, dialect: sa.Dialect) -> str | None:
        if isinstance(value, self.vocabulary):
            return value.value  # already a word of it; looking it up again costs a batch dearly
        return None if value is None else self.vocabulary(value).value

    def process_result_value(self, value: str | None, dialect: sa.Dialect) -> Word | None:
        return None if value is None else self.vocabulary(value)


def one_of(column: str, vocabulary: type[StrEnum], name: str) -> sa.CheckConstraint:
    """The CHECK that keeps a column within its vocabulary (the same text the migrations created)."""
    words = ", ".join(f"'{word.value}'" for word in vocabulary)
    return sa.CheckConstraint(f"{column} IN ({words})", name=name)


# A route's database session: declare a parameter ``db: Database``.
Database = NamedDependency[AsyncSession]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def insert_on_conflict(db: AsyncSession, table: Any) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that can say ON CONFLICT DO NOTHING or DO UPDATE, in the dialect of the session's
    database: PostgreSQL and SQLite share the clause, not the class that writes it."""
    return dialect_insert(db.get_bind().dialect.name, table)


def dialect_insert(dialect: str, table: Any) -> postgresql.Insert | sqlite.Insert:
    """insert_on_conflict by the dialect's name, for a statement built once and cached."""
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


class month_of(sa.sql.functions.FunctionElement[str]):
    """The UTC month of a timestamp as 'YYYY-MM', to group by: SQLite and PostgreSQL spell it
    differently. UtcDateTime stores UTC, as text in SQLite and as timestamptz in PostgreSQL,
    whose months are read in UTC whatever the session's time zone."""

    type = sa.String()
    name = "month_of"
    inherit_cache = True


@compiles(month_of, "sqlite")
def _month_of_sqlite(element: month_of, compiler: Any, **kw: Any) -> str:
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)})"


@compiles(month_of, "postgresql")
def _month_of_postgresql(element: month_of, compiler: Any, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)} AT TIME ZONE 'UTC', 'YYYY-MM')"


# JSON columns (answers, tags, spans) are read for every note of an export: msgspec decodes
# them several times faster than the standard library.
JSON_CODEC: dict[str, Any] = {
    "json_serializer": lambda value: msgspec.json.encode(value).decode(),
    "json_deserializer": msgspec.json.decode,
}


def create_engine(database_url: str, *, read_only: bool = False) -> AsyncEngine:
    """An engine; on SQLite, ``read_only`` gives one whose transactions take no write lock."""
    url = make_url(database_url)
    # Errors never quote the values of a statement: they would copy names into the logs.
    if url.get_backend_name() != "sqlite":
        return create_async_engine(url, pool_pre_ping=True, hide_parameters=True, **JSON_CODEC)
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, connect_args={"timeout": 30}, hide_parameters=True, **JSON_CODEC)
    _configure_sqlite(engine, read_only=read_only)
    return engine


def _configure_sqlite(engine: AsyncEngine, *, read_only: bool) -> None:
    gate = None if read_only else WriteGate()

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event decide how transactions start (see below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Erasure must leave no trace of a person in the file: freed cells are zeroed.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        if read_only:
            cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A deferred transaction that reads and then writes fails at once with SQLITE_BUSY
        # when another writer committed in between; taking the write lock up front makes
        # concurrent requests wait their turn instead. Reads need no lock: in WAL mode they
        # see a snapshot and neither wait for writers nor make them wait.
        if gate is None:
            connection.exec_driver_sql("BEGIN")
            return
        # Writers of this process wait for their turn at the gate (rule 6), awake, rather
        # than for the lock inside SQLite.
        info = connection.connection.info
        if not info.get(_HOLDS_GATE):
            connection.connection.dbapi_connection.run_async(lambda _driver: gate.enter())
            info[_HOLDS_GATE] = True
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    if gate is not None:

        @event.listens_for(engine.sync_engine.pool, "checkin")
        def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
            # Given back once the connection is home: its commit or rollback is complete.
            if record.info.pop(_HOLDS_GATE, False):
                gate.leave()

        @event.listens_for(engine.sync_engine.pool, "invalidate")
        def _on_invalidate(dbapi_connection: Any, record: Any, _error: BaseException | None) -> None:
            if record.info.get(_HOLDS_GATE):
                stop_abandoned_statement(dbapi_connection)


def stop_abandoned_statement(dbapi_connection: Any) -> None:
    """Interrupt the statement SQLite may still be running for a writer that gave up on it.

    A writer cancelled while SQLite runs its statement (a client gone, a timeout, a shutdown):
    SQLAlchemy gives the connection up and asks it to close, but aiosqlite's thread finishes
    the statement first, holding SQLite's write lock all along, while the gate already lets the
    next writer in. That writer then polls inside SQLite for as long as the abandoned statement
    runs, and fails with "database is locked" after 30 s. Its result is wanted by nobody and its
    transaction is rolled back when the connection closes, so it is stopped now.
    ``sqlite3.Connection.interrupt`` is the one call SQLite allows from another thread.
    """
    # aiosqlite keeps its sqlite3 connection in ``_connection`` (None once closed); it offers
    # interrupt() only through the queue the running statement blocks.
    sqlite_connection = getattr(dbapi_connection.driver_connection, "_connection", None)
    if sqlite_connection is not None:
        sqlite_connection.interrupt()


_HOLDS_GATE = "tessera.holds_write_gate"


class WriteGate:
    """One writing transaction at a time on a SQLite engine, the others queued in turn.

    A writer that waits for SQLite's lock inside SQLite sleeps and polls; here it is woken
    the moment the one before it is done. A task that opens a second writing transaction
    while it holds the first would wait for itself: it is refused at once instead.
    """

    def __init__(self) -> None:
        self._turn = anyio.Semaphore(1)
        self._holder: object | None = None

    async def enter(self) -> None:
        task = anyio.get_current_task().id
        if self._holder == task:
            raise RuntimeError(
                "this task already holds a writing transaction on SQLite: write in its unit of work, "
                "or open the separate one before the request's unit writes"
            )
        await self._turn.acquire()
        self._holder = task

    def leave(self) -> None:
        self._holder = None
        self._turn.release()


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


# The unit of work

_AFTER_COMMIT = "tessera.after_commit"
READING_METHODS = frozenset({"GET", "HEAD"})


@contextlib.asynccontextmanager
async def unit_of_work(maker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session that commits once when the block ends, or rolls back if it raises; then
    runs what ``after_commit`` registered on it, only if the commit succeeded."""
    session = maker()
    try:
        session.info[_AFTER_COMMIT] = []
        yield session
        await session.commit()
        callbacks = session.info.pop(_AFTER_COMMIT)
    finally:
        # Closing rolls back what was not committed, and must finish even for a request that
        # is cancelled: the connection, and with it SQLite's write gate, goes back.
        with anyio.CancelScope(shield=True):
            await session.close()
    # The change is stored: every callback runs, and the first to fail is then reported.
    failures = []
    for callback in callbacks:
        try:
            result = callback()
            if inspect.isawaitable(result):
                await result
        except Exception as failure:
            failures.append(failure)
    if failures:
        raise failures[0]


def after_commit(db: AsyncSession, callback: Callable[[], Awaitable[None] | None]) -> None:
    """Run ``callback`` once ``db``'s unit of work has committed; never if it rolls back.

    For side effects the database cannot take back: waking a worker, sending e-mail. A
    callback is quick; what takes long belongs to a worker that the callback wakes.
    """
    callbacks = db.info.get(_AFTER_COMMIT)
    if callbacks is None:
        raise RuntimeError("after_commit needs a session from unit_of_work (server.db)")
    callbacks.append(callback)


@dataclass(frozen=True, slots=True)
class Databases:
    """The app's database: a session maker for writers, and one for readers (on SQLite a
    read-only engine whose transactions take no lock; on PostgreSQL the same engine)."""

    writer: async_sessionmaker[AsyncSession]
    reader: async_sessionmaker[AsyncSession]

    def separate_unit_of_work(self) -> contextlib.AbstractAsyncContextManager[AsyncSession]:
        """A short unit of work beside the request's, for what must be kept even if the
        request fails (rule 4 above)."""
        return unit_of_work(self.writer)

    def reading(self) -> contextlib.AbstractAsyncContextManager[AsyncSession]:
        """A reading session outside any request's unit of work."""
        return unit_of_work(self.reader)


async def provide_db(
    request: Request[Any, Any, Any], databases: NamedDependency[Databases]
) -> AsyncIterator[AsyncSession]:
    """The request's unit of work (rule 1 above); a reader for GET and HEAD (rule 5)."""
    maker = databases.reader if request.method in READING_METHODS else databases.writer
    async with unit_of_work(maker) as session:
        yield session


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url)
    return config


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the newest revision; safe to run on every start."""

    def _upgrade(connection: sa.Connection) -> None:
        config = alembic_config(str(engine.url))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)


async def checkpoint_and_truncate_wal(engine: AsyncEngine) -> None:
    """Fold the write-ahead log into the database and empty it.

    The WAL keeps old page images; after an erasure they would still hold the person's name.
    """
    if engine.dialect.name != "sqlite":
        return
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        await driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")
