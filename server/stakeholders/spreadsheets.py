"""Importing a directory from a CSV or XLSX file, and exporting one to either.

An import is all or nothing: every row is checked and matched first, and any bad row means
that nothing is written and every bad row is reported, by its number as a spreadsheet shows it
(the header is row 1). A row is matched to the stored entry it is the same as (its e-mail, or
its organisation and person, folded), so the same file imported again changes nothing.

Files from outside are read defensively: a size cap on the body (the route's), a row cap, a
cap on what an XLSX file unpacks to (its members' declared sizes, which Python's zipfile
holds a member to) so that a zip bomb is refused before it is opened, formulas refused, and
every cell read as text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import anyio
import msgspec
import openpyxl
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.models import User
from server.audit.service import record_event
from server.db import utcnow
from server.exports.formats import FORMULA_STARTS, csv_line, spreadsheet_text, text_workbook, timestamp
from server.i18n import N_, Message, message
from server.problems import UNSTORABLE_TEXT, Conflict, FieldError, InvalidInput
from server.stakeholders import service
from server.stakeholders.models import ContactBasis, Level, Sector, StakeholderEntry

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 20_000
MAX_COLUMNS = 40
# What an XLSX file may unpack to, all members together, and how many members it may have.
MAX_XLSX_UNPACKED_BYTES = 60 * 1024 * 1024
MAX_XLSX_MEMBERS = 200
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LIST_SEPARATOR = ";"

# The entry's fields a file may set, in the order an export writes them.
WRITABLE_COLUMNS = (
    "organisation",
    "person_name",
    "role_title",
    "email",
    "phone",
    "sector",
    "level",
    "locality",
    "languages",
    "services",
    "contact_basis",
    "contact_consent_at",
)
# An export's other columns, accepted and left alone on import so that an exported file can
# be edited and imported back; `platform`, if filled in, must be the platform imported into.
READ_ONLY_COLUMNS = ("id", "platform", "version", "created_at", "updated_at", "engagements")
EXPORT_COLUMNS = ("id", "platform", *WRITABLE_COLUMNS, "engagements", "version", "created_at", "updated_at")
REQUIRED_FOR_NEW = ("organisation", "sector", "level", "contact_basis")
TEXT_LIMITS = {"organisation": 200, "person_name": 200, "role_title": 200, "locality": 200}
_LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class FileRefused(Exception):
    """The file as a whole cannot be read; the errors say where and why."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("file refused")
        self.errors = errors


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: Message


@dataclass
class Sheet:
    """A file's header and rows as text, each row with its spreadsheet number."""

    header: list[str]
    rows: list[tuple[int, list[str]]]
    # In CSV a cell beginning with = is what a spreadsheet would run as a formula; XLSX says
    # which cells are formulas (refused as it is read), and its text cells are only text.
    text_may_be_formula: bool = True


# Reading files


def read_sheet(body: bytes, media_type: str) -> Sheet:
    if media_type == XLSX_MEDIA_TYPE or body.startswith(b"PK\x03\x04"):
        return _read_xlsx(body)
    return _read_csv(body)


def _too_many_rows(row: int) -> FileRefused:
    return FileRefused(
        [RowError(row, "file", message(N_("A file may hold at most {count} rows."), count=MAX_IMPORT_ROWS))]
    )


def _read_csv(body: bytes) -> Sheet:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = body.count(b"\n", 0, error.start) + 1
        raise FileRefused(
            [
                RowError(
                    line,
                    "file",
                    message(N_("This file is not UTF-8 text. Save it as “CSV UTF-8” and try again.")),
                )
            ]
        ) from None
    if "\x00" in text:
        raise FileRefused([RowError(1, "file", message(N_("This file is not a CSV or XLSX file.")))])
    first_line = text.split("\n", 1)[0]
    # Spreadsheets in many European locales save CSV with semicolons, since the comma is
    # their decimal mark; a tab separates cells in files copied out of one.
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    try:
        for number, record in enumerate(reader, start=1):
            if header is None:
                header = record
                continue
            if number > MAX_IMPORT_ROWS + 1:
                raise _too_many_rows(number)
            rows.append((number, record))
    except csv.Error:
        raise FileRefused(
            [
                RowError(
                    reader.line_num or 1, "file", message(N_("This row is not valid CSV (check its quotes)."))
                )
            ]
        ) from None
    if header is None:
        raise FileRefused([RowError(1, "file", message(N_("The file is empty: it needs a header row.")))])
    return Sheet(header, rows)


