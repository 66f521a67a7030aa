"""The service worker keeps the whole app on the phone, and a changed file is a new worker:
the server writes the shell's files and their hash into /sw.js, nobody bumps a version by hand."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import msgspec
from litestar.testing import AsyncTestClient

from server.system.app_shell import PWA_DIR

SHELL = re.compile(r"^const SHELL = (\[.*\]);$", re.MULTILINE)
VERSION = re.compile(r'^const VERSION = "([0-9a-f]+)";$', re.MULTILINE)


async def served_worker(app) -> str:
    async with AsyncTestClient(app=app) as client:
        response = await client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    return response.text


def modules_the_app_loads() -> set[str]:
    """Every module a page or a screen imports, and every screen app.js routes to."""
    modules = set()
    for path in [*PWA_DIR.glob("*.js"), *PWA_DIR.glob("screens/*.js")]:
        if path.name == "sw.js":
            continue
        source = path.read_text(encoding="utf-8")
        for imported in re.findall(r"""(?:from|import\()\s*["'](\.{1,2}/[\w./-]+\.js)["']""", source):
            modules.add("/" + (path.parent / imported).resolve().relative_to(PWA_DIR).as_posix())
    routes = (
        (PWA_DIR / "app.js").read_text(encoding="utf-8").split("const ROUTES = [", 1)[1].split("];", 1)[0]
    )
    modules.update(f"/screens/{name}.js" for name in re.findall(r'\[/.*/, "([\w-]+)"', routes))
    return modules


async def test_the_worker_keeps_every_screen_and_module_the_app_loads(client):
    worker = (await client.get("/sw.js")).text
    shell = msgspec.json.decode(SHELL.search(worker).group(1), type=list[str])
    loaded = modules_the_app_loads()
    assert "/screens/editor.js" in loaded and "/outbox.js" in loaded
    assert loaded <= set(shell)
    assert {"/", "/offline.html", "/app.css", "/manifest.webmanifest"} <= set(shell)
    for address in shell:
        assert (await client.get(address)).status_code == 200, address


async def test_a_changed_app_file_is_a_new_worker_and_an_unchanged_app_the_same(make_app, tmp_path: Path):
    app_dir = tmp_path / "pwa"
    shutil.copytree(PWA_DIR, app_dir)
    first = VERSION.search(await served_worker(make_app(pwa_dir=str(app_dir)))).group(1)
    again = VERSION.search(await served_worker(make_app(pwa_dir=str(app_dir)))).group(1)
    assert again == first

    home = app_dir / "screens" / "home.js"
    home.write_text(home.read_text(encoding="utf-8") + "\n// a fix\n", encoding="utf-8")
    changed = VERSION.search(await served_worker(make_app(pwa_dir=str(app_dir)))).group(1)
    assert changed != first


PRELOAD = re.compile(r'<link rel="modulepreload" href="([^"]+)">')
BOOT = re.compile(r'<script type="application/json" id="boot">(.*?)</script>', re.DOTALL)


def static_imports(entry: str) -> set[str]:
    """The modules an entry imports with `import ... from`, and theirs, as addresses."""
    found, queue = set(), [PWA_DIR / entry]
    while queue:
        path = queue.pop().resolve()
        address = "/" + path.relative_to(PWA_DIR).as_posix()
        if address in found:
            continue
        found.add(address)
        source = path.read_text(encoding="utf-8")
        queue.extend(
            path.parent / name for name in re.findall(r"""\bfrom\s*["'](\.{1,2}/[\w./-]+\.js)["']""", source)
        )
    return found


async def test_the_page_declares_every_module_of_the_first_screens_up_front(client):
    # On a 400 ms round trip each module found only when its importer has arrived costs one:
    # the page names them all, so the browser asks for them at once.
    page = (await client.get("/")).text
    preloaded = PRELOAD.findall(page)
    expected = (
        static_imports("app.js") | static_imports("screens/home.js") | static_imports("screens/sign-in.js")
    )
    assert {"/sync.js", "/outbox.js", "/screens/common.js"} <= expected
    assert set(preloaded) == expected
    assert len(preloaded) == len(set(preloaded))
    for address in preloaded:
        assert (await client.get(address)).status_code == 200, address


async def test_a_new_import_is_preloaded_without_anyone_editing_the_page(make_app, tmp_path: Path):
    app_dir = tmp_path / "pwa"
    shutil.copytree(PWA_DIR, app_dir)
    (app_dir / "later.js").write_text("export const later = 1;\n", encoding="utf-8")
    home = app_dir / "screens" / "home.js"
    home.write_text(
        'import {\n  later,\n} from "../later.js";\n' + home.read_text(encoding="utf-8"), encoding="utf-8"
    )
    async with AsyncTestClient(app=make_app(pwa_dir=str(app_dir))) as client:
        page = (await client.get("/")).text
    assert "/later.js" in PRELOAD.findall(page)


async def test_the_page_holds_the_languages_and_vocabularies_the_api_serves(client):
    page = (await client.get("/")).text
    boot = msgspec.json.decode(BOOT.search(page).group(1))
    assert boot["locales"] == (await client.get("/api/v1/i18n")).json()
    assert boot["vocabularies"] == (await client.get("/api/v1/vocabularies")).json()
    assert {"code": "ar", "name": "العربية", "direction": "rtl"} in boot["locales"]["items"]


async def test_the_page_is_revalidated_not_downloaded_again(client):
    first = await client.get("/")
    assert first.headers["cache-control"] == "no-cache"
    again = await client.get("/", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    head = await client.head("/")
    assert head.status_code == 200 and head.headers["content-type"].startswith("text/html")
    assert (await client.get("/index.html")).text == first.text


async def test_app_files_come_brotli_compressed_where_the_browser_takes_it(client):
    brotli = await client.get("/app.js", headers={"Accept-Encoding": "br, gzip"})
    assert brotli.headers["content-encoding"] == "br"
    gzip = await client.get("/app.js", headers={"Accept-Encoding": "gzip"})
    assert gzip.headers["content-encoding"] == "gzip"
    assert brotli.text == gzip.text == (PWA_DIR / "app.js").read_text(encoding="utf-8")
