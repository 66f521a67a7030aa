"""The Delphi world: a facilitator of Italy's platform, studies, statements and panellists
made through the API, and ballots answered by their links."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Person

PERCENT_RULE = {"kind": "percent", "agree_from": 7, "disagree_to": 3, "threshold": 70, "max_opposite": 15}
IQR_RULE = {"kind": "iqr", "max_iqr": 1, "agree_from": 7, "disagree_to": 3}


def study(**fields: Any) -> dict[str, Any]:
    return {
        "title": "Bottom-up recommendations on youth migration policy",
        "platforms": ["IT"],
        "scale": {"min": 1, "max": 9},
        "consensus": PERCENT_RULE,
        "anonymity": "anonymous",
        "languages": ["en", "it"],
        **fields,
    }


@pytest.fixture
async def facilitator(people: Any) -> Person:
    """A researcher of the Italian platform."""
    return await people("facilitator", "researcher", ["IT"])  # type: ignore[no-any-return]


async def start_study(person: Person, **fields: Any) -> str:
    response = await person.post("/api/v1/delphi/studies", json=study(**fields))
    assert response.status_code == 201, response.text
    return response.json()["id"]  # type: ignore[no-any-return]


async def add_statement(person: Person, study_id: str, text: dict[str, str], theme: str | None = None) -> str:
    response = await person.post(
        f"/api/v1/delphi/studies/{study_id}/statements", json={"text": text, "theme": theme}
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]  # type: ignore[no-any-return]


async def invite(person: Person, study_id: str, **body: Any) -> dict[str, Any]:
    body.setdefault("language", "en")
    response = await person.post(f"/api/v1/delphi/studies/{study_id}/panellists", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def open_round(person: Person, study_id: str) -> dict[str, Any]:
    response = await person.post(f"/api/v1/delphi/studies/{study_id}/rounds")
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def close_round(person: Person, round_id: str) -> dict[str, Any]:
    response = await person.post(f"/api/v1/delphi/rounds/{round_id}/close")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def rate(client: Any, token: str, *ratings: tuple[str, int | None], comment: str | None = None) -> Any:
    body = {
        "ratings": [
            {"statement_id": statement_id, "rating": rating, **({"comment": comment} if comment else {})}
            for statement_id, rating in ratings
        ]
    }
    client.cookies.clear()
    response = await client.put(f"/api/v1/delphi/ballots/{token}", json=body)
    assert response.status_code == 200, response.text
    return response.json()


async def ballot(client: Any, token: str) -> Any:
    client.cookies.clear()
    response = await client.get(f"/api/v1/delphi/ballots/{token}")
    assert response.status_code == 200, response.text
    return response.json()