def _read_xlsx(body: bytes) -> Sheet:
    not_xlsx = FileRefused([RowError(1, "file", message(N_("This file is not a CSV or XLSX file.")))])
    try:
        archive = zipfile.ZipFile(io.BytesIO(body))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise not_xlsx from None
    # Python's zipfile never unpacks a member past its declared size, so the sum of the
    # declared sizes bounds what opening the workbook can unpack: a zip bomb stops here.
    if (
        len(members) > MAX_XLSX_MEMBERS
        or sum(member.file_size for member in members) > MAX_XLSX_UNPACKED_BYTES
    ):
        raise FileRefused([RowError(1, "file", message(N_("This file unpacks to more than Tessera reads.")))])
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds of error for a damaged file
        raise not_xlsx from None
    try:
        sheet = workbook.worksheets[0]
        # A workbook may claim any size; rows are read as they are, never padded to it.
        sheet.reset_dimensions()
        header: list[str] | None = None
        rows: list[tuple[int, list[str]]] = []
        errors: list[RowError] = []
        for number, cells in enumerate(sheet.iter_rows(), start=1):
            if number > MAX_IMPORT_ROWS + 1:
                raise _too_many_rows(number)
            values: list[str] = []
            for cell in cells[: MAX_COLUMNS + 1]:
                if getattr(cell, "data_type", None) == "f":
                    column = header[len(values)] if header and len(values) < len(header) else "file"
                    errors.append(RowError(number, column, message(FORMULA_REFUSED)))
                values.append(_xlsx_text(cell.value))
            if header is None:
                header = values
            else:
                rows.append((number, values))
    except FileRefused:
        raise
    except Exception:  # a damaged sheet's XML
        raise not_xlsx from None
    finally:
        workbook.close()
    if errors:
        raise FileRefused(errors)
    if header is None:
        raise FileRefused([RowError(1, "file", message(N_("The file is empty: it needs a header row.")))])
    return Sheet(header, rows, text_may_be_formula=False)


FORMULA_REFUSED = N_("Formulas are not accepted: put the value itself in the cell.")


def _xlsx_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone number typed as a number
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# Checking and matching rows


@dataclass
class Planned:
    created: list[StakeholderEntry] = field(default_factory=list)
    updated: list[tuple[StakeholderEntry, dict[str, Any]]] = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)


def _cell_text(raw: str) -> str:
    """A cell as the file means it: trimmed, and without the apostrophe that an export (or a
    person) put in front of a cell so that spreadsheets show it as text."""
    value = raw.strip()
    if value.startswith("'") and value[1:2] and value[1] in FORMULA_STARTS + "'":
        return value[1:]
    return value


def check_header(header: Sequence[str]) -> tuple[list[str], list[RowError]]:
    names = [name.strip().lstrip("\ufeff").casefold() for name in header]
    errors: list[RowError] = []
    known = set(WRITABLE_COLUMNS) | set(READ_ONLY_COLUMNS)
    if len(names) > MAX_COLUMNS:
        errors.append(
            RowError(1, "file", message(N_("A file may have at most {count} columns."), count=MAX_COLUMNS))
        )
    for name in names:
        if not name:
            continue
        if name not in known:
            errors.append(RowError(1, name, message(N_("This column is not a field of a directory entry."))))
        elif names.count(name) > 1:
            errors.append(RowError(1, name, message(N_("This column appears more than once."))))
    if "organisation" not in names and "email" not in names:
        errors.append(
            RowError(1, "organisation", message(N_("The file needs an organisation or an email column.")))
        )
    return names, list(dict.fromkeys(errors))


def _row_values(
    number: int, names: Sequence[str], cells: Sequence[str], platform: str, *, text_may_be_formula: bool
) -> tuple[dict[str, Any], list[RowError]]:
    """The row's filled-in cells, checked and in the shape they are stored in."""
    values: dict[str, Any] = {}
    errors: list[RowError] = []

    def refuse(name: str, msgid: str, **params: object) -> None:
        errors.append(RowError(number, name, message(msgid, **params)))

    if len(cells) > len(names) and any(cell.strip() for cell in cells[len(names) :]):
        refuse("file", N_("This row has more cells than the header has columns."))
    for name, raw in zip(names, cells, strict=False):
        if not name or not raw.strip():
            continue
        if text_may_be_formula and raw.lstrip()[:1] in ("=", "＝"):
            refuse(name, FORMULA_REFUSED)
            continue
        value = _cell_text(raw)
        if name in READ_ONLY_COLUMNS:
            if name == "platform" and value.upper() != platform:
                refuse(name, N_("This row belongs to another platform ({code})."), code=value)
            continue
        if "\x00" in value:
            refuse(name, UNSTORABLE_TEXT)
        elif name in TEXT_LIMITS:
            if len(value) > TEXT_LIMITS[name]:
                refuse(name, N_("Must be at most {n} characters long."), n=TEXT_LIMITS[name])
            else:
                values[name] = value
        elif name == "email":
            try:
                values["email"], values["email_key"] = service.checked_email(value)
            except ValueError:
                refuse(name, service.NOT_AN_EMAIL)
        elif name == "phone":
            try:
                values["phone"] = service.checked_phone(value, platform)
            except ValueError:
                refuse(name, service.NOT_A_PHONE)
        elif name in ("sector", "level", "contact_basis"):
            vocabulary = {"sector": Sector, "level": Level, "contact_basis": ContactBasis}[name]
            word = value.casefold()
            if word in {member.value for member in vocabulary}:
                values[name] = vocabulary(word)
            else:
                refuse(name, N_("“{value}” is not one of the allowed values."), value=value[:50])
        elif name in ("languages", "services"):
            items = list(dict.fromkeys(item.strip() for item in value.split(LIST_SEPARATOR) if item.strip()))
            limit = 20 if name == "languages" else 50
            if len(items) > limit:
                refuse(name, N_("Must have at most {n} items."), n=limit)
            elif name == "languages" and not all(_LANGUAGE_TAG.match(item) for item in items):
                refuse(name, N_("Languages are written as codes such as it, ar or pt-BR, separated by ;."))
            elif name == "services" and any(len(item) > 200 for item in items):
                refuse(name, N_("Must be at most {n} characters long."), n=200)
            else:
                values[name] = items
        elif name == "contact_consent_at":
            try:
                values[name] = _consent_time(value)
            except ValueError:
                refuse(
                    name,
                    N_("Must be a date such as 2026-05-01, or a date and time such as 2026-05-01T14:30:00Z."),
                )
    return values, errors


