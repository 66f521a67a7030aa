"""Tessera with two bare write routes beside the real ones, for bench/sync_notes.py.

The bare routes take the same bodies as ``POST /api/v1/sync`` and ``PUT /api/v1/notes/{id}``
and decode them the same way, then answer as if every note were created, without touching
the database or the session store. What the real routes cost beyond that is the price of
checking and storing notes. Never serve this app to anyone: the bare routes need no sign-in.

    uvicorn --factory bench.bare_app:create    # settings from TESSERA_* variables
"""

from __future__ import annotations

import uuid

import msgspec
from litestar import Litestar, post, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from server.app import create_app
from server.db import utcnow
from server.notes.schemas import NoteIn, SyncIn, SyncOut, SyncResult
from server.problems import InvalidInput

BARE_SYNC = "/bench/bare-sync"
BARE_NOTES = "/bench/bare-notes"


class BareNoteOut(msgspec.Struct):
    id: uuid.UUID
    version: int


# exclude_from_auth: the benchmark sends the real routes' cookie and CSRF header here too, so
# the client's work is the same, but nothing here reads the session store or the users table.
@post(BARE_SYNC, exclude_from_auth=True, status_code=HTTP_200_OK, include_in_schema=False)
async def bare_sync(data: JSONBody[SyncIn]) -> SyncOut:
    # Each item as _decode_items in server/notes/routes.py takes it: its id read first, then
    # converted on its own, so that a bad item is answered by its id.
    results = []
    for raw in data.notes:
        try:
            note_id = uuid.UUID(str(raw.get("id")))
        except ValueError:
            raise InvalidInput() from None
        try:
            msgspec.convert(raw, NoteIn, strict=False)
        except msgspec.ValidationError:
            results.append(SyncResult(id=note_id, status="invalid"))
        else:
            results.append(SyncResult(id=note_id, status="created", version=1))
    return SyncOut(results=results, server_time=utcnow(), changes=[])


@put(
    BARE_NOTES + "/{note_id:uuid}",
    exclude_from_auth=True,
    status_code=HTTP_201_CREATED,
    include_in_schema=False,
)
async def bare_put_note(note_id: FromPath[uuid.UUID], data: JSONBody[NoteIn]) -> BareNoteOut:
    if data.id != note_id:
        raise InvalidInput()
    return BareNoteOut(id=data.id, version=1)


def create() -> Litestar:
    """For uvicorn's --factory: the real app, settings from the environment, plus the bare routes."""
    app = create_app()
    app.register(bare_sync)
    app.register(bare_put_note)
    return app
