"""The REFI-QDA project export (.qdpx): notes as text sources for NVivo, ATLAS.ti and MAXQDA.

Every note is a text source and a case, its tags are codes on it, peer researchers are users by
pseudonym, and note metadata and guide answers are case variables. The project is written as a
stream in flat memory: the texts go into the zip as they come, zipfile's record of each entry
(some 400 bytes a note) waits in a temporary file.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import IO, Any, BinaryIO
from xml.sax.saxutils import escape, quoteattr

from server.exports.rows import ExportNote, QuestionColumn
from server.exports.streamed import EntriesOnDisk, ZipDate, zip_date
from server.notes.models import TEXT_TYPES, QuestionType

# GUIDs are uuid5 names under this namespace: the same notes always give the same project.
GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:tessera:exports:qdpx")
PROJECT_NAMESPACE = "urn:QDA-XML:project:1.0"
COPY_BYTES = 256 * 1024
# XML 1.0 allows tab, newline, carriage return and these ranges; one stray control character
# (pasted from a messaging app, say) would make the whole project unreadable.
NOT_XML_CHARACTERS = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# The ExportNote fields that become case variables, and those of them that are not Text.
NOTE_FIELDS = (
    "platform",
    "kind",
    "status",
    "language",
    "interviewee_code",
    "recorded_at",
    "participants_count",
    "participant_age_bands",
    "guide_version",
)
NOTE_FIELD_TYPES = {"recorded_at": "DateTime", "participants_count": "Integer", "guide_version": "Integer"}
QUESTION_TYPES = {QuestionType.SCALE: "Integer", QuestionType.NUMBER: "Float"}  # every other type is Text
# Narrative answers are also appended to the source text, where they can be coded like the note.
# Text answers go into the source text under their prompt, where they can be coded, and not
# into case variables: NVivo refuses attribute values longer than 255 characters.
NARRATIVE_TYPES = TEXT_TYPES
# GUIDs, dates and numbers go into the XML as they are, since they hold nothing to escape;
# names and texts go through quoteattr and escape.
VALUE_ELEMENTS = {
    "Text": "TextValue",
    "Integer": "IntegerValue",
    "Float": "FloatValue",
    "DateTime": "DateTimeValue",
}


@dataclass(frozen=True, slots=True)
class Variable:
    guid: str
    name: str
    type: str  # the schema's typeOfVariable
    description: str = ""


def write_qdpx(
    target: BinaryIO,
    notes: Iterable[ExportNote],
    questions: Sequence[QuestionColumn],
    *,
    project_name: str,
    created_at: dt.datetime,
) -> int:
    """Write a .qdpx of the notes to target (a file, or a stream: see server/exports/streamed.py);
    return how many notes it holds.

    Each note's text goes into the zip as it arrives and its case and source XML to temporary
    files: the schema puts users and codes, known only once every note is read, before them.
    """
    questions = _distinct_questions(questions)
    attributes = [question for question in questions if question.type not in NARRATIVE_TYPES]
    variables = _note_variables() + [_question_variable(question) for question in attributes]
    entry_date = zip_date(created_at)
    users: dict[str, str] = {}  # pseudonym -> guid
    codes: dict[str, str] = {}  # tag -> guid
    count = 0
    with ExitStack() as stack:
        # A source per note: a million notes, a million entries. Their records wait on disk
        # for the central directory; each source's name is its note's own GUID, never twice.
        entries = stack.enter_context(EntriesOnDisk())
        archive = stack.enter_context(zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED))
        entries.attach(archive)
        cases = stack.enter_context(tempfile.TemporaryFile())
        sources = stack.enter_context(tempfile.TemporaryFile())
        for note in notes:
            count += 1
            user_guid = _guid_of(users, "user", clean(note.author))
            code_guids = [_guid_of(codes, "code", tag) for tag in sorted({clean(tag) for tag in note.tags})]
            text = source_text(note, questions)
            source_guid = guid("source", str(note.id))
            archive.writestr(_entry(f"Sources/{source_guid}.txt", entry_date), text.encode())
            cases.write(_case_xml(note, source_guid, variables, attributes).encode())
            sources.write(_source_xml(note, source_guid, user_guid, code_guids, len(text)).encode())
        project: list[bytes | IO[bytes]] = [_project_head(project_name, created_at, users, codes, variables)]
        # Cases and Sources need at least one child: with no notes they are left out.
        if count:
            project += [b"<Cases>\n", cases, b"</Cases>\n<Sources>\n", sources, b"</Sources>\n"]
        project.append(b"</Project>\n")
        _write_pieces(archive, _entry("project.qde", entry_date), project)
    return count


def clean(text: str) -> str:
    """The text without the characters XML 1.0 cannot carry."""
    return NOT_XML_CHARACTERS.sub("", text)


def guid(kind: str, name: str) -> str:
    return str(uuid.uuid5(GUID_NAMESPACE, f"{kind}:{name}"))


def _guid_of(known: dict[str, str], kind: str, name: str) -> str:
    if name not in known:
        known[name] = guid(kind, name)
    return known[name]


def source_text(note: ExportNote, questions: Sequence[QuestionColumn]) -> str:
    """The note's text, then each narrative answer under its question's prompt, blank-line separated."""
    parts = [clean(note.text)]
    for question in questions:
        answer = note.answers.get(question.question_id)
        if question.type in NARRATIVE_TYPES and isinstance(answer, str) and answer.strip():
            parts.append(f"{clean(question.prompt)}\n{clean(answer)}")
    return "\n\n".join(part for part in parts if part)


def _distinct_questions(questions: Sequence[QuestionColumn]) -> list[QuestionColumn]:
    """One question per id, as in the other formats: a question kept across guide versions is one variable."""
    distinct: dict[str, QuestionColumn] = {}
    for question in questions:
        distinct.setdefault(question.question_id, question)
    return list(distinct.values())


def _note_variables() -> list[Variable]:
    return [
        Variable(guid("variable", name), name, NOTE_FIELD_TYPES.get(name, "Text")) for name in NOTE_FIELDS
    ]


def _question_variable(question: QuestionColumn) -> Variable:
    # Question ids are [a-z0-9_]+: a colon keeps one that shares a note field's name apart from it.
    name = f"answer:{question.question_id}" if question.question_id in NOTE_FIELDS else question.question_id
    return Variable(guid("variable", name), name, QUESTION_TYPES.get(question.type, "Text"), question.prompt)


def _case_xml(
    note: ExportNote, source_guid: str, variables: Sequence[Variable], questions: Sequence[QuestionColumn]
) -> str:
    values = [
        *(getattr(note, name) for name in NOTE_FIELDS),
        *(note.answers.get(question.question_id) for question in questions),
    ]
    parts = [f'<Case guid="{guid("case", str(note.id))}" name="{note.id}">']
    for variable, value in zip(variables, values, strict=True):
        rendered = _variable_value(variable, value)
        if rendered is not None:
            parts.append(rendered)
    parts.append(f'<SourceRef targetGUID="{source_guid}"/></Case>\n')
    return "".join(parts)


def _variable_value(variable: Variable, value: Any) -> str | None:
    """A VariableValue of the variable's type; None for an empty value, which is left out.

    A value that does not fit the declared type (a number stored as text, say) is kept as text
    rather than dropped: losing an answer is worse than a loose type.
    """
    if value is None:
        return None
    kind, text = _typed(variable.type, value)
    if not text:
        return None
    element = VALUE_ELEMENTS[kind]
    return (
        f'<VariableValue><VariableRef targetGUID="{variable.guid}"/>'
        f"<{element}>{_text(text)}</{element}></VariableValue>"
    )


def _typed(variable_type: str, value: Any) -> tuple[str, str]:
    """The value element's type and text; a list (a multiple choice) is one text."""
    if isinstance(value, list | tuple):
        return "Text", "; ".join(clean(str(item)) for item in value)
    if isinstance(value, bool):
        return "Text", "true" if value else "false"
    if variable_type == "DateTime" and isinstance(value, dt.datetime):
        return "DateTime", _datetime(value)
    if variable_type == "Integer" and (
        isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    ):
        return "Integer", str(int(value))
    if variable_type in ("Integer", "Float") and isinstance(value, int | float):
        if not math.isfinite(value):
            return "Text", ""
        # xsd:decimal has no exponent: 1e-07 is written 0.0000001.
        return "Float", format(decimal.Decimal(repr(value)), "f")
    return "Text", clean(str(value))


