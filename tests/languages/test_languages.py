"""Languages: negotiation, the catalogue endpoint, completeness of every catalogue, right to left."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from server.i18n import (
    LOCALES_DIR,
    SUPPORTED_LOCALES,
    negotiate_locale,
    parse_accept_language,
    plural_categories,
)

PLACEHOLDER = re.compile(r"\{\w+\}")


def catalogue(locale: str):
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=locale)


def template_ids() -> set[str]:
    with (LOCALES_DIR / "messages.pot").open("rb") as pot:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(pot) if m.id}


def test_every_supported_locale_has_a_catalogue_and_every_catalogue_is_supported():
    on_disk = {p.name for p in Path(LOCALES_DIR).iterdir() if p.is_dir()}
    assert on_disk == set(SUPPORTED_LOCALES)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_message_is_translated_with_its_placeholders(locale):
    entries = {(m.id if isinstance(m.id, str) else m.id[0]): m for m in catalogue(locale) if m.id}
    assert set(entries) == template_ids(), "run `tessera i18n extract` and `tessera i18n update`"
    for msgid, entry in entries.items():
        assert not entry.fuzzy, msgid
        forms = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        assert all(forms), f"{locale}: untranslated {msgid!r}"
        expected = set(PLACEHOLDER.findall(msgid))
        for form in forms:
            # Plural forms may spell out the number ("two minutes" in Arabic's dual).
            found = set(PLACEHOLDER.findall(form))
            assert found <= expected | {"{count}"}, (locale, msgid, form)
            if len(forms) == 1:
                assert found == expected, (locale, msgid, form)


def test_the_template_is_up_to_date_with_the_code(tmp_path):
    from server.cli import extract_messages

    fresh = tmp_path / "fresh.pot"
    extract_messages(fresh)
    with fresh.open("rb") as pot:
        in_code = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(pot) if m.id}
    assert in_code == template_ids(), "run `tessera i18n extract` and `tessera i18n update`"


def test_arabic_has_six_plural_forms_mapped_to_cldr_categories():
    assert sorted(plural_categories("ar")) == sorted(["zero", "one", "two", "few", "many", "other"])
    assert plural_categories("en") == ["one", "other"]


@pytest.mark.parametrize(
    ("header", "saved", "expected"),
    [
        ("de-CH,de;q=0.9,en;q=0.8", None, "de"),
        ("xx,fa;q=0.5", None, "fa"),
        ("en;q=0.1,tr;q=0.9", None, "tr"),
        ("*", None, "en"),
        ("", None, "en"),
        ("garbage;;;q=x,,", None, "en"),
        ("de", "ar", "ar"),
    ],
)
def test_locale_negotiation(header, saved, expected):
    assert negotiate_locale(header, saved) == expected


def test_accept_language_zero_quality_means_not_wanted():
    assert parse_accept_language("de;q=0,fr") == ["fr"]


async def test_i18n_lists_locales_with_direction(client):
    body = (await client.get("/api/v1/i18n")).json()
    directions = {item["code"]: item["direction"] for item in body["items"]}
    assert set(directions) == set(SUPPORTED_LOCALES)
    assert directions["ar"] == directions["fa"] == "rtl"
    assert {code for code, d in directions.items() if d == "rtl"} == {"ar", "fa"}
    assert {item["code"]: item["name"] for item in body["items"]}["de"] == "Deutsch"


async def test_catalogue_endpoint_gives_translated_messages_and_cldr_plurals(client):
    body = (await client.get("/api/v1/i18n/ar")).json()
    assert body["direction"] == "rtl"
    assert body["messages"]["Not found."] != "Not found."
    plural = next(iter(body["plurals"].values()))
    assert set(plural) == {"zero", "one", "two", "few", "many", "other"}


async def test_catalogue_of_an_unsupported_locale_is_refused(client):
    response = await client.get("/api/v1/i18n/xx")
    assert response.status_code in {404, 422}
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
async def test_problem_details_are_in_the_negotiated_language(client, locale):
    response = await client.get("/api/v1/me", headers={"Accept-Language": locale})
    assert response.status_code == 401
    assert response.headers["content-language"] == locale
    title = response.json()["title"]
    if locale != "en":
        assert title != "You are not signed in."


async def test_consent_text_is_served_in_the_readers_language(client):
    english = (await client.get("/api/v1/consent")).json()
    persian = (await client.get("/api/v1/consent", headers={"Accept-Language": "fa"})).json()
    assert persian["version"] == english["version"]
    assert persian["locale"] == "fa"
    assert persian["title"] != english["title"]
    assert len(persian["paragraphs"]) == len(english["paragraphs"])


def test_numbers_and_dates_in_messages_are_written_the_readers_way():
    import datetime as dt

    from server.i18n import format_value

    assert format_value(1234.5, "de") == "1.234,5"
    assert format_value(1234.5, "en") == "1,234.5"
    assert format_value(dt.datetime(2026, 5, 1, 14, 30, tzinfo=dt.UTC), "de") == "01.05.2026, 14:30:00"
    assert format_value("DE", "de") == "DE"
