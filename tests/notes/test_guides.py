"""Interview guides: localised with a fallback, versioned on every edit, per platform."""

from __future__ import annotations

import pytest

from server.i18n import SUPPORTED_LOCALES
from tests.notes.conftest import FIRST_GUIDE_ID, note_body


def guide_body(platform: str = "DE", **overrides):
    body = {
        "platform": platform,
        "source_language": "de",
        "title": {"de": "Schule und Arbeit", "en": "School and work"},
        "questions": [
            {
                "id": "school",
                "type": "long_text",
                "prompt": {"de": "Wie ist die Schule?", "en": "How is school?"},
            },
            {"id": "mood", "type": "scale", "min": 1, "max": 5, "prompt": {"de": "Wie geht es dir?"}},
        ],
    }
    body.update(overrides)
    return body


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
async def test_the_first_guide_ships_in_every_language(author, locale):
    english = (await author.get("/api/v1/guides")).json()["items"][0]
    await author.patch("/api/v1/me", json={"language": locale})
    guides = (await author.get("/api/v1/guides")).json()["items"]
    first = next(g for g in guides if g["id"] == FIRST_GUIDE_ID)
    assert first["language"] == locale
    if locale != "en":
        assert first["title"] != english["title"]
        assert all(
            q["prompt"] != e["prompt"] for q, e in zip(first["questions"], english["questions"], strict=True)
        )


async def test_a_missing_translation_falls_back_to_the_guides_own_language(people):
    researcher = await people("rosa", "researcher", ["DE"], language="fr")
    created = await researcher.post("/api/v1/guides", json=guide_body())
    assert created.status_code == 201
    guide = created.json()
    assert guide["language"] == "de"
    assert guide["questions"][1]["prompt"] == "Wie geht es dir?"


async def test_editing_a_guide_makes_a_new_version_and_notes_keep_theirs(people, author):
    researcher = await people("rosa", "researcher", ["DE"])
    guide = (await researcher.post("/api/v1/guides", json=guide_body())).json()
    note = note_body(guide_id=guide["id"], answers={"school": "Gut.", "mood": 4})
    assert (await author.request("PUT", f"/api/v1/notes/{note['id']}", json=note)).json()[
        "guide_version"
    ] == 1
    changed = guide_body(questions=[{"id": "work", "type": "short_text", "prompt": {"de": "Arbeit?"}}])
    updated = await researcher.request("PUT", f"/api/v1/guides/{guide['id']}", json=changed)
    assert updated.json()["version"] == 2
    # An edit of the note still answers version 1, whose questions it was checked against.
    edit = {**note, "base_version": 1, "text": "Mehr Details."}
    stored = (await author.request("PUT", f"/api/v1/notes/{note['id']}", json=edit)).json()
    assert stored["guide_version"] == 1
    old = await author.get(f"/api/v1/guides/{guide['id']}", params={"version": 1})
    assert [q["id"] for q in old.json()["questions"]] == ["school", "mood"]


async def test_young_people_see_only_their_platforms_guides(people):
    researcher = await people("rosa", "researcher", ["DE"])
    guide = (await researcher.post("/api/v1/guides", json=guide_body())).json()
    italian = await people("luca", "youth", ["IT"])
    listed = [g["id"] for g in (await italian.get("/api/v1/guides")).json()["items"]]
    assert listed == [FIRST_GUIDE_ID]
    assert (await italian.get(f"/api/v1/guides/{guide['id']}")).status_code == 404


async def test_a_researcher_cannot_edit_another_platforms_guide(people):
    rosa = await people("rosa", "researcher", ["DE"])
    guide = (await rosa.post("/api/v1/guides", json=guide_body())).json()
    marco = await people("marco", "researcher", ["IT"])
    assert (await marco.post("/api/v1/guides", json=guide_body())).status_code == 403
    assert (await marco.request("PUT", f"/api/v1/guides/{guide['id']}", json=guide_body())).status_code == 404
    assert (
        await marco.request("PUT", f"/api/v1/guides/{FIRST_GUIDE_ID}", json=guide_body("NET"))
    ).status_code == 403


