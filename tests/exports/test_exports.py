"""Exports for researchers: each format read back as a researcher would, and nothing in them
that should stay on the platform."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import shutil
import zipfile

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.consent import CONSENT_VERSION
from server.accounts.models import ApiToken
from server.db import create_engine
from server.exports import service
from server.notes.models import REVIEWABLE_STATUSES
from tests.conftest import PASSWORD
from tests.notes.conftest import note_body


async def write(person, **overrides):
    body = note_body(**overrides)
    response = await person.request("PUT", f"/api/v1/notes/{body['id']}", json=body)
    assert response.status_code == 201, response.text
    return body


@pytest.fixture
async def world(people):
    """Two peer researchers in Germany, one in Italy, a youth worker who reviews, a researcher."""
    amina = await people("amina", "youth", ["DE"], display_name="Amina Haddad")
    karim = await people("karim", "youth", ["DE"])
    luca = await people("luca", "youth", ["IT"])
    worker = await people("yara", "youth_worker", ["DE"])
    it_worker = await people("giulia", "youth_worker", ["IT"])
    researcher = await people("rosa", "researcher", ["DE"])
    notes = {
        "approved": await write(
            amina, text="She moved here at 14. Mail: amina.k@example.org", tags=["school"]
        ),
        "approved_karim": await write(karim, text="He works in a bakery.", tags=["work"]),
        "submitted": await write(amina, text="Not reviewed yet."),
        "changes": await write(karim, text="Needs more detail."),
        "withdrawn": await write(amina, text="Withdrawn later."),
        "draft": await write(amina, text="Only a draft.", status="draft", consent_confirmed=False),
        "italy": await write(luca, platform="IT", language="it", text="Una nota italiana."),
    }
    for key in ("approved", "approved_karim", "withdrawn"):
        await worker.post(f"/api/v1/notes/{notes[key]['id']}/review", json={"decision": "approve"})
    await worker.post(f"/api/v1/notes/{notes['changes']['id']}/review", json={"decision": "request_changes"})
    await it_worker.post(f"/api/v1/notes/{notes['italy']['id']}/review", json={"decision": "approve"})
    await amina.delete(f"/api/v1/notes/{notes['withdrawn']['id']}")
    return {"amina": amina, "karim": karim, "luca": luca, "researcher": researcher, "notes": notes}


async def export(person, **params):
    response = await person.get("/api/v1/exports/notes", params=params)
    assert response.status_code == 200, response.text
    return response


def read_csv(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"), newline="")))


async def test_csv_holds_the_approved_notes_of_my_platform_only(world):
    response = await export(world["researcher"], format="csv")
    assert response.headers["content-type"].startswith("text/csv")
    rows = read_csv(response)
    notes = world["notes"]
    assert sorted(row["id"] for row in rows) == sorted(
        [notes["approved"]["id"], notes["approved_karim"]["id"]]
    )
    assert response.headers["x-export-count"] == "2"
    assert response.content.count(b"\r\n") == 3  # RFC 4180: CRLF after the header and each row


async def test_status_any_adds_submitted_and_changes_requested_but_never_withdrawn_or_drafts(world):
    rows = read_csv(await export(world["researcher"], status="any"))
    notes = world["notes"]
    expected = {notes[key]["id"] for key in ("approved", "approved_karim", "submitted", "changes")}
    assert {row["id"] for row in rows} == expected


async def test_columns_have_one_per_question_and_choices_as_labels_or_codes(world):
    labelled = read_csv(await export(world["researcher"]))[0]
    assert labelled["age_band"] == "16 to 17"
    assert labelled["belonging"] == "4"
    assert labelled["hopes"] == "Study nursing and stay near my sister."
    coded = read_csv(await export(world["researcher"], choices="codes"))[0]
    assert coded["age_band"] == "16_17"


async def test_no_usernames_only_stable_pseudonyms(world):
    first = await export(world["researcher"], status="any")
    text = first.content.decode()
    for secret in ("amina", "Amina", "Haddad", "karim"):
        assert secret not in text.replace("amina.k", ""), secret
    authors = {row["id"]: row["author"] for row in read_csv(first)}
    notes = world["notes"]
    assert authors[notes["approved"]["id"]] == authors[notes["submitted"]["id"]]
    assert authors[notes["approved"]["id"]] != authors[notes["approved_karim"]["id"]]
    assert all(author.startswith("PR-") for author in authors.values())
    again = {row["id"]: row["author"] for row in read_csv(await export(world["researcher"], status="any"))}
    assert again == authors


async def test_personal_information_marked_by_the_guard_is_redacted(world):
    rows = {row["id"]: row for row in read_csv(await export(world["researcher"]))}
    text = rows[world["notes"]["approved"]["id"]]["text"]
    assert "amina.k@example.org" not in text
    assert text == "She moved here at 14. Mail: [redacted]"


async def test_notes_of_a_person_who_withdrew_consent_never_appear(world):
    await world["karim"].post("/api/v1/me/consent", json={"version": CONSENT_VERSION, "accepted": False})
    rows = read_csv(await export(world["researcher"], status="any"))
    assert world["notes"]["approved_karim"]["id"] not in {row["id"] for row in rows}
    assert rows


async def test_notes_of_an_erased_person_never_appear(world):
    await world["karim"].delete("/api/v1/me", json={"password": PASSWORD})
    rows = read_csv(await export(world["researcher"], status="any"))
    assert world["notes"]["approved_karim"]["id"] not in {row["id"] for row in rows}


async def test_approved_notes_an_erased_person_chose_to_keep_stay_under_the_same_pseudonym(world):
    before = {row["id"]: row["author"] for row in read_csv(await export(world["researcher"], status="any"))}
    erased = await world["karim"].delete(
        "/api/v1/me", json={"password": PASSWORD, "approved_notes": "keep_pseudonymised"}
    )
    assert erased.status_code == 204, erased.text
    rows = {row["id"]: row for row in read_csv(await export(world["researcher"], status="any"))}
    kept = world["notes"]["approved_karim"]["id"]
    assert rows[kept]["author"] == before[kept]
    # Only the approved ones: the note that waited for changes went with the account.
    assert world["notes"]["changes"]["id"] in before
    assert world["notes"]["changes"]["id"] not in rows


async def test_ndjson_lines_each_carry_the_note_id(world):
    response = await export(world["researcher"], format="ndjson")
    lines = [json.loads(line) for line in response.content.decode().splitlines()]
    assert {line["id"] for line in lines} == {
        world["notes"]["approved"]["id"],
        world["notes"]["approved_karim"]["id"],
    }
    assert all(line["author"].startswith("PR-") for line in lines)


async def test_xlsx_has_the_notes_and_a_codebook(world):
    from openpyxl import load_workbook

    response = await export(world["researcher"], format="xlsx")
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    assert workbook.sheetnames == ["notes", "codebook", "long_texts"]
    notes = list(workbook["notes"].iter_rows(values_only=True))
    header, rows = notes[0], notes[1:]
    assert header[0] == "id"
    assert sorted(row[0] for row in rows) == sorted(
        [world["notes"]["approved"]["id"], world["notes"]["approved_karim"]["id"]]
    )
    codebook = list(workbook["codebook"].iter_rows(values_only=True))
    assert ("age_band", "16_17", "16 to 17") in {(row[0], row[5], row[6]) for row in codebook}


async def test_qdpx_is_a_refi_qda_project(world):
    response = await export(world["researcher"], format="qdpx")
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    assert "project.qde" in names
    assert len([name for name in names if name.startswith("Sources/")]) == 2
    project = archive.read("project.qde").decode()
    assert "urn:QDA-XML:project:1.0" in project
    assert "amina" not in project


@pytest.mark.parametrize("format_", ["csv", "xlsx", "ndjson", "qdpx"])
async def test_the_same_filters_over_the_same_data_give_the_same_bytes(world, format_):
    first = await export(world["researcher"], format=format_, status="any")
    second = await export(world["researcher"], format=format_, status="any")
    assert first.content == second.content


async def test_filters_by_kind_tags_and_dates(world):
    tagged = read_csv(await export(world["researcher"], status="any", tags="work"))
    assert [row["id"] for row in tagged] == [world["notes"]["approved_karim"]["id"]]
    assert read_csv(await export(world["researcher"], kind="focus_group")) == []
    assert read_csv(await export(world["researcher"], until="2000-01-01T00:00:00Z")) == []


async def test_every_export_is_audited_with_its_filters_and_count(world, people):
    await export(world["researcher"], format="ndjson", status="any", kind="interview")
    admin = await people("root", "admin")
    event = (await admin.get("/api/v1/audit", params={"kind": "export"})).json()["items"][0]
    assert event["actor_id"] == world["researcher"].id
    assert event["details"]["format"] == "ndjson"
    assert event["details"]["notes"] == 4
    assert event["details"]["note_kind"] == "interview"
    assert event["details"]["platforms"] == ["DE"]


async def test_admins_export_every_platform(world, people):
    admin = await people("root", "admin")
    rows = read_csv(await export(admin))
    assert world["notes"]["italy"]["id"] in {row["id"] for row in rows}


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"format": "pdf"}, 422),
        ({"since": "2026-05-01T00:00:00Z", "until": "2026-04-01T00:00:00Z"}, 422),
        ({"platform": "IT"}, 403),
        ({"colour": "blue"}, 422),
        ({"status": "withdrawn"}, 422),
    ],
)
async def test_bad_requests_are_refused_before_any_byte(world, params, status):
    response = await world["researcher"].get("/api/v1/exports/notes", params=params)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("role", ["youth", "youth_worker"])
async def test_only_researchers_and_admins_export(people, role):
    person = await people("someone", role, ["DE"])
    assert (await person.get("/api/v1/exports/notes")).status_code == 403


async def test_a_researcher_of_another_platform_gets_none_of_these_notes(world, people):
    italian = await people("marco", "researcher", ["IT"])
    rows = read_csv(await export(italian))
    assert [row["id"] for row in rows] == [world["notes"]["italy"]["id"]]


def exported_ids(response, format_: str) -> list[str]:
    """The note ids an export of any format holds."""
    if format_ == "csv":
        return [row["id"] for row in read_csv(response)]
    if format_ == "ndjson":
        return [json.loads(line)["id"] for line in response.content.decode().splitlines()]
    if format_ == "xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(response.content), read_only=True)["notes"]
        return [row[0] for row in list(sheet.iter_rows(values_only=True))[1:]]
    project = zipfile.ZipFile(io.BytesIO(response.content)).read("project.qde").decode()
    return re.findall(r'<TextSource [^>]*name="([^"]+)"', project)


@pytest.mark.parametrize("format_", ["csv", "ndjson", "xlsx", "qdpx"])
async def test_a_researcher_with_no_platforms_exports_nothing(world, people, format_):
    nobody = await people("nils", "researcher", [])
    response = await export(nobody, format=format_, status="any")
    assert exported_ids(response, format_) == []
    assert response.headers["x-export-count"] == "0"
    if format_ == "csv":
        assert response.content.startswith(b'"id","platform"')  # the header row, and nothing else
        assert response.content.count(b"\r\n") == 1


@pytest.mark.parametrize("format_", ["csv", "ndjson", "xlsx", "qdpx"])
async def test_a_researcher_of_germany_gets_no_italian_notes_in_any_format(world, format_):
    response = await export(world["researcher"], format=format_, status="any")
    ids = exported_ids(response, format_)
    assert world["notes"]["approved"]["id"] in ids
    assert world["notes"]["italy"]["id"] not in ids


@pytest.mark.parametrize(("username", "platforms"), [("rosa", None), ("nils", [])])
async def test_naming_a_platform_that_is_not_mine_is_refused(world, people, username, platforms):
    person = world["researcher"] if platforms is None else await people(username, "researcher", platforms)
    response = await person.get("/api/v1/exports/notes", params={"platform": "IT"})
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


async def test_admins_name_every_platform_or_one_and_the_audit_says_which(world, people):
    admin = await people("root", "admin")
    everything = {row["id"] for row in read_csv(await export(admin))}
    assert {world["notes"]["italy"]["id"], world["notes"]["approved"]["id"]} <= everything
    italian = [row["id"] for row in read_csv(await export(admin, platform="IT"))]
    assert italian == [world["notes"]["italy"]["id"]]
    events = (await admin.get("/api/v1/audit", params={"kind": "export"})).json()["items"]
    details = [event["details"] for event in events]
    assert {(str(detail["every_platform"]), tuple(detail["platforms"])) for detail in details} == {
        ("True", ()),
        ("False", ("IT",)),
    }


async def test_a_script_downloads_with_a_token_and_an_expired_token_is_refused(app, client, world):
    researcher = world["researcher"]
    token = (await researcher.post("/api/v1/tokens", json={"name": "R", "expires_in_days": 1})).json()[
        "token"
    ]
    client.cookies.clear()
    response = await client.get("/api/v1/exports/notes", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert len(read_csv(response)) == 2

    async with app.state.test_db() as db:
        await db.execute(
            sa.update(ApiToken).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
        )
        await db.commit()
    expired = await client.get("/api/v1/exports/notes", headers={"Authorization": f"Bearer {token}"})
    assert expired.status_code == 401


@pytest.mark.parametrize("format_", ["csv", "xlsx", "qdpx"])
async def test_an_interrupted_download_resumes_where_it_stopped(world, format_):
    # XLSX and QDPX are streamed while written; the rest of a resumed one comes from a file.
    full = await export(world["researcher"], format=format_)
    etag = full.headers["etag"]
    assert full.headers["accept-ranges"] == "bytes"
    rest = await world["researcher"].get(
        "/api/v1/exports/notes",
        params={"format": format_},
        headers={"Range": "bytes=100-", "If-Range": etag},
    )
    assert rest.status_code == 206
    assert rest.content == full.content[100:]
    assert rest.headers["content-range"] == f"bytes 100-{len(full.content) - 1}/{len(full.content)}"


async def test_a_resume_after_the_data_changed_gets_the_whole_new_file(world):
    full = await export(world["researcher"])
    await world["karim"].post("/api/v1/me/consent", json={"version": CONSENT_VERSION, "accepted": False})
    again = await world["researcher"].get(
        "/api/v1/exports/notes", headers={"Range": "bytes=100-", "If-Range": full.headers["etag"]}
    )
    assert again.status_code == 200
    assert again.headers["etag"] != full.headers["etag"]
    assert len(read_csv(again)) == 1


async def test_a_range_beyond_the_end_is_416(world):
    response = await world["researcher"].get("/api/v1/exports/notes", headers={"Range": "bytes=99999999-"})
    assert response.status_code == 416
    assert response.headers["content-range"].startswith("bytes */")


async def test_a_passage_the_reviewer_cleared_is_exported_and_the_rest_stays_redacted(people, world):
    amina = world["amina"]
    worker = await people("yusuf", "youth_worker", ["DE"])
    note = await write(amina, text="The advice centre is on 030 1234567. My cousin: 0171 7654321.")
    marked = (await amina.get(f"/api/v1/notes/{note['id']}")).json()["personal_information"]
    assert [span["kind"] for span in marked] == ["phone_or_number", "phone_or_number"]
    reviewed = await worker.post(
        f"/api/v1/notes/{note['id']}/review", json={"decision": "approve", "cleared": [0]}
    )
    assert [span["cleared"] for span in reviewed.json()["personal_information"]] == [True, False]
    rows = {row["id"]: row for row in read_csv(await export(world["researcher"]))}
    assert rows[note["id"]]["text"] == "The advice centre is on 030 1234567. My cousin: [redacted]."


async def test_clearing_a_passage_the_note_does_not_have_is_refused_and_nothing_changes(people, world):
    worker = await people("yusuf", "youth_worker", ["DE"])
    note = world["notes"]["submitted"]
    response = await worker.post(
        f"/api/v1/notes/{note['id']}/review", json={"decision": "approve", "cleared": [3]}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "cleared"
    assert (await world["amina"].get(f"/api/v1/notes/{note['id']}")).json()["status"] == "submitted"


async def test_an_edit_by_the_author_needs_its_passages_judged_again(people, world):
    amina = world["amina"]
    worker = await people("yusuf", "youth_worker", ["DE"])
    note = await write(amina, text="Office: 030 1234567.")
    await worker.post(f"/api/v1/notes/{note['id']}/review", json={"decision": "approve", "cleared": [0]})
    edited = {**note, "base_version": 1, "text": "Office: 030 1234567. Home: 0171 7654321."}
    stored = (await amina.request("PUT", f"/api/v1/notes/{note['id']}", json=edited)).json()
    assert [span["cleared"] for span in stored["personal_information"]] == [False, False]


async def test_an_export_starts_without_reading_every_note_first(sqlite_template, tmp_path):
    """What an export asks before it starts (how many notes, the fingerprint, the guides, and
    for an XLSX whether it may pass 4 GiB) is answered from the index ix_notes_export alone:
    with a million notes that is half a second, reading the notes themselves took five, an
    XLSX's question of size alone three (bench/export_notes.py). A column added to those
    questions and not to the index would make every large export slow to start again."""
    path = tmp_path / "plan.db"
    shutil.copyfile(sqlite_template, path)
    # A reader's engine, as the export route reads: its two sessions take no write lock.
    engine = create_engine(f"sqlite+aiosqlite:///{path}", read_only=True)
    asked: list[tuple[str, object]] = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *args: asked.append((args[2], args[3])))

    async def plans_of_what_was_asked(db: AsyncSession) -> list[list[str]]:
        """SQLite's plan of each SELECT sent since `asked` was last cleared."""
        plans = []
        for statement, parameters in [pair for pair in asked if pair[0].startswith("SELECT")]:
            rows = await (await db.connection()).exec_driver_sql(
                f"EXPLAIN QUERY PLAN {statement}", parameters
            )
            plans.append([row[3] for row in rows.all()])
        asked.clear()
        return plans

    one_platform = service.ExportFilters(("DE",), REVIEWABLE_STATUSES)
    every_filter = service.ExportFilters(
        ("DE", "IT"),
        REVIEWABLE_STATUSES,
        kind="interview",
        since=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    try:
        async with AsyncSession(engine) as db, AsyncSession(engine) as beside:
            for filters in (one_platform, every_filter):
                asked.clear()
                scanned = await service.scan(db, filters, beside)
                await service.summarise(db, filters, scanned, "xlsx", may_pass_zip32=True)
                plans = await plans_of_what_was_asked(db)
                assert len(plans) == 2
                for plan in plans:
                    reads_of_notes = [step for step in plan if " notes " in f"{step} "]
                    assert reads_of_notes and all(
                        "COVERING INDEX ix_notes_export" in step for step in reads_of_notes
                    ), plan
            # And a platform's notes then leave in the export's order without a sort of them all
            # before the first one (12.9 s at a million notes). With filters that SQLite can
            # apply in ix_notes_export, it may choose to sort the fewer notes they leave.
            await (await db.connection()).execute(service._note_query(one_platform))
            (plan,) = await plans_of_what_was_asked(db)
            assert any("INDEX ix_notes_platform_received" in step for step in plan), plan
            assert not any("TEMP B-TREE" in step for step in plan), plan
    finally:
        await engine.dispose()
