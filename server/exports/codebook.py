"""The codebook: what each column of an export means, in every format that carries one.

One table, made here, goes into the XLSX workbook's codebook sheet, the `format=codebook` CSV
and the `format=codebook-html` page; the SPSS and Stata files take their variable names and
the numbers of choices from the same functions, so the codebook always names what they hold.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

from server.exports.rows import QuestionColumn
from server.i18n import N_, message
from server.notes.models import CHOICE_TYPES, QuestionType

COLUMNS = (
    "question_id",
    "guide_id",
    "guide_version",
    "type",
    "prompt",
    "code",
    "label",
    "minimum",
    "maximum",
    "variable",
    "value",
)
BOUNDED_TYPES = frozenset({QuestionType.NUMBER, QuestionType.SCALE})
# Stata's rule for a variable name (at most 32 characters, a letter or underscore first), which
# SPSS's (64 bytes, a letter first) also accepts once a leading underscore is avoided.
VARIABLE_NAME_LENGTH = 32
_NOT_IN_NAMES = re.compile(r"[^A-Za-z0-9_]")
# Words Stata or SPSS keep for themselves: never a variable name (compared without case, as
# SPSS compares names).
RESERVED_NAMES = frozenset(
    {
        *("_all", "_b", "byte", "_coef", "_cons", "double", "float", "if", "in", "int", "long"),
        *("_n", "_pi", "_pred", "_rc", "_skip", "strl", "using", "with", "str"),
        *("all", "and", "by", "eq", "ge", "gt", "le", "lt", "ne", "not", "or", "to"),
    }
)

TEXT_CELLS_NOTE = N_(
    "In CSV downloads, a text cell that begins with =, +, -, @ (or their full-width forms), a tab"
    " or a line break, also after spaces, or with an apostrophe, has one apostrophe added in"
    " front, so that spreadsheets show it as text and never run it as a formula; numbers stay"
    " numbers. Remove that first apostrophe, or download with raw=true, to get the text exactly"
    " as stored. This workbook holds every text exactly as stored."
)
LONG_TEXTS_NOTE = N_(
    "A cell of a spreadsheet holds at most 32,767 characters. In the workbook, a longer text"
    " keeps its first part in its cell, and its following parts are in the sheet long_texts, one"
    " row each, with the note's id, the column and the part's number: join the parts in order"
    " to get the whole text. CSV, NDJSON, SPSS, Stata and REFI-QDA downloads hold every text"
    " whole in one field."
)
TYPES_NOTE = N_(
    "In the workbook, number and scale answers, counts and versions are numbers, and"
    " recorded_at and received_at are dates and times in UTC."
)
VARIABLES_NOTE = N_(
    "SPSS and Stata files name each column by its variable (letters, digits and underscores, at"
    " most 32 characters). A choice is stored as its value, labelled with its option; several"
    " choices are one text of their codes, separated by semicolons. SPSS holds at most 32,767"
    " bytes in a text variable: a longer text continues in the variables <variable>_p2,"
    " <variable>_p3 and so on; join them in order. SPSS does not keep a text's trailing spaces."
)
TITLE = N_("Codebook of the Tessera notes export")
QUESTIONS_HEADING = N_("Questions and their options")
NOTES_HEADING = N_("How to read the export")
NO_QUESTIONS = N_("The exported notes answered no guide questions.")
HEADINGS = {
    "question_id": N_("Question"),
    "guide_id": N_("Guide"),
    "guide_version": N_("Version"),
    "type": N_("Type"),
    "prompt": N_("Prompt"),
    "code": N_("Code"),
    "label": N_("Label"),
    "minimum": N_("Minimum"),
    "maximum": N_("Maximum"),
    "variable": N_("SPSS and Stata variable"),
    "value": N_("SPSS and Stata value"),
}


def notes(locale: str) -> list[str]:
    """How to read an export, in the reader's language: below the codebook in every form."""
    return [
        message(text).render(locale)
        for text in (TEXT_CELLS_NOTE, LONG_TEXTS_NOTE, TYPES_NOTE, VARIABLES_NOTE)
    ]


