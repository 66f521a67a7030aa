"""Alembic environment: migrations run on the connection Tessera hands over, or on the URL.

Every process migrates at start-up, and compose starts web processes and a worker together:
on PostgreSQL each takes an advisory lock first, so one migrates and the others wait for it,
then find the schema at head. Without the lock two would create the same tables at once and
one would fail (``UniqueViolationError ... pg_type_typname_nsp_index``). On SQLite the writing
transaction the migration runs in already admits one at a time.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import create_async_engine

from server.models import Base

target_metadata = Base.metadata

# Any fixed number, the same in every Tessera process: the key of the migration lock.
MIGRATION_LOCK_KEY = 0x7E55E7A


def run_on(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # Held to the end of the transaction the migration runs in, so a failed migration
        # releases it too; the next process then reads the version the first one committed.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite alters tables by copying them; batch mode does that for us.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_from_url() -> None:
    engine = create_async_engine(context.config.get_main_option("sqlalchemy.url") or "")
    async with engine.begin() as connection:
        await connection.run_sync(run_on)
    await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Tessera's migrations run online: use `tessera migrate`.")

given = context.config.attributes.get("connection")
if given is not None:
    run_on(given)
else:
    asyncio.run(run_from_url())
