"""What researchers open: long texts whole in XLSX, typed cells, a codebook of its own (CSV and
HTML), SPSS and Stata files with labels, and a CSV that Excel reads as UTF-8."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
import struct
import tempfile
import zipfile
from pathlib import Path

import anyio
import pytest

from server.accounts.consent import CONSENT_VERSION
from server.exports.codebook import variable_names
from tests.notes.conftest import note_body

# 40,000 characters, emoji and Arabic among them: Excel counts a cell's characters in UTF-16,
# where an emoji takes two.
LONG_TEXT = ("Sie erzählt 🙂 von der Schule, مرحبا بكم في المدرسة. " * 800)[:40_000]
HOSTILE = '<script>alert("prompt")</script> & <b>bold</b>'
LONG_ID = "how_many_evenings_a_week_do_they_spend_at_the_youth_centre"


def guide(platform: str = "DE") -> dict:
    return {
        "platform": platform,
        "source_language": "en",
        "title": {"en": "Evenings"},
        "questions": [
            {"id": "years_here", "type": "number", "min": 0, "max": 30, "prompt": {"en": "Years here?"}},
            {"id": "belonging", "type": "scale", "min": 1, "max": 5, "prompt": {"en": "Belonging"}},
            {
                "id": "housing",
                "type": "single_choice",
                "prompt": {"en": HOSTILE},
                "options": [
                    {"code": "family", "label": {"en": "With family"}},
                    {"code": "own_flat", "label": {"en": '<img src=x onerror="alert(1)">'}},
                ],
            },
            {
                "id": "in",  # a word Stata keeps for itself
                "type": "multiple_choice",
                "prompt": {"en": "Where do they take part?"},
                "options": [
                    {"code": "club", "label": {"en": "Sports club"}},
                    {"code": "choir", "label": {"en": "Choir"}},
                ],
            },
            {"id": "text", "type": "long_text", "prompt": {"en": "In their words"}},
            {"id": LONG_ID, "type": "number", "prompt": {"en": "Evenings a week"}},
        ],
    }


@pytest.fixture
async def written(people):
    """Two approved notes on a guide of every question type (one of them 40,000 characters
    long), a note by a person who later withdrew consent, and an Italian note."""
    author = await people("amina", "youth", ["DE"])
    other = await people("karim", "youth", ["DE"])
    luca = await people("luca", "youth", ["IT"])
    worker = await people("yara", "youth_worker", ["DE"])
    it_worker = await people("giulia", "youth_worker", ["IT"])
    researcher = await people("rosa", "researcher", ["DE"])
    created = await researcher.post("/api/v1/guides", json=guide())
    assert created.status_code == 201, created.text
    guide_id = created.json()["id"]
    answers = {
        "years_here": 3,
        "belonging": 4,
        "housing": "own_flat",
        "in": ["club", "choir"],
        "text": "Mostly at home.",
        LONG_ID: 2.5,
    }
    notes = {}
    for key, person, reviewer, overrides in (
        (
            "long",
            author,
            worker,
            {"text": LONG_TEXT, "kind": "focus_group", "participants": {"count": 2, "age_bands": ["16-17"]}},
        ),
        ("short", author, worker, {"text": "Kurz.", "answers": {**answers, "housing": "family", "in": []}}),
        ("withdrawn", other, worker, {"text": "Consent withdrawn later."}),
        (
            "italy",
            luca,
            it_worker,
            {"text": "Una nota.", "platform": "IT", "language": "it", "guide_id": None, "answers": {}},
        ),
    ):
        body = note_body(**{"guide_id": guide_id, "answers": answers, **overrides})
        stored = await person.request("PUT", f"/api/v1/notes/{body['id']}", json=body)
        assert stored.status_code == 201, stored.text
        approved = await reviewer.post(f"/api/v1/notes/{body['id']}/review", json={"decision": "approve"})
        assert approved.status_code == 200, approved.text
        notes[key] = body
    await other.post("/api/v1/me/consent", json={"version": CONSENT_VERSION, "accepted": False})
    return {"researcher": researcher, "notes": notes, "guide_id": guide_id}


async def export(person, **params):
    response = await person.get("/api/v1/exports/notes", params=params)
    assert response.status_code == 200, response.text
    return response


def workbook_of(response):
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(response.content))


def notes_sheet(workbook) -> dict[str, dict[str, object]]:
    rows = list(workbook["notes"].iter_rows(values_only=True))
    return {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}


def whole_texts(workbook) -> dict[tuple[str, str], str]:
    """Each cell's text joined with its parts in the long_texts sheet, as the codebook says."""
    texts = {
        (note_id, column): value
        for note_id, row in notes_sheet(workbook).items()
        for column, value in row.items()
        if isinstance(value, str)
    }
    parts = list(workbook["long_texts"].iter_rows(values_only=True))
    assert parts[0] == ("id", "column", "part", "text")
    for note_id, column, _part, text in sorted(parts[1:], key=lambda part: (part[0], part[1], part[2])):
        texts[(note_id, column)] += text
    return texts


