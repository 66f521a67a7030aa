"""The REFI-QDA project export: valid against the QDA-XML schema, faithful, repeatable, streamed."""

from __future__ import annotations

import datetime as dt
import io
import tempfile
import tracemalloc
import uuid
import zipfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import xmlschema

from server.exports.qdpx import write_qdpx
from server.exports.rows import ExportNote, QuestionColumn

SCHEMA_PATH = Path(__file__).resolve().parent / "refi-qda" / "Project.xsd"
NS = {"qda": "urn:QDA-XML:project:1.0"}
CREATED_AT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
GUIDE_ID = uuid.UUID("6f1c3a52-0000-4000-8000-000000000001")
QUESTIONS = [
    QuestionColumn(GUIDE_ID, 1, "school", "long_text", "How is school?"),
    QuestionColumn(GUIDE_ID, 1, "mood", "scale", "How are you?"),
    QuestionColumn(GUIDE_ID, 1, "hours", "number", "Hours of work a week?"),
    QuestionColumn(
        GUIDE_ID,
        1,
        "worries",
        "multiple_choice",
        "What worries you?",
        (("papers", "Papers"), ("work", "Work")),
    ),
    QuestionColumn(GUIDE_ID, 1, "city", "short_text", "Which city?"),
    # The same question in a later guide version stays one variable.
    QuestionColumn(GUIDE_ID, 2, "mood", "scale", "How are you today?"),
]
ARABIC_NOTE_ID = uuid.UUID("00000000-0000-4000-8000-00000000000a")
MARKUP_NOTE_ID = uuid.UUID("00000000-0000-4000-8000-00000000000b")
QUIET_NOTE_ID = uuid.UUID("00000000-0000-4000-8000-00000000000c")


def export_note(note_id: uuid.UUID, **fields: Any) -> ExportNote:
    values: dict[str, Any] = {
        "id": note_id,
        "platform": "DE",
        "kind": "interview",
        "status": "approved",
        "language": "de",
        "author": "peer-7f3a",
        "interviewee_code": "B-12",
        "recorded_at": dt.datetime(2025, 3, 4, 10, 30, tzinfo=dt.UTC),
        "received_at": dt.datetime(2025, 3, 4, 12, 0, tzinfo=dt.UTC),
        "guide_id": GUIDE_ID,
        "guide_version": 1,
        "participants_count": None,
        "participant_age_bands": (),
        "tags": (),
        "text": "",
        "answers": {},
    }
    values.update(fields)
    return ExportNote(**values)


def sample_notes() -> list[ExportNote]:
    return [
        export_note(
            ARABIC_NOTE_ID,
            language="ar",
            author="peer-7f3a",
            tags=("school", "family"),
            text="المدرسة صعبة لكن الأصدقاء يساعدونني.",
            answers={"school": "Too many papers.", "mood": 4, "hours": 12.5, "worries": ["Papers", "Work"]},
        ),
        export_note(
            MARKUP_NOTE_ID,
            kind="focus_group",
            author="peer-91bc",
            participants_count=5,
            participant_age_bands=("16-17", "18-21"),
            tags=("work",),
            text='Rules say <b> & "never" \x07alone',
            answers={"city": "Köln", "mood": None, "worries": []},
        ),
        export_note(QUIET_NOTE_ID, author="peer-7f3a", guide_version=None, text="Nothing to add."),
    ]


def write(notes: Any, questions: list[QuestionColumn] | None = None) -> tuple[int, bytes]:
    with tempfile.TemporaryFile() as target:
        count = write_qdpx(
            target,
            notes,
            QUESTIONS if questions is None else questions,
            project_name="Tessera notes",
            created_at=CREATED_AT,
        )
        target.seek(0)
        return count, target.read()


@cache
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMA_PATH))


