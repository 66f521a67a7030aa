"""Errors as RFC 9457 problem details, in the reader's language, mapped in this one place.

Services raise the domain errors below; Litestar's own HTTP exceptions (validation, missing
routes, oversized bodies) are turned into the same shape, so a client meets one format.
"""

from __future__ import annotations

import collections
import datetime as dt
import inspect
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

import msgspec
import redis.exceptions
import sqlalchemy.exc
from litestar import Request
from litestar.enums import HttpMethod
from litestar.exceptions import HTTPException, SerializationException, ValidationException
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
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


PROBLEM_TYPE_PREFIX = "urn:tessera:problem:"
SAFE_HTTP_METHODS = frozenset({HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS})


class TesseraError(Exception):
    """The request could not be read: its body is not JSON, or is nested too deeply.

    The base of every refusal a person should understand: a status, a kind (`problem`,
    whose URN is the answer's `type`) and a message in their language. Each subclass is one
    kind of problem; its docstring's first paragraph says what it means, for OpenAPI and for
    docs/contract.md.
    """

    status: ClassVar[int] = 400
    problem: ClassVar[str] = "bad-request"

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

    @classmethod
    def type_uri(cls) -> str:
        return PROBLEM_TYPE_PREFIX + cls.problem

    @classmethod
    def meaning(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "").split("\n\n")[0].replace("\n", " ")


class NotSignedIn(TesseraError):
    """The caller is not signed in, or their API token or Authorization header is not valid."""

    status = 401
    problem = "unauthenticated"


class WrongCredentials(NotSignedIn):
    """Signing in failed: the username or the password is wrong (which one is not said)."""

    problem = "wrong-credentials"


class NotAllowed(TesseraError):
    """The caller may not do this (their role, their platforms, or someone else's thing)."""

    status = 403
    problem = "forbidden"


class CsrfTokenInvalid(NotAllowed):
    """An unsafe request of a cookie session lacks the right X-CSRF-Token header; the token
    comes back from GET /api/v1/auth/session."""

    problem = "csrf-token-invalid"


class TokenReadOnly(NotAllowed):
    """A personal API token only reads: POST, PUT, PATCH and DELETE need a signed-in session."""

    problem = "token-read-only"


class AccountSuspended(NotAllowed):
    """The account is suspended by a youth worker or an admin; the detail gives the reason."""

    problem = "account-suspended"


class PostingPaused(NotAllowed):
    """A youth worker has muted the member: posting is paused until the time in the detail."""

    problem = "posting-paused"


class ConsentWithdrawn(NotAllowed):
    """The author has withdrawn their consent: their notes cannot be written until they
    consent again."""

    problem = "consent-withdrawn"


class NotFound(TesseraError):
    """There is no such thing, or none the caller may see (both answer alike)."""

    status = 404
    problem = "not-found"


class MethodNotAllowed(TesseraError):
    """The address exists, but not with this HTTP method."""

    status = 405
    problem = "method-not-allowed"


class Conflict(TesseraError):
    """The request conflicts with what is stored."""

    status = 409
    problem = "conflict"


class NoteConflict(Conflict):
    """The note was changed elsewhere since the version the edit started from; the answer
    carries the stored note as `note`, which stays as it was."""

    problem = "note-conflict"


class IdTaken(Conflict):
    """The id the device made for a new topic or post is already another member's."""

    problem = "id-taken"


class UsernameTaken(Conflict):
    """Another account has this username (compared as sign-in compares names)."""

    problem = "username-taken"


class TopicPending(Conflict):
    """The topic waits for a youth worker's approval: no replies yet."""

    problem = "topic-pending"


class TopicLocked(Conflict):
    """The topic is locked: no new replies."""

    problem = "topic-locked"


class PostHidden(Conflict):
    """The post is hidden by a moderator: it cannot be edited, and is restored rather than
    approved."""

    problem = "post-hidden"


class PostNotHidden(Conflict):
    """Only a hidden post can be restored."""

    problem = "post-not-hidden"


class EditWindowClosed(Conflict):
    """The time to edit this post has passed."""

    problem = "edit-window-closed"


class DuplicateReport(Conflict):
    """The member has already reported this post."""

    problem = "duplicate-report"


