"""Country platforms: seeded with their consent ages, named in the reader's language, edited by admins."""

from __future__ import annotations

import pytest

EXPECTED_CONSENT_AGES = {
    "DE": 16,
    "IT": 14,
    "LU": 16,
    "NL": 16,
    "PL": 16,
    "SI": 15,
    "SE": 13,
    "CH": 16,
    "GB": 13,
    "NET": 16,
}


async def test_the_nine_countries_and_the_network_are_seeded_with_their_age_of_consent(client):
    platforms = (await client.get("/api/v1/platforms")).json()["items"]
    assert {p["code"]: p["digital_consent_age"] for p in platforms} == EXPECTED_CONSENT_AGES
    assert platforms[0]["code"] == "NET" and platforms[0]["is_network"]


async def test_platform_names_follow_the_readers_language(client):
    german = (await client.get("/api/v1/platforms", headers={"Accept-Language": "de"})).json()["items"]
    arabic = (await client.get("/api/v1/platforms", headers={"Accept-Language": "ar"})).json()["items"]
    assert {p["code"]: p["name"] for p in german}["CH"] == "Schweiz"
    assert {p["code"]: p["name"] for p in arabic}["CH"] == "سويسرا"


async def test_admin_edits_a_platforms_consent_age_and_it_is_audited(people):
    admin = await people("root", "admin")
    response = await admin.patch("/api/v1/platforms/CH", json={"digital_consent_age": 15})
    assert response.status_code == 200
    assert response.json()["digital_consent_age"] == 15
    log = (await admin.get("/api/v1/audit", params={"kind": "platform.updated"})).json()["items"]
    assert log[0]["details"]["changes"]["digital_consent_age"] == {"before": 16, "after": 15}


@pytest.mark.parametrize("age", [12, 17])
async def test_a_consent_age_outside_gdpr_bounds_is_refused(people, age):
    admin = await people("root", "admin")
    response = await admin.patch("/api/v1/platforms/CH", json={"digital_consent_age": age})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "digital_consent_age"


async def test_unknown_platform_is_404(people):
    admin = await people("root", "admin")
    assert (await admin.patch("/api/v1/platforms/XX", json={"digital_consent_age": 15})).status_code == 404


@pytest.mark.parametrize("role", ["youth", "youth_worker", "researcher"])
async def test_only_admins_edit_platforms(people, role):
    person = await people("someone", role, ["CH"])
    response = await person.patch("/api/v1/platforms/CH", json={"digital_consent_age": 13})
    assert response.status_code == 403
