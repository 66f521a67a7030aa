"""Values at the edges of what Python and the databases hold (times near the years 1 and 9999,
bodies nested beyond the decoder, numbers beyond a column) get a clear 4xx, never a 500."""

from __future__ import annotations

import pytest

from tests.notes.conftest import FIRST_GUIDE_ID, note_body

# Each exists where it was written but not in UTC, where Tessera stores and compares times.
EDGE_TIMES = ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"]


def assert_field_error(response, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    errors = response.json()["errors"]
    assert [error["field"] for error in errors] == [field]
    assert "9999" in errors[0]["message"]


@pytest.fixture
async def author(people):
    return await people("amina", "youth", ["DE"])


@pytest.mark.parametrize("at", EDGE_TIMES)
@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/notes?since=", "since"),
        ("/api/v1/audit?since=", "since"),
        ("/api/v1/moderation/log?since=", "since"),
        ("/api/v1/exports/notes?since=", "since"),
        ("/api/v1/exports/notes?until=", "until"),
    ],
)
async def test_a_query_time_beyond_utc_is_refused(people, path, field, at):
    admin = await people("ada", "admin")
    assert_field_error(await admin.get(path + at.replace("+", "%2B")), field)


@pytest.mark.parametrize("at", EDGE_TIMES)
async def test_a_note_recorded_beyond_utc_is_refused(author, at):
    note = note_body(recorded_at=at)
    assert_field_error(await author.request("PUT", f"/api/v1/notes/{note['id']}", json=note), "recorded_at")


@pytest.mark.parametrize("at", EDGE_TIMES)
async def test_a_synced_note_recorded_beyond_utc_is_invalid_alone(author, at):
    notes = [note_body(), note_body(recorded_at=at)]
    results = (await author.post("/api/v1/sync", json={"notes": notes})).json()["results"]
    assert [result["status"] for result in results] == ["created", "invalid"]
    assert [error["field"] for error in results[1]["errors"]] == ["recorded_at"]


@pytest.mark.parametrize("at", EDGE_TIMES)
async def test_a_sync_since_beyond_utc_is_refused(author, at):
    assert_field_error(await author.post("/api/v1/sync", json={"notes": [], "since": at}), "since")


@pytest.mark.parametrize("at", EDGE_TIMES)
async def test_a_mute_until_beyond_utc_is_refused(people, at):
    member = await people("leila", "youth", ["DE"])
    youth_worker = await people("yusuf", "youth_worker", ["DE"])
    response = await youth_worker.post(
        f"/api/v1/moderation/users/{member.id}", json={"action": "mute", "until": at, "reason": "x"}
    )
    assert_field_error(response, "until")


@pytest.mark.parametrize("body", [b"[" * 100_000, b'{"a":' * 100_000, b'{"notes":' + b"[" * 100_000])
@pytest.mark.parametrize(("method", "path"), [("PATCH", "/api/v1/me"), ("POST", "/api/v1/sync")])
async def test_a_body_nested_beyond_the_decoder_is_refused(author, method, path, body):
    response = await author.request(method, path, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.json()["detail"] == "The request body is nested too deeply."


@pytest.mark.parametrize("version", [2**31, 2**63, 2**64])
async def test_a_guide_version_beyond_a_column_is_refused(author, version):
    response = await author.get(f"/api/v1/guides/{FIRST_GUIDE_ID}?version={version}")
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "version"


@pytest.mark.parametrize("version", [2**31, 2**63])
async def test_a_note_on_a_guide_version_beyond_a_column_is_refused(author, version):
    note = note_body(guide_version=version)
    response = await author.request("PUT", f"/api/v1/notes/{note['id']}", json=note)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "guide_version"


@pytest.mark.parametrize("cursor", ["garbage", "%00", "!!!!", "WyJ4Il0", "e30", "A" * 5000])
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/notes",
        "/api/v1/audit",
        "/api/v1/notifications",
        "/api/v1/moderation/log",
        "/api/v1/moderation/queue",
    ],
)
async def test_a_garbage_cursor_is_named_as_the_cursor(people, path, cursor):
    admin = await people("ada", "admin")
    response = await admin.get(f"{path}?cursor={cursor}")
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"] == "cursor"
    assert "not valid JSON" not in response.text
