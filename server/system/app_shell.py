"""The app's offline shell: the files the service worker keeps on the phone, and a version that
changes whenever one of them does.

The server fills both into pwa/sw.js as it serves it, so nobody bumps a version by hand and a
new screen is in the shell as soon as its file is in pwa/screens/. A changed file changes the
worker's bytes: the browser installs the new worker, and the app offers the update.
"""

from __future__ import annotations

import base64
import hashlib
import json
import mimetypes
import re
from pathlib import Path
from typing import Any

import msgspec
from litestar import Request, Response, Router, get, route
from litestar.datastructures import Headers, MutableScopeHeaders
from litestar.handlers import HTTPRouteHandler
from litestar.middleware import ASGIMiddleware
from litestar.static_files import create_static_files_router
from litestar.types import ASGIApp, Message, Receive, Scope, Send

PWA_DIR = Path(__file__).resolve().parents[2] / "pwa"
SHELL_SUFFIXES = frozenset({".html", ".js", ".css", ".webmanifest"})
# The icons the app shows offline (notifications); the 512 px ones only an installing browser fetches.
SHELL_ICONS = ("icons/icon-192.png", "icons/maskable-192.png")
WORKER = "sw.js"
# What pwa/sw.js holds where the server writes the version and the list: still valid JavaScript,
# so the file reads as it is.
VERSION_PLACEHOLDER = '"%SHELL_VERSION%"'
FILES_PLACEHOLDER = '["%SHELL_FILES%"]'


def shell_files(pwa_dir: Path) -> list[str]:
    """The addresses of the shell: every page, script and style of the app and its manifest (the
    index as "/"), the icons it shows, never the worker itself."""
    names = sorted(
        path.relative_to(pwa_dir).as_posix()
        for path in pwa_dir.rglob("*")
        if path.is_file() and path.suffix in SHELL_SUFFIXES
    )
    names = [name for name in names if name != WORKER] + list(SHELL_ICONS)
    return ["/" if name == "index.html" else f"/{name}" for name in names]


def service_worker(pwa_dir: Path) -> tuple[str, bytes]:
    """The shell's version and pwa/sw.js with the version and the shell's files filled in."""
    files = shell_files(pwa_dir)
    template = (pwa_dir / WORKER).read_text(encoding="utf-8")
    digest = hashlib.sha256(template.encode())
    for address in files:
        path = pwa_dir / ("index.html" if address == "/" else address.removeprefix("/"))
        digest.update(b"\0" + address.encode() + b"\0" + path.read_bytes())
    version = digest.hexdigest()[:16]
    if VERSION_PLACEHOLDER not in template or FILES_PLACEHOLDER not in template:
        raise ValueError(f"{pwa_dir / WORKER} lacks {VERSION_PLACEHOLDER} or {FILES_PLACEHOLDER}")
    worker = template.replace(VERSION_PLACEHOLDER, json.dumps(version)).replace(
        FILES_PLACEHOLDER, json.dumps(files)
    )
    return version, worker.encode()


# The app's first screens: home for someone signed in, sign-in for everyone else.
FIRST_SCREENS = ("app.js", "screens/home.js", "screens/sign-in.js")
# A static import of another app module, over one line or several: `import { a, b } from "./x.js"`,
# `import "./x.js"` or `export { c } from "../y.js"`. Dynamic `import()` is left out: those modules
# load when a screen needs them. Only the app's own files are read with it, never user input.
STATIC_IMPORT = re.compile(r"""^[ \t]*(?:import|export)\b[^"';()]*?["'](\.{1,2}/[^"'\n]+\.js)["']""", re.M)
PRELOADS_MARK = "<!-- modulepreload: filled in by the server -->"
BOOT_MARK = "<!-- boot data: filled in by the server -->"
# The icon the page shows at once (the brand in the header, the tab's icon): written into the
# page, so that it costs no request of its own before the first screen.
PAGE_ICON = "/icons/icon-192.png"


def module_graph(pwa_dir: Path, entries: tuple[str, ...] = FIRST_SCREENS) -> list[str]:
    """Every module the entries import statically, and theirs in turn, as addresses, in the order
    found (breadth first, so the most needed come first)."""
    seen: list[str] = []
    queue = [(pwa_dir / entry).resolve() for entry in entries]
    while queue:
        path = queue.pop(0)
        address = "/" + path.relative_to(pwa_dir.resolve()).as_posix()
        if address in seen:
            continue
        seen.append(address)
        for target in STATIC_IMPORT.findall(path.read_text(encoding="utf-8")):
            queue.append((path.parent / target).resolve())
    return seen


def boot_data() -> bytes:
    """What every first screen needs and nobody's own: the languages and the vocabularies, as
    GET /api/v1/i18n and GET /api/v1/vocabularies answer them. In the page they cost no request."""
    from server.languages.routes import locale_list
    from server.system.routes import VOCABULARIES

    data = msgspec.json.encode({"locales": locale_list(), "vocabularies": VOCABULARIES})
    # Inside <script> only "</" could end the element early: JSON may write "<" as \u003c.
    return data.replace(b"<", b"\\u003c")


