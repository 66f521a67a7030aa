"""Characters no database column can store (NUL) are refused with a 422 naming the field, in
every string a client sends, on SQLite and PostgreSQL alike; in a sync batch only the item."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import PASSWORD
from tests.forum.conftest import category_id
from tests.notes.conftest import note_body

NUL = "a\x00b"


def assert_refused(response, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert [error["field"] for error in body["errors"]] == [field]
    assert "cannot be stored" in body["errors"][0]["message"]


@pytest.fixture
async def author(people):
    return await people("amina", "youth", ["DE"])


async def test_a_nul_in_a_display_name_is_refused_and_the_name_kept(author):
    assert_refused(await author.patch("/api/v1/me", json={"display_name": NUL}), "display_name")
    assert "\x00" not in (await author.get("/api/v1/me")).json()["display_name"]


@pytest.mark.parametrize("field", ["text", "interviewee_code"])
async def test_a_nul_in_a_note_is_refused_and_nothing_stored(author, field):
    note = note_body(**{field: NUL})
    assert_refused(await author.request("PUT", f"/api/v1/notes/{note['id']}", json=note), field)
    assert (await author.get("/api/v1/notes")).json()["items"] == []


async def test_a_nul_in_an_answer_or_a_tag_is_refused_where_it_is(author):
    note = note_body(answers={"hopes": NUL}, tags=["family", NUL])
    response = await author.request("PUT", f"/api/v1/notes/{note['id']}", json=note)
    assert response.status_code == 422
    assert sorted(error["field"] for error in response.json()["errors"]) == ["answers.hopes", "tags[1]"]


async def test_a_nul_in_a_review_comment_is_refused(people, author):
    note = note_body()
    assert (await author.request("PUT", f"/api/v1/notes/{note['id']}", json=note)).status_code == 201
    youth_worker = await people("yusuf", "youth_worker", ["DE"])
    response = await youth_worker.post(
        f"/api/v1/notes/{note['id']}/review", json={"decision": "request_changes", "comment": NUL}
    )
    assert_refused(response, "comment")
    assert (await youth_worker.get(f"/api/v1/notes/{note['id']}")).json()["reviews"] == []


async def test_a_nul_in_a_token_name_is_refused(people):
    researcher = await people("rosa", "researcher", ["IT"])
    assert_refused(await researcher.post("/api/v1/tokens", json={"name": NUL}), "name")
    assert (await researcher.get("/api/v1/tokens")).json()["items"] == []


async def test_a_nul_in_a_login_username_is_refused(client, people):
    await people("amina", "youth", ["DE"])
    client.cookies.clear()
    response = await client.post("/api/v1/auth/login", json={"username": "amina\x00", "password": PASSWORD})
    assert_refused(response, "username")


@pytest.mark.parametrize("field", ["title", "body"])
async def test_a_nul_in_a_forum_topic_is_refused(author, field):
    topic = {"category_id": await category_id(author, "DE"), "title": "Hi", "body": "Hello", "language": "en"}
    topic[field] = NUL
    assert_refused(await author.post("/api/v1/forum/topics", json=topic), field)


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/notes?status=%00", "status"),
        ("/api/v1/notes?platform=D%00E", "platform"),
        ("/api/v1/notes?cursor=%00", "cursor"),
        ("/api/v1/notes?since=2026-01-01T00:00:00Z%00", "since"),
        ("/api/v1/forum/topics?category=%00", "category"),
    ],
)
async def test_a_nul_in_a_query_parameter_is_refused(author, path, field):
    assert_refused(await author.get(path), field)


async def test_a_nul_in_a_path_parameter_is_refused(people):
    admin = await people("ada", "admin")
    assert_refused(await admin.patch("/api/v1/platforms/D%00E", json={"digital_consent_age": 16}), "code")
    assert_refused(await admin.get("/api/v1/i18n/d%00e"), "locale")


async def test_an_escaped_backslash_before_u0000_is_text_not_a_nul(author):
    response = await author.patch("/api/v1/me", json={"display_name": "C:\\u0000"})
    assert response.status_code == 200, response.text
    assert response.json()["display_name"] == "C:\\u0000"


async def test_a_nul_in_one_synced_note_makes_only_that_note_invalid(author):
    good, bad, other = note_body(), note_body(text=NUL), note_body()
    response = await author.post("/api/v1/sync", json={"notes": [good, bad, other]})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [result["status"] for result in results] == ["created", "invalid", "created"]
    assert [error["field"] for error in results[1]["errors"]] == ["text"]
    listed = {note["id"] for note in (await author.get("/api/v1/notes")).json()["items"]}
    assert listed == {good["id"], other["id"]}


async def test_a_nul_in_a_synced_notes_answer_key_makes_only_that_note_invalid(author):
    good, bad = note_body(), note_body(answers={"a\x00": "x"})
    results = (await author.post("/api/v1/sync", json={"notes": [bad, good]})).json()["results"]
    assert [result["status"] for result in results] == ["invalid", "created"]


async def test_a_lone_surrogate_is_refused_as_unreadable(author):
    response = await author.patch(
        "/api/v1/me", content=b'{"display_name": "a\\ud800b"}', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_raw_nul_byte_is_not_json(author):
    response = await author.patch(
        "/api/v1/me", content=b'{"display_name": "a\x00b"}', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400


async def test_a_synced_note_whose_id_holds_a_nul_cannot_be_reported_and_refuses_the_batch(author):
    response = await author.post("/api/v1/sync", json={"notes": [note_body(note_id=f"{uuid.uuid4()}\x00")]})
    assert response.status_code == 422
