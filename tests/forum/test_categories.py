"""Categories: network-wide ones for all, one set per platform, named in the reader's language."""

from __future__ import annotations

from server.i18n import SUPPORTED_LOCALES


async def test_a_member_sees_the_network_wide_and_their_platforms_categories(people):
    member = await people("amina", "youth", ["DE"])
    categories = (await member.get("/api/v1/forum/categories")).json()["items"]
    assert {category["platform"] for category in categories} == {None, "DE"}
    assert categories[0]["platform"] is None  # network-wide first


async def test_categories_are_named_in_the_readers_language(people):
    member = await people("dina", "youth", ["DE"], language="ar")
    categories = (await member.get("/api/v1/forum/categories")).json()["items"]
    names = [category["name"] for category in categories]
    assert "أهلًا وسهلًا" in names  # "Welcome", as the first categories were named in Arabic
    assert "Welcome" not in names


async def test_an_admin_adds_a_category_only_with_every_language(people):
    admin = await people("root", "admin", [])
    partial = await admin.post(
        "/api/v1/forum/categories",
        json={"platform": "DE", "names": {"en": "Sport"}, "descriptions": {"en": "Football and more"}},
    )
    assert partial.status_code == 422
    assert "names.de" in [error["field"] for error in partial.json()["errors"]]

    complete = await admin.post(
        "/api/v1/forum/categories",
        json={
            "platform": "DE",
            "names": {locale: f"Sport {locale}" for locale in SUPPORTED_LOCALES},
            "descriptions": {locale: f"Football {locale}" for locale in SUPPORTED_LOCALES},
        },
    )
    assert complete.status_code == 201
    member = await people("amina", "youth", ["DE"], language="de")
    assert "Sport de" in [c["name"] for c in (await member.get("/api/v1/forum/categories")).json()["items"]]
    italian = await people("giulia", "youth", ["IT"])
    assert "Sport en" not in [
        c["name"] for c in (await italian.get("/api/v1/forum/categories")).json()["items"]
    ]


async def test_an_admin_tells_each_platforms_categories_apart_by_country_in_their_language(people):
    admin = await people("root", "admin", language="it")

    categories = (await admin.get("/api/v1/forum/categories", headers={"Accept-Language": "it"})).json()[
        "items"
    ]

    labels = {item["platform"]: item["platform_name"] for item in categories}
    assert labels["DE"] == "Germania" and labels["IT"] == "Italia"
    # Nine identical "Meet and talk" no more: every platform, the network too, has a label of its own.
    assert len(set(labels.values())) == len(labels)
