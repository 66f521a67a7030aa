"""The personal-information guard: finds what looks like an e-mail address, a phone number or
a similar identifier in a note, so that a reviewer can redact it before anyone exports it.

It errs toward marking: a false alarm costs a reviewer a glance, a miss can expose a young person.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import anyio
import anyio.to_thread
from anyio.lowlevel import RunVar, checkpoint

from server.i18n import N_

# Every pattern here runs in time linear in the text, whatever the text: a note is written by
# anyone with an account, and one pattern that backtracks over a long run of the characters it
# accepts ("a" * 24_999 + "@" + "a" * 25_000 took 68 s) holds up the whole server. So each
# pattern either has bounded repetitions, or starts only where a run of what it accepts starts
# (the lookbehinds) and takes the run possessively (++, (?>...)), so that no character is read
# by more than a few attempts; _PHONE_OR_NUMBER says why its one backtracking step is bounded.
# tests/notes/test_personal_information.py holds them to linear time, and to what they found
# before they were made so.

_HAS_AT = re.compile(r"@")
_HAS_DIGITS = re.compile(r"\d\D{0,2}\d")
_HAS_LINK = re.compile(r"https?://|www\.", re.IGNORECASE)

# The local part starts only where a run of its characters starts; a match right where the
# previous one ended (a@b.c+d@e.f holds two) is tried there by _EMAIL_HERE.
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]++@[\w-]++(?:\.[\w-]++)+")
_EMAIL_HERE = re.compile(r"[\w.+-]++@[\w-]++(?:\.[\w-]++)+")
_URL = re.compile(r"\b(?:https?://|www\.)\S++", re.IGNORECASE)
# Bounded: at most 43 characters from each start.
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?\b")
# Seven or more digits, possibly with a country code and separators: a phone number, an
# ID card, a residence permit or a case number all identify someone. A match starts only
# after a character that is not a word character, so not inside a run of digits, and each
# separated digit is taken whole; the final lookahead may hand back digits, but only down to
# the last separator, so at most a handful of starts ever reach the same digits.
_PHONE_OR_NUMBER = re.compile(r"(?<![\w])\+?\d(?>[\s().-]{0,2}\d){6,}(?![\w])")
# Bounded: at most 31 characters from each "@".
_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z0-9_.]{3,30}\b")


def _emails(text: str) -> Iterator[tuple[int, int]]:
    match = _EMAIL.search(text)
    while match is not None:
        yield match.span()
        match = _EMAIL_HERE.match(text, match.end()) or _EMAIL.search(text, match.end())


def _each(pattern: re.Pattern[str]) -> Callable[[str], Iterator[tuple[int, int]]]:
    return lambda text: (match.span() for match in pattern.finditer(text))


# (kind, a cheap test that must match first, what finds the spans): most notes hold no "@", no
# run of digits and no link, and the cheap tests spare them the costlier patterns.
PATTERNS: list[tuple[str, re.Pattern[str], Callable[[str], Iterator[tuple[int, int]]]]] = [
    ("email", _HAS_AT, _emails),
    ("url", _HAS_LINK, _each(_URL)),
    ("iban", _HAS_DIGITS, _each(_IBAN)),
    ("phone_or_number", _HAS_DIGITS, _each(_PHONE_OR_NUMBER)),
    ("handle", _HAS_AT, _each(_HANDLE)),
]

# Even the cheap tests cost a pass of the regular-expression engine each, several per field of
# every note. Before them, one pass in C over a text in Latin-1 (most notes: German, French,
# Italian...) keeps only the characters they look for: an "@", digits (the only digits in
# Latin-1 are 0-9), and what "https://" and "www." are made of. A cheap test can match only
# where what it needs is among them, so a text with none is done; other scripts (Arabic,
# Ukrainian: digits of their own) go to the cheap tests straight away.
_CLUE_CHARACTERS = frozenset(b"0123456789@:/.wW")
_NOT_CLUES = bytes(byte for byte in range(256) if byte not in _CLUE_CHARACTERS)
_NOT_DIGITS = bytes(byte for byte in range(256) if not 0x30 <= byte <= 0x39)
_PHONE_DIGITS = 7


def _kinds_to_look_for(text: str) -> frozenset[str] | None:
    """The kinds a text can hold, judged in one pass; None when that pass cannot tell."""
    try:
        latin = text.encode("latin-1")
    except UnicodeEncodeError:
        return None
    clues = latin.translate(None, _NOT_CLUES)
    kinds: set[str] = set()
    if b"@" in clues:
        kinds.update(("email", "handle"))
    digits = len(clues.translate(None, _NOT_DIGITS))
    if digits >= 2:
        kinds.add("iban")
    # Seven digits at least make a phone number (or an ID card's number): an age band, a year
    # or a date has fewer.
    if digits >= _PHONE_DIGITS:
        kinds.add("phone_or_number")
    # The clues of "www." may come from far apart: the text itself says whether they are together.
    if b"://" in clues or (b"www." in clues.lower() and b"www." in latin.lower()):
        kinds.add("url")
    return frozenset(kinds)


def find_spans(text: str, field: str) -> list[dict[str, Any]]:
    kinds = _kinds_to_look_for(text)
    if kinds is not None and not kinds:
        return []
    # What earlier patterns found, sorted and disjoint, so that their ends are sorted too and
    # one bisection tells whether a new span overlaps any: a text can hold thousands of spans.
    taken: list[tuple[int, int, str]] = []
    for kind, cheap_test, find in PATTERNS:
        if (kinds is not None and kind not in kinds) or not cheap_test.search(text):
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


def scan_note(text: str, answers: Mapping[str, Any], tags: Sequence[str] = ()) -> list[dict[str, Any]]:
    spans = find_spans(text, "text")
    for question_id, value in answers.items():
        if isinstance(value, str):
            spans.extend(_short_field_spans(value, f"answers.{question_id}"))
        elif isinstance(value, list):
            pieces = (piece for piece in value if isinstance(piece, str))
            for index, piece in enumerate(pieces):
                spans.extend(_short_field_spans(piece, f"answers.{question_id}.{index}"))
    # Tags leave the platform as column values and as the codes of a QDPX project: what the
    # guard marks in one is redacted like a passage of the text, unless a reviewer clears it.
    for index, tag in enumerate(tags):
        spans.extend(_short_field_spans(tag, f"tags.{index}"))
    return spans


# A note's answers and tags are mostly a few words, a dozen of them a note. For so short a text,
# asking whether it holds what every cheap test needs ("@", a digit, "://", "www.") costs a
# fraction of the pass through Latin-1, and tells most of them at once that there is nothing.
_SHORT_FIELD = 200
_A_DIGIT = re.compile(r"\d")


def _short_field_spans(text: str, field: str) -> list[dict[str, Any]]:
    if (
        len(text) <= _SHORT_FIELD
        and "@" not in text
        and "://" not in text
        and "www." not in text.lower()
        and not _A_DIGIT.search(text)
    ):
        return []
    return find_spans(text, field)


# Up to this many characters a note is scanned on the event loop: 4 ms of CPU on the worst text
# we know. A longer one is scanned in a worker thread (the worst 1 MiB request takes about 0.8 s),
# so that other requests are answered meanwhile. That helps only because each pattern is linear:
# a pattern runs in C and holds the GIL until it returns, and more scanning threads than this
# would only make the event loop wait longer for the GIL.
SCAN_ON_LOOP_CHARS = 4_000
_SCANNING_THREADS = 2
_scanners: RunVar[anyio.CapacityLimiter] = RunVar("personal_information_scanners")


async def scan_notes_off_loop(
    notes: Sequence[tuple[str, Mapping[str, Any], Sequence[str]]],
) -> list[list[dict[str, Any]]]:
    """scan_note for each (text, answers, tags), without holding up the event loop for longer
    than a short note takes: other requests get their turn after every SCAN_ON_LOOP_CHARS
    characters scanned here, and a longer note is scanned in a worker thread."""
    found: list[list[dict[str, Any]]] = []
    scanned = 0
    for text, answers, tags in notes:
        size = len(text) + sum(map(len, tags))
        for value in answers.values():
            if isinstance(value, str):
                size += len(value)
            elif isinstance(value, list):
                size += sum(len(piece) for piece in value if isinstance(piece, str))
        if size > SCAN_ON_LOOP_CHARS:
            found.append(await _scan_in_thread(text, answers, tags))
            continue
        found.append(scan_note(text, answers, tags))
        scanned += size
        if scanned > SCAN_ON_LOOP_CHARS:
            scanned = 0
            await checkpoint()  # a batch of a hundred short notes still lets other requests in
    return found


async def _scan_in_thread(text: str, answers: Mapping[str, Any], tags: Sequence[str]) -> list[dict[str, Any]]:
    try:
        limiter = _scanners.get()
    except LookupError:
        limiter = anyio.CapacityLimiter(_SCANNING_THREADS)
        _scanners.set(limiter)
    return await anyio.to_thread.run_sync(scan_note, text, answers, tags, limiter=limiter)


# An "@", or seven digits with at most two separators between each: bounded from each start.
_EMAIL_OR_PHONE = re.compile(r"@|\d(?>[\s().-]{0,2}\d){6}")
_SEPARATORS = re.compile(r"[\s._-]++")
_WORD = re.compile(r"[^\W\d_]{2,}+")


def interviewee_code_problem(code: str) -> str | None:
    """Why an interviewee code is not pseudonymous, as a msgid; None when it is fine.

    A code such as "DE-INT-014" or "blue-fox" identifies nobody; "Maria Rossi", an e-mail
    address or a phone number does.
    """
    if _EMAIL_OR_PHONE.search(code):
        return N_("An interviewee code must not be an e-mail address or a phone number.")
    parts = _SEPARATORS.split(code.strip())
    only_words = len(parts) >= 2 and all(_WORD.fullmatch(part) for part in parts)
    if only_words and (" " in code.strip() or all(part[:1].isupper() for part in parts)):
        return N_("An interviewee code must not be a name. Use a code such as DE-INT-014.")
    return None
