"""Languages: which locales Tessera speaks, how a request's locale is chosen, and translation.

Every message a person may read is a gettext message in ``locales/``; Babel formats
dates and numbers. Messages defined at import time are marked with ``N_`` and
translated when a request's locale is known.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from enum import StrEnum
from gettext import c2py
from io import BytesIO
from pathlib import Path
from typing import Any

from babel import Locale, dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

# The programme's languages: the case-study countries' own, and those young migrants
# in them most often speak at home.
SUPPORTED_LOCALES = ("en", "de", "fr", "it", "nl", "pl", "sl", "sv", "ar", "fa", "uk", "tr")
RIGHT_TO_LEFT = frozenset({"ar", "fa"})
DEFAULT_LOCALE = "en"
DOMAIN = "messages"
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated later, in the reader's language."""
    return message


@dataclass(frozen=True, slots=True)
class Message:
    """A message to translate once the reader is known, with its placeholders' values."""

    msgid: str
    params: tuple[tuple[str, object], ...] = ()
    plural: str | None = None
    count: int | None = None

    def render(self, locale: str) -> str:
        params = {name: format_value(value, locale) for name, value in self.params}
        return translate(locale, self.msgid, plural=self.plural, count=self.count, params=params)


def message(msgid: str, **params: object) -> Message:
    return Message(msgid, tuple(sorted(params.items())))


def plural_message(singular: str, plural: str, count: int, **params: object) -> Message:
    return Message(singular, tuple(sorted({"count": count, **params}.items())), plural, count)


class Catalogues:
    """The compiled-on-load gettext catalogues of ``locales/``."""

    def __init__(self, directory: Path = LOCALES_DIR) -> None:
        self.directory = directory

    @functools.cache  # noqa: B019 - one Catalogues per process; the cache lives as long
    def translations(self, locale: str) -> NullTranslations:
        return load_translations(self.directory, locale)


def load_translations(directory: Path, locale: str) -> NullTranslations:
    """Load ``<locale>/LC_MESSAGES/messages``: the compiled .mo, else the .po read directly.

    Reading the .po keeps a fresh clone working without a compile step.
    """
    lc_messages = directory / locale / "LC_MESSAGES"
    if (lc_messages / f"{DOMAIN}.mo").exists():
        return Translations.load(str(directory), [locale], DOMAIN)
    po_path = lc_messages / f"{DOMAIN}.po"
    if not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=locale)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


catalogues = Catalogues()


def translate(
    locale: str,
    msgid: str,
    *,
    plural: str | None = None,
    count: int | None = None,
    params: dict[str, object] | None = None,
) -> str:
    translations = catalogues.translations(locale)
    if plural is not None and count is not None:
        text = translations.ngettext(msgid, plural, count)
    else:
        text = translations.gettext(msgid)
    return text.format(**params) if params else text


class Direction(StrEnum):
    LTR = "ltr"
    RTL = "rtl"


def direction(locale: str) -> Direction:
    return Direction.RTL if locale in RIGHT_TO_LEFT else Direction.LTR


def language_name(locale: str) -> str:
    """The language's name in itself ("Deutsch", "العربية"), as a language switch shows it."""
    name = Locale.parse(locale).get_display_name(locale) or locale
    return name[:1].upper() + name[1:]


_ACCEPT_LANGUAGE_ITEM = re.compile(
    r"^\s*([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|\*)\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*$"
)


def parse_accept_language(header: str | None) -> list[str]:
    """The language tags of an Accept-Language header, most preferred first (RFC 9110 12.5.4)."""
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")[:32]):
        match = _ACCEPT_LANGUAGE_ITEM.match(item)
        if not match:
            continue
        try:
            quality = float(match.group(2)) if match.group(2) else 1.0
        except ValueError:
            continue
        if quality > 0:
            weighted.append((-quality, position, match.group(1)))
    return [tag for _, _, tag in sorted(weighted)]


def negotiate_locale(accept_language: str | None, saved_language: str | None = None) -> str:
    """A signed-in person's saved language wins; then the browser's; then English."""
    if saved_language in SUPPORTED_LOCALES:
        return saved_language
    for tag in parse_accept_language(accept_language):
        primary = tag.split("-")[0].lower()
        if primary in SUPPORTED_LOCALES:
            return primary
    return DEFAULT_LOCALE


@functools.cache
def catalogue_entries(locale: str) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """A locale's messages for the app: singular ones by msgid, plural ones by CLDR category."""
    po_path = LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    messages: dict[str, str] = {}
    plurals: dict[str, dict[str, str]] = {}
    if not po_path.exists():
        return messages, plurals
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=locale)
    categories = plural_categories(locale)
    for entry in catalog:
        if not entry.id or entry.fuzzy:
            continue
        if isinstance(entry.id, tuple):
            forms = [str(form) for form in entry.string] if isinstance(entry.string, tuple) else []
            if forms and all(forms):
                plurals[str(entry.id[0])] = dict(zip(categories, forms, strict=False))
        elif entry.string:
            messages[str(entry.id)] = str(entry.string)
    return messages, plurals


def request_locale(request: Any) -> str:
    """The locale of a request (a Litestar connection), negotiated once and kept on its state."""
    state = request.scope.setdefault("state", {})
    locale = state.get("locale")
    if locale is None:
        user = request.scope.get("user")
        locale = negotiate_locale(request.headers.get("accept-language"), getattr(user, "language", None))
        state["locale"] = locale
    return str(locale)


def format_value(value: object, locale: str) -> object:
    """Numbers and timestamps in a message, written the reader's way (1.234,5 in German)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return format_number(value, locale)
    if isinstance(value, dt.datetime):
        return format_datetime(value, locale)
    return value


def format_datetime(value: dt.datetime, locale: str) -> str:
    return dates.format_datetime(value, format="medium", locale=locale, tzinfo=dt.UTC)


def format_number(value: float, locale: str) -> str:
    return numbers.format_decimal(value, locale=locale)


def plural_categories(locale: str) -> list[str]:
    """The CLDR plural category ("zero", "one", ... "other") of each gettext plural index.

    The PWA picks a form with Intl.PluralRules, which speaks CLDR categories, while the
    catalogues are indexed by gettext's Plural-Forms expression: sampling both on the
    same numbers gives the mapping, right for Arabic's six forms as for English's two.
    """
    count, expression = get_plural(locale)
    rule = Locale.parse(locale).plural_form
    by_index: dict[int, str] = {}
    for n in range(0, 1000):
        index = _evaluate_plural_expression(expression, n)
        by_index.setdefault(index, rule(n))
    return [by_index.get(index, "other") for index in range(count)]


def _evaluate_plural_expression(expression: str, n: int) -> int:
    return int(c2py(expression)(n))
