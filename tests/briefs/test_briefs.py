"""Writing briefs together: versions, conflicts between two researchers, co-authors, and who
reads what."""

from __future__ import annotations

from tests.briefs.conftest import path_of, publish, save, start_brief
from tests.conftest import without_platforms


async def test_two_researchers_editing_at_once_the_second_gets_the_stored_brief_and_merges(world):
    rosa, omar = world["rosa"], world["omar"]
    brief = await start_brief(rosa)
    added = await rosa.post(f"/api/v1/briefs/{brief['id']}/authors", json={"user_id": omar.id})
    assert added.status_code == 200, added.text
    assert {author["id"] for author in added.json()["authors"]} == {rosa.id, omar.id}
    # Both open version 1.
    rosas = (await rosa.get(f"/api/v1/briefs/{brief['id']}")).json()
    omars = (await omar.get(f"/api/v1/briefs/{brief['id']}")).json()
    first = await save(rosa, rosas, summary="Rents doubled in five years.")
    assert first.status_code == 200, first.text
    assert first.json()["version"] == 2
    stale = await save(omar, omars, recommendations=[{"text": "Fund shared flats for young people."}])
    assert stale.status_code == 409
    problem = stale.json()
    assert problem["type"] == "urn:tessera:problem:brief-conflict"
    assert problem["brief"]["version"] == 2
    assert problem["brief"]["summary"] == "Rents doubled in five years."
    # Nothing of the stale edit was stored.
    assert (await omar.get(f"/api/v1/briefs/{brief['id']}")).json()["recommendations"] == []
    merged = await save(
        omar, problem["brief"], recommendations=[{"text": "Fund shared flats for young people."}]
    )
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert body["version"] == 3
    assert body["summary"] == "Rents doubled in five years."
    assert body["recommendations"] == [{"text": "Fund shared flats for young people."}]
    versions = (await rosa.get(f"/api/v1/briefs/{brief['id']}/versions")).json()
    assert [item["version"] for item in versions] == [3, 2, 1]
    assert versions[1]["summary"] == "Rents doubled in five years."
    assert versions[1]["recommendations"] == []


async def test_only_researchers_of_the_briefs_platforms_become_co_authors(world, people):
    brief = await start_brief(world["rosa"])
    for person in (world["marco"], world["stakeholder"], world["amina"], world["worker"]):
        refused = await world["rosa"].post(
            f"/api/v1/briefs/{brief['id']}/authors", json={"user_id": person.id}
        )
        assert refused.status_code == 422, person.user["role"]
    # A researcher who is not an author cannot add themself.
    itself = await world["lena"].post(
        f"/api/v1/briefs/{brief['id']}/authors", json={"user_id": world["lena"].id}
    )
    assert itself.status_code == 403


async def test_a_researcher_who_is_not_an_author_reads_the_draft_but_cannot_change_it(world):
    brief = await start_brief(world["rosa"])
    assert (await world["lena"].get(f"/api/v1/briefs/{brief['id']}")).status_code == 200
    assert (await save(world["lena"], brief, summary="Mine now")).status_code == 403
    assert (await world["rosa"].get(f"/api/v1/briefs/{brief['id']}")).json()["summary"] == ""


async def test_another_platforms_researcher_finds_nothing(world):
    brief = await start_brief(world["rosa"])
    assert (await world["marco"].get(f"/api/v1/briefs/{brief['id']}")).status_code == 404
    assert (await save(world["marco"], brief, summary="x")).status_code == 404
    assert (await world["marco"].get(f"/api/v1/briefs/{brief['id']}/versions")).status_code == 404
    assert (await world["marco"].get(f"/api/v1/briefs/{brief['id']}/document?format=docx")).status_code == 404
    assert (await world["marco"].get("/api/v1/briefs")).json()["items"] == []
    # Nor may one start a brief for a platform that is not one's own.
    refused = await world["marco"].post(
        "/api/v1/briefs", json={"title": "t", "platforms": ["DE"], "language": "en"}
    )
    assert refused.status_code == 403


async def test_stakeholders_read_only_published_briefs_of_their_platforms_as_published(world):
    rosa = world["rosa"]
    draft = await start_brief(rosa, title="Still a draft")
    brief = await start_brief(rosa, title="Published one")
    saved = (await save(rosa, brief, summary="What we found.")).json()
    await publish(rosa, world["lena"], brief["id"])
    # An edit after publishing waits for review: stakeholders still read what was published.
    await save(rosa, saved, summary="A new draft of the summary.")
    stakeholder = world["stakeholder"]
    listed = (await stakeholder.get("/api/v1/briefs")).json()["items"]
    assert [item["title"] for item in listed] == ["Published one"]
    assert (await stakeholder.get(f"/api/v1/briefs/{draft['id']}")).status_code == 404
    read = (await stakeholder.get(f"/api/v1/briefs/{brief['id']}")).json()
    assert read["summary"] == "What we found."
    assert read["authors"] == []
    assert (await rosa.get(f"/api/v1/briefs/{brief['id']}")).json()[
        "summary"
    ] == "A new draft of the summary."
    assert (await stakeholder.get(f"/api/v1/briefs/{brief['id']}/versions")).status_code == 403
    assert (await save(stakeholder, brief, summary="x")).status_code == 403


