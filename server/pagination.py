"""Cursor pagination: every list is walked by (timestamp, id), newest or oldest first, a page at
a time; the cursor is opaque to clients and names the last row of the page before."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from typing import Annotated, Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from server.i18n import N_, message
from server.problems import FieldError, InvalidInput

MAX_LIMIT = 100
Limit = Annotated[int, msgspec.Meta(ge=1, le=MAX_LIMIT)]


def encode_cursor(at: dt.datetime, row_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode([at.isoformat(), str(row_id)])).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, uuid.UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        at, row_id = msgspec.json.decode(base64.urlsafe_b64decode(padded), type=tuple[dt.datetime, uuid.UUID])
        # Cursors are made by Tessera in UTC; a forged one without a zone, or at the edge of
        # time, is as invalid as garbage.
        if at.tzinfo is None:
            raise ValueError("a cursor's time carries its zone")
        at = at.astimezone(dt.UTC)
    except (ValueError, OverflowError, msgspec.DecodeError):
        raise InvalidInput(errors=[FieldError("cursor", message(N_("This cursor is not valid.")))]) from None
    return at, row_id


async def keyset_page(
    db: AsyncSession,
    query: sa.Select[*tuple[Any, ...]],
    *,
    key: tuple[InstrumentedAttribute[dt.datetime], InstrumentedAttribute[uuid.UUID]],
    cursor: str | None,
    limit: int,
    newest_first: bool = True,
) -> tuple[list[Any], str | None]:
    """One page of ``query`` ordered by ``key`` (a timestamp and the id that breaks its ties),
    after the row the cursor names, and the cursor of the next page (None on the last).

    A query of one entity gives its objects; of several, tuples, whose first entity holds the key.
    """
    at, row_id = key
    if cursor:
        # A row-value comparison, which both databases turn into a range of an index on the key.
        after = decode_cursor(cursor)
        query = query.where(sa.tuple_(at, row_id) < after if newest_first else sa.tuple_(at, row_id) > after)
    order = (at.desc(), row_id.desc()) if newest_first else (at, row_id)
    single = len(query.column_descriptions) == 1
    result = await db.execute(query.order_by(*order).limit(limit + 1))
    rows: list[Any] = list(result.scalars()) if single else [tuple(row) for row in result]
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1] if single else rows[limit - 1][0]
    return rows[:limit], encode_cursor(getattr(last, at.key), getattr(last, row_id.key))
