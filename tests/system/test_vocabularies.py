"""The vocabularies the app takes from the server: the words the server accepts and the role
groups its guards use, so that the app shows a screen exactly to those the server serves."""

from __future__ import annotations

import uuid

import pytest

ZERO = "00000000-0000-0000-0000-000000000000"

# A route each role group opens, as the app's screens use them: (method, path, body).
GUARDED_BY_GROUP = {
    "authors": ("POST", "/api/v1/sync", {"notes": []}),
    "staff": ("POST", f"/api/v1/notes/{ZERO}/review", {"decision": "approve"}),
    "moderators": ("GET", "/api/v1/moderation/queue", None),
    "researchers": ("GET", "/api/v1/tokens", None),
    "note_readers": ("GET", "/api/v1/guides", None),
    "forum_members": ("GET", "/api/v1/forum/categories", None),
    "inviters": ("POST", "/api/v1/invites", {"role": "stakeholder", "platform": "DE"}),
    "directory_keepers": ("GET", "/api/v1/stakeholders", None),
    "event_organisers": ("POST", "/api/v1/events", {}),
    "action_readers": ("GET", "/api/v1/actions", None),
    "brief_readers": ("GET", "/api/v1/briefs", None),
    "delphi_result_readers": ("GET", "/api/v1/delphi/studies", None),
}


async def test_vocabularies_are_served_to_anyone_with_the_words_the_api_takes(client):
    response = await client.get("/api/v1/vocabularies")
    assert response.status_code == 200
    words = response.json()
    assert words["roles"] == ["youth", "youth_worker", "researcher", "admin", "stakeholder"]
    assert words["note_kinds"] == ["interview", "focus_group", "observation"]
    assert words["note_statuses"] == ["draft", "submitted", "approved", "changes_requested", "withdrawn"]
    assert words["age_bands"] == ["under-14", "14-15", "16-17", "18-21", "22-25", "26-29", "30-plus"]
    assert words["report_reasons"] == ["spam", "bullying", "hate", "personal_information", "safety"]
    assert words["urgent_report_reasons"] == ["safety"]
    assert words["role_groups"]["moderators"] == ["youth_worker", "admin"]


@pytest.mark.parametrize("group", sorted(GUARDED_BY_GROUP))
async def test_each_role_group_is_exactly_the_roles_the_server_lets_in(client, people, group):
    words = (await client.get("/api/v1/vocabularies")).json()
    members = set(words["role_groups"][group])
    method, path, body = GUARDED_BY_GROUP[group]
    for role in words["roles"]:
        person = await people(f"{role.replace('_', '-')}-{uuid.uuid4().hex[:6]}", role, ["DE"])
        response = await person.request(method, path, json=body)
        if role in members:
            assert response.status_code != 403, (role, response.text)
        else:
            assert response.status_code == 403, (role, response.text)
