"""The app factory: plugins, routers, middleware, nothing else."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import msgspec
from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.connection import ASGIConnection
from litestar.datastructures import MutableScopeHeaders, State
from litestar.di import Provide
from litestar.middleware import ASGIMiddleware, DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.stores.base import NamespacedStore
from litestar.stores.redis import RedisStore
from litestar.stores.registry import StoreRegistry
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from server import workers
from server.accounts import routes as account_routes
from server.accounts.service import Services as AccountServices
from server.audit import routes as audit_routes
from server.briefs import routes as brief_routes
from server.db import (
    Databases,
    checkpoint_and_truncate_wal,
    create_engine,
    create_sessionmaker,
    migrate,
    provide_db,
)
from server.delphi import routes as delphi_routes
from server.events import routes as event_routes
from server.exports import routes as export_routes
from server.forum import routes as forum_routes
from server.forum.rate_limits import STORE_NAME, forum_rate_limits, member_limit
from server.home import routes as home_routes
from server.i18n import request_locale
from server.impact import routes as impact_routes
from server.languages import routes as language_routes
from server.mail import routes as mail_routes
from server.moderation import routes as moderation_routes
from server.notes import routes as note_routes
from server.notifications import routes as notification_routes
from server.platforms import routes as platform_routes
from server.problems import problem_details_plugin, refuse_unstorable_text
from server.push import keys as push_keys
from server.push import routes as push_routes
from server.security import (
    AuthenticationMiddleware,
    LoginThrottle,
    MailThrottle,
    PasswordHasher,
    RegistrationThrottle,
    Sessions,
)
from server.settings import Settings, load_settings
from server.stakeholders import routes as stakeholder_routes
from server.stores import NamespacedFileStore
from server.system import routes as system_routes
from server.system.app_shell import PWA_DIR, app_files_router, service_worker_route

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


def make_store(settings: Settings) -> NamespacedStore:
    """Redis where configured, else files; either way sessions and limits get namespaces of it."""
    if settings.redis_url:
        return RedisStore.with_client(settings.redis_url, namespace="tessera")
    directory = Path(settings.store_dir)
    directory.mkdir(parents=True, exist_ok=True)
    return NamespacedFileStore(directory)


def create_app(settings: Settings | None = None, *, run_workers: bool = False) -> Litestar:
    settings = settings or load_settings()
    pwa_dir = Path(settings.pwa_dir) if settings.pwa_dir else PWA_DIR
    app = Litestar(
        route_handlers=[
            *system_routes.routes,
            *account_routes.routes,
            *platform_routes.routes,
            *audit_routes.routes,
            *mail_routes.routes,
            *language_routes.routes,
            *note_routes.routes,
            *export_routes.routes,
            *forum_routes.routes,
            *moderation_routes.routes,
            *stakeholder_routes.routes,
            *event_routes.routes,
            *impact_routes.routes,
            *delphi_routes.routes,
            *brief_routes.routes,
            *notification_routes.routes,
            *home_routes.routes,
            *push_routes.routes,
            service_worker_route(pwa_dir),
            app_files_router(pwa_dir),
        ],
        # Read from the app's state on each request, never closed over: see `bind`.
        dependencies={
            "databases": Provide(_state_item("databases"), sync_to_thread=False),
            "db": Provide(provide_db),
            "settings": Provide(_state_item("settings"), sync_to_thread=False),
            "account_services": Provide(_state_item("account_services"), sync_to_thread=False),
        },
        middleware=[
            ResponseHeadersMiddleware(),
            DefineMiddleware(AuthenticationMiddleware, exclude=["^/schema", "^/health$"]),
            # After authentication: the limits count per member, not per address.
            *(config.middleware for config in forum_rate_limits(settings)),
            member_limit(
                delphi_routes.BALLOT_RATE_LIMIT["rate_limit"],
                settings.delphi_ballot_requests_per_minute,
                "minute",
            ).middleware,
        ],
        plugins=[problem_details_plugin()],
        before_request=refuse_unstorable_text,
        openapi_config=OpenAPIConfig(
            title="Tessera",
            version="1",
            description="The API of Tessera, the platform of a participatory research programme with young migrants.",
            path="/schema",
            # The document itself, not a viewer that would load scripts from a CDN.
            render_plugins=[JsonRenderPlugin(path=["/", "/openapi.json"])],
        ),
        # Brotli where the browser takes it (the app's files come 7 % smaller than with gzip at
        # its highest level), gzip otherwise.
        compression_config=CompressionConfig(backend="brotli", brotli_gzip_fallback=True, minimum_size=1024),
        request_max_body_size=settings.max_body_bytes,
        lifespan=[_lifespan],
        debug=False,
    )
    bind(app, settings, run_workers=run_workers)
    return app


def shape(settings: Settings) -> Settings:
    """What of `settings` is built into an app's routes and middleware (limits, sizes, the app
    shell's files): two settings of one shape differ only in what `bind` gives an app."""
    return msgspec.structs.replace(settings, database_url="", redis_url=None, store_dir="")