async def test_a_40000_character_note_survives_xlsx_whole(written):
    workbook = workbook_of(await export(written["researcher"], format="xlsx"))
    note_id = written["notes"]["long"]["id"]
    assert whole_texts(workbook)[(note_id, "text")] == LONG_TEXT
    cell = notes_sheet(workbook)[note_id]["text"]
    assert isinstance(cell, str) and len(cell.encode("utf-16-le")) // 2 <= 32_767
    parts = [row for row in workbook["long_texts"].iter_rows(values_only=True)][1:]
    assert [(row[0], row[1], row[2]) for row in parts] == [(note_id, "text", 2)]
    assert all(len(row[3].encode("utf-16-le")) // 2 <= 32_767 for row in parts)


ZIP64_EXTRA = b"\x01\x00"  # the ZIP64 extended information's header id (APPNOTE 4.5.3)


def zip64_entries(content: bytes) -> list[str]:
    """The entries whose local header carries ZIP64 sizes (what Excel may refuse)."""
    found = []
    for entry in zipfile.ZipFile(io.BytesIO(content)).infolist():
        start = entry.header_offset
        name_length, extra_length = struct.unpack("<HH", content[start + 26 : start + 30])
        extra = content[start + 30 + name_length : start + 30 + name_length + extra_length]
        if extra.startswith(ZIP64_EXTRA):
            found.append(entry.filename)
    return found


async def test_an_ordinary_xlsx_has_no_zip64_entries_which_excel_may_refuse(written):
    response = await export(written["researcher"], format="xlsx")
    assert zip64_entries(response.content) == []


async def test_an_xlsx_that_could_pass_4_gib_is_zip64_and_reads_whole(written, monkeypatch):
    from server.exports import service

    # As if these notes could make a sheet larger than a plain zip entry holds.
    monkeypatch.setattr(service, "ZIP32_LIMIT", 1000)
    response = await export(written["researcher"], format="xlsx")
    assert set(zip64_entries(response.content)) == {"xl/worksheets/sheet1.xml", "xl/worksheets/sheet3.xml"}
    workbook = workbook_of(response)
    assert whole_texts(workbook)[(written["notes"]["long"]["id"], "text")] == LONG_TEXT


async def test_a_note_lengthened_by_an_edit_weighs_its_new_length_when_an_xlsx_sizes_itself(
    people, monkeypatch
):
    """Whether an XLSX may pass 4 GiB is read from the characters each note keeps beside its
    text: an edit that makes a note longer must count, or a sheet grown past the limit would
    be cut off mid-download as a plain zip entry."""
    from server.exports import service

    author = await people("amina", "youth", ["DE"])
    worker = await people("yara", "youth_worker", ["DE"])
    researcher = await people("rosa", "researcher", ["DE"])
    body = note_body(text="Kurz.", guide_id=None, answers={})
    assert (await author.request("PUT", f"/api/v1/notes/{body['id']}", json=body)).status_code == 201
    assert (
        await worker.post(f"/api/v1/notes/{body['id']}/review", json={"decision": "approve"})
    ).status_code == 200
    # As if a stored character took one byte of the sheet and a note's markup none.
    monkeypatch.setattr(service, "XML_BYTES_PER_CHARACTER", 1)
    monkeypatch.setattr(service, "XML_BYTES_PER_NOTE", 0)
    monkeypatch.setattr(service, "ZIP32_LIMIT", 10_000)
    assert zip64_entries((await export(researcher, format="xlsx")).content) == []

    longer = {**body, "base_version": 1, "text": "Ein langer Abend im Jugendzentrum. " * 400}
    edited = await author.request("PUT", f"/api/v1/notes/{body['id']}", json=longer)
    assert edited.status_code == 200, edited.text
    assert (
        await worker.post(f"/api/v1/notes/{body['id']}/review", json={"decision": "approve"})
    ).status_code == 200
    response = await export(researcher, format="xlsx")
    assert "xl/worksheets/sheet1.xml" in zip64_entries(response.content)
    assert notes_sheet(workbook_of(response))[body["id"]]["text"] == longer["text"]


async def test_the_codebook_says_where_long_texts_continue(written):
    workbook = workbook_of(await export(written["researcher"], format="xlsx"))
    notes = [row[0] for row in workbook["codebook"].iter_rows(values_only=True) if row[0] and " " in row[0]]
    assert any("long_texts" in note and "32,767" in note for note in notes)


async def test_xlsx_numbers_are_numbers_and_times_are_dates(written):
    workbook = workbook_of(await export(written["researcher"], format="xlsx"))
    row = notes_sheet(workbook)[written["notes"]["long"]["id"]]
    assert (row["years_here"], row["belonging"], row[LONG_ID]) == (3, 4, 2.5)
    assert (row["participants_count"], row["guide_version"]) == (2, 1)
    # Ids as the API writes them (SQLite stores them as bare hex digits).
    assert row["guide_id"] == written["guide_id"]
    recorded = dt.datetime.fromisoformat(written["notes"]["long"]["recorded_at"]).astimezone(dt.UTC)
    assert isinstance(row["recorded_at"], dt.datetime)
    assert abs(row["recorded_at"] - recorded.replace(tzinfo=None)) < dt.timedelta(milliseconds=1)
    assert isinstance(row["received_at"], dt.datetime)
    # Text stays text, and what looks like a number in it is not read as one.
    assert (row["housing"], row["interviewee_code"], row["in"]) == (
        '<img src=x onerror="alert(1)">',
        "DE-INT-014",
        "Sports club; Choir",
    )


async def test_the_codebook_has_the_bounds_of_number_and_scale_questions(written):
    workbook = workbook_of(await export(written["researcher"], format="xlsx"))
    rows = list(workbook["codebook"].iter_rows(values_only=True))
    table = [dict(zip(rows[0], row, strict=True)) for row in rows[1:] if row[1]]
    bounds = {row["question_id"]: (row["minimum"], row["maximum"]) for row in table}
    assert bounds["years_here"] == (0, 30)
    assert bounds["belonging"] == (1, 5)
    assert bounds[LONG_ID] == (None, None)
    assert bounds["housing"] == (None, None)


async def test_the_codebook_is_a_csv_download_of_its_own(written):
    response = await export(written["researcher"], format="codebook")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="tessera-codebook.csv"' in response.headers["content-disposition"]
    table, _, notes = response.content.decode().partition("\r\n\r\n")
    rows = list(csv.DictReader(io.StringIO(table + "\r\n", newline="")))
    housing = {row["code"]: row for row in rows if row["question_id"] == "housing"}
    assert housing["own_flat"]["label"] == '<img src=x onerror="alert(1)">'
    assert (housing["family"]["variable"], housing["family"]["value"], housing["own_flat"]["value"]) == (
        "housing",
        "1",
        "2",
    )
    years = next(row for row in rows if row["question_id"] == "years_here")
    assert (years["minimum"], years["maximum"], years["type"]) == ("0", "30", "number")
    assert "long_texts" in notes


async def test_the_codebook_page_is_localised_and_shows_guide_text_as_words_never_markup(written, people):
    german = await people("greta", "researcher", ["DE"], language="de")
    response = await german.get("/api/v1/exports/notes", params={"format": "codebook-html"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = response.text
    assert "<script>" not in page and "<img" not in page and "<b>bold" not in page
    assert "&lt;script&gt;alert(&quot;prompt&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page
    assert '<html lang="de">' in page
    assert "default-src 'none'" in page  # nothing on the page may load or run


async def test_stata_and_spss_names_are_valid_unique_and_listed_in_the_codebook(written):
    names = variable_names(["in", "text", LONG_ID, "9lives", "a-b"], taken=["text", "id"])
    assert names["in"] == "in_2"
    assert names["text"] == "text_2"
    assert len(names[LONG_ID]) == 32 and LONG_ID.startswith(names[LONG_ID])
    assert names["9lives"] == "q9lives" and names["a-b"] == "a_b"
    assert all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,31}", name) for name in names.values())
    rows = list(
        csv.DictReader(
            io.StringIO(
                (await export(written["researcher"], format="codebook")).text.partition("\r\n\r\n")[0]
                + "\r\n"
            )
        )
    )
    listed = {row["question_id"]: row["variable"] for row in rows}
    assert (listed["in"], listed["text"], listed[LONG_ID]) == ("in_2", "text_2", LONG_ID[:32])


def read_labelled(response, format_: str):
    import pyreadstat

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"notes.{format_}"
        path.write_bytes(response.content)
        reader = pyreadstat.read_sav if format_ == "sav" else pyreadstat.read_dta
        return reader(str(path))


@pytest.mark.parametrize("format_", ["sav", "dta"])
async def test_spss_and_stata_files_have_one_labelled_variable_per_question(written, format_):
    response = await export(written["researcher"], format=format_)
    assert f'filename="tessera-notes.{format_}"' in response.headers["content-disposition"]
    frame, meta = read_labelled(response, format_)
    notes = written["notes"]
    assert sorted(frame["id"]) == sorted([notes["long"]["id"], notes["short"]["id"]])
    row = frame.set_index("id").loc[notes["long"]["id"]]
    if format_ == "sav":
        # SPSS reads at most 32,767 bytes in a text variable: the rest continues in text_p2, and
        # SPSS pads text with spaces, so the whole text's trailing spaces are not kept.
        assert len(row["text"].encode()) <= 32_767
        assert row["text"] + row["text_p2"] == LONG_TEXT.rstrip(" ")
        assert meta.column_names_to_labels["text_p2"] == "text [2]"
    else:
        assert row["text"] == LONG_TEXT  # the note's text, whole
        import pandas as pd  # a second reader of Stata files

        stata = pd.read_stata(io.BytesIO(response.content)).set_index("id")
        assert stata.loc[notes["long"]["id"], "text"] == LONG_TEXT
        assert stata.loc[notes["long"]["id"], "housing"] == '<img src=x onerror="alert(1)">'
        assert stata.loc[notes["long"]["id"], "in_2"] == "club; choir"
    assert (row["years_here"], row["belonging"], row[LONG_ID[:32]], row["participants_count"]) == (
        3,
        4,
        2.5,
        2,
    )
    assert row["housing"] == 2 and row["in_2"] == "club; choir" and row["text_2"] == "Mostly at home."
    assert isinstance(row["recorded_at"], dt.datetime)
    labels = meta.column_names_to_labels
    assert (labels["housing"], labels["years_here"], labels["in_2"]) == (
        HOSTILE,
        "Years here?",
        "Where do they take part?",
    )
    assert meta.variable_value_labels["housing"] == {1: "With family", 2: '<img src=x onerror="alert(1)">'}
    assert all(author.startswith("PR-") for author in frame["author"])


@pytest.mark.parametrize("format_", ["sav", "dta"])
async def test_spss_and_stata_files_leave_out_what_every_export_leaves_out(written, people, format_):
    frame, _ = read_labelled(await export(written["researcher"], format=format_, status="any"), format_)
    notes = written["notes"]
    assert notes["withdrawn"]["id"] not in set(frame["id"])  # consent withdrawn
    assert notes["italy"]["id"] not in set(frame["id"])  # another platform
    nobody = await people("nils", "researcher", [])
    empty, meta = read_labelled(await export(nobody, format=format_), format_)
    assert len(empty) == 0 and "id" in meta.column_names


@pytest.mark.skipif(shutil.which("pspp") is None, reason="PSPP is not installed (apt-get install pspp)")
async def test_pspp_reads_the_spss_file_with_its_labels_and_every_text_whole(written, tmp_path):
    (tmp_path / "notes.sav").write_bytes((await export(written["researcher"], format="sav")).content)
    (tmp_path / "read.sps").write_text(
        f"GET FILE='{tmp_path / 'notes.sav'}'.\n"
        f"SAVE TRANSLATE /OUTFILE='{tmp_path / 'notes.csv'}' /TYPE=CSV /FIELDNAMES /CELLS=LABELS /REPLACE.\n"
    )
    with anyio.fail_after(120):
        run = await anyio.run_process(["pspp", str(tmp_path / "read.sps")], check=False)
    said = (run.stdout + run.stderr).decode()
    assert run.returncode == 0 and "warning" not in said, said
    rows = {
        row["id"]: row for row in csv.DictReader(io.StringIO((tmp_path / "notes.csv").read_text("utf-8")))
    }
    long = rows[written["notes"]["long"]["id"]]
    assert (long["text"] + long["text_p2"]).rstrip(" ") == LONG_TEXT.rstrip(" ")
    assert long["housing"] == '<img src=x onerror="alert(1)">'  # the option's label, as written
    assert rows[written["notes"]["short"]["id"]]["housing"] == "With family"


@pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice is not installed (apt-get install libreoffice-calc)"
)
async def test_libreoffice_opens_the_streamed_xlsx_with_its_numbers_dates_and_long_texts(written, tmp_path):
    (tmp_path / "notes.xlsx").write_bytes((await export(written["researcher"], format="xlsx")).content)
    # Every sheet to CSV (UTF-8, quoted text, values as shown), through a profile of this test's own.
    with anyio.fail_after(180):
        run = await anyio.run_process(
            [
                "soffice",
                "--headless",
                "--norestore",
                f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                "--convert-to",
                "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
                "--outdir",
                str(tmp_path),
                str(tmp_path / "notes.xlsx"),
            ],
            check=False,
        )
    assert run.returncode == 0, (run.stdout + run.stderr).decode()

    def sheet(name: str) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO((tmp_path / f"notes-{name}.csv").read_text("utf-8"))))

    notes = {row["id"]: row for row in sheet("notes")}
    long = notes[written["notes"]["long"]["id"]]
    assert (long["years_here"], long["belonging"], long["participants_count"]) == ("3", "4", "2")
    recorded = dt.datetime.fromisoformat(written["notes"]["long"]["recorded_at"]).astimezone(dt.UTC)
    assert long["recorded_at"] == recorded.strftime("%Y-%m-%d %H:%M:%S")
    parts = [row["text"] for row in sheet("long_texts") if row["id"] == long["id"]]
    assert long["text"] + "".join(parts) == LONG_TEXT
    assert long["housing"] == '<img src=x onerror="alert(1)">'


