"""Cursor pagination: lists are walked newest first by (timestamp, id), the cursor opaque."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from typing import Annotated

import msgspec

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
