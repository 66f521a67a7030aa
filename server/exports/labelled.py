"""SPSS (.sav) and Stata (.dta) files: one variable per column, labelled from the guide.

Question prompts are variable labels, a single choice is stored as a number labelled with its
option (the codebook lists number, code and label), number and scale answers are numbers and
times are datetimes (UTC). pyreadstat writes the whole file from a data frame to a path, so the
rows are held in memory while it is written (unlike CSV, NDJSON, XLSX and QDPX).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import pandas as pd
import pyreadstat

from server.exports import codebook
from server.exports.formats import METADATA_COLUMNS, answer_columns, typed_values
from server.exports.rows import ExportNote, QuestionColumn
from server.notes.models import QuestionType

LabelledFormat = Literal["sav", "dta"]
# The widest text variable SPSS and PSPP read (Stata's strL has no such limit).
SPSS_STRING_BYTES = 32_767
MEASURES = {
    QuestionType.SINGLE_CHOICE: "nominal",
    QuestionType.SCALE: "ordinal",
    QuestionType.NUMBER: "scale",
}


def write_labelled(
    path: str,
    format_: LabelledFormat,
    notes: Iterable[ExportNote],
    questions: Sequence[QuestionColumn],
    *,
    file_label: str,
) -> int:
    """Write the notes (their choices as codes) to path; return how many notes it holds."""
    columns = answer_columns(questions)
    question_names = codebook.variable_names(columns, taken=METADATA_COLUMNS)
    # By position: a question may share a note field's name ("text"), never its variable.
    names = [*METADATA_COLUMNS, *(question_names[column] for column in columns)]
    cells: list[list[Any]] = [[] for _ in names]
    count = 0
    for note in notes:
        count += 1
        for values, value in zip(cells, typed_values(note, columns), strict=True):
            values.append(value)
    first = {question.question_id: question for question in reversed(questions)}
    numbered = codebook.choice_values(questions)
    frame: dict[str, pd.Series[Any]] = {}
    value_labels: dict[str, dict[int | float, str]] = {}
    measures: dict[str, str] = {}
    for position, (name, values) in enumerate(zip(names, cells, strict=True)):
        question = (
            first[columns[position - len(METADATA_COLUMNS)]] if position >= len(METADATA_COLUMNS) else None
        )
        numbers = numbered.get(question.question_id, {}) if question is not None else {}
        if (
            question is not None
            and question.type == QuestionType.SINGLE_CHOICE
            and numbers
            and all(value is None or value in numbers for value in values)
        ):
            frame[name] = pd.Series([numbers.get(value) for value in values], dtype="float64")
            options = dict(_all_options(questions, question.question_id))
            value_labels[name] = {number: options.get(code, code) for code, number in numbers.items()}
        else:
            frame[name] = _series(values)
        if question is not None and question.type in MEASURES and frame[name].dtype == "float64":
            measures[name] = MEASURES[question.type]
    prompts: dict[str, str | None] = {
        question_names[question.column]: question.prompt for question in first.values()
    }
    if format_ == "sav":
        frame = _continued_long_texts(frame, prompts)
    data = pd.DataFrame(frame)
    if format_ == "sav":
        pyreadstat.write_sav(
            data,
            path,
            file_label=file_label,
            column_labels=prompts,
            variable_value_labels=value_labels,
            variable_measure=measures,
        )
    else:
        # Stata keeps variable labels to 80 characters: the codebook has every prompt whole.
        pyreadstat.write_dta(
            data,
            path,
            file_label=file_label[:80],
            column_labels={name: (label or "")[:80] for name, label in prompts.items()},
            variable_value_labels=value_labels,
        )
    return count


def spss_parts(text: str) -> list[str]:
    """The text in parts of at most SPSS_STRING_BYTES bytes of UTF-8, never splitting a
    character, and never ending a part but the last in a space, which SPSS would drop."""
    parts: list[str] = []
    rest = text
    while len(encoded := rest.encode()) > SPSS_STRING_BYTES:
        fits = len(encoded[:SPSS_STRING_BYTES].decode("utf-8", "ignore"))
        cut = len(rest[:fits].rstrip(" ")) or fits
        parts.append(rest[:cut])
        rest = rest[cut:]
    return [*parts, rest]


def _continued_long_texts(
    frame: dict[str, pd.Series[Any]], prompts: dict[str, str | None]
) -> dict[str, pd.Series[Any]]:
    """SPSS (and PSPP) refuse a text variable wider than 32,767 bytes: a longer text keeps its
    first part in its variable and continues in <variable>_p2, <variable>_p3, ... beside it."""
    continued: dict[str, pd.Series[Any]] = {}
    for name, series in frame.items():
        continued[name] = series
        if series.dtype != "object" or not any(len(value.encode()) > SPSS_STRING_BYTES for value in series):
            continue
        parts = [spss_parts(value) for value in series]
        continued[name] = pd.Series([split[0] for split in parts], dtype="object")
        for number in range(2, max(len(split) for split in parts) + 1):
            part = codebook.variable_names([f"{name}_p{number}"], taken=[*frame, *continued])[
                f"{name}_p{number}"
            ]
            continued[part] = pd.Series(
                [split[number - 1] if len(split) >= number else "" for split in parts], dtype="object"
            )
            prompts[part] = f"{prompts.get(name) or name} [{number}]"
    return continued


def _all_options(questions: Sequence[QuestionColumn], question_id: str) -> list[tuple[str, str]]:
    """The options of a question over every exported version, the first label of each code."""
    options: dict[str, str] = {}
    for question in questions:
        if question.question_id == question_id:
            for code, label in question.options:
                options.setdefault(code, label)
    return list(options.items())


def _series(values: list[Any]) -> pd.Series[Any]:
    """A column of the values' own type: numbers, datetimes (UTC), or else text, so that a value
    that does not fit its question's type is kept as text rather than lost."""
    present = [value for value in values if value is not None]
    if present and all(isinstance(value, int | float) and not isinstance(value, bool) for value in present):
        return pd.Series(
            [float("nan") if value is None else float(value) for value in values], dtype="float64"
        )
    if present and all(isinstance(value, dt.datetime) for value in present):
        return pd.Series(
            pd.to_datetime(
                [None if value is None else value.astimezone(dt.UTC).replace(tzinfo=None) for value in values]
            ),
            dtype="datetime64[us]",
        )
    return pd.Series(["" if value is None else str(value) for value in values], dtype="object")
