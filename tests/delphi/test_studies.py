"""Studies, statements and panellists as a facilitator builds them."""

from __future__ import annotations

from typing import Any

from tests.delphi.conftest import IQR_RULE, add_statement, invite, open_round, start_study, study


async def test_a_study_is_created_and_read_back_with_its_rule(facilitator):
    study_id = await start_study(facilitator, consensus=IQR_RULE, anonymity="named")
    response = await facilitator.get(f"/api/v1/delphi/studies/{study_id}")
    assert response.status_code == 200
    body = response.json()
    assert body["consensus"] == IQR_RULE
    assert body["scale"] == {"min": 1, "max": 9}
    assert body["platforms"] == ["IT"]
    assert body["anonymity"] == "named"
    listed = (await facilitator.get("/api/v1/delphi/studies")).json()["items"]
    assert [item["id"] for item in listed] == [study_id]


async def test_bad_scales_and_rules_are_422_naming_the_field(facilitator):
    cases: list[tuple[dict[str, Any], str]] = [
        ({"scale": {"min": 1, "max": 4}}, "scale.max"),
        ({"scale": {"min": 1, "max": 10}}, "scale.max"),
        ({"scale": {"min": 0, "max": 7}}, "scale.min"),
        ({"scale": {"min": 1, "max": 5}}, "consensus.agree_from"),  # 7 is off a 1-5 scale
        ({"consensus": {**IQR_RULE, "agree_from": 3, "disagree_to": 3}}, "consensus.agree_from"),
        (
            {
                "consensus": {
                    "kind": "percent",
                    "agree_from": 7,
                    "disagree_to": 3,
                    "threshold": 60,
                    "max_opposite": 70,
                }
            },
            "consensus.max_opposite",
        ),
        ({"consensus": {"kind": "median", "agree_from": 7}}, "consensus.kind"),
    ]
    for fields, field in cases:
        response = await facilitator.post("/api/v1/delphi/studies", json=study(**fields))
        assert response.status_code == 422, (fields, response.text)
        assert field in [error["field"] for error in response.json()["errors"]], (fields, response.json())


async def test_a_researcher_cannot_start_a_study_on_another_platform(facilitator, people):
    response = await facilitator.post("/api/v1/delphi/studies", json=study(platforms=["IT", "DE"]))
    assert response.status_code == 403
    admin = await people("admin", "admin")
    unknown = await admin.post("/api/v1/delphi/studies", json=study(platforms=["IT", "ZZ"]))
    assert unknown.status_code == 422
    assert [error["field"] for error in unknown.json()["errors"]] == ["platforms[1]"]


async def test_the_rule_is_fixed_once_the_first_round_opens(facilitator):
    study_id = await start_study(facilitator)
    await add_statement(facilitator, study_id, {"en": "Schools should teach in mother tongues."})
    changed = await facilitator.patch(f"/api/v1/delphi/studies/{study_id}", json={"consensus": IQR_RULE})
    assert changed.status_code == 200
    assert changed.json()["consensus"] == IQR_RULE
    await open_round(facilitator, study_id)
    refused = await facilitator.patch(
        f"/api/v1/delphi/studies/{study_id}", json={"scale": {"min": 1, "max": 7}}
    )
    assert refused.status_code == 409
    assert (await facilitator.get(f"/api/v1/delphi/studies/{study_id}")).json()["consensus"] == IQR_RULE


async def test_a_statement_needs_its_text_in_the_first_language(facilitator):
    study_id = await start_study(facilitator)
    response = await facilitator.post(
        f"/api/v1/delphi/studies/{study_id}/statements", json={"text": {"it": "Solo in italiano."}}
    )
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["text.en"]
    other = await facilitator.post(
        f"/api/v1/delphi/studies/{study_id}/statements", json={"text": {"en": "x", "de": "y"}}
    )
    assert other.status_code == 422
    assert [error["field"] for error in other.json()["errors"]] == ["text.de"]


async def test_a_panellist_from_the_directory_gets_a_delphi_engagement(facilitator, people):
    keeper = await people("keeper", "youth_worker", ["IT"])
    entry = await keeper.post(
        "/api/v1/stakeholders",
        json={
            "platform": "IT",
            "organisation": "Comune di Roma",
            "person_name": "Giulia Bianchi",
            "email": "giulia@example.org",
            "sector": "public_authority",
            "level": "local",
            "contact_basis": "consent",
        },
    )
    assert entry.status_code == 201, entry.text
    study_id = await start_study(facilitator)
    created = await invite(facilitator, study_id, stakeholder_id=entry.json()["id"], language="it")
    assert len(created["token"]) >= 43  # 32 random bytes
    assert created["ballot_url"].endswith("/#/ballot/" + created["token"])
    stored = (await keeper.get(f"/api/v1/stakeholders/{entry.json()['id']}")).json()
    assert [engagement["kind"] for engagement in stored["engagements"]] == ["delphi"]
    panel = (await facilitator.get(f"/api/v1/delphi/studies/{study_id}")).json()["panellists"]
    assert panel[0]["name"] == "Giulia Bianchi"
    assert panel[0]["email"] == "giulia@example.org"
    assert "token" not in panel[0]
    again = await facilitator.post(
        f"/api/v1/delphi/studies/{study_id}/panellists",
        json={"stakeholder_id": entry.json()["id"], "language": "it"},
    )
    assert again.status_code == 409


async def test_a_panellist_is_a_platform_member_or_a_name(facilitator, people):
    member = await people("marco", "stakeholder", ["IT"], display_name="Marco")
    outsider = await people("hans", "stakeholder", ["DE"])
    study_id = await start_study(facilitator)
    await invite(facilitator, study_id, user_id=member.id)
    await invite(facilitator, study_id, name="Amal Haddad", email="amal@example.org")
    refused = await facilitator.post(
        f"/api/v1/delphi/studies/{study_id}/panellists", json={"user_id": outsider.id, "language": "en"}
    )
    assert refused.status_code == 422
    both = await facilitator.post(
        f"/api/v1/delphi/studies/{study_id}/panellists",
        json={"user_id": member.id, "name": "Marco", "language": "en"},
    )
    assert both.status_code == 422
    bad_mail = await facilitator.post(
        f"/api/v1/delphi/studies/{study_id}/panellists",
        json={"name": "X", "email": "not an address", "language": "en"},
    )
    assert bad_mail.status_code == 422
    names = [
        item["name"]
        for item in (await facilitator.get(f"/api/v1/delphi/studies/{study_id}")).json()["panellists"]
    ]
    assert names == ["Marco", "Amal Haddad"]