class LastAdmin(Conflict):
    """The change would leave Tessera without an active admin."""

    problem = "last-admin"


class StakeholderConflict(Conflict):
    """The directory entry was changed elsewhere since the `version` the edit started from;
    the answer carries the stored entry as `entry`, which stays as it was."""

    problem = "stakeholder-conflict"


class DuplicateStakeholder(Conflict):
    """The platform's directory already has this entry (the same e-mail without case, or the
    same organisation and person without case and accents); the answer carries it as `entry`."""

    problem = "duplicate-stakeholder"


class EventConflict(Conflict):
    """The event was changed elsewhere since the `version` the edit started from; the answer
    carries the stored event as `event`, which stays as it was."""

    problem = "event-conflict"


class AlreadyRegistered(Conflict):
    """The member is already registered for this event (one registration per member and
    event); the answer carries the registration as `registration`."""

    problem = "already-registered"


class BriefConflict(Conflict):
    """The brief was changed elsewhere since the `base_version` the edit started from; the answer
    carries the stored brief as `brief`, which stays as it was."""

    problem = "brief-conflict"


class BriefNotReviewed(Conflict):
    """The brief's current version has not been approved by a researcher who is not one of its
    authors: it cannot be published yet."""

    problem = "brief-not-reviewed"


class OriginalNotPublished(Conflict):
    """The brief is a translation of a brief that is not published: a translation is published
    only while its original is."""

    problem = "original-not-published"


class MailNotRetryable(Conflict):
    """Only a failed e-mail can be sent again, and only while its recipient and text are kept
    (not once the recipient is erased or a private link in it is forgotten)."""

    problem = "mail-not-retryable"


class Gone(TesseraError):
    """This is no longer available."""

    status = 410
    problem = "gone"


class InviteExpired(Gone):
    """The invite code has expired."""

    problem = "invite-expired"


class InviteUsedUp(Gone):
    """The invite code has been used as many times as it allows."""

    problem = "invite-used-up"


class TooLarge(TesseraError):
    """The request body is larger than the server accepts (TESSERA_MAX_BODY_BYTES)."""

    status = 413
    problem = "too-large"


class UnsupportedMediaType(TesseraError):
    """The request body's content type is not one this route reads."""

    status = 415
    problem = "unsupported-media-type"


class RangeNotSatisfiable(TesseraError):
    """The asked byte range lies outside the export (Content-Range names its size)."""

    status = 416
    problem = "range-not-satisfiable"


class InvalidInput(TesseraError):
    """Some of the information is not valid: `errors` names each bad field (`field`, as
    the client sent it: `answers.hopes`, `tags[1]`) with a `message`."""

    status = 422
    problem = "validation"


class Throttled(TesseraError):
    """Too many requests or attempts in a while: `Retry-After` says how many seconds to wait."""

    status = 429
    problem = "rate-limited"

    def __init__(self, retry_after_seconds: int, detail: Message | None = None) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after_seconds))})


class InternalError(TesseraError):
    """Something went wrong on the server; it is logged, and the data sent is safe."""

    status = 500
    problem = "internal-error"


class ServiceUnavailable(TesseraError):
    """A service Tessera needs (the shared store, Redis) does not answer right now:
    `Retry-After` says when to try again."""

    status = 503
    problem = "service-unavailable"


def problem_kinds() -> list[type[TesseraError]]:
    """Every kind of problem Tessera answers with, each once: the classes above."""
    kinds: list[type[TesseraError]] = []
    pending: list[type[TesseraError]] = [TesseraError]
    while pending:
        kind = pending.pop(0)
        kinds.append(kind)
        pending.extend(kind.__subclasses__())
    return sorted(kinds, key=lambda kind: (kind.status, kind.problem))


# Litestar's own refusals (no route, a wrong method, an oversized body, its rate limiter) by
# status: they answer with the kind of the same status.
HTTP_PROBLEMS: dict[int, type[TesseraError]] = {
    kind.status: kind
    for kind in (
        TesseraError,
        NotSignedIn,
        NotAllowed,
        NotFound,
        MethodNotAllowed,
        Conflict,
        Gone,
        TooLarge,
        UnsupportedMediaType,
        RangeNotSatisfiable,
        InvalidInput,
        Throttled,
        InternalError,
        ServiceUnavailable,
    )
}