@pytest.mark.parametrize(
    ("questions", "field"),
    [
        (
            [{"id": "a", "type": "single_choice", "prompt": {"de": "?"}, "options": []}],
            "questions[0].options",
        ),
        ([{"id": "a", "type": "scale", "prompt": {"de": "?"}, "min": 5, "max": 1}], "questions[0].max"),
        ([{"id": "a", "type": "short_text", "prompt": {"en": "only english"}}], "questions[0].prompt"),
        (
            [
                {"id": "a", "type": "short_text", "prompt": {"de": "?"}},
                {"id": "a", "type": "number", "prompt": {"de": "?"}},
            ],
            "questions[1].id",
        ),
    ],
)
async def test_a_guide_that_cannot_work_is_refused(people, questions, field):
    rosa = await people("rosa", "researcher", ["DE"])
    response = await rosa.post("/api/v1/guides", json=guide_body(questions=questions))
    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["errors"]]


async def test_a_guides_editors_read_every_version_in_every_language(people):
    rosa = await people("rosa", "researcher", ["DE"])
    guide = (await rosa.post("/api/v1/guides", json=guide_body())).json()
    changed = guide_body(title={"de": "Schule", "ar": "المدرسة"})
    assert (await rosa.request("PUT", f"/api/v1/guides/{guide['id']}", json=changed)).status_code == 200

    history = (await rosa.get(f"/api/v1/guides/{guide['id']}/versions")).json()
    assert history["source_language"] == "de"
    assert history["current_version"] == 2
    assert [item["version"] for item in history["items"]] == [2, 1]
    assert history["items"][0]["title"] == {"de": "Schule", "ar": "المدرسة"}
    assert history["items"][1]["title"] == {"de": "Schule und Arbeit", "en": "School and work"}
    first = history["items"][1]["questions"][0]
    assert first["prompt"] == {"de": "Wie ist die Schule?", "en": "How is school?"}
    # What comes out goes back in as it is: an editor saves a version it read.
    again = {**guide_body(), "questions": history["items"][1]["questions"]}
    saved = await rosa.request("PUT", f"/api/v1/guides/{guide['id']}", json=again)
    assert saved.json()["version"] == 3


async def test_another_platforms_researcher_cannot_read_a_guides_versions(people):
    rosa = await people("rosa", "researcher", ["DE"])
    guide = (await rosa.post("/api/v1/guides", json=guide_body())).json()
    marco = await people("marco", "researcher", ["IT"])
    assert (await marco.get(f"/api/v1/guides/{guide['id']}/versions")).status_code == 404
    # The network-wide guide is read by everyone but its versions only by the network's editors.
    assert (await marco.get(f"/api/v1/guides/{FIRST_GUIDE_ID}/versions")).status_code == 404
    admin = await people("ada", "admin")
    assert (await admin.get(f"/api/v1/guides/{guide['id']}/versions")).status_code == 200


@pytest.mark.parametrize("role", ["youth", "youth_worker", "stakeholder"])
async def test_a_role_that_does_not_edit_guides_cannot_read_their_versions(people, role):
    rosa = await people("rosa", "researcher", ["DE"])
    guide = (await rosa.post("/api/v1/guides", json=guide_body())).json()
    reader = await people("reader", role, ["DE"])
    response = await reader.get(f"/api/v1/guides/{guide['id']}/versions")
    assert response.status_code == 403
    assert "Schule" not in response.text


async def test_no_one_signed_out_reads_a_guides_versions(people, client):
    rosa = await people("rosa", "researcher", ["DE"])
    guide = (await rosa.post("/api/v1/guides", json=guide_body())).json()
    client.cookies.clear()
    response = await client.get(f"/api/v1/guides/{guide['id']}/versions")
    assert response.status_code == 401
    assert "Schule" not in response.text
