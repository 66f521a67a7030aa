"""Every error msgspec can raise for Tessera's request bodies becomes a specific message in the
reader's language, naming the field as the client sent it.

The messages are made from msgspec's English wording (server/problems.py): a msgspec release
that rewords one fails here, instead of silently turning a helpful message into "This value is
not valid.". The bodies are walked from the app's own routes, so a new body type is covered the
day it is added.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import msgspec
import msgspec.inspect as mi
import pytest
from litestar import Litestar
from litestar._signature.model import ERR_RE
from litestar.exceptions import ValidationException

from server.accounts.schemas import Strict
from server.app import create_app
from server.i18n import SUPPORTED_LOCALES, translate
from server.notes.schemas import NoteIn
from server.problems import TIME_BEYOND_UTC, _from_validation_exception, describe_decoding_error
from server.settings import Settings

GENERIC = "This value is not valid."
TEXT = "Must be text."
WHOLE_NUMBER = "Must be a whole number."
NUMBER = "Must be a number."
TRUE_OR_FALSE = "Must be true or false."
LIST = "Must be a list."
OBJECT = "Must be an object."
UUID_ = "Must be a UUID."
DATE_TIME = "Must be a date and time such as 2026-05-01T14:30:00Z."
DATE = "Must be a date such as 2026-05-01."
REQUIRED = "This field is required."
UNKNOWN = "This field is not accepted here."
ONE_OF = "“{value}” is not one of the allowed values."
NOT_IN_FORMAT = "This is not in the expected format."
AT_LEAST_CHARACTERS = "Must be at least {n} characters long."
AT_MOST_CHARACTERS = "Must be at most {n} characters long."
AT_LEAST_ITEMS = "Must have at least {n} items."
AT_MOST_ITEMS = "Must have at most {n} items."
AT_LEAST = "Must be at least {n}."
AT_MOST = "Must be at most {n}."


@dataclass(frozen=True)
class Case:
    """A body with one error, where msgspec should find it, and the message Tessera should give."""

    body: Any
    field: str
    msgid: str
    shape: str


def _joined(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _nested(path: str, value: Any, keys: dict[str, str]) -> Any:
    """The body that holds `value` at `path` (a dotted path with [0] and [...] steps; `keys`
    gives an allowed key for each [...] whose keys are a vocabulary)."""
    if not path:
        return value
    steps = re.findall(r"[^.\[\]]+|\[0\]|\[\.\.\.\]", path)
    prefixes = [""]
    for step in steps:
        prefixes.append(prefixes[-1] + step if step.startswith("[") else _joined(prefixes[-1], step))
    for step, prefix in zip(reversed(steps), reversed(prefixes[:-1]), strict=True):
        if step == "[0]":
            value = [value]
        elif step == "[...]":
            value = {keys.get(prefix, "key"): value}
        else:
            value = {step: value}
    return value


def _not_matching(pattern: str, low: int, high: int) -> str:
    for candidate in ("!" * max(low, 1), "a" * max(low, 1), "0" * max(low, 1), "Z" * max(low, 1)):
        if low <= len(candidate) <= high and not re.search(pattern, candidate):
            return candidate
    raise AssertionError(f"no string of length {low}..{high} misses {pattern}")


def _without_null(info: mi.Type) -> mi.Type:
    if isinstance(info, mi.UnionType):
        others = [t for t in info.types if not isinstance(t, mi.NoneType)]
        if len(others) == 1:
            return others[0]
    return info


def cases_of(info: mi.Type, path: str, seen: set[type], keys: dict[str, str]) -> Iterator[Case]:
    """Every error msgspec can report for a value of this type, with the message it must get."""
    info = _without_null(info)
    at = path
    if isinstance(info, mi.StructType):
        yield Case(_nested(path, 12345, keys), at or "body", OBJECT, "a struct sent as a number")
        if info.cls in seen:
            return
        seen = seen | {info.cls}
        required = [f for f in info.fields if f.required]
        if required:
            yield Case(
                _nested(path, {}, keys), _joined(path, required[0].encode_name), REQUIRED, "missing field"
            )
        if info.forbid_unknown_fields:
            yield Case(
                _nested(path, {"zz_unknown": 1}, keys), _joined(path, "zz_unknown"), UNKNOWN, "unknown field"
            )
        for field in info.fields:
            yield from cases_of(field.type, _joined(path, field.encode_name), seen, keys)
    elif isinstance(info, mi.StrType):
        yield Case(_nested(path, 12345, keys), at, TEXT, "not text")
        if info.min_length:
            yield Case(_nested(path, "a" * (info.min_length - 1), keys), at, AT_LEAST_CHARACTERS, "too short")
        if info.max_length is not None:
            yield Case(_nested(path, "a" * (info.max_length + 1), keys), at, AT_MOST_CHARACTERS, "too long")
        if info.pattern:
            low, high = info.min_length or 0, info.max_length or 1000
            yield Case(
                _nested(path, _not_matching(info.pattern, low, high), keys), at, NOT_IN_FORMAT, "pattern"
            )
    elif isinstance(info, mi.IntType):
        yield Case(_nested(path, "x", keys), at, WHOLE_NUMBER, "not a whole number")
        yield Case(_nested(path, 1.5, keys), at, WHOLE_NUMBER, "a fraction for a whole number")
        low = info.ge if info.ge is not None else (info.gt + 1 if info.gt is not None else None)
        high = info.le if info.le is not None else (info.lt - 1 if info.lt is not None else None)
        if low is not None:
            yield Case(_nested(path, low - 1, keys), at, AT_LEAST, "too small")
        if high is not None:
            yield Case(_nested(path, high + 1, keys), at, AT_MOST, "too large")
    elif isinstance(info, mi.FloatType):
        yield Case(_nested(path, "x", keys), at, NUMBER, "not a number")
        if info.ge is not None:
            yield Case(_nested(path, info.ge - 1, keys), at, AT_LEAST, "too small")
        if info.le is not None:
            yield Case(_nested(path, info.le + 1, keys), at, AT_MOST, "too large")
    elif isinstance(info, mi.BoolType):
        yield Case(_nested(path, "x", keys), at, TRUE_OR_FALSE, "not true or false")
    elif isinstance(info, mi.UUIDType):
        yield Case(_nested(path, "not-a-uuid", keys), at, UUID_, "bad UUID")
        yield Case(_nested(path, 12345, keys), at, UUID_, "a UUID sent as a number")
    elif isinstance(info, mi.DateTimeType):
        yield Case(_nested(path, "yesterday", keys), at, DATE_TIME, "bad date and time")
        yield Case(_nested(path, [1], keys), at, DATE_TIME, "a date and time sent as a list")
        if info.tz:
            yield Case(_nested(path, "2026-05-01T14:30:00", keys), at, DATE_TIME, "no time zone")
    elif isinstance(info, mi.DateType):
        yield Case(_nested(path, "tomorrow", keys), at, DATE, "bad date")
        yield Case(_nested(path, "2026-05-01T14:30:00Z", keys), at, DATE, "a date and time for a date")
        yield Case(_nested(path, [1], keys), at, DATE, "a date sent as a list")
    elif isinstance(info, (mi.LiteralType, mi.EnumType)):
        yield Case(_nested(path, "zz-not-a-value", keys), at, ONE_OF, "not an allowed value")
    elif isinstance(info, (mi.ListType, mi.SetType, mi.FrozenSetType, mi.VarTupleType)):
        yield Case(_nested(path, 12345, keys), at, LIST, "not a list")
        if info.min_length:
            yield Case(
                _nested(path, [None] * (info.min_length - 1), keys), at, AT_LEAST_ITEMS, "too few items"
            )
        if info.max_length is not None:
            yield Case(
                _nested(path, [None] * (info.max_length + 1), keys), at, AT_MOST_ITEMS, "too many items"
            )
        yield from cases_of(info.item_type, f"{path}[0]", seen, keys)
    elif isinstance(info, mi.DictType):
        yield Case(_nested(path, 12345, keys), at, OBJECT, "not an object")
        if info.max_length is not None:
            too_many = {f"k{n}": None for n in range(info.max_length + 1)}
            yield Case(_nested(path, too_many, keys), at, AT_MOST_ITEMS, "too many entries")
        key_type = _without_null(info.key_type)
        allowed = [*getattr(key_type, "values", ()), *(m.value for m in getattr(key_type, "cls", ()) or ())]
        if allowed:
            yield Case(_nested(path, {"zz-not-a-key": None}, keys), at, ONE_OF, "a key not allowed")
            keys = {**keys, path: str(allowed[0])}
        yield from cases_of(info.value_type, f"{path}[...]", seen, keys)
    elif isinstance(info, (mi.AnyType, mi.NoneType, mi.UnionType)):
        return  # anything goes, or a choice the service checks with its own messages
    else:
        raise AssertionError(f"{path}: no error cases written for {info!r}")


def request_bodies(app: Litestar) -> dict[str, Any]:
    """The body type of every route that reads one, and a note as a sync item carries it."""
    bodies: dict[str, Any] = {"sync item": NoteIn}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            data = handler.parsed_fn_signature.parameters.get("data")
            if data is not None:
                bodies[f"{sorted(handler.http_methods)[0]} {route.path}"] = data.annotation
    return bodies


def _all_cases() -> list[Any]:
    app = create_app(Settings(database_url="sqlite+aiosqlite:///:memory:", store_dir="/nonexistent"))
    params = []
    for route, body_type in request_bodies(app).items():
        for case in cases_of(mi.type_info(body_type), "", set(), {}):
            params.append(pytest.param(body_type, case, id=f"{route}: {case.field} {case.shape}"))
    return params


ALL_CASES = _all_cases()


def error_text(body_type: Any, body: Any) -> str:
    # As Litestar converts a body (the signature model's way), and as sync converts each item.
    with pytest.raises(msgspec.ValidationError) as raised:
        msgspec.convert(body, body_type, strict=False, str_keys=True)
    return str(raised.value)


def as_litestar_reports(text: str) -> dict[str, str]:
    """The item Litestar puts in its ValidationException for this msgspec error: the path is
    cut off the message and becomes the key (litestar/_signature/model.py)."""
    match = ERR_RE.search(text)
    key = f"data.{match.group(1)}" if match else "data"
    return {"message": text.split(" - ", maxsplit=1)[0], "key": key.replace("data.", ""), "source": "body"}


def test_the_walk_reaches_every_kind_of_error():
    shapes = {case.values[1].shape for case in ALL_CASES}
    assert {
        "missing field",
        "unknown field",
        "not text",
        "too short",
        "too long",
        "pattern",
        "not a whole number",
        "too small",
        "too large",
        "not true or false",
        "bad UUID",
        "bad date and time",
        "bad date",
        "a date and time for a date",
        "no time zone",
        "not an allowed value",
        "not a list",
        "too many items",
        "not an object",
    } <= shapes, shapes


@pytest.mark.parametrize(("body_type", "case"), ALL_CASES)
def test_every_msgspec_error_gets_its_own_message_naming_the_field(body_type, case):
    text = error_text(body_type, case.body)

    # A sync item: msgspec's whole message, path included.
    in_sync = describe_decoding_error(text)
    # A route's body: what Litestar reports, through the problem details of every route.
    problem = _from_validation_exception(ValidationException(extra=[as_litestar_reports(text)]))
    assert problem.status_code == 422
    [in_route] = problem.errors

    for error in (in_sync, in_route):
        assert error.message.msgid != GENERIC, text
        assert (error.field, error.message.msgid) == (case.field, case.msgid), text
        for locale in SUPPORTED_LOCALES:
            if locale != "en":
                assert translate(locale, error.message.msgid) != error.message.msgid, (locale, text)
            rendered = error.message.render(locale)
            assert "{" not in rendered, (locale, rendered)


class Colour(enum.StrEnum):
    RED = "red"


class WithEnum(msgspec.Struct):
    colour: Colour


class WithLiteral(msgspec.Struct):
    colour: Literal["red"]


def test_an_enum_and_a_literal_are_refused_alike():
    # Vocabularies move from Literal to StrEnum: the message must not change with them.
    texts = [error_text(WithEnum, {"colour": "blue"}), error_text(WithLiteral, {"colour": "blue"})]
    [refusal] = {describe_decoding_error(text).message for text in texts}
    assert refusal.msgid == ONE_OF and dict(refusal.params) == {"value": "blue"}


class Meeting(Strict):
    at: dt.datetime


def test_a_time_beyond_utc_is_named_by_its_field():
    # Not msgspec's check but Tessera's (Strict.__post_init__), reported the same way.
    text = error_text(Meeting, {"at": "0001-01-01T00:00:00+01:00"})
    problem = _from_validation_exception(ValidationException(extra=[as_litestar_reports(text)]))
    for error in (describe_decoding_error(text), *problem.errors):
        assert (error.field, error.message.msgid) == ("at", TIME_BEYOND_UTC)
