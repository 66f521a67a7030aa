"""POST /api/v1/sync: up to 100 notes, each with its own result; the device catches up in the same trip."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import sqlalchemy as sa

from server.notes.models import Note
from tests.notes.conftest import note_body


async def sync(person, notes, since=None, **kwargs):
    body = {"notes": notes}
    if since:
        body["since"] = since
    return await person.post("/api/v1/sync", json=body, **kwargs)


async def stored_ids(app) -> list[str]:
    async with app.state.test_db() as db:
        return [str(i) for i in await db.scalars(sa.select(Note.id))]


async def test_a_batch_gets_one_result_per_note_in_order(author):
    notes = [note_body() for _ in range(5)]
    response = await sync(author, notes)
    assert response.status_code == 200
    body = response.json()
    assert [r["id"] for r in body["results"]] == [n["id"] for n in notes]
    assert {r["status"] for r in body["results"]} == {"created"}
    assert all(r["version"] == 1 for r in body["results"])
    assert dt.datetime.fromisoformat(body["server_time"]).tzinfo is not None


async def test_a_replayed_batch_is_unchanged_not_duplicated(app, author):
    notes = [note_body() for _ in range(20)]
    await sync(author, notes)
    replay = (await sync(author, notes)).json()
    assert {r["status"] for r in replay["results"]} == {"unchanged"}
    assert sorted(await stored_ids(app)) == sorted(n["id"] for n in notes)


async def test_one_invalid_item_is_reported_and_the_rest_applied(app, author):
    await author.patch("/api/v1/me", json={"language": "de"})
    good, bad, also_good = note_body(), note_body(interviewee_code="Maria Rossi"), note_body()
    body = (await sync(author, [good, bad, also_good])).json()
    statuses = [r["status"] for r in body["results"]]
    assert statuses == ["created", "invalid", "created"]
    error = body["results"][1]["errors"][0]
    assert error["field"] == "interviewee_code"
    assert "Name" in error["message"]  # in German: the caller's language
    assert sorted(await stored_ids(app)) == sorted([good["id"], also_good["id"]])


async def test_an_item_of_the_wrong_shape_is_invalid_by_itself(author):
    broken = note_body(kind="podcast")
    notes = [note_body(), broken, note_body()]
    body = (await sync(author, notes)).json()
    assert [(r["id"], r["status"]) for r in body["results"]] == [
        (notes[0]["id"], "created"),
        (broken["id"], "invalid"),
        (notes[2]["id"], "created"),
    ]
    assert body["results"][1]["error"]
    assert body["results"][1]["errors"][0]["field"] == "kind"


async def test_a_conflict_in_a_batch_carries_the_stored_note(author):
    note = note_body()
    await sync(author, [note])
    await sync(author, [{**note, "base_version": 1, "text": "Written on the tablet."}])
    result = (await sync(author, [{**note, "base_version": 1, "text": "Written on the phone."}])).json()[
        "results"
    ][0]
    assert result["status"] == "conflict"
    assert result["note"]["text"] == "Written on the tablet."
    assert result["version"] == 2


async def test_another_persons_note_in_a_batch_is_forbidden(people, author):
    note = note_body()
    await sync(author, [note])
    karim = await people("karim", "youth", ["DE"])
    result = (await sync(karim, [{**note, "text": "mine now"}, note_body()])).json()["results"]
    assert [r["status"] for r in result] == ["forbidden", "created"]
    assert "note" not in result[0]


async def test_the_same_note_twice_in_one_batch_is_created_then_updated(app, author):
    note = note_body()
    edited = {**note, "base_version": 1, "text": "Second thoughts."}
    results = (await sync(author, [note, edited, edited])).json()["results"]
    assert [(r["status"], r["version"]) for r in results] == [
        ("created", 1),
        ("updated", 2),
        ("unchanged", 2),
    ]
    stored = (await author.get(f"/api/v1/notes/{note['id']}")).json()
    assert stored["text"] == "Second thoughts." and stored["version"] == 2


async def test_more_than_100_notes_are_refused_whole(app, author):
    response = await sync(author, [note_body() for _ in range(101)])
    assert response.status_code == 422
    assert await stored_ids(app) == []


async def test_a_non_uuid_id_refuses_the_whole_batch(app, author):
    response = await sync(author, [note_body(), {**note_body(), "id": "note-1"}])
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "notes[1].id"
    assert await stored_ids(app) == []


async def test_a_malformed_body_is_a_clear_400(author):
    response = await author.post(
        "/api/v1/sync", content=b'{"notes": [', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


async def test_sync_returns_what_reviewers_changed_since_the_last_sync(people, author):
    worker = await people("yara", "youth_worker", ["DE"])
    note = note_body()
    first = (await sync(author, [note])).json()
    await worker.post(
        f"/api/v1/notes/{note['id']}/review",
        json={"decision": "request_changes", "comment": "Please add the place."},
    )
    second = (await sync(author, [note_body()], since=first["server_time"])).json()
    assert [change["id"] for change in second["changes"]] == [note["id"]]
    change = second["changes"][0]
    assert change["status"] == "changes_requested"
    assert change["reviews"][0]["comment"] == "Please add the place."
    later = (dt.datetime.fromisoformat(second["server_time"]) + dt.timedelta(minutes=5)).isoformat()
    assert (await sync(author, [], since=later)).json()["changes"] == []


async def test_a_device_hears_of_edits_made_on_the_persons_other_device(people, author):
    note = note_body()
    phone = (await sync(author, [note])).json()
    stranger = await people("karim", "youth", ["DE"])
    await sync(author, [{**note, "base_version": 1, "text": "Finished on the tablet."}])
    changes = (await sync(author, [], since=phone["server_time"])).json()["changes"]
    assert [(c["id"], c["version"], c["text"]) for c in changes] == [
        (note["id"], 2, "Finished on the tablet.")
    ]
    assert (await sync(stranger, [], since=phone["server_time"])).json()["changes"] == []


async def test_concurrent_replays_of_one_batch_resolve_to_one_note_each(app, author):
    notes = [note_body() for _ in range(10)]
    answers = await asyncio.gather(*(sync(author, notes) for _ in range(4)))
    assert all(a.status_code == 200 for a in answers)
    per_note = list(zip(*[[r["status"] for r in a.json()["results"]] for a in answers], strict=True))
    assert all(
        sorted(statuses) == ["created", "unchanged", "unchanged", "unchanged"] for statuses in per_note
    )
    assert sorted(await stored_ids(app)) == sorted(n["id"] for n in notes)


async def test_only_young_people_write_notes(people):
    for role in ("youth_worker", "researcher", "admin"):
        person = await people(f"{role.replace('_', '-')}-{uuid.uuid4().hex[:4]}", role, ["DE"])
        assert (await sync(person, [note_body()])).status_code == 403


async def test_an_update_in_a_batch_reports_the_version_now_stored(author):
    note = note_body()
    await sync(author, [note])
    result = (await sync(author, [{**note, "base_version": 1, "text": "Edited."}])).json()["results"][0]
    assert (result["status"], result["version"]) == ("updated", 2)
    assert (await author.get(f"/api/v1/notes/{note['id']}")).json()["version"] == 2
