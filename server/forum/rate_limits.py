"""Per-member limits on new topics and replies, with Litestar's rate limiter.

A member who posts faster than a person writes is a script or a flood; either way the youth
workers' queue must not drown. Each limit counts per member (per address before sign-in),
and only on the routes tagged with its name (see server/forum/routes.py).
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.middleware.rate_limit import DurationUnit, RateLimitConfig

from server.forum.routes import POST_RATE_LIMIT, REACTION_RATE_LIMIT, REPORT_RATE_LIMIT, TOPIC_RATE_LIMIT
from server.security import client_address
from server.settings import Settings

STORE_NAME = "rate_limit"


def member_limit(name: str, count: int, unit: DurationUnit = "hour") -> RateLimitConfig:
    """`count` requests per `unit` on the routes whose opt names this limit, per member
    (per address before sign-in)."""

    # A coroutine function, not a plain one: Litestar runs a plain check in a worker thread, and
    # it asks on every request of the app, three limits each, whatever the route.
    async def applies(request: Request[Any, Any, Any]) -> bool:
        return bool(request.route_handler.opt.get("rate_limit") == name)

    def member(request: Request[Any, Any, Any]) -> str:
        user = request.scope.get("user")
        # Before sign-in, the client's own address (through TESSERA_TRUSTED_PROXIES), never a
        # proxy's: behind Caddy every Delphi panellist would otherwise share one count.
        return f"{name}:{user.id if user is not None else client_address(request)}"

    return RateLimitConfig(
        rate_limit=(unit, count),
        identifier_for_request=member,
        check_throttle_handler=applies,
        store=STORE_NAME,
    )


def forum_rate_limits(settings: Settings) -> list[RateLimitConfig]:
    return [
        member_limit(TOPIC_RATE_LIMIT["rate_limit"], settings.forum_topics_per_hour),
        member_limit(POST_RATE_LIMIT["rate_limit"], settings.forum_posts_per_hour),
        member_limit(REPORT_RATE_LIMIT["rate_limit"], settings.forum_reports_per_hour),
        member_limit(REACTION_RATE_LIMIT["rate_limit"], settings.forum_reactions_per_hour),
    ]
