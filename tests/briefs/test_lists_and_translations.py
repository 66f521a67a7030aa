"""The public list of published briefs, unpublishing, review requests and translations: what a
reader finds where, who may take a brief back, and when a translation says it is out of date."""

from __future__ import annotations

from tests.briefs.conftest import path_of, publish, save, start_brief


async def test_the_public_list_shows_published_briefs_only_per_platform_and_network_wide(
    world, client, people
):
    rosa, lena = world["rosa"], world["lena"]
    marco = world["marco"]
    italian_reviewer = await people("giulia", "researcher", ["IT"])
    german = await start_brief(rosa, title="Housing <b>first</b>")
    await publish(rosa, lena, german["id"])
    italian = await start_brief(marco, title="Schools in Sicily", platforms=["IT"], language="it")
    await publish(marco, italian_reviewer, italian["id"])
    await start_brief(rosa, title="Secret draft")

    client.cookies.clear()
    everything = await client.get("/api/v1/briefs/published")
    assert everything.status_code == 200
    titles = [item["title"] for item in everything.json()["items"]]
    assert titles == ["Schools in Sicily", "Housing <b>first</b>"]
    germany = (await client.get("/api/v1/briefs/published?platform=DE")).json()["items"]
    assert [item["title"] for item in germany] == ["Housing <b>first</b>"]
    assert germany[0]["platforms"] == ["DE"] and "/briefs/housing-b-first-b-" in germany[0]["url"]
    assert (await client.get("/api/v1/briefs/published?platform=de")).status_code == 422

    page = await client.get("/briefs?platform=DE", headers={"Accept-Language": "de"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<html lang="de" dir="ltr">' in html
    assert "Housing &lt;b&gt;first&lt;/b&gt;" in html and "<b>first" not in html
    assert "Schools in Sicily" not in html and "Secret draft" not in html
    assert f'href="{path_of(germany[0]["url"])}"' in html or germany[0]["url"] in html
    assert "script" not in page.headers["content-security-policy"].replace("'none'", "")
    arabic = await client.get("/briefs", headers={"Accept-Language": "ar"})
    assert '<html lang="ar" dir="rtl">' in arabic.text and "Schools in Sicily" in arabic.text


async def test_unpublishing_takes_the_page_down_for_everyone_and_only_authors_or_admins_may(
    world, client, people
):
    rosa, lena, stakeholder = world["rosa"], world["lena"], world["stakeholder"]
    brief = await start_brief(rosa)
    url = await publish(rosa, lena, brief["id"])
    assert (await stakeholder.get(f"/api/v1/briefs/{brief['id']}")).status_code == 200
    # The reviewer, a researcher of another platform and a stakeholder cannot take it down.
    assert (await lena.post(f"/api/v1/briefs/{brief['id']}/unpublish")).status_code == 403
    assert (await world["marco"].post(f"/api/v1/briefs/{brief['id']}/unpublish")).status_code == 404
    assert (await stakeholder.post(f"/api/v1/briefs/{brief['id']}/unpublish")).status_code == 403
    taken = await rosa.post(f"/api/v1/briefs/{brief['id']}/unpublish")
    assert taken.status_code == 200 and taken.json()["status"] == "draft" and taken.json()["url"] is None
    # A retry changes nothing.
    assert (await rosa.post(f"/api/v1/briefs/{brief['id']}/unpublish")).status_code == 200
    client.cookies.clear()
    gone = await client.get(path_of(url))
    assert gone.status_code == 410 and "Housing" not in gone.text
    assert (await client.get("/api/v1/briefs/published")).json()["items"] == []
    assert (await stakeholder.get(f"/api/v1/briefs/{brief['id']}")).status_code == 404
    listed = (await stakeholder.get("/api/v1/briefs")).json()["items"]
    assert listed == []
    # Published again (the approved version is still current), at the same address; an admin
    # may take it down too.
    again = await rosa.post(f"/api/v1/briefs/{brief['id']}/publish")
    assert again.status_code == 200 and again.json()["url"] == url
    admin = await people("ada", "admin", [])
    assert (await admin.post(f"/api/v1/briefs/{brief['id']}/unpublish")).status_code == 200
    assert (await client.get(path_of(url))).status_code == 410


async def test_a_review_request_marks_the_brief_in_review_until_it_changes_or_is_approved(world):
    rosa, lena = world["rosa"], world["lena"]
    brief = await start_brief(rosa)
    assert (
        await lena.post(f"/api/v1/briefs/{brief['id']}/review-request", json={"version": 1})
    ).status_code == 403
    stale = await rosa.post(f"/api/v1/briefs/{brief['id']}/review-request", json={"version": 7})
    assert stale.status_code == 409 and stale.json()["brief"]["version"] == 1
    asked = await rosa.post(f"/api/v1/briefs/{brief['id']}/review-request", json={"version": 1})
    assert asked.status_code == 200 and asked.json()["in_review"] is True
    listed = (await lena.get("/api/v1/briefs")).json()["items"]
    assert [item["in_review"] for item in listed] == [True]
    await lena.post(f"/api/v1/briefs/{brief['id']}/review", json={"decision": "approve", "version": 1})
    assert (await rosa.get(f"/api/v1/briefs/{brief['id']}")).json()["in_review"] is False


async def test_asking_for_a_review_tells_the_platforms_other_researchers_once_per_version(world):
    rosa, omar, lena, marco = world["rosa"], world["omar"], world["lena"], world["marco"]
    stakeholder = world["stakeholder"]
    brief = await start_brief(rosa)
    await rosa.post(f"/api/v1/briefs/{brief['id']}/authors", json={"user_id": omar.id})

    async def told(person) -> list[tuple[str, str]]:
        items = (await person.get("/api/v1/notifications")).json()["items"]
        return [(item["event"], item["link"]) for item in items]

    for _ in range(2):  # a retried request tells nobody twice
        asked = await rosa.post(f"/api/v1/briefs/{brief['id']}/review-request", json={"version": 1})
        assert asked.status_code == 200, asked.text
    assert await told(lena) == [("brief_review_requested", f"/#/briefs/{brief['id']}")]
    items = (await lena.get("/api/v1/notifications")).json()["items"]
    assert items[0]["title"] == "A policy brief is waiting for your review."
    # Its authors, another platform's researcher and a stakeholder are not asked.
    for person in (rosa, omar, marco, stakeholder):
        assert await told(person) == []
    # A new version asked for again is news again.
    changed = (
        await save(rosa, (await rosa.get(f"/api/v1/briefs/{brief['id']}")).json(), summary="New")
    ).json()
    await rosa.post(f"/api/v1/briefs/{brief['id']}/review-request", json={"version": changed["version"]})
    assert len(await told(lena)) == 2
    # Who turned it off in their settings is not told.
    off = {"events": [{"event": "brief_review_requested", "in_app": False, "push": False}]}
    assert (await lena.request("PUT", "/api/v1/me/notification-settings", json=off)).status_code == 200
    changed = (await save(rosa, changed, summary="Newer")).json()
    await rosa.post(f"/api/v1/briefs/{brief['id']}/review-request", json={"version": changed["version"]})
    assert len(await told(lena)) == 2


async def test_a_translation_knows_its_original_version_and_says_when_it_is_out_of_date(world):
    rosa, omar, lena, stakeholder = world["rosa"], world["omar"], world["lena"], world["stakeholder"]
    original = await start_brief(rosa)
    original = (await save(rosa, original, summary="Two years of waiting.")).json()
    assert original["version"] == 2
    same = await omar.post(f"/api/v1/briefs/{original['id']}/translations", json={"language": "en"})
    assert same.status_code == 422
    started = await omar.post(
        f"/api/v1/briefs/{original['id']}/translations", json={"language": "ar", "title": "السكن"}
    )
    assert started.status_code == 201, started.text
    translation = started.json()
    assert translation["translation_of"] == original["id"]
    assert translation["translated_from_version"] == 2 and translation["out_of_date"] is False
    assert translation["summary"] == "Two years of waiting." and translation["language"] == "ar"
    assert [author["id"] for author in translation["authors"]] == [omar.id]
    # Asking again gives the same translation, not a second one.
    retried = await omar.post(f"/api/v1/briefs/{original['id']}/translations", json={"language": "ar"})
    assert retried.status_code == 200 and retried.json()["id"] == translation["id"]
    # A translation of a translation is refused; another platform finds nothing.
    nested = await omar.post(f"/api/v1/briefs/{translation['id']}/translations", json={"language": "fr"})
    assert nested.status_code == 422
    assert (
        await world["marco"].post(f"/api/v1/briefs/{original['id']}/translations", json={"language": "it"})
    ).status_code == 404

    # The original changes: the translation is out of date, in the list and in the brief.
    await save(rosa, original, summary="Three years of waiting.")
    listed = (await omar.get(f"/api/v1/briefs/{original['id']}/translations")).json()
    assert [(item["language"], item["translated_from_version"], item["out_of_date"]) for item in listed] == [
        ("ar", 2, True)
    ]
    read = (await omar.get(f"/api/v1/briefs/{translation['id']}")).json()
    assert read["out_of_date"] is True
    # Its translator brings it up to date; a version the original never had is refused.
    beyond = await save(omar, read, translated_from_version=9)
    assert beyond.status_code == 422
    caught_up = await save(omar, read, summary="ثلاث سنوات", translated_from_version=3)
    assert caught_up.status_code == 200
    assert caught_up.json()["out_of_date"] is False and caught_up.json()["translated_from_version"] == 3
    not_a_translation = await save(
        rosa, (await rosa.get(f"/api/v1/briefs/{original['id']}")).json(), translated_from_version=1
    )
    assert not_a_translation.status_code == 422

    # Another platform's researcher finds neither the list nor the translation.
    assert (await world["marco"].get(f"/api/v1/briefs/{original['id']}/translations")).status_code == 404
    assert (await world["marco"].get(f"/api/v1/briefs/{translation['id']}")).status_code == 404
    # Only the translation's authors change it, its original's authors included only once made co-authors.
    assert (await save(rosa, read, translated_from_version=3)).status_code == 403
    # Stakeholders see published translations only.
    assert (await stakeholder.get(f"/api/v1/briefs/{original['id']}/translations")).status_code == 404
    await publish(rosa, lena, original["id"])
    assert (await stakeholder.get(f"/api/v1/briefs/{original['id']}/translations")).json() == []
    await publish(omar, lena, translation["id"])
    seen = (await stakeholder.get(f"/api/v1/briefs/{original['id']}/translations")).json()
    assert [item["language"] for item in seen] == ["ar"] and seen[0]["url"]


async def test_a_translation_is_public_only_while_its_original_is(world, client):
    """A translation says what its original says: it cannot be published before the original,
    and unpublishing the original takes its translations off with it."""
    rosa, omar, lena, stakeholder = world["rosa"], world["omar"], world["lena"], world["stakeholder"]
    original = await start_brief(rosa)
    translation = (
        await omar.post(f"/api/v1/briefs/{original['id']}/translations", json={"language": "de"})
    ).json()
    approved = await lena.post(
        f"/api/v1/briefs/{translation['id']}/review", json={"decision": "approve", "version": 1}
    )
    assert approved.status_code == 200, approved.text
    early = await omar.post(f"/api/v1/briefs/{translation['id']}/publish")
    assert early.status_code == 409
    assert early.json()["type"] == "urn:tessera:problem:original-not-published"
    assert early.json()["detail"].startswith("Publish the original brief first")
    assert (await omar.get(f"/api/v1/briefs/{translation['id']}")).json()["status"] == "draft"

    await publish(rosa, lena, original["id"])
    url = (await omar.post(f"/api/v1/briefs/{translation['id']}/publish")).json()["url"]
    assert (await client.get(path_of(url))).status_code == 200

    assert (await rosa.post(f"/api/v1/briefs/{original['id']}/unpublish")).status_code == 200
    client.cookies.clear()
    assert (await client.get(path_of(url))).status_code == 410
    assert (await client.get("/api/v1/briefs/published")).json()["items"] == []
    assert (await stakeholder.get(f"/api/v1/briefs/{translation['id']}")).status_code == 404
    assert (await omar.get(f"/api/v1/briefs/{translation['id']}")).json()["status"] == "draft"
    # Published again, the original brings nothing back by itself; the translation follows when asked.
    assert (await rosa.post(f"/api/v1/briefs/{original['id']}/publish")).status_code == 200
    assert (await client.get(path_of(url))).status_code == 410
    assert (await omar.post(f"/api/v1/briefs/{translation['id']}/publish")).json()["url"] == url