def _source_xml(
    note: ExportNote, source_guid: str, user_guid: str, code_guids: Sequence[str], length: int
) -> str:
    """A TextSource whose tags code all of its text.

    Codings sit on a PlainTextSelection spanning the whole text, the form importers read most widely;
    a source with no text at all carries them itself, as a selection of nothing codes nothing.
    Positions count characters (Unicode code points) of the source's plain text from 0, as the
    REFI-QDA standard's text selections do and QualCoder reads them: an emoji or an Arabic letter
    is one position, whatever its UTF-8 bytes or UTF-16 units. The source file has no
    byte-order mark, which a reader would count as a character.
    """
    note_id = str(note.id)
    created = f'creatingUser="{user_guid}" creationDateTime="{_datetime(note.received_at)}"'
    codings = "".join(
        f'<Coding guid="{guid("coding", f"{note_id}:{code_guid}")}" {created}>'
        f'<CodeRef targetGUID="{code_guid}"/></Coding>'
        for code_guid in code_guids
    )
    if codings and length:
        codings = (
            f'<PlainTextSelection guid="{guid("selection", note_id)}" startPosition="0" endPosition="{length}"'
            f" {created}>{codings}</PlainTextSelection>"
        )
    return (
        f'<TextSource guid="{source_guid}" name="{note_id}" plainTextPath="internal://{source_guid}.txt"'
        f" {created}>{codings}</TextSource>\n"
    )


