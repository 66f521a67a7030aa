"""The events' world: organisers of two platforms, and events made through the API."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Person


def event(**fields: Any) -> dict[str, Any]:
    """A valid event body for Italy's platform, with these fields changed."""
    return {
        "platform": "IT",
        "kind": "workshop",
        "title": "Local research and action workshop",
        "description": "What young migrants in Rome need from services.",
        "starts_at": "2027-03-10T09:00:00Z",
        "ends_at": "2027-03-10T16:00:00Z",
        "time_zone": "Europe/Rome",
        "place": "Biblioteca Centrale, Roma",
        "capacity": 20,
        "languages": ["it", "en"],
        **fields,
    }


@pytest.fixture
async def organiser(people: Any) -> Person:
    """A youth worker of the Italian platform."""
    return await people("organiser", "youth_worker", ["IT"])  # type: ignore[no-any-return]


async def hold(person: Person, **fields: Any) -> dict[str, Any]:
    response = await person.post("/api/v1/events", json=event(**fields))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def register(person: Person, event_id: str, **body: Any) -> dict[str, Any]:
    response = await person.post(f"/api/v1/events/{event_id}/registrations", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def registrations(person: Person, event_id: str) -> list[dict[str, Any]]:
    response = await person.get(f"/api/v1/events/{event_id}/registrations?limit=100")
    assert response.status_code == 200, response.text
    return response.json()["items"]  # type: ignore[no-any-return]