def variable_names(columns: Sequence[str], taken: Sequence[str] = ()) -> dict[str, str]:
    """Each column's name in SPSS and Stata files: valid in both, unique without regard to case.

    A character outside [A-Za-z0-9_] becomes an underscore, a name not starting with a letter
    gets "q" in front, names are cut to 32 characters, and a reserved word or a name already
    taken gets _2, _3, ... at its end.
    """
    used = {name.lower() for name in taken}
    names: dict[str, str] = {}
    for column in columns:
        base = _NOT_IN_NAMES.sub("_", column)
        if not base[:1].isalpha() or not base[:1].isascii():
            base = "q" + base
        base = base[:VARIABLE_NAME_LENGTH]
        name, number = base, 1
        while name.lower() in used or name.lower() in RESERVED_NAMES:
            number += 1
            suffix = f"_{number}"
            name = base[: VARIABLE_NAME_LENGTH - len(suffix)] + suffix
        used.add(name.lower())
        names[column] = name
    return names


def choice_values(questions: Sequence[QuestionColumn]) -> dict[str, dict[str, int]]:
    """For each choice question, its codes numbered 1, 2, ... in guide order (over every
    version exported): the values SPSS and Stata store, labelled with the options."""
    values: dict[str, dict[str, int]] = {}
    for question in questions:
        if question.type not in CHOICE_TYPES:
            continue
        numbered = values.setdefault(question.question_id, {})
        for code, _label in question.options:
            numbered.setdefault(code, len(numbered) + 1)
    return values


def rows(questions: Sequence[QuestionColumn], metadata: Sequence[str]) -> list[tuple[Any, ...]]:
    """The codebook's rows: one per option of a choice question, one per other question."""
    names = variable_names(list(dict.fromkeys(question.column for question in questions)), taken=metadata)
    values = choice_values(questions)
    table: list[tuple[Any, ...]] = []
    for question in questions:
        bounded = question.type in BOUNDED_TYPES
        entries: Sequence[tuple[str, str]] = question.options or (("", ""),)
        for code, label in entries:
            table.append(
                (
                    question.question_id,
                    str(question.guide_id),
                    question.guide_version,
                    question.type.value,
                    question.prompt,
                    code,
                    label,
                    _number(question.minimum) if bounded else None,
                    _number(question.maximum) if bounded else None,
                    names[question.column],
                    values.get(question.question_id, {}).get(code) if code else None,
                )
            )
    return table


def _number(value: float | None) -> int | float | None:
    """A guide's bound as a reader writes it: 0, not 0.0."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def as_text(value: Any) -> str:
    return "" if value is None else str(value)


def html_page(questions: Sequence[QuestionColumn], metadata: Sequence[str], locale: str) -> str:
    """A page a researcher reads before opening anything. Every text from a guide is escaped:
    a prompt or a label is words to show, never markup."""

    def localised(text: str) -> str:
        return html.escape(message(text).render(locale))

    table = rows(questions, metadata)
    parts = [
        "<!doctype html>",
        f'<html lang="{html.escape(locale)}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # No script, style or image may load: the page is data, whatever a guide holds.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>{localised(TITLE)}</title>",
        "<style>body{font-family:sans-serif;margin:2rem;max-width:80rem}"
        "table{border-collapse:collapse}th,td{border:1px solid #999;padding:.25rem .5rem;"
        "text-align:start;vertical-align:top}</style></head><body>",
        f"<h1>{localised(TITLE)}</h1>",
        f"<h2>{localised(QUESTIONS_HEADING)}</h2>",
    ]
    if table:
        parts.append("<table><thead><tr>")
        parts += [
            f'<th scope="col">{localised(HEADINGS[name])}<br><code>{name}</code></th>' for name in COLUMNS
        ]
        parts.append("</tr></thead><tbody>")
        for row in table:
            parts.append(
                "<tr>" + "".join(f"<td>{html.escape(as_text(value))}</td>" for value in row) + "</tr>"
            )
        parts.append("</tbody></table>")
    else:
        parts.append(f"<p>{localised(NO_QUESTIONS)}</p>")
    parts.append(f"<h2>{localised(NOTES_HEADING)}</h2>")
    parts += [f"<p>{html.escape(text)}</p>" for text in notes(locale)]
    parts.append("</body></html>\n")
    return "\n".join(parts)
