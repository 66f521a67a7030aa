"""The running app: health, OpenAPI, problem details for bad input, headers, settings."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from server.app import create_app
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