def _consent_time(value: str) -> dt.datetime:
    if _DATE.match(value):
        return dt.datetime.combine(dt.date.fromisoformat(value), dt.time(), tzinfo=dt.UTC)
    moment = msgspec.convert(value, dt.datetime)
    if moment.tzinfo is None:
        raise ValueError(value)
    return moment.astimezone(dt.UTC)


def plan_import(sheet: Sheet, platform: str, stored: Sequence[StakeholderEntry]) -> Planned:
    """What importing the sheet would do, row by row; nothing is changed here."""
    plan = Planned()
    names, header_errors = check_header(sheet.header)
    if header_errors:
        plan.errors = header_errors
        return plan
    by_email = {entry.email_key: entry for entry in stored if entry.email_key}
    by_identity = {entry.identity_key: entry for entry in stored}
    # Which row took each entry or key first: a later row that is the same is refused, since
    # which of the two should win is for the person to say.
    rows_of: dict[object, int] = {}
    now = utcnow()
    for number, cells in sheet.rows:
        if not any(cell.strip() for cell in cells):
            continue  # an empty row, as spreadsheets leave at the end
        values, errors = _row_values(
            number, names, cells, platform, text_may_be_formula=sheet.text_may_be_formula
        )
        if errors:
            plan.errors.extend(errors)
            continue
        email_key = values.get("email_key")
        match = by_email.get(email_key) if email_key else None
        if "organisation" in values:
            key = service.identity_key(values["organisation"], values.get("person_name"))
            named = by_identity.get(key)
            if match is not None and named is not None and named is not match:
                plan.errors.append(
                    RowError(
                        number,
                        "email",
                        message(N_("This e-mail is another entry's than the names in this row.")),
                    )
                )
                continue
            match = match or named
        if match is None:
            row_errors = [
                RowError(number, name, message(N_("This field is required.")))
                for name in REQUIRED_FOR_NEW
                if name not in values
            ]
            if row_errors:
                plan.errors.extend(row_errors)
                continue
            entry = StakeholderEntry(
                platform_code=platform,
                organisation=values["organisation"],
                person_name=values.get("person_name"),
                role_title=values.get("role_title"),
                email=values.get("email"),
                email_key=email_key,
                phone=values.get("phone"),
                sector=values["sector"],
                level=values["level"],
                locality=values.get("locality"),
                languages=values.get("languages", []),
                services=values.get("services", []),
                contact_basis=values["contact_basis"],
                contact_consent_at=service.consent_time(
                    values["contact_basis"], values.get("contact_consent_at"), now
                ),
                version=1,
                created_at=now,
                updated_at=now,
                engagements=[],
            )
            service.apply_names(entry)
            if _taken_earlier(plan, rows_of, number, entry, (entry.identity_key, entry.email_key)):
                continue
            plan.created.append(entry)
            by_identity[entry.identity_key] = entry
            if email_key:
                by_email[email_key] = entry
            continue
        changes = {name: value for name, value in values.items() if getattr(match, name) != value}
        if changes.get("contact_basis") == ContactBasis.CONSENT and match.contact_consent_at is None:
            changes.setdefault("contact_consent_at", now)
        new_identity = service.identity_key(
            changes.get("organisation", match.organisation), changes.get("person_name", match.person_name)
        )
        new_email = changes.get("email_key", match.email_key)
        clash = by_identity.get(new_identity)
        clash = clash if clash is not match else (by_email.get(new_email) if new_email else None)
        if clash is not None and clash is not match:
            plan.errors.append(
                RowError(
                    number,
                    "organisation",
                    message(N_("With this row's changes, this entry would be the same as another one.")),
                )
            )
            continue
        if _taken_earlier(plan, rows_of, number, match, (new_identity, new_email)):
            continue
        if changes:
            plan.updated.append((match, changes))
        else:
            plan.unchanged += 1
    return plan


