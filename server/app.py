"""The app factory: plugins, routers, middleware, nothing else."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.connection import ASGIConnection
from litestar.datastructures import MutableScopeHeaders, State
from litestar.di import Provide
from litestar.middleware import ASGIMiddleware, DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.static_files import create_static_files_router
from litestar.stores.base import Store
from litestar.stores.redis import RedisStore
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from server import workers
from server.accounts import routes as account_routes
from server.accounts.service import Services as AccountServices
from server.audit import routes as audit_routes
from server.db import checkpoint_and_truncate_wal, create_engine, create_sessionmaker, migrate, provide_db
from server.exports import routes as export_routes
from server.forum import routes as forum_routes
from server.forum.rate_limits import STORE_NAME, forum_rate_limits
from server.i18n import request_locale
from server.languages import routes as language_routes
from server.moderation import routes as moderation_routes
from server.notes import routes as note_routes
from server.notifications import routes as notification_routes
from server.platforms import routes as platform_routes
from server.problems import problem_details_plugin
from server.push import keys as push_keys
from server.push import routes as push_routes
from server.security import AuthenticationMiddleware, LoginThrottle, PasswordHasher, Sessions
from server.settings import Settings, load_settings
from server.stores import NamespacedFileStore
from server.system import routes as system_routes

PWA_DIR = Path(__file__).resolve().parent.parent / "pwa"

# The app shell loads nothing from elsewhere and runs no inline script (issue: app security).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}

logger = logging.getLogger("tessera")


class ResponseHeadersMiddleware(ASGIMiddleware):
    """Adds Content-Language (the negotiated locale) and the security headers to every answer."""

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                if "content-language" not in headers:
                    headers["Content-Language"] = request_locale(ASGIConnection(scope))
                for name, value in SECURITY_HEADERS.items():
                    if name.lower() not in headers:
                        headers[name] = value
            await send(message)

        await next_app(scope, receive, send_with_headers)


def make_store(settings: Settings) -> Store:
    if settings.redis_url:
        return RedisStore.with_client(settings.redis_url, namespace="tessera")
    directory = Path(settings.store_dir)
    directory.mkdir(parents=True, exist_ok=True)
    return NamespacedFileStore(directory)


def create_app(settings: Settings | None = None, *, run_workers: bool = False) -> Litestar:
    settings = settings or load_settings()
    engine = create_engine(settings.database_url)
    db_sessionmaker = create_sessionmaker(engine)
    reader_engine = create_engine(settings.database_url, read_only=True) if settings.is_sqlite else engine
    db_reader = create_sessionmaker(reader_engine)
    store = make_store(settings)
    sessions = Sessions(
        store.with_namespace("sessions") if hasattr(store, "with_namespace") else store, settings
    )
    account_services = AccountServices(PasswordHasher(settings), LoginThrottle(store, settings))

    async def after_erasure() -> None:
        await checkpoint_and_truncate_wal(engine)

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await migrate(engine)
        await push_keys.make_key_once(db_sessionmaker, settings)
        async with contextlib.AsyncExitStack() as stack:
            # Undone last to first: the workers stop before the engines they use are disposed.
            stack.push_async_callback(engine.dispose)
            stack.push_async_callback(reader_engine.dispose)
            if run_workers:
                await stack.enter_async_context(workers.running(store, db_sessionmaker, settings))
            yield

    pwa_dir = Path(settings.pwa_dir) if settings.pwa_dir else PWA_DIR
    return Litestar(
        route_handlers=[
            *system_routes.routes,
            *account_routes.routes,
            *platform_routes.routes,
            *audit_routes.routes,
            *language_routes.routes,
            *note_routes.routes,
            *export_routes.routes,
            *forum_routes.routes,
            *moderation_routes.routes,
            *notification_routes.routes,
            *push_routes.routes,
            create_static_files_router(
                path="/", directories=[pwa_dir], html_mode=True, include_in_schema=False
            ),
        ],
        dependencies={
            "db_sessionmaker": Provide(lambda: db_sessionmaker, sync_to_thread=False),
            "db_reader": Provide(lambda: db_reader, sync_to_thread=False),
            "db": Provide(provide_db),
            "settings": Provide(lambda: settings, sync_to_thread=False),
            "account_services": Provide(lambda: account_services, sync_to_thread=False),
        },
        middleware=[
            ResponseHeadersMiddleware(),
            DefineMiddleware(AuthenticationMiddleware, exclude=["^/schema", "^/health$"]),
            # After authentication: the limits count per member, not per address.
            *(config.middleware for config in forum_rate_limits(settings)),
        ],
        plugins=[problem_details_plugin()],
        openapi_config=OpenAPIConfig(
            title="Tessera",
            version="1",
            description="The API of Tessera, the platform of a participatory research programme with young migrants.",
            path="/schema",
            # The document itself, not a viewer that would load scripts from a CDN.
            render_plugins=[JsonRenderPlugin(path=["/", "/openapi.json"])],
        ),
        compression_config=CompressionConfig(backend="gzip", minimum_size=1024),
        request_max_body_size=settings.max_body_bytes,
        stores={
            STORE_NAME: store.with_namespace("ratelimits") if hasattr(store, "with_namespace") else store
        },
        state=State(
            {
                "settings": settings,
                "engine": engine,
                "db_sessionmaker": db_sessionmaker,
                "db_reader": db_reader,
                "sessions": sessions,
                "store": store,
                "after_erasure": after_erasure,
                "account_services": account_services,
                # SQLite has one writer at a time, and a writer that waits for the lock inside
                # SQLite sleeps and polls; note writes queue here instead, woken the moment
                # the one before them commits. PostgreSQL locks rows and needs no such queue.
                "write_gate": anyio.Lock() if settings.is_sqlite else contextlib.nullcontext(),
            }
        ),
        lifespan=[lifespan],
        debug=False,
    )


def create_app_from_environment() -> Any:
    """For ASGI servers' --factory option: settings come from TESSERA_* variables."""
    return create_app(run_workers=True)
