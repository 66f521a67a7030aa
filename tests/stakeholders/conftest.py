"""The directory's world: keepers of two platforms, and entries made through the API."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Person


def entry(**fields: Any) -> dict[str, Any]:
    """A valid entry body for Italy's platform, with these fields changed."""
    return {
        "platform": "IT",
        "organisation": "Comune di Roma",
        "person_name": "Giulia Rossi",
        "sector": "public_authority",
        "level": "local",
        "contact_basis": "consent",
        **fields,
    }


@pytest.fixture
async def keeper(people: Any) -> Person:
    """A youth worker of the Italian platform."""
    return await people("keeper", "youth_worker", ["IT"])  # type: ignore[no-any-return]


async def add(person: Person, **fields: Any) -> dict[str, Any]:
    response = await person.post("/api/v1/stakeholders", json=entry(**fields))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]
