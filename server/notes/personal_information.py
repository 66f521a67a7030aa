"""The personal-information guard: finds what looks like an e-mail address, a phone number or
a similar identifier in a note, so that a reviewer can redact it before anyone exports it.

It errs toward marking: a false alarm costs a reviewer a glance, a miss can expose a young person.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from server.i18n import N_

_HAS_AT = re.compile(r"@")
_HAS_DIGITS = re.compile(r"\d\D{0,2}\d")
_HAS_LINK = re.compile(r"https?://|www\.", re.IGNORECASE)

# (kind, a cheap test that must match first, the pattern): most notes hold no "@", no run of
# digits and no link, and the cheap tests spare them the costly patterns.
PATTERNS: list[tuple[str, re.Pattern[str], re.Pattern[str]]] = [
    ("email", _HAS_AT, re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)),
    ("url", _HAS_LINK, re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)),
    ("iban", _HAS_DIGITS, re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?\b")),
    # Seven or more digits, possibly with a country code and separators: a phone number, an
    # ID card, a residence permit or a case number all identify someone.
    ("phone_or_number", _HAS_DIGITS, re.compile(r"(?<![\w])\+?\d(?:[\s().-]{0,2}\d){6,}(?![\w])")),
    ("handle", _HAS_AT, re.compile(r"(?<![\w@])@[A-Za-z0-9_.]{3,30}\b")),
]


def find_spans(text: str, field: str) -> list[dict[str, Any]]:
    spans: list[dict[str, Any]] = []
    taken: list[tuple[int, int]] = []
    for kind, cheap_test, pattern in PATTERNS:
        if not cheap_test.search(text):
            continue
        for match in pattern.finditer(text):
            start, end = match.span()
            # An e-mail address is not also reported as a handle or a URL.
            if any(start < other_end and other_start < end for other_start, other_end in taken):
                continue
            taken.append((start, end))
            spans.append({"field": field, "start": start, "end": end, "kind": kind})
    return sorted(spans, key=lambda span: span["start"])


def scan_note(text: str, answers: Mapping[str, Any]) -> list[dict[str, Any]]:
    spans = find_spans(text, "text")
    for question_id, value in answers.items():
        for index, piece in enumerate(_texts(value)):
            field = (
                f"answers.{question_id}" if not isinstance(value, list) else f"answers.{question_id}.{index}"
            )
            spans.extend(find_spans(piece, field))
    return spans


def _texts(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        yield from (item for item in value if isinstance(item, str))


_EMAIL_OR_PHONE = re.compile(r"@|\d(?:[\s().-]{0,2}\d){6,}")
_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)


def interviewee_code_problem(code: str) -> str | None:
    """Why an interviewee code is not pseudonymous, as a msgid; None when it is fine.

    A code such as "DE-INT-014" or "blue-fox" identifies nobody; "Maria Rossi", an e-mail
    address or a phone number does.
    """
    if _EMAIL_OR_PHONE.search(code):
        return N_("An interviewee code must not be an e-mail address or a phone number.")
    parts = re.split(r"[\s._-]+", code.strip())
    only_words = len(parts) >= 2 and all(_WORD.fullmatch(part) for part in parts)
    if only_words and (" " in code.strip() or all(part[:1].isupper() for part in parts)):
        return N_("An interviewee code must not be a name. Use a code such as DE-INT-014.")
    return None
