"""What a stakeholder's home shows, made through the API: a published policy brief of their
platform, and open Delphi rounds where they are panellists through their account, one study
outside `anonymous` (the app can open its ballot) and one under it (only the e-mailed link can)."""

from __future__ import annotations

from tests.browser.conftest import LiveServer
from tests.browser.phone import Person

CONSENSUS = {"kind": "iqr", "max_iqr": 1, "agree_from": 4, "disagree_to": 2}


def seed_stakeholder_home(live_server: LiveServer, stakeholders: list[Person]) -> dict[str, str]:
    """The brief's title and each study's title by anonymity."""
    author = live_server.api(live_server.create_person("researcher", ("DE",)))
    reviewer = live_server.api(live_server.create_person("researcher", ("DE",)))
    brief = author.request(
        "POST",
        "/api/v1/briefs",
        json={"title": "Housing for young newcomers", "platforms": ["DE"], "language": "en"},
    ).json()
    approved = reviewer.request(
        "POST",
        f"/api/v1/briefs/{brief['id']}/review",
        json={"decision": "approve", "version": brief["version"]},
    )
    assert approved.status_code == 200, approved.text
    assert author.request("POST", f"/api/v1/briefs/{brief['id']}/publish").status_code == 200
    titles = {"brief": brief["title"]}
    for anonymity, title in (("named", "Apprenticeships that work"), ("anonymous", "Safe housing first")):
        study = author.request(
            "POST",
            "/api/v1/delphi/studies",
            json={
                "title": title,
                "platforms": ["DE"],
                "scale": {"min": 1, "max": 5},
                "consensus": CONSENSUS,
                "anonymity": anonymity,
                "languages": ["en", "ar"],
            },
        ).json()
        statement = author.request(
            "POST", f"/api/v1/delphi/studies/{study['id']}/statements", json={"text": {"en": "Mentors help."}}
        )
        assert statement.status_code == 201, statement.text
        for stakeholder in stakeholders:
            invited = author.request(
                "POST",
                f"/api/v1/delphi/studies/{study['id']}/panellists",
                json={"user_id": stakeholder.id, "language": "en"},
            )
            assert invited.status_code == 201, invited.text
        assert author.request("POST", f"/api/v1/delphi/studies/{study['id']}/rounds").status_code == 201
        titles[anonymity] = title
    return titles
