"""Notes stored before migration 0023 get their size (Note.characters) counted by it, so that
an XLSX of them still knows whether it may pass 4 GiB; and 0023 goes down and up again."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from server.db import alembic_config, create_engine
from server.notes.models import note_characters
from tests.notes.conftest import note_body


async def test_migration_counts_the_characters_of_notes_stored_before_it(app, author, settings):
    text = "Sie erzählt 🙂 von der Schule, مرحبا بكم في المدرسة. " * 50
    answers = {
        "age_band": "16_17",
        "belonging": 4,
        "hopes": "Krankenpflege lernen, bei der Schwester bleiben.",
    }
    body = note_body(text=text, answers=answers)
    assert (await author.request("PUT", f"/api/v1/notes/{body['id']}", json=body)).status_code == 201
    engine = create_engine(settings.database_url)

    def down_before_sizes_and_up_again(connection: sa.Connection) -> None:
        config = alembic_config(str(engine.url))
        config.attributes["connection"] = connection
        command.downgrade(config, "0022_exportindex")
        assert "characters" not in {column["name"] for column in sa.inspect(connection).get_columns("notes")}
        command.upgrade(config, "head")

    try:
        async with engine.connect() as connection:
            written = (await connection.execute(sa.text("SELECT characters FROM notes"))).scalar_one()
        async with engine.begin() as connection:
            await connection.run_sync(down_before_sizes_and_up_again)
        async with engine.connect() as connection:
            counted = (await connection.execute(sa.text("SELECT characters FROM notes"))).scalar_one()
    finally:
        await engine.dispose()
    # The server counts the text's characters and the answers' bytes of JSON; the migration
    # counts the answers as the database stores them (spaced, non-ASCII escaped on SQLite):
    # never fewer than the server would, so the bound an XLSX draws from them still holds.
    assert written == note_characters(text, answers)
    assert counted >= written > len(text)
