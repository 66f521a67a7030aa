"""Security shared by every domain: password hashing, sessions, CSRF, login throttling, guards.

Sessions are server-side records in a Litestar store. Each holds its own CSRF token
(the synchronizer-token pattern): the token is handed out once in the login response and
must come back in ``X-CSRF-Token`` on every unsafe request that the session cookie
authenticates. Personal API tokens in ``Authorization: Bearer`` need no CSRF token,
since a browser never sends them on its own.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import ipaddress
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio
import argon2
import msgspec
import sqlalchemy as sa
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.stores.base import Store
from sqlalchemy.orm import joinedload

from server.accounts.models import AccountStatus, ApiToken, Role, User
from server.i18n import N_, message, plural_message
from server.problems import (
    AccountSuspended,
    CsrfTokenInvalid,
    NotAllowed,
    NotSignedIn,
    Throttled,
    TokenReadOnly,
)
from server.settings import Settings
from server.stores import Count, Counters

if TYPE_CHECKING:
    from server.db import Databases

SESSION_COOKIE = "tessera_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RENEW_EVERY_SECONDS = 60
API_TOKEN_PREFIX = "tsr_"  # noqa: S105 - a prefix that makes leaked tokens easy to spot, not a secret


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@functools.cache
def _decoy_hash(time_cost: int, memory_kib: int, parallelism: int) -> str:
    """The hash of a password nobody knows, made once a process for each cost rather than once an
    app: the test suite makes thousands of apps in one process, and each hash takes 60 ms."""
    hasher = argon2.PasswordHasher(
        time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=argon2.Type.ID
    )
    return hasher.hash(secrets.token_urlsafe(16))


class PasswordHasher:
    """argon2id off the event loop, with a cap on hashes in flight.

    Each hash takes ``argon2_memory_kib`` and tens of milliseconds of a core: run on the
    loop, a login would stall every other request; run unbounded, a login storm would
    exhaust memory.
    """

    def __init__(self, settings: Settings) -> None:
        self._argon2 = argon2.PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
            type=argon2.Type.ID,
        )
        self._limiter = anyio.CapacityLimiter(settings.max_concurrent_hashes)
        # Unknown usernames are checked against this, so they cost what a wrong password costs.
        self._decoy_hash = _decoy_hash(
            settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism
        )

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self._argon2.hash, password, limiter=self._limiter)

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        def _verify() -> bool:
            try:
                return (
                    self._argon2.verify(stored_hash or self._decoy_hash, password) and stored_hash is not None
                )
            except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
                return False

        return await anyio.to_thread.run_sync(_verify, limiter=self._limiter)

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._argon2.check_needs_rehash(stored_hash)


class SessionRecord(msgspec.Struct, frozen=True):
    user_id: uuid.UUID
    csrf_token: str
    started_at: float
    epoch: int
    seen_at: float = 0.0


class Sessions:
    """Server-side sessions: a fresh random id at every login, idle and absolute timeouts."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self._store = store
        self._idle_seconds = settings.session_idle_minutes * 60
        self._absolute_seconds = settings.session_absolute_hours * 3600

    @staticmethod
    def _key(session_id: str) -> str:
        # Keyed by a hash, so whoever reads the store holds no usable session ids.
        return "session:" + sha256_hex(session_id)

    @staticmethod
    def new_session_id() -> str:
        return secrets.token_urlsafe(32)

    async def start(self, user: User) -> tuple[str, SessionRecord]:
        session_id = self.new_session_id()
        now = time.time()
        record = SessionRecord(user.id, secrets.token_urlsafe(32), now, user.session_epoch, seen_at=now)
        await self._store.set(self._key(session_id), msgspec.msgpack.encode(record), self._idle_seconds)
        return session_id, record

    async def load(self, session_id: str) -> SessionRecord | None:
        raw = await self._store.get(self._key(session_id))
        if raw is None:
            return None
        record = msgspec.msgpack.decode(raw, type=SessionRecord)
        now = time.time()
        if now - record.started_at > self._absolute_seconds:
            await self.end(session_id)
            return None
        # The idle timeout is pushed back at most once a minute, not written on every request.
        if now - record.seen_at > RENEW_EVERY_SECONDS:
            record = msgspec.structs.replace(record, seen_at=now)
            await self._store.set(self._key(session_id), msgspec.msgpack.encode(record), self._idle_seconds)
        return record

    async def end(self, session_id: str) -> None:
        await self._store.delete(self._key(session_id))

    async def renew(self, session_id: str, user: User, new_id: str) -> None:
        """Moves a session to the fresh id ``new_id`` under the person's current epoch, after a
        password change; a session that has ended meanwhile stays ended.

        Whoever may have copied the old cookie is out with the other sessions; the CSRF token
        and the absolute timeout stay, so the page that asked goes on as it was.
        """
        record = await self.load(session_id)
        if record is None:
            return
        await self.end(session_id)
        renewed = msgspec.structs.replace(record, epoch=user.session_epoch, seen_at=time.time())
        await self._store.set(self._key(new_id), msgspec.msgpack.encode(renewed), self._idle_seconds)