def project_of(data: bytes) -> Any:
    """project.qde of a .qdpx, validated against the REFI-QDA schema, as an element tree."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        document = archive.read("project.qde")
    schema().validate(io.BytesIO(document))
    return xmlschema.XMLResource(io.BytesIO(document)).root


def by_guid(root: Any, path: str) -> dict[str, Any]:
    return {element.get("guid"): element for element in root.iterfind(path, NS)}


def case_values(root: Any, note_id: uuid.UUID) -> dict[str, tuple[str, str]]:
    """The case of a note as {variable name: (value element, text)}."""
    variables = by_guid(root, "qda:Variables/qda:Variable")
    case = next(c for c in root.iterfind("qda:Cases/qda:Case", NS) if c.get("name") == str(note_id))
    values = {}
    for value in case.iterfind("qda:VariableValue", NS):
        target = value.find("qda:VariableRef", NS).get("targetGUID")
        element = value[1]
        values[variables[target].get("name")] = (element.tag.split("}")[1], element.text)
    return values


def source_of(root: Any, note_id: uuid.UUID) -> Any:
    return next(s for s in root.iterfind("qda:Sources/qda:TextSource", NS) if s.get("name") == str(note_id))


def source_file(data: bytes, source: Any) -> str:
    path = source.get("plainTextPath").removeprefix("internal://")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(f"Sources/{path}").decode("utf-8")


def test_project_is_valid_against_the_refi_qda_schema_and_holds_every_note():
    count, data = write(iter(sample_notes()))
    root = project_of(data)
    assert count == 3
    assert root.get("name") == "Tessera notes"
    assert root.get("origin") == "Tessera"
    assert root.get("creationDateTime") == "2026-01-01T00:00:00Z"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
    assert names[-1] == "project.qde"
    assert len([name for name in names if name.startswith("Sources/") and name.endswith(".txt")]) == 3
    assert len(root.findall("qda:Sources/qda:TextSource", NS)) == 3
    assert len(root.findall("qda:Cases/qda:Case", NS)) == 3


def test_peer_researchers_are_users_by_pseudonym_and_create_their_sources():
    _, data = write(iter(sample_notes()))
    root = project_of(data)
    users = {user.get("name"): user.get("guid") for user in root.iterfind("qda:Users/qda:User", NS)}
    assert sorted(users) == ["peer-7f3a", "peer-91bc"]
    assert source_of(root, ARABIC_NOTE_ID).get("creatingUser") == users["peer-7f3a"]
    assert source_of(root, MARKUP_NOTE_ID).get("creatingUser") == users["peer-91bc"]
    assert source_of(root, MARKUP_NOTE_ID).get("creationDateTime") == "2025-03-04T12:00:00Z"


def test_tags_are_codes_that_code_the_whole_text_of_their_notes():
    _, data = write(iter(sample_notes()))
    root = project_of(data)
    codes = by_guid(root, "qda:CodeBook/qda:Codes/qda:Code")
    assert [code.get("name") for code in codes.values()] == ["family", "school", "work"]
    assert all(code.get("isCodable") == "true" for code in codes.values())
    source = source_of(root, ARABIC_NOTE_ID)
    selection = source.find("qda:PlainTextSelection", NS)
    assert selection.get("startPosition") == "0"
    assert int(selection.get("endPosition")) == len(source_file(data, source))
    coded = {
        codes[ref.get("targetGUID")].get("name") for ref in selection.iterfind("qda:Coding/qda:CodeRef", NS)
    }
    assert coded == {"school", "family"}
    assert source_of(root, QUIET_NOTE_ID).find("qda:PlainTextSelection", NS) is None


def test_each_note_is_a_case_with_its_metadata_and_closed_answers_as_variables():
    _, data = write(iter(sample_notes()))
    root = project_of(data)
    variables = {v.get("name"): v for v in root.iterfind("qda:Variables/qda:Variable", NS)}
    assert list(variables) == [
        "platform", "kind", "status", "language", "interviewee_code", "recorded_at", "participants_count",
        "participant_age_bands", "guide_version", "mood", "hours", "worries",
    ]  # fmt: skip
    # Text answers are in the source text, where they can be coded; NVivo refuses attribute
    # values over 255 characters.
    assert variables["recorded_at"].get("typeOfVariable") == "DateTime"
    assert variables["mood"].get("typeOfVariable") == "Integer"
    assert variables["hours"].get("typeOfVariable") == "Float"
    assert variables["worries"].get("typeOfVariable") == "Text"
    assert variables["mood"].find("qda:Description", NS).text == "How are you?"

    assert case_values(root, ARABIC_NOTE_ID) == {
        "platform": ("TextValue", "DE"),
        "kind": ("TextValue", "interview"),
        "status": ("TextValue", "approved"),
        "language": ("TextValue", "ar"),
        "interviewee_code": ("TextValue", "B-12"),
        "recorded_at": ("DateTimeValue", "2025-03-04T10:30:00Z"),
        "guide_version": ("IntegerValue", "1"),
        "mood": ("IntegerValue", "4"),
        "hours": ("FloatValue", "12.5"),
        "worries": ("TextValue", "Papers; Work"),
    }
    markup = case_values(root, MARKUP_NOTE_ID)
    assert markup["participants_count"] == ("IntegerValue", "5")
    assert markup["participant_age_bands"] == ("TextValue", "16-17; 18-21")
    assert "city" not in markup
    assert "mood" not in markup and "worries" not in markup  # empty answers are left out
    assert "guide_version" not in case_values(root, QUIET_NOTE_ID)

    case = next(c for c in root.iterfind("qda:Cases/qda:Case", NS) if c.get("name") == str(ARABIC_NOTE_ID))
    assert case.find("qda:SourceRef", NS).get("targetGUID") == source_of(root, ARABIC_NOTE_ID).get("guid")


def test_source_files_hold_the_text_in_utf8_with_text_answers_below_it():
    _, data = write(iter(sample_notes()))
    root = project_of(data)
    assert source_file(data, source_of(root, ARABIC_NOTE_ID)) == (
        "المدرسة صعبة لكن الأصدقاء يساعدونني.\n\nHow is school?\nToo many papers."
    )
    # Markup characters are kept as written; a control character XML cannot carry is dropped.
    assert (
        source_file(data, source_of(root, MARKUP_NOTE_ID))
        == 'Rules say <b> & "never" alone\n\nWhich city?\nKöln'
    )


def test_the_same_notes_give_the_same_bytes():
    assert write(iter(sample_notes())) == write(iter(sample_notes()))


def test_no_notes_still_make_a_valid_project():
    count, data = write(iter([]))
    root = project_of(data)
    assert count == 0
    assert root.find("qda:Sources", NS) is None
    assert root.find("qda:CodeBook", NS) is None
    # The nine note fields and the three closed questions (mood, hours, worries).
    assert len(root.findall("qda:Variables/qda:Variable", NS)) == 9 + 3
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == ["project.qde"]


def test_notes_without_tags_leave_out_the_codebook():
    untagged = [export_note(uuid.UUID(int=n), text=f"Note {n}") for n in range(3)]
    _, data = write(iter(untagged), questions=[])
    root = project_of(data)
    assert root.find("qda:CodeBook", NS) is None
    assert len(root.findall("qda:Sources/qda:TextSource", NS)) == 3


def test_a_tagged_note_without_text_is_coded_as_a_whole_source():
    # A question sharing a note field's name, and a number too small for a plain repr.
    questions = [
        QuestionColumn(
            GUIDE_ID,
            1,
            "language",
            "single_choice",
            "Which language at home?",
            (("ti", "Tigrinya"), ("ar", "Arabic")),
        ),
        QuestionColumn(GUIDE_ID, 1, "hours", "number", "Hours of work a week?"),
    ]
    note = export_note(QUIET_NOTE_ID, tags=("silence",), answers={"language": "Tigrinya", "hours": 1e-07})
    _, data = write(iter([note]), questions=questions)
    root = project_of(data)
    source = source_of(root, QUIET_NOTE_ID)
    assert source_file(data, source) == ""
    assert source.find("qda:PlainTextSelection", NS) is None
    assert len(source.findall("qda:Coding", NS)) == 1
    values = case_values(root, QUIET_NOTE_ID)
    assert values["language"] == ("TextValue", "de")
    assert values["answer:language"] == ("TextValue", "Tigrinya")
    assert values["hours"] == ("FloatValue", "0.0000001")


def many_notes(count: int) -> Iterator[ExportNote]:
    paragraph = "We talked about school, work and the long wait for papers. " * 35  # about 2,000 characters
    for n in range(count):
        yield export_note(
            uuid.UUID(int=n),
            author=f"peer-{n % 40}",
            tags=(f"theme-{n % 25}",),
            text=f"{n}: {paragraph}",
            answers={"school": paragraph, "mood": n % 5, "worries": ["Papers"]},
        )


def test_writing_many_notes_keeps_memory_flat():
    """20,000 notes carry some 80 MB of text: a writer that held them would pass the bound many
    times, and so would one that kept zipfile's record of every entry (some 400 bytes a note,
    8 MB here, 400 MB for a million notes) in memory until the end."""
    tracemalloc.start()
    try:
        count, _ = write_and_measure(many_notes(20_000))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 20_000
    assert peak < 4 * 1024 * 1024


def write_and_measure(notes: Iterator[ExportNote]) -> tuple[int, int]:
    with tempfile.TemporaryFile() as target:
        count = write_qdpx(target, notes, QUESTIONS, project_name="Tessera notes", created_at=CREATED_AT)
        return count, target.tell()


def test_selection_positions_count_unicode_characters_not_bytes_or_utf16_units():
    """REFI-QDA positions count the characters of the source's plain text (code points), from 0,
    as QualCoder (Python) does: an emoji is one position, an Arabic letter one, never its UTF-8
    bytes or the two UTF-16 units a JavaScript or .NET string would count for the emoji."""
    text = "مرحبا 👋🏽 يا صديقي! 🙂 Schule"
    _, data = write(iter([export_note(ARABIC_NOTE_ID, language="ar", tags=("greeting",), text=text)]), [])
    root = project_of(data)
    source = source_of(root, ARABIC_NOTE_ID)
    selection = source.find("qda:PlainTextSelection", NS)
    stored = zipfile.ZipFile(io.BytesIO(data)).read(f"Sources/{source.get('plainTextPath')[11:]}")
    assert not stored.startswith(b"\xef\xbb\xbf")  # no byte-order mark to shift the count
    assert stored.decode("utf-8") == text
    start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
    assert (start, end) == (0, 27)
    assert text[start:end] == text  # the selection is the whole note, by characters
    assert end == len(text) != len(text.encode("utf-16-le")) // 2 != len(text.encode())
