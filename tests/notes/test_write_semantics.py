"""The contract's write semantics, item by item, for PUT and for each item of /sync."""

from __future__ import annotations

import asyncio
import uuid

import msgspec
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from server.accounts.models import User
from server.db import unit_of_work
from server.notes import service
from server.notes.models import Note
from server.notes.schemas import NoteIn, WriteResult
from tests.notes.conftest import note_body


async def put(person, body, **kwargs):
    return await person.request("PUT", f"/api/v1/notes/{body['id']}", json=body, **kwargs)


async def count_notes(app) -> int:
    async with app.state.test_db() as db:
        return await db.scalar(sa.select(sa.func.count()).select_from(Note))


async def test_a_new_note_is_created_with_version_1_and_received_at(author):
    body = note_body()
    response = await put(author, body)
    assert response.status_code == 201, response.text
    stored = response.json()
    assert stored["version"] == 1
    assert stored["status"] == "submitted"
    assert stored["received_at"] >= stored["recorded_at"]
    assert stored["guide_version"] == 1


async def test_an_edit_on_the_stored_version_is_applied_and_bumps_the_version(author):
    body = note_body()
    await put(author, body)
    response = await put(author, {**body, "base_version": 1, "text": "A better account."})
    assert response.status_code == 200
    assert response.json()["version"] == 2
    assert response.json()["text"] == "A better account."


@pytest.mark.parametrize("base_version", [0, 1, 7])
async def test_a_replay_of_stored_content_is_unchanged_whatever_its_base_version(app, author, base_version):
    body = note_body()
    await put(author, body)
    response = await put(author, {**body, "base_version": base_version})
    assert response.status_code == 200
    assert response.json()["version"] == 1
    assert await count_notes(app) == 1


async def test_a_stale_edit_is_a_conflict_with_the_stored_note_which_stays(author):
    body = note_body()
    await put(author, body)
    await put(author, {**body, "base_version": 1, "text": "Edited on the tablet."})
    response = await put(author, {**body, "base_version": 1, "text": "Edited on the phone."})
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "urn:tessera:problem:note-conflict"
    assert response.json()["note"]["text"] == "Edited on the tablet."
    assert response.json()["note"]["version"] == 2
    assert (await author.get(f"/api/v1/notes/{body['id']}")).json()["text"] == "Edited on the tablet."


async def test_an_approved_note_compares_as_submitted(people, author):
    worker = await people("yara", "youth_worker", ["DE"])
    body = note_body()
    await put(author, body)
    await worker.post(f"/api/v1/notes/{body['id']}/review", json={"decision": "approve"})
    replay = await put(author, {**body, "base_version": 0})
    assert replay.status_code == 200
    assert replay.json()["status"] == "approved"


async def test_an_edit_after_changes_were_requested_makes_it_submitted_again(people, author):
    worker = await people("yara", "youth_worker", ["DE"])
    body = note_body()
    await put(author, body)
    await worker.post(
        f"/api/v1/notes/{body['id']}/review",
        json={"decision": "request_changes", "comment": "Add the date of the talk."},
    )
    edited = await put(author, {**body, "base_version": 1, "text": body["text"] + " We talked on 3 May."})
    assert edited.json()["status"] == "submitted"
    assert edited.json()["reviews"][0]["comment"] == "Add the date of the talk."


async def test_someone_elses_note_id_is_forbidden_and_untouched(people, author):
    body = note_body()
    await put(author, body)
    other = await people("karim", "youth", ["DE"])
    response = await put(other, {**body, "text": "hijacked"})
    assert response.status_code == 403
    assert (await author.get(f"/api/v1/notes/{body['id']}")).json()["text"] == body["text"]


async def test_a_note_cannot_be_submitted_without_the_interviewees_consent(app, author):
    response = await put(author, note_body(consent_confirmed=False))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "consent_confirmed"
    assert await count_notes(app) == 0


async def test_a_draft_may_wait_for_consent(author):
    response = await put(author, note_body(consent_confirmed=False, status="draft"))
    assert response.status_code == 201


async def test_a_sent_note_cannot_become_a_draft_again(author):
    body = note_body()
    await put(author, body)
    response = await put(author, {**body, "base_version": 1, "status": "draft"})
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"no_such_question": "x"}, "answers.no_such_question"),
        ({"age_band": "ninety"}, "answers.age_band"),
        ({"belonging": 9}, "answers.belonging"),
        ({"belonging": 2.5}, "answers.belonging"),
        ({"participation": ["sports_club", "sports_club"]}, "answers.participation"),
        ({"years_here": "three"}, "answers.years_here"),
    ],
)
async def test_answers_that_do_not_fit_the_guide_are_refused_by_field(app, author, answers, field):
    response = await put(author, note_body(answers={"age_band": "16_17", "belonging": 3, **answers}))
    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["errors"]]
    assert await count_notes(app) == 0


