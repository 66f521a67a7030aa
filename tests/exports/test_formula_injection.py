"""CSV formula injection (OWASP "CSV Injection"): no cell a young person wrote is ever run by the
spreadsheet that opens an export, and scripts can still have every byte as stored."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest

from tests.notes.conftest import note_body

# Each begins with what makes a spreadsheet read the cell as a formula (OWASP's list, and the
# same behind spaces), or with an apostrophe: a cell beginning with one always had one added.
FORMULAS = [
    "=SUM(A:Z)",
    "+SUM(A:Z)",
    "-SUM(A:Z)",
    "@IF(A:Z)",  # short: the guard marks "@" and three letters as a handle
    "\t=SUM(A:Z)",
    "\r=SUM(A:Z)",
    "\n=SUM(A:Z)",
    "＝SUM(A:Z)",
    "  =SUM(A:Z)",
    "'=SUM(A:Z)",
]
# The same characters later in a cell start no formula: these stay as they are.
HARMLESS = ["A=SUM(A:Z)", "Two + two - one @ home", "x\t=y", "under-fourteen", " plain=words"]


def guide(platform: str = "DE") -> dict:
    return {
        "platform": platform,
        "source_language": "en",
        "title": {"en": "Money"},
        "questions": [
            {"id": "balance", "type": "number", "min": -10, "max": 10, "prompt": {"en": "Balance?"}},
            {"id": "says", "type": "short_text", "prompt": {"en": "In their words"}},
            {
                "id": "mood",
                "type": "single_choice",
                "prompt": {"en": "Mood"},
                "options": [
                    {"code": "low", "label": {"en": "-1 low"}},
                    {"code": "high", "label": {"en": "+1 high"}},
                ],
            },
        ],
    }


@pytest.fixture
async def written(people):
    """A note for each cell to try, approved, and the researcher who exports them."""
    author = await people("amina", "youth", ["DE"])
    worker = await people("yara", "youth_worker", ["DE"])
    researcher = await people("rosa", "researcher", ["DE"])
    created = await researcher.post("/api/v1/guides", json=guide())
    assert created.status_code == 201, created.text
    guide_id = created.json()["id"]
    texts, codes = {}, {}
    for value in [*FORMULAS, *HARMLESS]:
        body = note_body(
            guide_id=guide_id,
            text=value,
            # An interviewee code may not hold an @ (it could be an e-mail address).
            interviewee_code=value.replace("@", "="),
            tags=[value],
            answers={"says": value, "balance": -3, "mood": "low"},
        )
        stored = await author.request("PUT", f"/api/v1/notes/{body['id']}", json=body)
        assert stored.status_code == 201, stored.text
        approved = await worker.post(f"/api/v1/notes/{body['id']}/review", json={"decision": "approve"})
        assert approved.status_code == 200, approved.text
        texts[body["id"]] = value
        codes[body["id"]] = body["interviewee_code"]
    return {"researcher": researcher, "texts": texts, "codes": codes}


async def export(person, **params):
    response = await person.get("/api/v1/exports/notes", params=params)
    assert response.status_code == 200, response.text
    return response


def rows_by_id(response) -> dict[str, dict[str, str]]:
    rows = csv.DictReader(io.StringIO(response.content.decode("utf-8"), newline=""))
    return {row["id"]: row for row in rows}


async def test_every_cell_that_starts_a_formula_gets_a_leading_apostrophe_in_csv(written):
    rows = rows_by_id(await export(written["researcher"], format="csv"))
    for note_id, value in written["texts"].items():
        expected = "'" + value if value in FORMULAS else value
        row = rows[note_id]
        assert (row["text"], row["says"], row["tags"]) == (expected,) * 3, repr(value)
        code = written["codes"][note_id]
        assert row["interviewee_code"] == ("'" + code if value in FORMULAS else code)


async def test_a_cell_that_only_contains_such_characters_later_is_unchanged(written):
    rows = rows_by_id(await export(written["researcher"], format="csv"))
    harmless = {note_id: value for note_id, value in written["texts"].items() if value in HARMLESS}
    assert {note_id: rows[note_id]["text"] for note_id in harmless} == harmless


async def test_numbers_stay_numbers_and_choice_labels_are_text(written):
    rows = rows_by_id(await export(written["researcher"], format="csv"))
    assert {row["balance"] for row in rows.values()} == {"-3"}
    assert {row["mood"] for row in rows.values()} == {"'-1 low"}
    coded = rows_by_id(await export(written["researcher"], format="csv", choices="codes"))
    assert {row["mood"] for row in coded.values()} == {"low"}


async def test_raw_true_gives_every_cell_as_stored(written):
    rows = rows_by_id(await export(written["researcher"], format="csv", raw="true"))
    for note_id, value in written["texts"].items():
        row = rows[note_id]
        cells = (row["text"], row["says"], row["tags"], row["mood"])
        assert cells == (value, value, value, "-1 low"), repr(value)
        assert row["interviewee_code"] == written["codes"][note_id]


async def test_raw_is_part_of_the_etag_and_of_the_audit_record(written, people):
    researcher = written["researcher"]
    safe = await export(researcher, format="csv")
    raw = await export(researcher, format="csv", raw="true")
    assert safe.headers["etag"] != raw.headers["etag"]
    assert safe.content != raw.content
    # A download resumed with the other variant's ETag gets the whole file, never a mix.
    resumed = await researcher.get(
        "/api/v1/exports/notes",
        params={"format": "csv", "raw": "true"},
        headers={"Range": "bytes=100-", "If-Range": safe.headers["etag"]},
    )
    assert resumed.status_code == 200
    assert resumed.content == raw.content
    admin = await people("root", "admin")
    events = (await admin.get("/api/v1/audit", params={"kind": "export"})).json()["items"]
    assert sorted(str(event["details"]["raw"]) for event in events) == ["False", "True", "True"]


async def test_a_resumed_csv_download_is_neutralised_too(written):
    full = await export(written["researcher"], format="csv")
    rest = await written["researcher"].get(
        "/api/v1/exports/notes",
        params={"format": "csv"},
        headers={"Range": "bytes=10-", "If-Range": full.headers["etag"]},
    )
    assert rest.status_code == 206
    assert rest.content == full.content[10:]


async def test_raw_that_is_not_true_or_false_is_refused(written):
    response = await written["researcher"].get("/api/v1/exports/notes", params={"raw": "perhaps"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == ["raw"]


@pytest.mark.parametrize("raw", ["false", "true"])
async def test_xlsx_never_holds_a_formula_and_keeps_text_as_stored(written, raw):
    from openpyxl import load_workbook

    response = await export(written["researcher"], format="xlsx", raw=raw)
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    for name in archive.namelist():
        if name.startswith("xl/worksheets/"):
            assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name), name
    workbook = load_workbook(io.BytesIO(response.content))
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
    assert cells
    assert all(cell.data_type != "f" for cell in cells)
    sheet = workbook["notes"]
    header = [cell.value for cell in sheet[1]]
    texts = {
        row[0]: as_excel_reads(row[header.index("text")])
        for row in sheet.iter_rows(min_row=2, values_only=True)
    }
    assert texts == written["texts"]


def as_excel_reads(value: str) -> str:
    """A control character is written _x000D_ (ECMA-376's ST_Xstring escape): Excel reads the
    character back, openpyxl leaves the escape as it is."""
    return re.sub(r"_x([0-9A-F]{4})_", lambda match: chr(int(match[1], 16)), value)


async def test_the_codebook_says_how_csv_cells_are_neutralised(written):
    from openpyxl import load_workbook

    response = await export(written["researcher"], format="xlsx")
    codebook = load_workbook(io.BytesIO(response.content), read_only=True)["codebook"]
    first_column = [row[0] for row in codebook.iter_rows(values_only=True) if row and row[0]]
    assert any("raw=true" in value and "apostrophe" in value for value in first_column)
