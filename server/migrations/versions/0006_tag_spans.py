"""Tags go through the personal-information guard: mark what it finds in the tags of notes
written before it looked at them, so that exports redact those tags too.

The spans are appended after the note's existing ones, so the positions reviewers have
already cleared keep pointing at the passages they judged.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

import re
from bisect import bisect_left
from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

notes = sa.table(
    "notes",
    sa.column("id", sa.Uuid()),
    sa.column("tags", sa.JSON()),
    sa.column("personal_information", sa.JSON()),
)
BATCH = 1000


# The personal-information guard as it stood when this revision was written
# (server/notes/personal_information.py): a copy, so that a later change to the live guard never
# changes what this revision marks. Every pattern runs in time linear in the text; the live
# module says why each one does.
_HAS_AT = re.compile(r"@")
_HAS_DIGITS = re.compile(r"\d\D{0,2}\d")
_HAS_LINK = re.compile(r"https?://|www\.", re.IGNORECASE)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]++@[\w-]++(?:\.[\w-]++)+")
_EMAIL_HERE = re.compile(r"[\w.+-]++@[\w-]++(?:\.[\w-]++)+")
_URL = re.compile(r"\b(?:https?://|www\.)\S++", re.IGNORECASE)
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?\b")
_PHONE_OR_NUMBER = re.compile(r"(?<![\w])\+?\d(?>[\s().-]{0,2}\d){6,}(?![\w])")
_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z0-9_.]{3,30}\b")


def _emails(text: str) -> Iterator[tuple[int, int]]:
    match = _EMAIL.search(text)
    while match is not None:
        yield match.span()
        match = _EMAIL_HERE.match(text, match.end()) or _EMAIL.search(text, match.end())


def _each(pattern: re.Pattern[str]) -> Callable[[str], Iterator[tuple[int, int]]]:
    return lambda text: (match.span() for match in pattern.finditer(text))


PATTERNS: list[tuple[str, re.Pattern[str], Callable[[str], Iterator[tuple[int, int]]]]] = [
    ("email", _HAS_AT, _emails),
    ("url", _HAS_LINK, _each(_URL)),
    ("iban", _HAS_DIGITS, _each(_IBAN)),
    ("phone_or_number", _HAS_DIGITS, _each(_PHONE_OR_NUMBER)),
    ("handle", _HAS_AT, _each(_HANDLE)),
]


def find_spans(text: str, field: str) -> list[dict[str, Any]]:
    taken: list[tuple[int, int, str]] = []
    for kind, cheap_test, find in PATTERNS:
        if not cheap_test.search(text):
            continue
        starts = [start for start, _, _ in taken]
        found: list[tuple[int, int, str]] = []
        for start, end in find(text):
            # An e-mail address is not also reported as a handle or a URL.
            before = bisect_left(starts, end)
            if before and taken[before - 1][1] > start:
                continue
            found.append((start, end, kind))
        taken = sorted(taken + found)
    return [{"field": field, "start": start, "end": end, "kind": kind} for start, end, kind in taken]


def upgrade() -> None:
    bind = op.get_bind()
    last_id = None
    while True:
        query = sa.select(notes.c.id, notes.c.tags, notes.c.personal_information).order_by(notes.c.id)
        if last_id is not None:
            query = query.where(notes.c.id > last_id)
        rows = bind.execute(query.limit(BATCH)).all()
        if not rows:
            return
        last_id = rows[-1].id
        for note_id, tags, spans in rows:
            spans = list(spans or [])
            if any(str(span.get("field", "")).startswith("tags.") for span in spans):
                continue
            found = [
                span for index, tag in enumerate(tags or []) for span in find_spans(tag, f"tags.{index}")
            ]
            if found:
                bind.execute(
                    notes.update().where(notes.c.id == note_id).values(personal_information=spans + found)
                )


def downgrade() -> None:
    # The marks are kept: removing them would let personal information out again.
    pass
