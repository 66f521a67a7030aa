"""Revision 0007 widens users.role's CHECK for stakeholders without touching anyone's data.

On SQLite the usual way (batch mode: copy the table, drop the old one) would delete every
user's platforms, consent records and tokens through ON DELETE CASCADE, since foreign keys are
on inside the migration: this holds the revision to keeping them."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from alembic import command

from server.db import alembic_config, create_engine


async def run_alembic(database_url: str, action, revision: str) -> None:
    engine = create_engine(database_url)

    def run(connection: sa.Connection) -> None:
        config = alembic_config(database_url)
        config.attributes["connection"] = connection
        action(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)
    await engine.dispose()


def uuids(statement: str) -> sa.TextClause:
    names = [name for name in ("id", "event") if f":{name}" in statement]
    return sa.text(statement).bindparams(*(sa.bindparam(name, type_=sa.Uuid()) for name in names))


async def test_upgrading_to_stakeholders_keeps_every_users_platforms_and_consent(database_url):
    await run_alembic(database_url, command.downgrade, "0006")
    engine = create_engine(database_url)
    person = uuid.uuid4()
    async with engine.begin() as db:
        await db.execute(
            uuids(
                "INSERT INTO users (id, username, username_key, role, language, session_epoch, status, created_at)"
                " VALUES (:id, 'amina', 'amina', 'youth', 'en', 0, 'active', CURRENT_TIMESTAMP)"
            ),
            {"id": person},
        )
        await db.execute(uuids("INSERT INTO user_platforms VALUES (:id, 'DE')"), {"id": person})
        await db.execute(
            uuids(
                "INSERT INTO consent_events (id, user_id, version, locale, accepted, guardian_consented, recorded_at)"
                " VALUES (:event, :id, '1', 'en', true, false, CURRENT_TIMESTAMP)"
            ),
            {"event": uuid.uuid4(), "id": person},
        )
    await engine.dispose()

    await run_alembic(database_url, command.upgrade, "head")

    engine = create_engine(database_url)
    async with engine.begin() as db:
        assert (await db.execute(sa.text("SELECT count(*) FROM user_platforms"))).scalar() == 1
        assert (await db.execute(sa.text("SELECT count(*) FROM consent_events"))).scalar() == 1
        await db.execute(sa.text("UPDATE users SET role = 'stakeholder'"))
    with pytest.raises(sa.exc.IntegrityError):
        async with engine.begin() as db:
            await db.execute(sa.text("UPDATE users SET role = 'guest'"))
    await engine.dispose()
