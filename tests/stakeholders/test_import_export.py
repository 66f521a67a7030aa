"""Importing a directory from CSV and XLSX (dry run, all or nothing, idempotent, every bad row
named in the reader's language) and exporting it, audited and safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import openpyxl

from tests.stakeholders.conftest import add

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "stakeholders-it.csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = "organisation,person_name,email,phone,sector,level,contact_basis\r\n"


async def send(
    person,
    body: bytes | str,
    *,
    platform: str = "IT",
    dry_run: bool = False,
    media_type: str = "text/csv",
    **headers,
):
    return await person.post(
        f"/api/v1/stakeholders/import?platform={platform}&dry_run={str(dry_run).lower()}",
        content=body.encode() if isinstance(body, str) else body,
        headers={"Content-Type": media_type, **headers},
    )


async def directory(person, platform: str = "IT") -> list[dict]:
    return (await person.get(f"/api/v1/stakeholders?platform={platform}&limit=100")).json()["items"]


def workbook(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def test_the_example_file_for_italy_imports_cleanly_and_again_changes_nothing(keeper):
    body = EXAMPLE.read_bytes()
    rows = len(list(csv.reader(io.StringIO(body.decode())))) - 1
    dry = await send(keeper, body, dry_run=True)
    assert dry.status_code == 200, dry.text
    assert dry.json() == {"created": rows, "updated": 0, "unchanged": 0, "errors": []}
    assert await directory(keeper) == []  # a dry run writes nothing
    first = await send(keeper, body)
    assert first.json() == {"created": rows, "updated": 0, "unchanged": 0, "errors": []}
    stored = await directory(keeper)
    assert len(stored) == rows
    jose = next(item for item in stored if item["person_name"] == "José Núñez")
    assert jose["phone"] == "+393471234567"
    assert jose["languages"] == ["it", "es", "en"]
    assert jose["services"] == ["scuola di italiano", "sportello legale"]
    assert jose["contact_consent_at"] == "2026-03-05T00:00:00Z"
    again = await send(keeper, body)
    assert again.json() == {"created": 0, "updated": 0, "unchanged": rows, "errors": []}
    assert await directory(keeper) == stored


async def test_any_bad_row_is_422_listing_every_bad_row_and_nothing_is_written(people):
    keeper = await people("custode", "youth_worker", ["IT"], language="it")
    body = (
        HEADER
        + "Caritas Roma,,,,ngo,local,legitimate_interest\r\n"
        + "Città Aperta,José,jose@,,ngo,local,consent\r\n"
        + "Scuola Pace,,,12,school,local,consent\r\n"
    )
    for dry_run in (True, False):
        response = await send(keeper, body, dry_run=dry_run)
        assert response.status_code == 422
        problem = response.json()
        assert [(error["row"], error["field"]) for error in problem["errors"]] == [
            (3, "email"),
            (4, "phone"),
            (4, "sector"),
        ]
        assert response.headers["content-language"] == "it"
    assert await directory(keeper) == []


async def test_an_unknown_column_is_an_error_of_row_1(keeper):
    response = await send(
        keeper, "organisation,sector,level,contact_basis,favourite_colour\r\nX,ngo,local,consent,blue\r\n"
    )
    assert response.status_code == 422
    assert [(error["row"], error["field"]) for error in response.json()["errors"]] == [
        (1, "favourite_colour")
    ]


async def test_a_new_entry_needs_its_required_fields(keeper):
    response = await send(keeper, "organisation,level\r\nCaritas Roma,local\r\n")
    assert [(error["row"], error["field"]) for error in response.json()["errors"]] == [
        (2, "sector"),
        (2, "contact_basis"),
    ]


async def test_a_changed_cell_updates_and_an_empty_cell_leaves_what_is_stored(keeper):
    stored = await add(keeper, email="giulia@comune.roma.it", role_title="Assessora", phone="06 1234 5678")
    body = "email,role_title,phone,locality\r\nGIULIA@comune.roma.it,,,Ostia\r\n"
    response = await send(keeper, body)
    assert response.json() == {"created": 0, "updated": 1, "unchanged": 0, "errors": []}
    after = (await keeper.get(f"/api/v1/stakeholders/{stored['id']}")).json()
    assert (
        after["locality"] == "Ostia"
        and after["role_title"] == "Assessora"
        and after["phone"] == "+390612345678"
    )
    assert after["version"] == 2
    assert (await send(keeper, body)).json()["unchanged"] == 1


async def test_the_same_entry_twice_in_one_file_is_refused(keeper):
    body = HEADER + "Caritas,Ana Ruiz,,,ngo,local,consent\r\nCARITAS,ana ruiz,,,ngo,local,consent\r\n"
    response = await send(keeper, body)
    assert response.status_code == 422
    assert [error["row"] for error in response.json()["errors"]] == [3]


async def test_formulas_are_refused_in_csv_and_xlsx(keeper):
    csv_body = HEADER + '"=HYPERLINK(""http://evil.example"",""x"")",,,,ngo,local,consent\r\n'
    response = await send(keeper, csv_body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["row"] == 2
    book = workbook(
        [
            ["organisation", "sector", "level", "contact_basis"],
            ["Caritas", "ngo", "local", "consent"],
            ["=1+1", "ngo", "local", "consent"],
        ]
    )
    response = await send(keeper, book, media_type=XLSX)
    assert response.status_code == 422
    assert [(error["row"], error["field"]) for error in response.json()["errors"]] == [(3, "organisation")]
    assert await directory(keeper) == []


async def test_an_xlsx_file_imports_with_numbers_and_dates_read_as_text(keeper):
    import datetime as dt

    book = workbook(
        [
            [
                "organisation",
                "person_name",
                "phone",
                "sector",
                "level",
                "contact_basis",
                "contact_consent_at",
            ],
            [
                "Il Ponte",
                "Marco Esposito",
                3337654321,
                "employer",
                "local",
                "consent",
                dt.datetime(2026, 5, 10),
            ],
            [None, None, None, None, None, None, None],
        ]
    )
    response = await send(keeper, book, media_type=XLSX)
    assert response.json() == {"created": 1, "updated": 0, "unchanged": 0, "errors": []}, response.text
    (stored,) = await directory(keeper)
    assert stored["phone"] == "+393337654321"
    assert stored["contact_consent_at"] == "2026-05-10T00:00:00Z"
    # A client that only says "bytes" is read by the file's own first bytes.
    assert (await send(keeper, book, media_type="application/octet-stream")).json()["unchanged"] == 1


async def test_a_file_that_is_not_utf8_names_the_row_of_the_first_bad_byte(keeper):
    body = (HEADER + "Caritas,,,,ngo,local,consent\r\nCittà Aperta,,,,ngo,local,consent\r\n").encode(
        "latin-1"
    )
    response = await send(keeper, body)
    assert response.status_code == 422
    assert [(error["row"], error["field"]) for error in response.json()["errors"]] == [(3, "file")]


async def test_too_many_rows_too_many_bytes_and_the_wrong_type_are_clear_4xx(keeper):
    many = HEADER + "Caritas,,,,ngo,local,consent\r\n" * 20_001
    response = await send(keeper, many)
    assert response.status_code == 422
    assert "20000" in response.json()["errors"][0]["message"].replace(",", "").replace("\u202f", "")
    huge = HEADER + ("x" * 1000 + ",,,,ngo,local,consent\r\n") * 6_000
    assert (await send(keeper, huge)).status_code == 413
    assert (await send(keeper, "{}", media_type="application/json")).status_code == 415
    assert await directory(keeper) == []


async def test_a_zip_bomb_is_refused_before_it_is_unpacked(keeper):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<a>" + b" " * 80_000_000 + b"</a>")
    assert len(buffer.getvalue()) < 1_000_000
    response = await send(keeper, buffer.getvalue(), media_type=XLSX)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "file"
    garbage = await send(keeper, b"PK\x03\x04 not really a zip", media_type=XLSX)
    assert garbage.status_code == 422


async def test_the_export_is_audited_safe_in_spreadsheets_and_imports_back_unchanged(keeper, people):
    await add(
        keeper,
        organisation="=SUM(A1:A9)",
        email="giulia@comune.roma.it",
        phone="06 1234 5678",
        languages=["it", "en"],
    )
    await add(
        keeper,
        organisation="Caritas Roma",
        person_name=None,
        contact_basis="legitimate_interest",
        services=["mensa", "docce"],
    )
    response = await keeper.get("/api/v1/stakeholders/export?platform=IT&format=csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    formula_row = next(row for row in rows if "SUM" in row["organisation"])
    assert formula_row["organisation"] == "'=SUM(A1:A9)"  # never run as a formula
    assert formula_row["phone"] == "'+390612345678"
    # The exported file, imported back as it is, changes nothing.
    again = await send(keeper, response.content)
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 2, "errors": []}, again.text

    xlsx = await keeper.get("/api/v1/stakeholders/export?platform=IT&format=xlsx")
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True).worksheets[0]
    cells = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert all(cell.data_type == "s" for row in sheet.iter_rows(min_row=2) for cell in row if cell.value)
    assert "=SUM(A1:A9)" in [row[2] for row in cells]
    back = await send(keeper, xlsx.content, media_type=XLSX)
    assert back.json()["unchanged"] == 2, back.text

    admin = await people("admin", "admin")
    audit = (await admin.get("/api/v1/audit?kind=stakeholders.exported")).json()["items"]
    assert len(audit) == 2