def _project_head(
    project_name: str,
    created_at: dt.datetime,
    users: dict[str, str],
    codes: dict[str, str],
    variables: Sequence[Variable],
) -> bytes:
    """Everything before the cases, in the order of the schema's ProjectType sequence."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<Project xmlns="{PROJECT_NAMESPACE}" name={quoteattr(clean(project_name))} origin="Tessera"'
        f' creationDateTime="{_datetime(created_at)}">\n',
    ]
    # Users and Codes need at least one child: an empty list is left out, not written empty.
    if users:
        parts.append("<Users>\n")
        parts.extend(f'<User guid="{users[name]}" name={quoteattr(name)}/>\n' for name in sorted(users))
        parts.append("</Users>\n")
    if codes:
        parts.append("<CodeBook><Codes>\n")
        parts.extend(
            f'<Code guid="{codes[name]}" name={quoteattr(name)} isCodable="true"/>\n'
            for name in sorted(codes)
        )
        parts.append("</Codes></CodeBook>\n")
    parts.append("<Variables>\n")
    for variable in variables:
        start = f'<Variable guid="{variable.guid}" name={quoteattr(variable.name)} typeOfVariable="{variable.type}"'
        if variable.description:
            description = _text(clean(variable.description))
            parts.append(f"{start}><Description>{description}</Description></Variable>\n")
        else:
            parts.append(f"{start}/>\n")
    parts.append("</Variables>\n")
    return "".join(parts).encode()


def _write_pieces(
    archive: zipfile.ZipFile, entry: zipfile.ZipInfo, pieces: Sequence[bytes | IO[bytes]]
) -> None:
    """One zip entry copied together from bytes and temporary files, never whole in memory."""
    # Telling the size up front lets zipfile choose ZIP64 for an entry past 4 GiB.
    entry.file_size = sum(len(piece) if isinstance(piece, bytes) else piece.tell() for piece in pieces)
    with archive.open(entry, "w") as out:
        for piece in pieces:
            if isinstance(piece, bytes):
                out.write(piece)
            else:
                piece.seek(0)
                shutil.copyfileobj(piece, out, COPY_BYTES)


def _entry(name: str, date: ZipDate) -> zipfile.ZipInfo:
    entry = zipfile.ZipInfo(name, date_time=date)
    entry.compress_type = zipfile.ZIP_DEFLATED
    entry.external_attr = 0o644 << 16
    return entry


def _datetime(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        return moment.isoformat()
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _text(value: str) -> str:
    # A bare carriage return would be read back as a newline: keep it as a character reference.
    return escape(value, {"\r": "&#13;"})
