"""The running app: health, OpenAPI, problem details for bad input, headers, settings."""

from __future__ import annotations

import re

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from server.app import bind, create_app
from server.settings import Settings, SettingsError, load_settings
from tests.conftest import served_routes


async def test_health_reports_the_database(client):
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_health_is_503_when_the_database_is_gone(tmp_path):
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/db/tessera.db", store_dir=str(tmp_path / "s")
    )
    app = create_app(settings)
    async with AsyncTestClient(app=app) as client:
        await app.state.engine.dispose()
        for path in (tmp_path / "db").iterdir():
            path.unlink()
        # A directory where the database file should be: SQLite cannot open it.
        (tmp_path / "db" / "tessera.db").mkdir()
        response = await client.get("/health")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable"}


def _documented_routes(schema: dict) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in schema["paths"].items() for method in item}


async def test_openapi_documents_every_api_route(app, client):
    schema = (await client.get("/schema")).json()
    documented = _documented_routes(schema)
    served = served_routes(app)
    assert served, "no routes found"
    assert served <= documented, served - documented


async def test_openapi_shows_the_limits_of_request_bodies(client):
    schema = (await client.get("/schema")).json()
    register = schema["components"]["schemas"]["RegisterIn"]["properties"]
    assert register["birth_year"]["minimum"] == 1900


async def test_unknown_route_is_a_problem_document(client):
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_oversized_body_is_refused_before_it_is_read(client):
    body = b'{"username": "' + b"a" * 2_000_000 + b'", "password": "x"}'
    response = await client.post(
        "/api/v1/auth/login", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


async def test_wrong_method_is_a_problem_document(client):
    response = await client.put("/api/v1/me")
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"


async def test_app_and_api_answers_carry_security_headers(client):
    for path in ("/", "/api/v1/i18n"):
        response = await client.get(path)
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert response.headers["x-content-type-options"] == "nosniff"


async def test_the_app_is_served_at_the_root(client):
    response = await client.get("/")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]


def test_settings_default_to_embedded_sqlite():
    settings = load_settings({})
    assert settings.database_url.startswith("sqlite+aiosqlite:///var/")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TESSERA_SESSION_IDLE_MINUTES", "soon"),
        ("TESSERA_SESSION_IDLE_MINUTES", "0"),
        ("TESSERA_DATABASE_URL", "mysql://localhost/tessera"),
        ("TESSERA_ARGON2_MEMORY_KIB", "1024"),
        ("TESSERA_PUBLIC_URL", "tessera.example.org"),
        ("TESSERA_NO_SUCH_SETTING", "1"),
    ],
)
def test_a_wrong_setting_stops_start_up_naming_the_variable(variable, value):
    with pytest.raises(SettingsError) as raised:
        load_settings({variable: value})
    assert variable in str(raised.value)


def test_settings_are_read_from_the_environment():
    settings = load_settings(
        {"TESSERA_SESSION_IDLE_MINUTES": "30", "TESSERA_PUBLIC_URL": "https://t.example"}
    )
    assert settings.session_idle_minutes == 30
    assert settings.secure_cookies


async def test_the_app_has_a_description_for_search_results_and_link_previews(client):
    page = (await client.get("/")).text
    [description] = re.findall(r'<meta name="description" content="([^"]+)">', page)
    manifest = (await client.get("/manifest.webmanifest")).json()
    # The page and the manifest are both served as they are, in English: one wording for both.
    assert description == manifest["description"]


async def test_head_of_the_root_answers_like_get_without_the_page(client):
    got, asked = await client.get("/"), await client.head("/")
    assert (asked.status_code, asked.content) == (200, b"")
    assert asked.headers["content-type"] == got.headers["content-type"]


@pytest.mark.parametrize("path", ["/", "/index.html", "/offline.html", "/sw.js"])
async def test_pages_and_the_worker_are_asked_again_every_time_so_an_update_is_seen(client, path):
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-cache"


@pytest.mark.parametrize("path", ["/app.js", "/screens/notes.js", "/app.css", "/icons/icon-192.png"])
async def test_other_app_files_are_kept_for_a_while_then_revalidated(client, path):
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "max-age=3600, must-revalidate"
    # Names carry no version: nothing may be kept as immutable.
    assert "immutable" not in response.headers["cache-control"]


async def test_a_current_copy_is_confirmed_without_sending_the_file_again(client):
    first = await client.get("/app.js")
    again = await client.get("/app.js", headers={"If-None-Match": first.headers["etag"]})
    assert (again.status_code, again.content) == (304, b"")
    assert again.headers["cache-control"] == first.headers["cache-control"]
    stale = await client.get("/app.js", headers={"If-None-Match": '"an-older-copy"'})
    assert (stale.status_code, stale.text) == (200, first.text)


async def test_a_missing_app_file_is_not_cached(client):
    response = await client.get("/no-such-screen.js")
    assert response.status_code == 404
    assert "cache-control" not in response.headers


async def test_an_app_bound_again_serves_its_new_database_and_refuses_settings_of_another_shape(tmp_path):
    first = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/one.db", store_dir=str(tmp_path / "one"))
    app = create_app(first)
    async with AsyncTestClient(app=app) as client:
        assert (await client.get("/health")).json() == {"status": "ok", "database": "ok"}
    second = msgspec.structs.replace(
        first, database_url=f"sqlite+aiosqlite:///{tmp_path}/two.db", store_dir=str(tmp_path / "two")
    )
    bind(app, second)
    async with AsyncTestClient(app=app) as client:
        assert (await client.get("/health")).json() == {"status": "ok", "database": "ok"}
    # The new binding's start migrated its own database, and its store is its own directory.
    assert (tmp_path / "two.db").stat().st_size > 0 and (tmp_path / "two").is_dir()
    # Limits are built into the middleware: another limit would silently stay the old one.
    with pytest.raises(ValueError):
        bind(app, msgspec.structs.replace(second, forum_posts_per_hour=1))
    assert app.state.settings == second
