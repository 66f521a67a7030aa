"""Errors as RFC 9457 problem details, in the reader's language, mapped in this one place.

Services raise the domain errors below; Litestar's own HTTP exceptions (validation, missing
routes, oversized bodies) are turned into the same shape, so a client meets one format.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Mapping
from typing import Any

from litestar import Request
from litestar.exceptions import HTTPException, ValidationException
from litestar.plugins.problem_details import (
    ProblemDetailsConfig,
    ProblemDetailsException,
    ProblemDetailsPlugin,
)
from litestar.response import Response

from server.i18n import N_, Message, message, request_locale

logger = logging.getLogger("tessera")

TITLES: dict[int, str] = {
    400: N_("The request could not be read."),
    401: N_("You are not signed in."),
    403: N_("You are not allowed to do this."),
    404: N_("Not found."),
    405: N_("This method is not allowed here."),
    409: N_("This conflicts with what is stored."),
    410: N_("This is no longer available."),
    413: N_("The request is too large."),
    415: N_("This content type is not supported."),
    416: N_("This part of the file does not exist."),
    422: N_("Some of the information is not valid."),
    429: N_("Too many attempts. Please wait and try again."),
    500: N_("Something went wrong on our side. Your data is safe; please try again later."),
    503: N_("The service is not available right now."),
}
FALLBACK_TITLE = N_("Something went wrong with this request.")


class TesseraError(Exception):
    """A refusal a person should understand: a status, and a message in their language."""

    status = 400

    def __init__(
        self,
        detail: Message | None = None,
        *,
        errors: list[FieldError] | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail.msgid if detail else self.__class__.__name__)
        self.detail = detail
        self.errors = errors or []
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})


class NotSignedIn(TesseraError):
    status = 401


class NotAllowed(TesseraError):
    status = 403


class NotFound(TesseraError):
    status = 404


class Conflict(TesseraError):
    status = 409


class Gone(TesseraError):
    status = 410


class RangeNotSatisfiable(TesseraError):
    status = 416


class InvalidInput(TesseraError):
    status = 422


class Throttled(TesseraError):
    status = 429

    def __init__(self, retry_after_seconds: int, detail: Message | None = None) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after_seconds))})


class FieldError:
    """One bad field: where it is (``consent.guardian_name``) and what is wrong, untranslated."""

    __slots__ = ("field", "message")

    def __init__(self, field: str, message: Message) -> None:
        self.field = field
        self.message = message


class LocalisedProblem(ProblemDetailsException):
    """A problem details exception whose words are chosen when the reader's locale is known."""

    def __init__(
        self,
        status: int,
        detail: Message | None,
        errors: list[FieldError],
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(status_code=status, headers=dict(headers or {}))
        self.detail_message = detail
        self.errors = errors
        self.extra_members = dict(extra or {})

    def to_response(self, request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
        locale = request_locale(request)
        title = message(TITLES.get(self.status_code, FALLBACK_TITLE)).render(locale)
        body: dict[str, Any] = {
            "type": "about:blank",
            "status": self.status_code,
            "title": title,
            "detail": self.detail_message.render(locale) if self.detail_message else title,
        }
        if self.errors:
            body["errors"] = [{"field": e.field, "message": e.message.render(locale)} for e in self.errors]
        body.update(self.extra_members)
        return Response(
            body,
            status_code=self.status_code,
            headers={**(self.headers or {}), "Content-Language": locale},
            media_type="application/problem+json",
        )


def _from_domain_error(error: TesseraError) -> LocalisedProblem:
    return LocalisedProblem(error.status, error.detail, error.errors, error.headers, error.extra)


def _from_http_exception(error: HTTPException) -> LocalisedProblem:
    if isinstance(error, ValidationException):
        return _from_validation_exception(error)
    headers = dict(error.headers or {})
    if error.status_code == 429 and "RateLimit-Reset" in headers:
        # Litestar's rate limiter says when the window resets; clients and proxies read Retry-After.
        headers["Retry-After"] = str(max(1, int(headers["RateLimit-Reset"])))
    return LocalisedProblem(error.status_code, None, [], headers)


def _from_validation_exception(error: ValidationException) -> LocalisedProblem:
    items = error.extra if isinstance(error.extra, list) else []
    errors = [describe_decoding_error(str(item.get("message", "")), item.get("key")) for item in items]
    if not errors:
        # msgspec's decode errors (truncated or malformed JSON) carry no field.
        return LocalisedProblem(400, message(N_("The request body is not valid JSON.")), [])
    return LocalisedProblem(422, None, errors)


_PATH = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_FIELD_NAMED = re.compile(r"field `(?P<name>[^`]+)`")
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Object missing required field"), N_("This field is required.")),
    (re.compile(r"^Object contains unknown field"), N_("This field is not accepted here.")),
    (re.compile(r"^Expected `str` of length >= (?P<n>\d+)"), N_("Must be at least {n} characters long.")),
    (re.compile(r"^Expected `str` of length <= (?P<n>\d+)"), N_("Must be at most {n} characters long.")),
    (re.compile(r"^Expected `array` of length >= (?P<n>\d+)"), N_("Must have at least {n} items.")),
    (re.compile(r"^Expected `array` of length <= (?P<n>\d+)"), N_("Must have at most {n} items.")),
    (re.compile(r"^Expected `(?:int|float|number)` >= (?P<n>-?[\d.]+)"), N_("Must be at least {n}.")),
    (re.compile(r"^Expected `(?:int|float|number)` <= (?P<n>-?[\d.]+)"), N_("Must be at most {n}.")),
    (re.compile(r"^Expected `str` matching regex"), N_("This is not in the expected format.")),
    (
        re.compile(r"^Invalid enum value '(?P<value>[^']*)'"),
        N_("“{value}” is not one of the allowed values."),
    ),
    (re.compile(r"^Invalid UUID"), N_("Must be a UUID.")),
    (re.compile(r"^Invalid RFC3339"), N_("Must be a date and time such as 2026-05-01T14:30:00Z.")),
    (
        re.compile(r"^Expected `datetime` with a timezone"),
        N_("Must be a date and time such as 2026-05-01T14:30:00Z."),
    ),
    (re.compile(r"^Expected `str`"), N_("Must be text.")),
    (re.compile(r"^Expected `int`"), N_("Must be a whole number.")),
    (re.compile(r"^Expected `(?:float|number)`"), N_("Must be a number.")),
    (re.compile(r"^Expected `bool`"), N_("Must be true or false.")),
    (re.compile(r"^Expected `array`"), N_("Must be a list.")),
    (re.compile(r"^Expected `object`"), N_("Must be an object.")),
]


def describe_decoding_error(text: str, key: str | None = None) -> FieldError:
    """Turn msgspec's English decoding error into a field name and a translatable message."""
    path_match = _PATH.search(text)
    path = path_match.group("path").lstrip(".") if path_match else (key or "")
    named = _FIELD_NAMED.search(text)
    if named and text.startswith("Object "):
        path = f"{path}.{named.group('name')}" if path else named.group("name")
    for pattern, msgid in _PATTERNS:
        matched = pattern.search(text)
        if matched:
            return FieldError(path or "body", message(msgid, **matched.groupdict()))
    return FieldError(path or "body", message(N_("This value is not valid.")))


def _from_unexpected_error(error: Exception) -> LocalisedProblem:
    # A bug, not the client's doing: logged with its traceback, answered without one.
    logger.error("unhandled error", exc_info=error)
    return LocalisedProblem(500, None, [])


def problem_details_plugin() -> ProblemDetailsPlugin:
    return ProblemDetailsPlugin(
        ProblemDetailsConfig(
            exception_to_problem_detail_map={
                TesseraError: _from_domain_error,
                HTTPException: _from_http_exception,
                Exception: _from_unexpected_error,
            }
        )
    )


def refuse_times_without_zone(**values: object) -> None:
    """Query parameters skip msgspec's zone check: a time without its zone is refused here."""
    errors = [
        FieldError(name, message(N_("Must be a date and time such as 2026-05-01T14:30:00Z.")))
        for name, value in values.items()
        if isinstance(value, dt.datetime) and value.tzinfo is None
    ]
    if errors:
        raise InvalidInput(errors=errors)