async def test_a_stakeholder_of_another_platform_sees_no_published_brief(world, people):
    brief = await start_brief(world["rosa"])
    await publish(world["rosa"], world["lena"], brief["id"])
    other = await people("pietro", "stakeholder", ["IT"])
    assert (await other.get(f"/api/v1/briefs/{brief['id']}")).status_code == 404
    assert (await other.get("/api/v1/briefs")).json()["items"] == []


async def test_youth_and_youth_workers_have_no_briefs_and_no_platforms_means_nothing(world, people, client):
    brief = await start_brief(world["rosa"])
    for person in (world["amina"], world["worker"]):
        assert (await person.get("/api/v1/briefs")).status_code == 403
        assert (await person.get(f"/api/v1/briefs/{brief['id']}")).status_code == 403
    admin = await people("ada", "admin")
    rosa = await without_platforms(client, admin, world["rosa"])
    assert (await rosa.get(f"/api/v1/briefs/{brief['id']}")).status_code == 404
    assert (await rosa.get("/api/v1/briefs")).json()["items"] == []
    # An admin reads every platform's briefs.
    assert (await admin.get(f"/api/v1/briefs/{brief['id']}")).status_code == 200


async def test_bad_input_is_a_localised_422(world):
    rosa = world["rosa"]
    for body in (
        {"title": "", "platforms": ["DE"], "language": "en"},
        {"title": "t", "platforms": [], "language": "en"},
        {"title": "t", "platforms": ["DE"], "language": "xx"},
        {"title": "t", "platforms": ["ZZ"], "language": "en"},
    ):
        response = await rosa.post("/api/v1/briefs", json=body, headers={"Accept-Language": "de"})
        assert response.status_code in {403, 422}, body
        assert response.headers["content-type"] == "application/problem+json"
    brief = await start_brief(rosa)
    too_many = await save(rosa, brief, sections=[{"heading": "h", "body": "b"}] * 31)
    assert too_many.status_code == 422
    assert (await save(rosa, brief, base_version=0)).status_code == 422


async def test_every_route_of_a_brief_is_missing_for_another_platform_and_closed_to_non_authors(world):
    brief = await start_brief(world["rosa"])
    item = (
        await world["rosa"].post(
            f"/api/v1/briefs/{brief['id']}/evidence",
            json={"kind": "event_outcome", "ref_id": world["outcome"]["id"]},
        )
    ).json()
    base = f"/api/v1/briefs/{brief['id']}"
    routes = [
        ("GET", base, None),
        ("PUT", base, {"title": "x", "base_version": 1}),
        ("GET", f"{base}/versions", None),
        ("POST", f"{base}/authors", {"user_id": world["marco"].id}),
        ("POST", f"{base}/evidence", {"kind": "note", "ref_id": world["notes"]["karim"]["id"]}),
        ("DELETE", f"{base}/evidence/{item['id']}", None),
        ("POST", f"{base}/review", {"decision": "approve", "version": 1}),
        ("POST", f"{base}/publish", None),
        ("GET", f"{base}/document?format=docx", None),
    ]
    for method, path, body in routes:
        response = await world["marco"].request(method, path, json=body)
        assert response.status_code == 404, (method, path, response.text)
    # A researcher of the platform who is not an author reads, reviews, but changes nothing.
    author_only = {
        ("PUT", base),
        ("POST", f"{base}/authors"),
        ("POST", f"{base}/evidence"),
        ("DELETE", f"{base}/evidence/{item['id']}"),
        ("POST", f"{base}/publish"),
    }
    for method, path, body in routes:
        if (method, path.split("?")[0]) in author_only:
            response = await world["lena"].request(method, path, json=body)
            assert response.status_code == 403, (method, path, response.text)
    stored = (await world["rosa"].get(base)).json()
    assert stored["version"] == 1 and len(stored["evidence"]) == 1 and len(stored["authors"]) == 1
    assert stored["status"] == "draft"


async def test_the_public_page_is_served_whatever_credentials_come_with_it(world, client):
    brief = await start_brief(world["rosa"])
    url = await publish(world["rosa"], world["lena"], brief["id"])
    client.cookies.clear()
    page = await client.get(path_of(url), headers={"Authorization": "Bearer not-a-token"})
    assert page.status_code == 200
    assert "Housing for young newcomers" in page.text
