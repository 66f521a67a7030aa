"""Errors a client can tell apart: each kind of problem has its own type, documented in
docs/contract.md and in OpenAPI under every status a route answers."""

from __future__ import annotations

import re
from pathlib import Path

from server.problems import PROBLEM_MEDIA_TYPE, problem_kinds

CONTRACT = Path(__file__).resolve().parents[2] / "docs" / "contract.md"


def test_every_problem_type_is_documented_once_with_its_status_and_meaning():
    rows = re.findall(r"^\| `(urn:tessera:problem:[a-z-]+)` \| (\d+) \| (.+) \|$", CONTRACT.read_text(), re.M)
    documented = [(uri, int(status), meaning) for uri, status, meaning in rows]
    defined = [(kind.type_uri(), kind.status, kind.meaning()) for kind in problem_kinds()]
    assert documented == defined
    assert len({uri for uri, _, _ in defined}) == len(defined)


async def test_every_api_operation_documents_its_problems_as_problem_json(client):
    document = (await client.get("/schema/openapi.json")).json()
    for path, item in document["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, operation in item.items():
            statuses = {int(status) for status in operation["responses"] if int(status) >= 400}
            assert {400, 422, 500, 503} <= statuses, (method, path, statuses)
            for status in statuses:
                response = operation["responses"][str(status)]
                assert list(response["content"]) == [PROBLEM_MEDIA_TYPE], (method, path, status)
                assert "urn:tessera:problem:" in response["description"], (method, path, status)


async def test_a_note_write_documents_created_and_conflict(client):
    document = (await client.get("/schema/openapi.json")).json()
    responses = document["paths"]["/api/v1/notes/{note_id}"]["put"]["responses"]
    assert {"200", "201", "409"} <= set(responses)
    conflict = responses["409"]["content"][PROBLEM_MEDIA_TYPE]["schema"]["$ref"].rsplit("/", 1)[1]
    assert "note" in document["components"]["schemas"][conflict]["properties"]


async def test_exports_are_documented_as_the_files_they_are(client):
    document = (await client.get("/schema/openapi.json")).json()
    success = document["paths"]["/api/v1/exports/notes"]["get"]["responses"]["200"]["content"]
    assert set(success) == {
        "text/csv",
        "application/x-ndjson",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/zip",
        "application/x-spss-sav",
        "application/x-stata-dta",
        "text/html",  # the codebook's page
    }


async def test_litestar_refusals_carry_the_type_of_their_status(client):
    missing = await client.get("/api/v1/nothing-here")
    wrong_method = await client.delete("/api/v1/consent")
    unreadable = await client.post(
        "/api/v1/auth/login", content=b"{", headers={"Content-Type": "application/json"}
    )
    invalid = await client.post("/api/v1/auth/login", json={"username": 1, "password": "x"})
    assert [r.json()["type"] for r in (missing, wrong_method, unreadable, invalid)] == [
        "urn:tessera:problem:not-found",
        "urn:tessera:problem:method-not-allowed",
        "urn:tessera:problem:bad-request",
        "urn:tessera:problem:validation",
    ]


async def test_a_write_without_its_csrf_token_says_so_by_type(people):
    person = await people("amina", "youth", ["DE"])
    response = await person.patch("/api/v1/me", json={"display_name": "Amina"}, csrf=False)
    assert response.status_code == 403
    assert response.json()["type"] == "urn:tessera:problem:csrf-token-invalid"