class LoginThrottle:
    """Limits password guesses within a window: per account from one address, per account
    from all addresses together, and per address.

    Each attempt is counted before its password is hashed, atomically, so guesses sent all
    at once are refused past a limit like guesses sent one after another. A right password
    gives its attempt back, so the many people behind one school's address do not use up
    that address's limit by signing in. The limit per account and address is low and the one
    per account across addresses high: a stranger who types someone's name a few times slows
    their own guessing without locking the owner out.
    """

    def __init__(self, store: Store, settings: Settings) -> None:
        self._counters = Counters(store)
        self._window = settings.login_throttle_minutes * 60
        self._settings = settings

    def _limits(self, username_key: str, address: str) -> list[tuple[str, int]]:
        # Hashed, so the store never holds a username: erasure must leave none behind.
        # Ordered so that an attempt refused by one limit has not counted against the next.
        settings = self._settings
        address = throttled_address(address)
        return [
            (
                "login-fail:account-address:" + sha256_hex(f"{username_key}\n{address}"),
                settings.login_failures_per_account,
            ),
            ("login-fail:address:" + address, settings.login_failures_per_address),
            (
                "login-fail:account:" + sha256_hex(username_key),
                settings.login_failures_per_account_all_addresses,
            ),
        ]

    async def count_attempt(self, username_key: str, address: str) -> None:
        """Count an attempt before its password is checked; Throttled if it is one too many."""
        count = await count_within(self._counters, self._limits(username_key, address), self._window)
        if count is not None:
            raise Throttled(
                count.resets_in_seconds,
                plural_message(
                    "Too many failed sign-in attempts. Please try again in {count} minute.",
                    "Too many failed sign-in attempts. Please try again in {count} minutes.",
                    _minutes(count),
                ),
            )

    async def succeeded(self, username_key: str, address: str) -> None:
        """The password was right: the attempt is given back, and the owner's own mistakes from
        this address are forgotten. Others' failures against the account still count."""
        (pair, _), (address_key, _), (account, _) = self._limits(username_key, address)
        await self._counters.reset(pair)
        await self._counters.subtract(address_key)
        await self._counters.subtract(account)


