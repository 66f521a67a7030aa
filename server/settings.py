"""Tessera's settings: every ``TESSERA_*`` environment variable, parsed once into a typed Struct.

A wrong value stops start-up with a message that names the variable, so an operator
never runs a platform full of minors' data on a setting they did not mean.
"""

from __future__ import annotations

import email.utils
import functools
import ipaddress
import os
import urllib.parse
from collections.abc import Mapping
from typing import Annotated

import msgspec
from litestar.di import NamedDependency

PREFIX = "TESSERA_"

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# OWASP's password storage cheat sheet: argon2id with at least 19 MiB, 2 passes, 1 lane
# (or an equivalent trade of memory for passes). We refuse anything weaker.
OWASP_MIN_MEMORY_KIB = 19_456


class SettingsError(ValueError):
    """A TESSERA_* variable holds a value Tessera cannot run with."""


class Settings(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    database_url: str = "sqlite+aiosqlite:///var/tessera.db"
    # Where the invite links point: the address people open the app at.
    public_url: str = "http://127.0.0.1:8000"
    # Sessions, throttling counters and other short-lived state. Without Redis they live in
    # files under var/, which serves one process; several processes need Redis.
    redis_url: str | None = None
    store_dir: str = "var/store"
    pwa_dir: str | None = None
    max_body_bytes: Annotated[int, msgspec.Meta(ge=1024, le=50_000_000)] = 1_048_576
    # Idle and absolute session lifetimes. Phones are shared in families and youth centres,
    # so a session does not outlive a working day of inactivity nor a week in all.
    session_idle_minutes: Annotated[int, msgspec.Meta(ge=1)] = 12 * 60
    session_absolute_hours: Annotated[int, msgspec.Meta(ge=1)] = 7 * 24
    # Sign-in attempts that may fail within the window: for one account from one address, for
    # one account from all addresses together, and from one address for all accounts. The first
    # slows a guesser; the second, much higher, stops one spread over many addresses without
    # locking the owner out because someone else typed their name five times.
    login_failures_per_account: Annotated[int, msgspec.Meta(ge=1)] = 5
    login_failures_per_account_all_addresses: Annotated[int, msgspec.Meta(ge=1)] = 50
    login_failures_per_address: Annotated[int, msgspec.Meta(ge=1)] = 30
    # Registrations from one address that may fail within the window (each one with a valid
    # invite costs a password hash).
    registration_failures_per_address: Annotated[int, msgspec.Meta(ge=1)] = 20
    login_throttle_minutes: Annotated[int, msgspec.Meta(ge=1)] = 15
    # Proxies whose X-Forwarded-For names the client: comma-separated addresses or networks.
    # From anyone else the header is ignored, or a throttled guesser would just send another.
    trusted_proxies: str = ""
    argon2_memory_kib: Annotated[int, msgspec.Meta(ge=OWASP_MIN_MEMORY_KIB)] = 47_104
    argon2_time_cost: Annotated[int, msgspec.Meta(ge=1)] = 1
    argon2_parallelism: Annotated[int, msgspec.Meta(ge=1)] = 1
    # Hashes in flight at once. Argon2 keeps a core busy and argon2_memory_kib per hash: one
    # core is left to everything else, so a login storm neither stalls other requests nor
    # exhausts memory (bench/login_storm.py measures it).
    max_concurrent_hashes: Annotated[int, msgspec.Meta(ge=1)] = msgspec.field(
        default_factory=lambda: max(1, (os.cpu_count() or 2) - 1)
    )
    api_token_max_days: Annotated[int, msgspec.Meta(ge=1)] = 365
    # The forum's trust rules, tuned for a small invited community of young people: a new
    # member's first posts wait for a youth worker, and a post reported by this many different
    # members is hidden until one has looked at it.
    forum_posts_before_trust: Annotated[int, msgspec.Meta(ge=0, le=100)] = 2
    forum_reports_to_hide: Annotated[int, msgspec.Meta(ge=1, le=100)] = 3
    forum_edit_minutes: Annotated[int, msgspec.Meta(ge=0, le=7 * 24 * 60)] = 30
    forum_topics_per_hour: Annotated[int, msgspec.Meta(ge=1)] = 5
    forum_posts_per_hour: Annotated[int, msgspec.Meta(ge=1)] = 30
    forum_reports_per_hour: Annotated[int, msgspec.Meta(ge=1)] = 20
    forum_reactions_per_hour: Annotated[int, msgspec.Meta(ge=1)] = 120
    # Requests to Delphi ballot links per minute and address: a whole panel may answer from
    # one venue's network, each answer saved as it is given.
    delphi_ballot_requests_per_minute: Annotated[int, msgspec.Meta(ge=1)] = 600
    # Origins subscriptions may point to; "https://*.host" allows its subdomains (Edge's WNS
    # hands out many hosts).
    push_allowed_origins: str = (
        "https://fcm.googleapis.com,https://updates.push.services.mozilla.com,"
        "https://web.push.apple.com,https://*.notify.windows.com"
    )
    # The VAPID key push services know this server by (RFC 8292): base64url of the raw P-256
    # private key, as `web-push generate-vapid-keys` prints it. Without it, Tessera makes one
    # on first start and keeps it in the database.
    vapid_private_key: str | None = None
    # Who push services may contact about this server's messages: a mailto: or https: URL.
    vapid_subject: str | None = None
    # Messages being posted to push services at once.
    push_concurrency: Annotated[int, msgspec.Meta(ge=1, le=256)] = 16
    # Tries before a message is given up; the wait between them doubles from push_retry_seconds.
    push_max_attempts: Annotated[int, msgspec.Meta(ge=1, le=50)] = 10
    push_retry_seconds: Annotated[float, msgspec.Meta(ge=0, le=3600)] = 30.0
    # How long a push service keeps a message for a device that is offline (its TTL header),
    # and so how long delivery is tried at all.
    push_ttl_seconds: Annotated[int, msgspec.Meta(ge=60, le=28 * 24 * 3600)] = 24 * 3600
    # The SMTP server e-mail goes out through: smtp://user:password@host:587 (STARTTLS when the
    # server offers it) or smtps://user:password@host:465 (TLS throughout). Without it, e-mail
    # stays in the outbox, where `tessera mail show` prints it.
    smtp_url: str | None = None
    # Who e-mail comes from: "Tessera <noreply@example.org>"; by default noreply@ the app's host.
    mail_from: str | None = None
    # Tries before an e-mail is given up; the wait between them doubles from mail_retry_seconds.
    mail_max_attempts: Annotated[int, msgspec.Meta(ge=1, le=50)] = 12
    mail_retry_seconds: Annotated[float, msgspec.Meta(ge=0, le=3600)] = 60.0

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def push_subject(self) -> str:
        """The VAPID ``sub``: as set, else the app's https address, else a mailto: at its host."""
        if self.vapid_subject:
            return self.vapid_subject
        if self.public_url.startswith("https://"):
            return self.public_url.rstrip("/")
        host = urllib.parse.urlsplit(self.public_url).hostname or "localhost"
        return f"mailto:push@{host}"

    @property
    def mail_sender(self) -> str:
        """The From of e-mail: as set, else Tessera <noreply@> the app's host."""
        if self.mail_from:
            return self.mail_from
        host = urllib.parse.urlsplit(self.public_url).hostname or "localhost"
        return f"Tessera <noreply@{host}>"

    @property
    def trusted_proxy_networks(self) -> tuple[IPNetwork, ...]:
        return proxy_networks(self.trusted_proxies)

    @property
    def secure_cookies(self) -> bool:
        """Cookies are Secure unless Tessera runs on plain http for local development."""
        return self.public_url.startswith("https://")


@functools.cache
def proxy_networks(text: str) -> tuple[IPNetwork, ...]:
    """``"10.0.0.1, fd00::/8"`` as networks; ValueError for anything that is not one."""
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in text.split(",") if item.strip())


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the TESSERA_* variables; raise SettingsError naming the first bad one."""
    environ = os.environ if environ is None else environ
    known = {f.name for f in msgspec.structs.fields(Settings)}
    raw: dict[str, str] = {}
    for key, value in environ.items():
        if not key.startswith(PREFIX) or key.startswith("TESSERA_TEST_"):
            continue
        name = key.removeprefix(PREFIX).lower()
        if name not in known:
            raise SettingsError(f"{key} is not a Tessera setting")
        raw[name] = value
    # Environment values are strings; msgspec's str-coercion turns "30" into an int and
    # applies each field's limits, so one call both converts and validates.
    try:
        settings = msgspec.convert(raw, Settings, strict=False)
    except msgspec.ValidationError as error:
        raise SettingsError(_name_the_variable(str(error))) from None
    _check_values(settings)
    return settings


def _name_the_variable(message: str) -> str:
    # msgspec says "... - at `$.session_idle_minutes`"; operators know the variable, not the path.
    if "$." in message:
        text, _, path = message.rpartition(" - at `$.")
        return f"{PREFIX}{path.rstrip('`').upper()}: {text}"
    return message


def _check_values(settings: Settings) -> None:
    if not settings.database_url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        raise SettingsError(
            "TESSERA_DATABASE_URL must start with sqlite+aiosqlite:// or postgresql+asyncpg://"
        )
    if not settings.public_url.startswith(("http://", "https://")):
        raise SettingsError("TESSERA_PUBLIC_URL must be an http:// or https:// address")
    if settings.redis_url is not None and not settings.redis_url.startswith(("redis://", "rediss://")):
        raise SettingsError("TESSERA_REDIS_URL must start with redis:// or rediss://")
    try:
        settings.trusted_proxy_networks  # noqa: B018 - parsed here so that a typo stops start-up
    except ValueError:
        raise SettingsError(
            "TESSERA_TRUSTED_PROXIES must be comma-separated addresses or networks, such as 10.0.0.2,fd00::/64"
        ) from None
    for origin in settings.push_allowed_origins.split(","):
        if not origin.strip().startswith(("https://", "http://")):
            raise SettingsError("TESSERA_PUSH_ALLOWED_ORIGINS must be a comma-separated list of origins")
    if settings.vapid_subject is not None and not settings.vapid_subject.startswith(("mailto:", "https://")):
        raise SettingsError("TESSERA_VAPID_SUBJECT must be a mailto: or https:// address")
    if settings.smtp_url is not None:
        from server.mail.delivery import smtp_server

        try:
            smtp_server(settings.smtp_url)
        except ValueError:
            raise SettingsError(
                "TESSERA_SMTP_URL must be smtp://user:password@host:port or smtps://user:password@host:port"
            ) from None
    sender = settings.mail_sender
    if any(character in sender for character in "\r\n") or "@" not in email.utils.parseaddr(sender)[1]:
        raise SettingsError(
            "TESSERA_MAIL_FROM must be an e-mail address, such as Tessera <noreply@example.org>"
        )
    if settings.vapid_private_key is not None:
        from server.push.keys import vapid_from_private_key

        try:
            vapid_from_private_key(settings.vapid_private_key)
        except ValueError:
            raise SettingsError(
                "TESSERA_VAPID_PRIVATE_KEY must be a P-256 private key, base64url-encoded (32 bytes)"
            ) from None


# How route handlers ask for the settings: by the name the app provides them under.
AppSettings = NamedDependency[Settings]
