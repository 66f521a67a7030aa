"""The languages Tessera speaks, and each one's message catalogue for the app."""

from __future__ import annotations

from typing import Literal

import msgspec
from litestar import get
from litestar.params import FromPath

from server import i18n
from server.problems import answers

LocaleCode = Literal[i18n.SUPPORTED_LOCALES]  # type: ignore[valid-type]


class LocaleOut(msgspec.Struct):
    code: str
    name: str
    direction: i18n.Direction


class LocaleList(msgspec.Struct):
    items: list[LocaleOut]
    default: str


class CatalogueOut(msgspec.Struct):
    """Messages keyed by their English text; plural ones by CLDR category ("one", "few", ...)."""

    locale: str
    direction: i18n.Direction
    messages: dict[str, str]
    plurals: dict[str, dict[str, str]]


def locale_list() -> LocaleList:
    items = [
        LocaleOut(code, i18n.language_name(code), i18n.direction(code)) for code in i18n.SUPPORTED_LOCALES
    ]
    return LocaleList(items, i18n.DEFAULT_LOCALE)


@answers()
@get("/api/v1/i18n", summary="The supported languages", cache=3600)
async def list_locales() -> LocaleList:
    return locale_list()


@answers()
@get("/api/v1/i18n/{locale:str}", summary="A language's message catalogue, for the app", cache=3600)
async def read_catalogue(locale: FromPath[LocaleCode]) -> CatalogueOut:
    messages, plurals = i18n.catalogue_entries(locale)
    return CatalogueOut(locale, i18n.direction(locale), messages, plurals)


routes = [list_locales, read_catalogue]