class ProblemFieldError(msgspec.Struct):
    field: str
    message: str


class Problem(msgspec.Struct, kw_only=True):
    """An RFC 9457 problem details object: `type` is one of Tessera's problem URNs."""

    type: str
    status: int
    title: str
    detail: str
    errors: list[ProblemFieldError] = msgspec.field(default_factory=list)


PROBLEM_MEDIA_TYPE = "application/problem+json"
# What any API route may answer, whatever it does: a request that cannot be read, characters
# that cannot be stored (refused in any query), a shared store that does not answer, a bug.
EVERY_ROUTE: tuple[type[TesseraError], ...] = (TesseraError, InvalidInput, InternalError, ServiceUnavailable)
# The authentication middleware reads every request but signing in and joining: a malformed
# Authorization header, an unknown token, a suspended account; and on a write, the CSRF token
# and a token's read-only scope.
AUTHENTICATED: tuple[type[TesseraError], ...] = (NotSignedIn, AccountSuspended)
WRITING: tuple[type[TesseraError], ...] = (CsrfTokenInvalid, TokenReadOnly)


def answers(
    *kinds: type[TesseraError], bodies: Mapping[type[TesseraError], type[Problem]] | None = None
) -> Callable[[HTTPRouteHandler], HTTPRouteHandler]:
    """Documents in OpenAPI the problems a route answers with, as Litestar's `responses`:
    the kinds its guards and services raise, and what every route, every authenticated write,
    every route with a path parameter (a malformed id is no route: 404) and every route that
    reads a body (413) may answer. Put it above the route's decorator. `bodies` names a kind
    whose problem carries more members (a note conflict carries the stored note)."""

    def document(handler: HTTPRouteHandler) -> HTTPRouteHandler:
        documented = [*EVERY_ROUTE, *kinds]
        if not handler.opt.get("exclude_from_auth"):
            documented += AUTHENTICATED
            if handler.http_methods - SAFE_HTTP_METHODS:
                documented += WRITING
        if any("{" in path for path in handler.paths):
            documented.append(NotFound)
        if "data" in inspect.signature(handler.fn).parameters:
            documented.append(TooLarge)
        handler.responses = {**problem_responses(documented, bodies), **(handler.responses or {})}
        return handler

    return document


def problem_responses(
    kinds: Iterable[type[TesseraError]], bodies: Mapping[type[TesseraError], type[Problem]] | None = None
) -> dict[int, ResponseSpec]:
    """One response per status, listing the problem types it may carry."""
    by_status: dict[int, list[type[TesseraError]]] = {}
    for kind in sorted(set(kinds), key=lambda kind: (kind.status, kind.problem)):
        by_status.setdefault(kind.status, []).append(kind)
    bodies = bodies or {}
    return {
        status: ResponseSpec(
            data_container=next((bodies[kind] for kind in group if kind in bodies), Problem),
            media_type=PROBLEM_MEDIA_TYPE,
            generate_examples=False,
            description="\n".join(f"- `{kind.type_uri()}`: {kind.meaning()}" for kind in group),
        )
        for status, group in by_status.items()
    }


class FieldError:
    """One bad field: where it is (``consent.guardian_name``) and what is wrong, untranslated;
    in an imported file also the row, numbered as a spreadsheet shows it (the header is 1)."""

    __slots__ = ("field", "message", "row")

    def __init__(self, field: str, message: Message, row: int | None = None) -> None:
        self.field = field
        self.message = message
        self.row = row


