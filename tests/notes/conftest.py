"""Builders for field-note tests: a note body as a device would send it."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

FIRST_GUIDE_ID = "6f1c1b52-5d0e-4a57-9a43-0c5d2b8f7e01"


def note_body(
    note_id: uuid.UUID | str | None = None, base_version: int = 0, **overrides: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(note_id or uuid.uuid4()),
        "base_version": base_version,
        "kind": "interview",
        "platform": "DE",
        "language": "de",
        "recorded_at": (dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)).isoformat(),
        "interviewee_code": "DE-INT-014",
        "consent_confirmed": True,
        "status": "submitted",
        "guide_id": FIRST_GUIDE_ID,
        "answers": {"age_band": "16_17", "belonging": 4, "hopes": "Study nursing and stay near my sister."},
        "text": "We met after school in the library. She talked about her first year here.",
        "tags": ["education", "family"],
    }
    body.update(overrides)
    return body


@pytest.fixture
async def author(people):
    return await people("amina", "youth", ["DE"])
