"""The briefs' world: researchers of Germany's platform who write and review, peer researchers
whose approved notes are quoted, a workshop's outcome, a stakeholder, and Italy's researcher."""

from __future__ import annotations

from typing import Any

import pytest

from tests.events.conftest import event
from tests.notes.conftest import note_body


async def write_note(person: Any, **overrides: Any) -> dict[str, Any]:
    body = note_body(**overrides)
    response = await person.request("PUT", f"/api/v1/notes/{body['id']}", json=body)
    assert response.status_code == 201, response.text
    return body


async def start_brief(person: Any, **fields: Any) -> dict[str, Any]:
    body = {"title": "Housing for young newcomers", "platforms": ["DE"], "language": "en", **fields}
    response = await person.post("/api/v1/briefs", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def save(person: Any, brief: dict[str, Any], **fields: Any) -> Any:
    body = {
        "title": brief["title"],
        "summary": brief["summary"],
        "sections": brief["sections"],
        "recommendations": brief["recommendations"],
        "base_version": brief["version"],
        **fields,
    }
    return await person.request("PUT", f"/api/v1/briefs/{brief['id']}", json=body)


async def quote(
    person: Any, brief_id: str, kind: str, ref_id: str, headers: dict[str, str] | None = None, **fields: Any
) -> Any:
    return await person.post(
        f"/api/v1/briefs/{brief_id}/evidence",
        json={"kind": kind, "ref_id": ref_id, **fields},
        headers=headers,
    )


async def publish(author: Any, reviewer: Any, brief_id: str) -> str:
    """Approved by the reviewer and published by the author: the public page's address."""
    version = (await author.get(f"/api/v1/briefs/{brief_id}")).json()["version"]
    approved = await reviewer.post(
        f"/api/v1/briefs/{brief_id}/review", json={"decision": "approve", "version": version}
    )
    assert approved.status_code == 200, approved.text
    published = await author.post(f"/api/v1/briefs/{brief_id}/publish")
    assert published.status_code == 200, published.text
    return published.json()["url"]  # type: ignore[no-any-return]


def path_of(url: str) -> str:
    return url[url.index("/briefs/") :]


@pytest.fixture
async def world(people: Any) -> dict[str, Any]:
    amina = await people("amina", "youth", ["DE"], display_name="Amina Haddad")
    karim = await people("karim", "youth", ["DE"])
    worker = await people("yara", "youth_worker", ["DE"])
    notes = {
        "mail": await write_note(amina, text="She moved here at 14. Mail: amina.k@example.org and a flat."),
        "karim": await write_note(karim, text="He shares one room with four others."),
        "submitted": await write_note(amina, text="Not reviewed yet."),
    }
    for key in ("mail", "karim"):
        reviewed = await worker.post(f"/api/v1/notes/{notes[key]['id']}/review", json={"decision": "approve"})
        assert reviewed.status_code == 200, reviewed.text
    held = await worker.post("/api/v1/events", json=event(platform="DE", time_zone="Europe/Berlin"))
    assert held.status_code == 201, held.text
    outcome = await worker.post(
        f"/api/v1/events/{held.json()['id']}/outcomes",
        json={
            "kind": "finding",
            "text": "Waiting lists for shared flats are two years long.",
            "language": "en",
        },
    )
    assert outcome.status_code == 201, outcome.text
    return {
        "amina": amina,
        "karim": karim,
        "rosa": await people("rosa", "researcher", ["DE"]),
        "omar": await people("omar", "researcher", ["DE"]),
        "lena": await people("lena", "researcher", ["DE"]),
        "marco": await people("marco", "researcher", ["IT"]),
        "stakeholder": await people("sofia", "stakeholder", ["DE"]),
        "worker": worker,
        "notes": notes,
        "outcome": outcome.json(),
        "event": held.json(),
    }