class LocalisedProblem(ProblemDetailsException):
    """A problem details exception whose words are chosen when the reader's locale is known."""

    def __init__(
        self,
        kind: type[TesseraError],
        detail: Message | None,
        errors: list[FieldError],
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
        *,
        status: int | None = None,
    ) -> None:
        super().__init__(status_code=status or kind.status, headers=dict(headers or {}))
        # A status Tessera has no kind for (none is known) is only its status: RFC 9457's about:blank.
        self.type = kind.type_uri() if kind.status == self.status_code else "about:blank"
        self.detail_message = detail
        self.errors = errors
        self.extra_members = dict(extra or {})

    def to_response(self, request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
        locale = request_locale(request)
        title = message(TITLES.get(self.status_code, FALLBACK_TITLE)).render(locale)
        body: dict[str, Any] = {
            "type": self.type,
            "status": self.status_code,
            "title": title,
            "detail": self.detail_message.render(locale) if self.detail_message else title,
        }
        if self.errors:
            body["errors"] = [
                {"field": e.field, "message": e.message.render(locale)}
                if e.row is None
                else {"row": e.row, "field": e.field, "message": e.message.render(locale)}
                for e in self.errors
            ]
        body.update(self.extra_members)
        return Response(
            body,
            status_code=self.status_code,
            headers={**(self.headers or {}), "Content-Language": locale},
            media_type=PROBLEM_MEDIA_TYPE,
        )


def _from_domain_error(error: TesseraError) -> LocalisedProblem:
    return LocalisedProblem(type(error), error.detail, error.errors, error.headers, error.extra)


def _from_http_exception(error: HTTPException) -> LocalisedProblem:
    if isinstance(error, ValidationException):
        return _from_validation_exception(error)
    headers = dict(error.headers or {})
    if error.status_code == 429 and "RateLimit-Reset" in headers:
        # Litestar's rate limiter says when the window resets; clients and proxies read Retry-After.
        headers["Retry-After"] = str(max(1, int(headers["RateLimit-Reset"])))
    kind = HTTP_PROBLEMS.get(error.status_code, TesseraError)
    return LocalisedProblem(kind, None, [], headers, status=error.status_code)


def _from_validation_exception(error: ValidationException) -> LocalisedProblem:
    items = error.extra if isinstance(error.extra, list) else []
    errors = [describe_decoding_error(str(item.get("message", "")), _field_of(item)) for item in items]
    if not errors:
        # msgspec's decode errors (truncated or malformed JSON) carry no field.
        return LocalisedProblem(TesseraError, message(N_("The request body is not valid JSON.")), [])
    return LocalisedProblem(InvalidInput, None, errors)


def _field_of(item: Mapping[str, Any]) -> str | None:
    # Litestar calls the body "data"; the body's own fields are named as they are sent.
    key = item.get("key")
    return None if item.get("source") == "body" and key == "data" else key


# Times are stored in UTC, and a time of 1 January of the year 1 at 00:00+01:00 (or of 31
# December 9999 at 23:59-01:00) falls outside the calendar there: such times are refused.
TIME_BEYOND_UTC = N_("This date and time is too close to the year 1 or the year 9999.")
_BEYOND_UTC = "Expected `datetime` that exists in UTC, for field"


# msgspec's messages (pinned in pyproject.toml: a release may reword them) are matched by the
# words that say what was expected; the path suffix (" - at `$.consent.guardian_name`") is
# the stable part. tests/system/test_validation_messages.py makes every error msgspec can
# raise for Tessera's bodies and checks that each one gets its own message and field here.
_PATH = re.compile(r" - at (?:`[^`]*` in )?`\$(?P<path>[^`]*)`$")
_FIELD_NAMED = re.compile(r"field `(?P<name>[^`]+)`")
# "Expected `str | null`" says what a nullable field expects: the same as "Expected `str`".
_NULLABLE = re.compile(r"^Expected `(?P<type>[^`|]+?) \| null`")
DATE_TIME_EXPECTED = N_("Must be a date and time such as 2026-05-01T14:30:00Z.")
DATE_EXPECTED = N_("Must be a date such as 2026-05-01.")
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Object missing required field"), N_("This field is required.")),
    (re.compile(r"^Object contains unknown field"), N_("This field is not accepted here.")),
    (re.compile(r"^Expected `str` of length >= (?P<n>\d+)"), N_("Must be at least {n} characters long.")),
    (re.compile(r"^Expected `str` of length <= (?P<n>\d+)"), N_("Must be at most {n} characters long.")),
    (
        re.compile(r"^Expected `(?:array|object)` of length >= (?P<n>\d+)"),
        N_("Must have at least {n} items."),
    ),
    (re.compile(r"^Expected `(?:array|object)` of length <= (?P<n>\d+)"), N_("Must have at most {n} items.")),
    (re.compile(r"^Expected `(?:int|float|number)` >= (?P<n>-?[\d.]+)"), N_("Must be at least {n}.")),
    (re.compile(r"^Expected `(?:int|float|number)` <= (?P<n>-?[\d.]+)"), N_("Must be at most {n}.")),
    (re.compile(r"^Expected `str` matching regex"), N_("This is not in the expected format.")),
    (
        # "Invalid value" is a tagged union's unknown tag (the kind of a Delphi consensus rule).
        re.compile(r"^Invalid (?:enum )?value '(?P<value>[^']*)'"),
        N_("“{value}” is not one of the allowed values."),
    ),
    (re.compile(r"^(?:Invalid UUID|Expected `uuid`)"), N_("Must be a UUID.")),
    (re.compile(r"^Expected `datetime` that exists in UTC"), TIME_BEYOND_UTC),
    (re.compile(r"^(?:Invalid RFC3339 encoded date(?!time)|Expected `date`)"), DATE_EXPECTED),
    (re.compile(r"^(?:Invalid RFC3339|Expected `datetime`)"), DATE_TIME_EXPECTED),
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
    if named and text.startswith(("Object ", _BEYOND_UTC)):
        path = f"{path}.{named.group('name')}" if path else named.group("name")
    text = _NULLABLE.sub(r"Expected `\g<type>`", text)
    for pattern, msgid in _PATTERNS:
        matched = pattern.search(text)
        if matched:
            return FieldError(path or "body", message(msgid, **matched.groupdict()))
    # Seen in the log: a msgspec release worded an error in a way not known here.
    logger.warning("no message for msgspec's error %r", text)
    return FieldError(path or "body", message(N_("This value is not valid.")))


def _from_unexpected_error(error: Exception) -> LocalisedProblem:
    # A bug, not the client's doing: logged with its traceback, answered without one.
    logger.error("unhandled error", exc_info=error)
    return LocalisedProblem(InternalError, None, [])


# Errors of a store that does not answer (Redis down, restarting or cut off): the request
# may succeed once it is back, and the connection pool reconnects on the next request.
STORE_OUTAGES: tuple[type[Exception], ...] = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def _from_store_outage(error: Exception) -> LocalisedProblem:
    logger.warning("the shared store (Redis) does not answer: %r", error)
    return _service_unavailable()


def is_database_outage(error: Exception) -> bool:
    """Whether a database error says the database could not be reached, rather than a bug: the
    request may succeed a moment later, without anyone fixing anything."""
    if isinstance(error, sqlalchemy.exc.DBAPIError):
        # A connection the database dropped or refused (a restart, a failover,
        # pg_terminate_backend): SQLAlchemy has thrown it away, and the pool's pre-ping gives
        # the next request a new one. Or SQLite's write lock held beyond the 30 s busy timeout.
        return error.connection_invalidated or "database is locked" in str(error.orig)
    # Every connection of the pool busy for longer than the pool waits.
    return isinstance(error, sqlalchemy.exc.TimeoutError)


def _from_database_error(error: Exception) -> LocalisedProblem:
    if not is_database_outage(error):
        return _from_unexpected_error(error)
    # Only the kind of error: its text may quote a statement.
    logger.warning("the database does not answer: %s", type(getattr(error, "orig", error)).__name__)
    return _service_unavailable()


def _service_unavailable() -> LocalisedProblem:
    return LocalisedProblem(
        ServiceUnavailable,
        message(N_("Tessera cannot reach one of its services right now. Please try again in a minute.")),
        [],
        {"Retry-After": "30"},
    )


def problem_details_plugin() -> ProblemDetailsPlugin:
    return ProblemDetailsPlugin(
        ProblemDetailsConfig(
            exception_to_problem_detail_map={
                **dict.fromkeys(STORE_OUTAGES, _from_store_outage),
                sqlalchemy.exc.DBAPIError: _from_database_error,
                sqlalchemy.exc.TimeoutError: _from_database_error,
                TesseraError: _from_domain_error,
                HTTPException: _from_http_exception,
                Exception: _from_unexpected_error,
            }
        )
    )


def refuse_times_without_zone(**values: object) -> None:
    """Query parameters skip msgspec's zone check, and no check of msgspec knows which times
    exist in UTC: a time without its zone, or one beyond UTC's calendar, is refused here."""
    errors = [
        FieldError(name, message(DATE_TIME_EXPECTED))
        if value.tzinfo is None
        else FieldError(name, message(TIME_BEYOND_UTC))
        for name, value in values.items()
        if isinstance(value, dt.datetime) and (value.tzinfo is None or not exists_in_utc(value))
    ]
    if errors:
        raise InvalidInput(errors=errors)


def exists_in_utc(value: dt.datetime) -> bool:
    try:
        value.astimezone(dt.UTC)
    except OverflowError:
        return False
    return True


def refuse_times_beyond_utc(body: msgspec.Struct) -> None:
    """For request bodies' ``__post_init__``: msgspec reports the error at the field's place."""
    for name in body.__struct_fields__:
        value = getattr(body, name)
        if isinstance(value, dt.datetime) and value.tzinfo is not None and not exists_in_utc(value):
            raise ValueError(f"{_BEYOND_UTC} `{name}`")


# PostgreSQL cannot store U+0000 in text, and a lone surrogate cannot even be written as
# UTF-8: either would fail in the database with a 500. JSON carries such a character only
# as an escape, which msgspec refuses for a lone surrogate but decodes for NUL.
UNSTORABLE_TEXT = N_("This contains a character that cannot be stored (such as NUL).")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_ESCAPED_NUL = b"\\u0000"
# The route option of a route that checks its body's items one by one (sync): one item's
# bad character makes that item invalid, never the whole batch.
CHECKS_TEXT_PER_ITEM = "checks_text_per_item"


def unstorable_text_errors(value: Any) -> list[FieldError]:
    """Where decoded JSON holds a character that cannot be stored, in the paths msgspec uses."""
    errors: list[FieldError] = []
    # A loop, not recursion: the body may be nested as deep as the decoder allowed.
    pending: collections.deque[tuple[str, Any]] = collections.deque([("", value)])
    while pending:
        where, item = pending.popleft()
        if isinstance(item, str):
            if _UNSTORABLE.search(item):
                errors.append(FieldError(where or "body", message(UNSTORABLE_TEXT)))
        elif isinstance(item, dict):
            for key, inner in item.items():
                if _UNSTORABLE.search(key):
                    errors.append(FieldError(where or "body", message(UNSTORABLE_TEXT)))
                else:
                    pending.append((f"{where}.{key}" if where else key, inner))
        elif isinstance(item, list):
            pending.extend((f"{where}[{index}]", inner) for index, inner in enumerate(item))
    return errors


async def refuse_unstorable_text(request: Request[Any, Any, Any]) -> None:
    """Before every handler: characters no column can store are refused in the query, the
    path and the JSON body, naming the field. The body is decoded here, once: the handler's
    data is converted from the same decoded value."""
    errors = [
        FieldError(name if not _UNSTORABLE.search(name) else "query", message(UNSTORABLE_TEXT))
        for name, value in request.query_params.multi_items()
        if _UNSTORABLE.search(name) or _UNSTORABLE.search(value)
    ]
    errors += [
        FieldError(name, message(UNSTORABLE_TEXT))
        for name, value in request.path_params.items()
        if isinstance(value, str) and _UNSTORABLE.search(value)
    ]
    if errors:
        raise InvalidInput(errors=errors)
    handler = request.route_handler
    if "data" not in handler.parsed_fn_signature.parameters:
        return
    try:
        body = await request.json()
    except SerializationException:
        return  # not JSON: the handler's own decoding answers it as usual
    except RecursionError:
        raise TesseraError(message(N_("The request body is nested too deeply."))) from None
    if _ESCAPED_NUL in await request.body() and not handler.opt.get(CHECKS_TEXT_PER_ITEM):
        # A fast filter on the bytes: an escaped backslash before "u0000" passes it too, but
        # not the walk through the decoded value, which decides.
        errors = unstorable_text_errors(body)
        if errors:
            raise InvalidInput(errors=errors)
