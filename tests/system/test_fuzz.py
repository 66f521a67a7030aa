"""A property-based fuzz of every route: requests made from the app's own OpenAPI document
(schemathesis), signed in with a session and with a personal API token, never get a 5xx.

The budget is bounded (a few examples per route and identity, derandomized so that a failure
comes back on the next run); each failure is reported with the request that caused it.
"""

from __future__ import annotations

import os
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup

from server.app import create_app
from server.security import CSRF_HEADER, SESSION_COOKIE
from server.settings import Settings
from tests.conftest import Person

# TESSERA_FUZZ_EXAMPLES=200 for a longer search, before a release say.
EXAMPLES_PER_ROUTE = int(os.environ.get("TESSERA_FUZZ_EXAMPLES", "10"))
# Routes the fuzz leaves alone: signing out ends the session every later request needs.
LEFT_OUT = {("POST", "/api/v1/auth/logout")}


def generated_cases(operation: Any, examples: int) -> list[Any]:
    """Cases hypothesis draws for one route: collected first, sent afterwards on the test's loop."""
    cases: list[Any] = []

    @hypothesis.settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(operation.as_strategy())
    def collect(case: Any) -> None:
        cases.append(case)

    collect()
    return cases


def request_arguments(case: Any, headers: dict[str, str]) -> dict[str, Any]:
    """What schemathesis would send with requests, as httpx arguments for the test client."""
    sent = case.as_transport_kwargs(base_url="http://testserver.local", headers=headers)
    arguments: dict[str, Any] = {
        "method": sent["method"],
        "url": sent["url"],
        "params": sent.get("params"),
        "headers": sent.get("headers"),
    }
    if "json" in sent:
        arguments["json"] = sent["json"]
    elif sent.get("data") is not None:
        data = sent["data"]
        arguments["content"] = data.encode() if isinstance(data, str) else data
    return arguments


@pytest.fixture(scope="session")
def cases_of_every_route(tmp_path_factory: pytest.TempPathFactory) -> list[Any]:
    """Drawn once per test run from the document the app serves at /schema/openapi.json, and
    sent again on each database and as each person: drawing is the slow part."""
    directory = tmp_path_factory.mktemp("fuzz")
    app = create_app(
        Settings(database_url=f"sqlite+aiosqlite:///{directory / 'unused.db'}", store_dir=str(directory))
    )
    schema = schemathesis.openapi.from_dict(app.openapi_schema.to_schema())
    operations = [result.ok() for result in schema.get_all_operations()]
    return [
        case
        for operation in operations
        if (operation.method.upper(), operation.path) not in LEFT_OUT
        for case in generated_cases(operation, EXAMPLES_PER_ROUTE)
    ]


async def server_errors(person: Person, headers: dict[str, str], cases: list[Any]) -> list[str]:
    failures: list[str] = []
    for case in cases:
        arguments = request_arguments(case, headers)
        person.client.cookies.clear()
        response = await person.client.request(**arguments)
        try:
            case.validate_response(response, checks=[not_a_server_error])
        except (AssertionError, FailureGroup):
            failures.append(f"{response.status_code} {arguments}")
    return failures


def session_of(person: Person) -> dict[str, str]:
    return {"Cookie": f"{SESSION_COOKIE}={person.session_id}", CSRF_HEADER: person.csrf_token}


async def test_the_fuzz_reads_the_document_the_app_serves(client):
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    assert response.json()["paths"].keys() == client.app.openapi_schema.to_schema()["paths"].keys()


async def test_no_route_answers_a_young_persons_session_with_a_server_error(people, cases_of_every_route):
    youth = await people("amina", "youth", ["DE"])
    assert await server_errors(youth, session_of(youth), cases_of_every_route) == []


async def test_no_route_answers_an_admins_session_with_a_server_error(people, cases_of_every_route):
    admin = await people("ada", "admin", ["DE"])
    assert await server_errors(admin, session_of(admin), cases_of_every_route) == []


async def test_no_route_answers_a_researchers_token_with_a_server_error(people, cases_of_every_route):
    researcher = await people("rosa", "researcher", ["DE"])
    token = (await researcher.post("/api/v1/tokens", json={"name": "fuzz"})).json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert await server_errors(researcher, bearer, cases_of_every_route) == []