def _taken_earlier(
    plan: Planned, rows_of: dict[object, int], number: int, entry: StakeholderEntry, keys: tuple[object, ...]
) -> bool:
    marks = [id(entry), *(key for key in keys if key)]
    earlier = next((rows_of[mark] for mark in marks if mark in rows_of), None)
    if earlier is not None:
        plan.errors.append(
            RowError(
                number, "organisation", message(N_("This row is the same entry as row {row}."), row=earlier)
            )
        )
        return True
    for mark in marks:
        rows_of[mark] = number
    return False


# Exporting


def export_values(entry: StakeholderEntry) -> list[str]:
    engagements = "; ".join(f"{item.kind} {item.at.date().isoformat()}" for item in entry.engagements)
    return [
        str(entry.id),
        entry.platform_code,
        entry.organisation,
        entry.person_name or "",
        entry.role_title or "",
        entry.email or "",
        entry.phone or "",
        entry.sector,
        entry.level,
        entry.locality or "",
        "; ".join(entry.languages),
        "; ".join(entry.services),
        entry.contact_basis,
        timestamp(entry.contact_consent_at) if entry.contact_consent_at else "",
        engagements,
        str(entry.version),
        timestamp(entry.created_at),
        timestamp(entry.updated_at),
    ]


def export_csv(entries: Sequence[StakeholderEntry]) -> Iterator[bytes]:
    """CSV whose cells a spreadsheet never runs as formulas (the notes export's rule)."""
    yield csv_line(EXPORT_COLUMNS).encode()
    for entry in entries:
        yield csv_line([spreadsheet_text(value) for value in export_values(entry)]).encode()


def export_xlsx(entries: Sequence[StakeholderEntry], target: IO[bytes], created_at: dt.datetime) -> None:
    """Every cell a string cell: no text ever becomes a formula or a link."""
    workbook = text_workbook(target, "Tessera stakeholder directory", created_at)
    sheet = workbook.add_worksheet("stakeholders")
    for column, name in enumerate(EXPORT_COLUMNS):
        sheet.write_string(0, column, name)
    for row, entry in enumerate(entries, start=1):
        for column, value in enumerate(export_values(entry)):
            sheet.write_string(row, column, value)
    workbook.close()


# The import as a whole


@dataclass(frozen=True)
class ImportCounts:
    created: int
    updated: int
    unchanged: int


async def import_entries(
    db: AsyncSession, user: User, platform: str, body: bytes, media_type: str, *, dry_run: bool
) -> ImportCounts:
    """Import a file into the platform's directory, or with dry_run only say what it would do.
    Any bad row: InvalidInput listing every one, and nothing written."""
    service.check_may_keep(user, platform)
    await service.check_platform(db, platform)
    try:
        # Parsing and checking are CPU work (20,000 rows of XLSX, a phone number each): off the loop.
        sheet = await anyio.to_thread.run_sync(read_sheet, body, media_type)
    except FileRefused as refused:
        raise InvalidInput(errors=_field_errors(refused.errors)) from None
    stored = await service.platform_entries(db, platform)
    plan = await anyio.to_thread.run_sync(plan_import, sheet, platform, stored)
    if plan.errors:
        raise InvalidInput(
            message(N_("Nothing was imported: correct the rows listed and try again.")),
            errors=_field_errors(plan.errors),
        )
    counts = ImportCounts(len(plan.created), len(plan.updated), plan.unchanged)
    if dry_run:
        return counts
    now = utcnow()
    for entry in plan.created:
        entry.created_by = user.id
    for entry, changes in plan.updated:
        for name, value in changes.items():
            setattr(entry, name, value)
        service.apply_names(entry)
        entry.version += 1
        entry.updated_at = now
    try:
        async with db.begin_nested():
            db.add_all(plan.created)
            await db.flush()
    except IntegrityError:
        # Someone added one of these entries while the file was being checked.
        raise Conflict(
            message(N_("The directory changed while the file was being imported. Please import it again."))
        ) from None
    record_event(
        db,
        "stakeholders.imported",
        actor_id=user.id,
        platform_code=platform,
        created=counts.created,
        updated=counts.updated,
        unchanged=counts.unchanged,
    )
    return counts


def _field_errors(errors: Sequence[RowError]) -> list[FieldError]:
    return [FieldError(error.field, error.message, row=error.row) for error in errors]
