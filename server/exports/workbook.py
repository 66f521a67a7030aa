"""An XLSX workbook (ECMA-376, SpreadsheetML) written front to back as a zip stream.

xlsxwriter and openpyxl assemble the zip only when the workbook is closed, so nothing could
be sent before the last note was read. This writer puts each part into the zip in order and
each row into its sheet as it comes: an export starts sending at once and memory stays flat.
It writes only what the exports need: sheets of text, number and date cells, inline strings
(no shared-string table to hold in memory), one date style. Text is always an inline string:
a cell is never a formula, whatever it begins with.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from collections.abc import Iterable, Sequence
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

from server.exports.streamed import zip_date

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# Excel counts days from 1899-12-30 (the 1900 date system, with its leap-year quirk folded in).
EXCEL_EPOCH = dt.datetime(1899, 12, 30)
DATE_STYLE = 1  # the index of "yyyy-mm-dd hh:mm:ss" in cellXfs below
# ECMA-376 Part 1, 22.9.2.19 ST_Xstring: a character XML cannot hold is written _xHHHH_, and a
# text that already holds such an escape has its underscore escaped, so that it reads back as
# written (as Excel and xlsxwriter do).
_ESCAPES = re.compile(r"_x[0-9a-fA-F]{4}_|[\x00-\x08\x0b-\x1f\ufffe\uffff]")
COPY_BYTES = 256 * 1024


def _escaped(match: re.Match[str]) -> str:
    found = match.group()
    return "_x005F" + found if len(found) > 1 else f"_x{ord(found):04X}_"


def column_name(position: int) -> str:
    """A, B, ..., Z, AA, ... for the 0-based position."""
    name = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        name = chr(65 + rest) + name
    return name


def text_cell(reference: str, value: str) -> str:
    text = escape(_ESCAPES.sub(_escaped, value))
    space = ' xml:space="preserve"' if value[:1].isspace() or value[-1:].isspace() else ""
    return f'<c r="{reference}" t="inlineStr"><is><t{space}>{text}</t></is></c>'


def number_cell(reference: str, value: int | float) -> str:
    return f'<c r="{reference}"><v>{value!r}</v></c>'


def date_cell(reference: str, value: dt.datetime) -> str:
    """A time as Excel's serial day number (UTC), shown as a date and time."""
    moment = value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value
    days = (moment - EXCEL_EPOCH) / dt.timedelta(days=1)
    return f'<c r="{reference}" s="{DATE_STYLE}"><v>{days!r}</v></c>'


class Sheet:
    """Rows of one sheet, written as they come; ``row`` takes the cells already made."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.rows = 0
        self._columns: list[str] = []

    def references(self, count: int) -> list[str]:
        """The cell references of the next row's first ``count`` cells."""
        while len(self._columns) < count:
            self._columns.append(column_name(len(self._columns)))
        number = self.rows + 1
        return [f"{column}{number}" for column in self._columns[:count]]

    def row(self, cells: Iterable[str]) -> str:
        self.rows += 1
        return f'<row r="{self.rows}">{"".join(cells)}</row>\n'

    def values(self, values: Sequence[Any]) -> str:
        """A row of plain values: text, numbers and times; None is an empty cell."""
        cells = []
        for reference, value in zip(self.references(len(values)), values, strict=True):
            if value is None or value == "":
                continue
            if isinstance(value, str):
                cells.append(text_cell(reference, value))
            elif isinstance(value, dt.datetime):
                cells.append(date_cell(reference, value))
            elif isinstance(value, bool):
                cells.append(text_cell(reference, "true" if value else "false"))
            elif isinstance(value, int | float):
                cells.append(number_cell(reference, value))
            else:
                cells.append(text_cell(reference, str(value)))
        return self.row(cells)


SHEET_TAIL = b"</sheetData></worksheet>\n"
# Excel's last row. A sheet streamed row by row does not know its last row when it begins.
EXCEL_ROWS = 1_048_576


def sheet_head(columns: int, rows: int = EXCEL_ROWS) -> bytes:
    """The start of a sheet, with its dimension: readers (openpyxl's read-only mode, which
    pandas uses) give every row as many cells as it says. A streamed sheet says it may use
    every row: a reader stops at the last row there is, while too small a figure would make it
    stop early."""
    dimension = f"A1:{column_name(max(columns, 1) - 1)}{max(rows, 1)}"
    return (
        XML_HEAD + f'<worksheet xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">'
        f'<dimension ref="{dimension}"/><sheetData>\n'
    ).encode()