class RegistrationThrottle:
    """Limits failed registrations per address within the window, counted like sign-ins: each
    one with a valid invite costs a password hash, and each other one is a guess at a code.
    Joining gives its attempt back, so a youth centre's workshop can join from one address."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self._counters = Counters(store)
        self._window = settings.login_throttle_minutes * 60
        self._limit = settings.registration_failures_per_address

    async def count_attempt(self, address: str) -> None:
        count = await self._counters.add("register-fail:address:" + throttled_address(address), self._window)
        if count.value > self._limit:
            await self._counters.subtract("register-fail:address:" + throttled_address(address))
            raise Throttled(
                count.resets_in_seconds,
                plural_message(
                    "Too many failed attempts to join from here. Please try again in {count} minute.",
                    "Too many failed attempts to join from here. Please try again in {count} minutes.",
                    _minutes(count),
                ),
            )

    async def succeeded(self, address: str) -> None:
        await self._counters.subtract("register-fail:address:" + throttled_address(address))


class MailThrottle:
    """Limits the e-mail that people can make Tessera send for them within an hour: password
    reset codes per address asked for and per client, and address confirmation codes per
    account. Without it, anyone could fill a stranger's mailbox from the sign-in screen. An
    address is counted whether or not an account has it, so a refusal tells nothing about it.
    """

    WINDOW_SECONDS = 3600
    RESETS_PER_ADDRESS = 3
    RESETS_PER_CLIENT = 10
    CONFIRMATIONS_PER_ACCOUNT = 5
    CONFIRMATION_ATTEMPTS_PER_ACCOUNT = 10
    # Invitations by e-mail per inviter: a workshop's worth, not a mailing list of strangers.
    INVITATIONS_PER_ACCOUNT = 30

    def __init__(self, store: Store) -> None:
        self._counters = Counters(store)

    async def _count(self, limits: list[tuple[str, int]]) -> None:
        count = await count_within(self._counters, limits, self.WINDOW_SECONDS)
        if count is not None:
            raise Throttled(
                count.resets_in_seconds,
                plural_message(
                    "Too many requests for e-mail. Please try again in {count} minute.",
                    "Too many requests for e-mail. Please try again in {count} minutes.",
                    _minutes(count),
                ),
            )

    async def count_reset_request(self, email_key: str, address: str) -> None:
        # Hashed, so the store never holds an e-mail address.
        await self._count(
            [
                ("reset-mail:client:" + throttled_address(address), self.RESETS_PER_CLIENT),
                ("reset-mail:address:" + sha256_hex(email_key), self.RESETS_PER_ADDRESS),
            ]
        )

    async def count_invitation(self, user_id: uuid.UUID) -> None:
        await self._count([(f"invite-mail:account:{user_id}", self.INVITATIONS_PER_ACCOUNT)])

    async def count_confirmation(self, user_id: uuid.UUID) -> None:
        await self._count([(f"confirm-mail:account:{user_id}", self.CONFIRMATIONS_PER_ACCOUNT)])

    async def count_confirmation_attempt(self, user_id: uuid.UUID) -> None:
        await self._count([(f"confirm-try:account:{user_id}", self.CONFIRMATION_ATTEMPTS_PER_ACCOUNT)])


def throttled_address(address: str) -> str:
    """The address as throttling counts it: an IPv6 address by its /64, since a home or phone
    connection gets a whole /64 and could otherwise guess from a new address each time."""
    parsed = _ip_address(address)
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return address


async def count_within(counters: Counters, limits: list[tuple[str, int]], window: int) -> Count | None:
    """Count one attempt under each (key, limit); the count that went over its limit, or None.
    An attempt refused is not made, so it counts under none of them: someone held back by one
    limit must not use up the others (an account owner's, across addresses)."""
    counted: list[str] = []
    for key, limit in limits:
        count = await counters.add(key, window)
        counted.append(key)
        if count.value > limit:
            for taken in counted:
                await counters.subtract(taken)
            return count
    return None


def _minutes(count: Count) -> int:
    return -(-count.resets_in_seconds // 60)


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The address a request comes from: the peer, or, when the peer is one of
    TESSERA_TRUSTED_PROXIES, the address its X-Forwarded-For names.

    The header is read from the right, since each proxy appends the address it was reached
    from; the first address that is not a trusted proxy is the client. Whatever lies further
    left was written by the client itself and is ignored.
    """
    peer = connection.client.host if connection.client else "unknown"
    trusted = connection.app.state.settings.trusted_proxy_networks
    address = _ip_address(peer)
    if not trusted or address is None:
        return peer
    hops = [hop for value in connection.headers.getall("x-forwarded-for", []) for hop in value.split(",")]
    while hops and any(address in network for network in trusted):
        previous = _ip_address(hops.pop())
        if previous is None:
            break
        address = previous
    return str(address)


def _ip_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address as proxies write it: ``10.0.0.7``, ``2001:db8::1``, with a port or without."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    # A dual-stack socket shows IPv4 peers as ::ffff:a.b.c.d; the settings name them as IPv4.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


@dataclass(frozen=True, slots=True)
class Credential:
    """How the request proved who it is: a session (with its id) or a personal API token."""

    kind: str
    session_id: str | None = None
    token_id: uuid.UUID | None = None


class AuthenticationMiddleware(AbstractAuthenticationMiddleware):
    """Resolves the caller from a bearer token or the session cookie; anonymous is allowed.

    Routes say who may call them with guards; this establishes who is calling, and that a
    personal API token only reads: every unsafe method needs a session.
    """

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        state = connection.app.state
        authorization = connection.headers.get("authorization", "")
        if authorization:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise NotSignedIn(message(N_("The Authorization header must be “Bearer” and a token.")))
            user, token_id = await _user_by_token(state.databases, token.strip())
            # A token's scope is reading (lists and exports), checked here once for every route:
            # a leaked token can never make tokens, change or erase an account, or change roles,
            # and a route added later cannot become writable by token by accident.
            if connection.scope.get("method") not in SAFE_METHODS:
                raise TokenReadOnly(message(N_("This needs a signed-in session; API tokens can only read.")))
            return AuthenticationResult(user=user, auth=Credential("token", token_id=token_id))

        session_id = connection.cookies.get(SESSION_COOKIE)
        if not session_id:
            return AuthenticationResult(user=None, auth=None)
        sessions: Sessions = state.sessions
        record = await sessions.load(session_id)
        active = await _active_user(state.databases, record.user_id) if record else None
        if record is None or active is None or active.session_epoch != record.epoch:
            # An ended or expired session is simply no session: the caller is anonymous.
            return AuthenticationResult(user=None, auth=None)
        if connection.scope.get("method") not in SAFE_METHODS:
            sent = connection.headers.get(CSRF_HEADER, "")
            if not hmac.compare_digest(sent.encode(), record.csrf_token.encode()):
                raise CsrfTokenInvalid(
                    message(
                        N_("The X-CSRF-Token header is missing or wrong. Sign in again if this persists.")
                    )
                )
        return AuthenticationResult(user=active, auth=Credential("session", session_id=session_id))


# The middleware runs before the request's unit of work exists, and what it reads or notes
# is its own business: it reads and writes in short units of work of its own.


async def _active_user(databases: Databases, user_id: uuid.UUID) -> User | None:
    async with databases.reading() as db:
        # The person and their platforms in one statement: this runs before every request.
        user = await db.get(User, user_id, options=[joinedload(User.platforms)])
    if user is None or user.is_erased:
        return None
    ensure_not_suspended(user)
    return user


def ensure_not_suspended(user: User) -> None:
    if user.status == AccountStatus.SUSPENDED and (
        user.suspended_until is None or user.suspended_until > dt.datetime.now(dt.UTC)
    ):
        if user.suspension_reason:
            raise AccountSuspended(
                message(
                    N_(
                        "Your account is suspended. The reason given: {reason} Please talk to your youth worker."
                    ),
                    reason=user.suspension_reason,
                )
            )
        raise AccountSuspended(message(N_("Your account is suspended. Please talk to your youth worker.")))


async def _user_by_token(databases: Databases, token: str) -> tuple[User, uuid.UUID]:
    now = dt.datetime.now(dt.UTC)
    async with databases.reading() as db:
        api_token = await db.scalar(sa.select(ApiToken).where(ApiToken.token_hash == sha256_hex(token)))
    if api_token is None or api_token.revoked_at is not None or api_token.expires_at <= now:
        raise NotSignedIn(message(N_("This API token is unknown, revoked or expired.")))
    token_id = api_token.id
    # Last use is recorded at most hourly, so a script's many requests don't each write.
    if api_token.last_used_at is None or now - api_token.last_used_at > dt.timedelta(hours=1):
        async with databases.separate_unit_of_work() as db:
            await db.execute(sa.update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
    user = await _active_user(databases, api_token.user_id)
    if user is None:
        raise NotSignedIn(message(N_("This API token is unknown, revoked or expired.")))
    return user, token_id


# Guards: who may call a route. A refused caller learns nothing else.


def signed_in(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    if connection.scope.get("user") is None:
        raise NotSignedIn()


def role_in(*roles: Role) -> Any:
    def guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
        signed_in(connection, handler)
        if connection.scope["user"].role not in roles:
            raise NotAllowed()

    guard.__name__ = "role_in_" + "_".join(sorted(roles))
    return guard


def current_user(request: Any) -> User:
    """The signed-in caller (the route's guard has made sure there is one)."""
    user = request.scope.get("user")
    if user is None:
        raise NotSignedIn()
    return user
