"""Tags go through the personal-information guard like the text: an e-mail address or a phone
number written as a tag once left the platform as a CSV value and as a QDPX code name."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest

from tests.exports.test_exports import export, write

ADDRESS = "maria@example.org"
PHONE = "+49 170 1234567"
TAGS = ["school", ADDRESS, f"call {PHONE}"]


def every_text_in(content: bytes, format_: str) -> str:
    """All the text of an export, the files inside a zip (XLSX, QDPX) included."""
    if format_ in ("xlsx", "qdpx"):
        archive = zipfile.ZipFile(io.BytesIO(content))
        return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return content.decode()


@pytest.fixture
async def tagged(people):
    """An approved note whose tags hold an e-mail address and a phone number."""
    author = await people("amina", "youth", ["DE"])
    worker = await people("yara", "youth_worker", ["DE"])
    researcher = await people("rosa", "researcher", ["DE"])
    note = await write(author, text="We met at school.", tags=TAGS)
    return {"author": author, "worker": worker, "researcher": researcher, "note": note}


async def test_tags_holding_an_address_or_a_phone_number_are_marked_for_the_reviewer(tagged):
    stored = (await tagged["author"].get(f"/api/v1/notes/{tagged['note']['id']}")).json()
    marked = [
        (span["field"], TAGS[int(span["field"].split(".")[1])][span["start"] : span["end"]], span["kind"])
        for span in stored["personal_information"]
    ]
    assert marked == [("tags.1", ADDRESS, "email"), ("tags.2", PHONE, "phone_or_number")]
    assert stored["tags"] == TAGS  # the author and reviewers see what was written


@pytest.mark.parametrize("format_", ["csv", "ndjson", "xlsx", "qdpx"])
async def test_an_address_or_phone_number_in_a_tag_never_leaves_in_an_export(tagged, format_):
    await tagged["worker"].post(f"/api/v1/notes/{tagged['note']['id']}/review", json={"decision": "approve"})
    content = (await export(tagged["researcher"], format=format_)).content
    text = every_text_in(content, format_)
    assert tagged["note"]["id"] in text
    assert ADDRESS not in text
    assert "1234567" not in text
    assert "maria" not in text
    assert "[redacted]" in text


async def test_tags_are_exported_redacted_in_place_and_the_clean_ones_as_written(tagged):
    await tagged["worker"].post(f"/api/v1/notes/{tagged['note']['id']}/review", json={"decision": "approve"})
    line = json.loads((await export(tagged["researcher"], format="ndjson")).content.decode().splitlines()[0])
    assert line["tags"] == ["school", "[redacted]", "call [redacted]"]


async def test_a_tag_the_reviewer_cleared_is_exported_as_written(tagged):
    # A reviewer judged the phone number harmless (an advice centre's, say); the address stays hidden.
    reviewed = await tagged["worker"].post(
        f"/api/v1/notes/{tagged['note']['id']}/review", json={"decision": "approve", "cleared": [1]}
    )
    assert [span["cleared"] for span in reviewed.json()["personal_information"]] == [False, True]
    content = (await export(tagged["researcher"], format="csv")).content.decode()
    (row,) = csv.DictReader(io.StringIO(content, newline=""))
    assert row["tags"] == f"school; [redacted]; call {PHONE}"