def bind(app: Litestar, settings: Settings, *, run_workers: bool = False) -> None:
    """Give `app` its database, store, sessions and services for `settings`, in place of any it
    had. Requests and the lifespan read these from the app's state, so one app built once can be
    bound again to another database while it is not running: the test suite does this, since
    registering the routes is most of what making an app costs. `settings` must have the app's
    shape (`shape`)."""
    bound = app.state.get("settings")
    if bound is not None and shape(bound) != shape(settings):
        # Its limits and sizes are built into its middleware: they would silently stay the old ones.
        raise ValueError("an app can be bound again only to settings of the shape it was built with")
    engine = create_engine(settings.database_url)
    db_sessionmaker = create_sessionmaker(engine)
    reader_engine = create_engine(settings.database_url, read_only=True) if settings.is_sqlite else engine
    databases = Databases(writer=db_sessionmaker, reader=create_sessionmaker(reader_engine))
    store = make_store(settings)

    async def after_erasure() -> None:
        await checkpoint_and_truncate_wal(engine)

    # A new registry, so no store made on demand by an earlier binding (Litestar's default
    # factory) outlives it.
    app.stores = StoreRegistry({STORE_NAME: store.with_namespace("ratelimits")})
    app.state.clear()
    app.state.update(
        {
            "settings": settings,
            "engine": engine,
            "reader_engine": reader_engine,
            "databases": databases,
            "sessions": Sessions(store.with_namespace("sessions"), settings),
            "store": store,
            "after_erasure": after_erasure,
            "run_workers": run_workers,
            "account_services": AccountServices(
                PasswordHasher(settings),
                LoginThrottle(store, settings),
                RegistrationThrottle(store, settings),
                databases,
                MailThrottle(store),
            ),
        }
    )


def _state_item(name: str) -> Callable[[State], Any]:
    def provide(state: State) -> Any:
        return state[name]

    return provide


@contextlib.asynccontextmanager
async def _lifespan(app: Litestar) -> AsyncIterator[None]:
    state = app.state
    engine = state.engine
    await migrate(engine)
    await push_keys.make_key_once(state.databases.writer, state.settings)
    async with contextlib.AsyncExitStack() as stack:
        # Undone last to first: the workers stop before the engines they use are disposed.
        stack.push_async_callback(engine.dispose)
        stack.push_async_callback(state.reader_engine.dispose)
        if state.run_workers:
            await stack.enter_async_context(
                workers.running(state.store, state.databases.writer, state.settings)
            )
        yield


def create_app_from_environment() -> Any:
    """For ASGI servers' --factory option: settings come from TESSERA_* variables."""
    return create_app(run_workers=True)


def create_web_app_from_environment() -> Any:
    """The same without the background jobs: for each of several app processes, beside one
    `tessera worker` (what `tessera serve --workers N` runs)."""
    return create_app(run_workers=False)