async def test_spss_redacts_what_the_guard_marked(people):
    author = await people("amina", "youth", ["DE"])
    worker = await people("yara", "youth_worker", ["DE"])
    researcher = await people("rosa", "researcher", ["DE"])
    body = note_body(text="Mail me: amina.k@example.org")
    stored = await author.request("PUT", f"/api/v1/notes/{body['id']}", json=body)
    assert stored.status_code == 201, stored.text
    await worker.post(f"/api/v1/notes/{body['id']}/review", json={"decision": "approve"})
    frame, _ = read_labelled(await export(researcher, format="sav"), "sav")
    assert list(frame["text"]) == ["Mail me: [redacted]"]


@pytest.mark.parametrize("format_", ["sav", "dta", "codebook", "codebook-html"])
@pytest.mark.parametrize("role", ["youth", "youth_worker"])
async def test_only_researchers_and_admins_download_the_new_formats(people, role, format_):
    person = await people("someone", role, ["DE"])
    response = await person.get("/api/v1/exports/notes", params={"format": format_})
    assert response.status_code == 403


@pytest.mark.parametrize("format_", ["sav", "dta", "codebook"])
async def test_anonymous_callers_get_nothing(client, format_):
    response = await client.get("/api/v1/exports/notes", params={"format": format_})
    assert response.status_code == 401


