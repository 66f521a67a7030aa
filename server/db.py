"""The database: engine, per-request sessions, the declarative base and the migration hook.

One Alembic history serves SQLite (the embedded default) and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

import msgspec
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from litestar import Request
from litestar.di import NamedDependency
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
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


# A route's database session: declare a parameter ``db: Database``.
Database = NamedDependency[AsyncSession]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


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
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def provide_db(
    request: Request[Any, Any, Any],
    db_sessionmaker: NamedDependency[async_sessionmaker[AsyncSession]],
    db_reader: NamedDependency[async_sessionmaker[AsyncSession]],
) -> AsyncIterator[AsyncSession]:
    """One session per request, committed when the handler returns normally.

    GET requests only read, so on SQLite they take a snapshot instead of the write lock.
    """
    maker = db_reader if request.method in ("GET", "HEAD") else db_sessionmaker
    async with maker() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()


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