def index_page(pwa_dir: Path) -> bytes:
    """pwa/index.html with a modulepreload for every module of the first screens, the boot data
    and the page's icon written in.

    A module is otherwise found only when the one importing it has arrived: on a phone network
    with a 400 ms round trip, each step of the import chain costs one. Declared up front, the
    browser asks for them all at once. Generated from the imports, never kept by hand.
    """
    template = (pwa_dir / "index.html").read_text(encoding="utf-8")
    for mark in (PRELOADS_MARK, BOOT_MARK):
        if mark not in template:
            raise ValueError(f"{pwa_dir / 'index.html'} lacks {mark}")
    links = "\n  ".join(f'<link rel="modulepreload" href="{address}">' for address in module_graph(pwa_dir))
    boot = f'<script type="application/json" id="boot">{boot_data().decode()}</script>'
    icon = (pwa_dir / PAGE_ICON.removeprefix("/")).read_bytes()
    icon_address = f"data:image/png;base64,{base64.b64encode(icon).decode()}"
    page = template.replace(PRELOADS_MARK, links).replace(BOOT_MARK, boot)
    page = page.replace(f'href="{PAGE_ICON}"', f'href="{icon_address}"').replace(
        f'src="{PAGE_ICON}"', f'src="{icon_address}"'
    )
    return page.encode()


def service_worker_route(pwa_dir: Path) -> HTTPRouteHandler:
    """GET /sw.js, made once at start-up from the files as they are then."""
    _, body = service_worker(pwa_dir)

    @get(f"/{WORKER}", include_in_schema=False, sync_to_thread=False)
    def serve_service_worker() -> Response[bytes]:
        # Browsers look for a new worker at every start; no cache in between may answer for it.
        return Response(body, media_type="text/javascript", headers={"Cache-Control": "no-cache"})

    return serve_service_worker


# How long a browser may use an app file without asking again. The installed app never asks:
# its service worker answers from the shell it fetched past every cache (`cache: "reload"`), and
# sw.js and the pages are `no-cache`, so an update is seen at the next start. The hour is for a
# browser without the worker, and bounds how long a new page may meet an older script. Names
# carry no version yet, so nothing can be `immutable`: that needs hashed names (app.3f9c.js).
APP_FILE_MAX_AGE = 3600
# Pages name the scripts they load: asked again every time, so they never outlive an update.
PAGE_CACHING = "no-cache"
APP_FILE_CACHING = f"max-age={APP_FILE_MAX_AGE}, must-revalidate"


class AppFileCaching(ASGIMiddleware):
    """Cache-Control for the app's files, and 304 Not Modified when the browser's copy is current
    (Litestar sends an ETag but always answers with the whole file). A HEAD answer gets the
    Content-Type its GET has, which Litestar's HEAD of a file leaves out."""

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        path = scope["path"]
        caching = PAGE_CACHING if path == "/" or path.endswith(".html") else APP_FILE_CACHING
        current_copies = Headers.from_scope(scope).get("if-none-match")
        is_head = scope.get("method") == "HEAD"
        not_modified = False

        async def send_with_caching(message: Message) -> None:
            nonlocal not_modified
            if message["type"] == "http.response.start" and message["status"] == 200:
                headers = MutableScopeHeaders.from_message(message)
                headers["Cache-Control"] = caching
                if is_head and "content-type" not in headers:
                    guessed, _ = mimetypes.guess_type("index.html" if path == "/" else path)
                    guessed = guessed or "application/octet-stream"
                    headers["Content-Type"] = (
                        f"{guessed}; charset=utf-8" if guessed.startswith("text/") else guessed
                    )
                if current_copies is not None and _matches(headers.get("etag"), current_copies):
                    not_modified = True
                    del headers["content-length"]
                    message = {**message, "status": 304}
            elif message["type"] == "http.response.body" and not_modified:
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await next_app(scope, receive, send_with_caching)


def _matches(etag: str | None, if_none_match: str) -> bool:
    """RFC 9110 13.1.2: the weak comparison, any of a list, or "*"."""
    if etag is None:
        return False
    asked = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in asked or etag.removeprefix("W/") in asked


def app_files_router(pwa_dir: Path) -> Router:
    """The app's static files at /, with their caching; HEAD / too (monitors and link checkers
    ask it, and Litestar's static router answers HEAD for every file but the index)."""
    router = create_static_files_router(
        path="/",
        directories=[pwa_dir],
        include_in_schema=False,
        middleware=[AppFileCaching()],
    )
    page = index_page(pwa_dir)
    headers = {"ETag": f'"{hashlib.sha256(page).hexdigest()[:16]}"'}

    @route(
        ["/", "/index.html"],
        http_method=["GET", "HEAD"],
        name="static/index",
        include_in_schema=False,
        sync_to_thread=False,
    )
    def index(request: Request[Any, Any, Any]) -> Response[bytes]:
        body = b"" if request.method == "HEAD" else page
        return Response(
            body, media_type="text/html; charset=utf-8", headers={**headers, "Content-Length": str(len(page))}
        )

    router.register(index)
    return router