async def test_the_codebook_of_another_platforms_guide_is_refused(written, people):
    italian = await people("marco", "researcher", ["IT"])
    response = await italian.get(
        "/api/v1/exports/notes", params={"format": "codebook-html", "platform": "DE"}
    )
    assert response.status_code == 403
    own = await export(italian, format="codebook-html")
    assert "housing" not in own.text  # no question of a German guide


async def test_csv_says_its_charset_once_and_bom_true_puts_a_byte_order_mark_first(written):
    plain = await export(written["researcher"], format="csv")
    assert plain.headers["content-type"] == "text/csv; charset=utf-8"
    assert plain.content.startswith(b'"id"')
    marked = await export(written["researcher"], format="csv", bom="true")
    assert marked.content == b"\xef\xbb\xbf" + plain.content
    assert marked.headers["etag"] != plain.headers["etag"]
    rows = list(csv.DictReader(io.StringIO(marked.content.decode("utf-8-sig"), newline="")))
    assert rows[0]["id"] in {written["notes"]["long"]["id"], written["notes"]["short"]["id"]}
    codebook = await export(written["researcher"], format="codebook", bom="true")
    assert codebook.content.startswith(b"\xef\xbb\xbf" + b'"question_id"')


async def test_a_bom_download_resumes_with_the_same_bytes(written):
    full = await export(written["researcher"], format="csv", bom="true")
    rest = await written["researcher"].get(
        "/api/v1/exports/notes",
        params={"format": "csv", "bom": "true"},
        headers={"Range": "bytes=2-", "If-Range": full.headers["etag"]},
    )
    assert rest.status_code == 206 and rest.content == full.content[2:]


@pytest.mark.parametrize("value", ["perhaps", "2", ""])
async def test_a_bad_bom_is_a_localised_422_naming_the_field(people, value):
    german = await people("greta", "researcher", ["DE"], language="de")
    response = await german.get("/api/v1/exports/notes", params={"format": "csv", "bom": value})
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "urn:tessera:problem:validation"
    assert [error["field"] for error in problem["errors"]] == ["bom"]
    assert response.headers["content-language"] == "de"


async def test_openapi_lists_the_new_formats_and_bom(client):
    document = (await client.get("/schema/openapi.json")).json()
    operation = document["paths"]["/api/v1/exports/notes"]["get"]
    parameters = {parameter["name"]: parameter for parameter in operation["parameters"]}
    assert parameters["bom"]["schema"]["type"] == "boolean"
    formats = parameters["format"]["schema"]["enum"]
    assert {"sav", "dta", "codebook", "codebook-html"} <= set(formats)
    assert {"application/x-spss-sav", "application/x-stata-dta", "text/html"} <= set(
        operation["responses"]["200"]["content"]
    )