class StreamedWorkbook:
    """A workbook whose sheets are written one after another into a zip stream.

    Open it, write each sheet whole (``sheet_file``, ``small_sheet``, ``spilled_sheet``), in
    the order of their names, then ``close``. The workbook's own parts (content types, relationships, styles, the list of
    sheets) need the sheets' names only, which are given up front.
    """

    def __init__(
        self,
        target: IO[bytes],
        sheet_names: Sequence[str],
        *,
        title: str,
        created_at: dt.datetime,
        large: bool = False,
    ) -> None:
        self.names = list(sheet_names)
        self.large = large
        self.date = zip_date(created_at)
        self.archive = zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED)
        for name, content in _fixed_parts(self.names, title, created_at):
            self.archive.writestr(self._entry(name), content)

    def _entry(self, name: str) -> zipfile.ZipInfo:
        entry = zipfile.ZipInfo(name, date_time=self.date)
        entry.compress_type = zipfile.ZIP_DEFLATED
        return entry

    def sheet_file(self, name: str, *, large: bool | None = None) -> IO[bytes]:
        """The sheet's part, open for its rows: write sheet_head(), rows, SHEET_TAIL, then close.

        A streamed entry's size is known only at its end, so one that may pass 4 GiB unpacked
        must be written as ZIP64 from its start: the workbook's ``large`` says so. Only then:
        Excel refuses some ZIP64 entries that other readers take. A sheet that grows past the
        limit without it fails the download rather than giving a broken file.
        """
        position = self.names.index(name) + 1
        return self.archive.open(
            self._entry(f"xl/worksheets/sheet{position}.xml"),
            "w",
            force_zip64=self.large if large is None else large,
        )

    def small_sheet(self, name: str, rows: Sequence[Sequence[Any]]) -> None:
        sheet = Sheet(name)
        with self.sheet_file(name, large=False) as out:
            out.write(sheet_head(max(len(values) for values in rows), len(rows)))
            for values in rows:
                out.write(sheet.values(values).encode())
            out.write(SHEET_TAIL)

    def spilled_sheet(self, sheet: Sheet, columns: int, spill: IO[bytes]) -> None:
        """A sheet whose rows were written to a temporary file while another sheet was."""
        with self.sheet_file(sheet.name) as out:
            out.write(sheet_head(columns, sheet.rows))
            spill.seek(0)
            shutil.copyfileobj(spill, out, COPY_BYTES)
            out.write(SHEET_TAIL)

    def close(self) -> None:
        self.archive.close()


def _fixed_parts(names: Sequence[str], title: str, created_at: dt.datetime) -> list[tuple[str, str]]:
    sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{position}.xml" ContentType="{sheet_type}"/>'
        for position in range(1, len(names) + 1)
    )
    content_types = (
        XML_HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        f"{overrides}"
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/docProps/core.xml" '
        'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        '<Override PartName="/docProps/app.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
        "</Types>"
    )
    package_relationships = (
        XML_HEAD + f'<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
        f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>'
        '<Relationship Id="rId2" '
        'Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" '
        'Target="docProps/core.xml"/>'
        f'<Relationship Id="rId3" Type="{RELATIONSHIPS}/extended-properties" Target="docProps/app.xml"/>'
        "</Relationships>"
    )
    created = (created_at.astimezone(dt.UTC) if created_at.tzinfo else created_at).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    core = (
        XML_HEAD
        + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{escape(title)}</dc:title><dc:creator>Tessera</dc:creator>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{created}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{created}</dcterms:modified>'
        "</cp:coreProperties>"
    )
    app = (
        XML_HEAD
        + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        "<Application>Tessera</Application></Properties>"
    )
    sheets = "".join(
        f'<sheet name={quoteattr(name)} sheetId="{position}" r:id="rId{position}"/>'
        for position, name in enumerate(names, start=1)
    )
    workbook = (
        XML_HEAD + f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">'
        f"<bookViews><workbookView/></bookViews><sheets>{sheets}</sheets></workbook>"
    )
    workbook_relationships = (
        XML_HEAD
        + f'<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
        + "".join(
            f'<Relationship Id="rId{position}" Type="{RELATIONSHIPS}/worksheet" '
            f'Target="worksheets/sheet{position}.xml"/>'
            for position in range(1, len(names) + 1)
        )
        + f'<Relationship Id="rId{len(names) + 1}" Type="{RELATIONSHIPS}/styles" Target="styles.xml"/>'
        "</Relationships>"
    )
    styles = (
        XML_HEAD + f'<styleSheet xmlns="{MAIN}">'
        '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    )
    return [
        ("[Content_Types].xml", content_types),
        ("_rels/.rels", package_relationships),
        ("docProps/core.xml", core),
        ("docProps/app.xml", app),
        ("xl/workbook.xml", workbook),
        ("xl/_rels/workbook.xml.rels", workbook_relationships),
        ("xl/styles.xml", styles),
    ]
