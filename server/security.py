"""Security shared by every domain: password hashing, sessions, CSRF, login throttling, guards.

Sessions are server-side records in a Litestar store. Each holds its own CSRF token
(the synchronizer-token pattern): the token is handed out once in the login response and
must come back in ``X-CSRF-Token`` on every unsafe request that the session cookie
authenticates. Personal API tokens in ``Authorization: Bearer`` need no CSRF token,
since a browser never sends them on its own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
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

from server.accounts.models import ApiToken, User
from server.i18n import N_, message, plural_message
from server.problems import NotAllowed, NotSignedIn, Throttled
from server.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

SESSION_COOKIE = "tessera_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RENEW_EVERY_SECONDS = 60
API_TOKEN_PREFIX = "tsr_"  # noqa: S105 - a prefix that makes leaked tokens easy to spot, not a secret


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


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
        self._decoy_hash = self._argon2.hash(secrets.token_urlsafe(16))

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

    async def start(self, user: User) -> tuple[str, SessionRecord]:
        session_id = secrets.token_urlsafe(32)
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


class LoginThrottle:
    """Counts failed logins per account and per client address within a window."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self._store = store
        self._window = settings.login_throttle_minutes * 60
        self._limits = {
            "account": settings.login_failures_per_account,
            "address": settings.login_failures_per_address,
        }

    def _keys(self, username_key: str, address: str) -> dict[str, str]:
        # Hashed, so the store never holds a username: erasure must leave none behind.
        return {
            "account": "login-fail:account:" + sha256_hex(username_key),
            "address": "login-fail:address:" + address,
        }

    async def check(self, username_key: str, address: str) -> None:
        for kind, key in self._keys(username_key, address).items():
            raw = await self._store.get(key)
            if raw is not None and int(raw) >= self._limits[kind]:
                retry_after = await self._store.expires_in(key) or self._window
                minutes = -(-retry_after // 60)
                raise Throttled(
                    retry_after,
                    plural_message(
                        "Too many failed sign-in attempts. Please try again in {count} minute.",
                        "Too many failed sign-in attempts. Please try again in {count} minutes.",
                        minutes,
                    ),
                )

    async def record_failure(self, username_key: str, address: str) -> None:
        for key in self._keys(username_key, address).values():
            raw = await self._store.get(key)
            remaining = await self._store.expires_in(key) if raw is not None else None
            await self._store.set(key, str(int(raw or 0) + 1), remaining or self._window)

    async def forget_account(self, username_key: str, address: str) -> None:
        await self._store.delete(self._keys(username_key, address)["account"])


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    return connection.client.host if connection.client else "unknown"


@dataclass(frozen=True, slots=True)
class Credential:
    """How the request proved who it is: a session (with its id) or a personal API token."""

    kind: str
    session_id: str | None = None
    token_id: uuid.UUID | None = None


class AuthenticationMiddleware(AbstractAuthenticationMiddleware):
    """Resolves the caller from a bearer token or the session cookie; anonymous is allowed.

    Routes say who may call them with guards; this only establishes who is calling.
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
            user, token_id = await _user_by_token(state.db_sessionmaker, token.strip())
            return AuthenticationResult(user=user, auth=Credential("token", token_id=token_id))

        session_id = connection.cookies.get(SESSION_COOKIE)
        if not session_id:
            return AuthenticationResult(user=None, auth=None)
        sessions: Sessions = state.sessions
        record = await sessions.load(session_id)
        active = await _active_user(state.db_reader, record.user_id) if record else None
        if record is None or active is None or active.session_epoch != record.epoch:
            # An ended or expired session is simply no session: the caller is anonymous.
            return AuthenticationResult(user=None, auth=None)
        if connection.scope.get("method") not in SAFE_METHODS:
            sent = connection.headers.get(CSRF_HEADER, "")
            if not hmac.compare_digest(sent.encode(), record.csrf_token.encode()):
                raise NotAllowed(
                    message(
                        N_("The X-CSRF-Token header is missing or wrong. Sign in again if this persists.")
                    )
                )
        return AuthenticationResult(user=active, auth=Credential("session", session_id=session_id))


async def _active_user(db_sessionmaker: async_sessionmaker[AsyncSession], user_id: uuid.UUID) -> User | None:
    async with db_sessionmaker() as db:
        user = await db.get(User, user_id)
    if user is None or user.is_erased:
        return None
    ensure_not_suspended(user)
    return user


def ensure_not_suspended(user: User) -> None:
    if user.status == "suspended" and (
        user.suspended_until is None or user.suspended_until > dt.datetime.now(dt.UTC)
    ):
        if user.suspension_reason:
            raise NotAllowed(
                message(
                    N_(
                        "Your account is suspended. The reason given: {reason} Please talk to your youth worker."
                    ),
                    reason=user.suspension_reason,
                )
            )
        raise NotAllowed(message(N_("Your account is suspended. Please talk to your youth worker.")))


async def _user_by_token(
    db_sessionmaker: async_sessionmaker[AsyncSession], token: str
) -> tuple[User, uuid.UUID]:
    now = dt.datetime.now(dt.UTC)
    async with db_sessionmaker() as db:
        api_token = await db.scalar(sa.select(ApiToken).where(ApiToken.token_hash == sha256_hex(token)))
        if api_token is None or api_token.revoked_at is not None or api_token.expires_at <= now:
            raise NotSignedIn(message(N_("This API token is unknown, revoked or expired.")))
        # Last use is recorded at most hourly, so a script's many requests don't each write.
        if api_token.last_used_at is None or now - api_token.last_used_at > dt.timedelta(hours=1):
            api_token.last_used_at = now
            await db.commit()
        token_id = api_token.id
    user = await _active_user(db_sessionmaker, api_token.user_id)
    if user is None:
        raise NotSignedIn(message(N_("This API token is unknown, revoked or expired.")))
    return user, token_id


# Guards: who may call a route. A refused caller learns nothing else.


def signed_in(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    if connection.scope.get("user") is None:
        raise NotSignedIn()


def role_in(*roles: str) -> Any:
    def guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
        signed_in(connection, handler)
        if connection.scope["user"].role not in roles:
            raise NotAllowed()

    guard.__name__ = "role_in_" + "_".join(roles)
    return guard


def current_user(request: Any) -> User:
    """The signed-in caller (the route's guard has made sure there is one)."""
    user = request.scope.get("user")
    if user is None:
        raise NotSignedIn()
    return user
