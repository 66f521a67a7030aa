"""Notes written before tags went through the guard get their tags marked by migration 0006,
so that an address written as a tag then is redacted in exports like one written now."""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import command

from server.db import alembic_config, create_engine
from tests.notes.conftest import note_body

ADDRESS = "maria@example.org"


async def test_migration_marks_tags_of_notes_written_before_tags_were_scanned(app, author, settings):
    body = note_body(text="We met at school.", tags=["school", ADDRESS])
    assert (await author.request("PUT", f"/api/v1/notes/{body['id']}", json=body)).status_code == 201
    engine = create_engine(settings.database_url)
    cleared_text_span = {"field": "text", "start": 0, "end": 2, "kind": "handle", "cleared": True}

    def back_to_before_tags_were_scanned_and_up_again(connection: sa.Connection) -> None:
        # As the note was stored before: only a (cleared) passage of its text marked.
        connection.execute(
            sa.text("UPDATE notes SET personal_information = :spans"),
            {"spans": json.dumps([cleared_text_span])},
        )
        config = alembic_config(str(engine.url))
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")
        command.upgrade(config, "head")

    try:
        async with engine.begin() as connection:
            await connection.run_sync(back_to_before_tags_were_scanned_and_up_again)
        async with engine.connect() as connection:
            spans = (await connection.execute(sa.text("SELECT personal_information FROM notes"))).scalar_one()
    finally:
        await engine.dispose()
    if isinstance(spans, str):  # SQLite hands JSON back as text to a plain query
        spans = json.loads(spans)
    # The cleared passage keeps its position; the tag's address is marked after it.
    assert spans[0] == cleared_text_span
    assert spans[1:] == [{"field": "tags.1", "start": 0, "end": len(ADDRESS), "kind": "email"}]