async def test_required_questions_need_an_answer_to_submit(author):
    response = await put(author, note_body(answers={"hopes": "To study."}))
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert {"answers.age_band", "answers.belonging"} <= fields


@pytest.mark.parametrize("code", ["Maria Rossi", "maria@example.org", "+49 170 1234567", "Ali_Khan"])
async def test_an_interviewee_code_that_identifies_someone_is_refused(author, code):
    response = await put(author, note_body(interviewee_code=code))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "interviewee_code"


async def test_recorded_at_in_the_future_beyond_clock_skew_is_refused(author):
    import datetime as dt

    future = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)).isoformat()
    response = await put(author, note_body(recorded_at=future))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "recorded_at"
    slightly = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)).isoformat()
    assert (await put(author, note_body(recorded_at=slightly))).status_code == 201


async def test_a_focus_group_needs_participants_and_never_names(author):
    missing = await put(author, note_body(kind="focus_group"))
    assert missing.status_code == 422
    ok = await put(
        author, note_body(kind="focus_group", participants={"count": 6, "age_bands": ["16-17", "18-21"]})
    )
    assert ok.status_code == 201
    names = await put(author, note_body(kind="focus_group", participants={"count": 6, "names": ["Ali"]}))
    assert names.status_code == 422


async def test_a_note_for_another_platform_is_refused(author):
    response = await put(author, note_body(platform="IT"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "platform"


async def test_the_id_in_the_body_must_match_the_address(author):
    body = note_body()
    response = await author.request("PUT", f"/api/v1/notes/{uuid.uuid4()}", json=body)
    assert response.status_code == 422


async def test_personal_information_in_the_text_is_marked_for_the_reviewer(author):
    body = note_body(text="She said: write to amina.k@example.org or call 0170 1234567.")
    stored = (await put(author, body)).json()
    kinds = [span["kind"] for span in stored["personal_information"]]
    assert kinds == ["email", "phone_or_number"]
    span = stored["personal_information"][0]
    assert body["text"][span["start"] : span["end"]] == "amina.k@example.org"


async def test_concurrent_first_writes_of_the_same_note_make_one_note(app, author):
    body = note_body()
    answers = await asyncio.gather(*(put(author, body) for _ in range(6)))
    assert sorted(r.status_code for r in answers) == [200] * 5 + [201]
    assert await count_notes(app) == 1


async def test_a_note_stored_between_a_writes_check_and_its_insert_is_decided_again(app, author):
    # Requests check in a reading session and write later: the note another request stores in
    # between is a replay or a conflict for this one, never a second note or a lost write.
    body = note_body()
    items = [
        msgspec.convert(note, NoteIn, strict=False)
        for note in (body, body, {**body, "text": "Written on another phone."}, note_body())
    ]
    async with unit_of_work(app.state.test_db) as reading:
        person = await reading.get(User, uuid.UUID(author.id), options=[selectinload(User.platforms)])
        assert person is not None
        plans = [
            await service.plan_writes(reading, person, batch) for batch in ([items[0]], [items[1]], items[2:])
        ]
    outcomes = []
    for plan in plans:
        async with unit_of_work(app.state.test_db) as db:
            outcomes.append([(o.status, o.version) for o in await service.write_notes(db, plan)])
    assert outcomes == [
        [(WriteResult.CREATED, 1)],
        [(WriteResult.UNCHANGED, 1)],
        [(WriteResult.CONFLICT, 1), (WriteResult.CREATED, 1)],
    ]
    stored = (await author.get(f"/api/v1/notes/{body['id']}")).json()
    assert (stored["version"], stored["text"]) == (1, body["text"])
    assert await count_notes(app) == 2


async def test_concurrent_edits_on_the_same_base_apply_once(app, author):
    body = note_body()
    await put(author, body)
    edits = [put(author, {**body, "base_version": 1, "text": f"Version {i}"}) for i in range(4)]
    answers = await asyncio.gather(*edits)
    assert sorted(r.status_code for r in answers) == [200, 409, 409, 409]
    stored = (await author.get(f"/api/v1/notes/{body['id']}")).json()
    assert stored["version"] == 2


async def test_withdrawn_note_leaves_every_list_and_cannot_be_revived(people, author):
    worker = await people("yara", "youth_worker", ["DE"])
    body = note_body()
    await put(author, body)
    assert (await author.delete(f"/api/v1/notes/{body['id']}")).status_code == 204
    assert (await author.get("/api/v1/notes")).json()["items"] == []
    assert (await worker.get("/api/v1/notes")).json()["items"] == []
    assert (await author.get(f"/api/v1/notes/{body['id']}")).status_code == 404
    revived = await put(author, {**body, "base_version": 2})
    assert revived.status_code == 409
