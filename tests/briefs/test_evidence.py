"""Evidence in briefs: quotes redacted as exports redact them, authors as pseudonyms, and a
quote that leaves the brief and its public page when the person quoted withdraws or is erased."""

from __future__ import annotations

import sqlalchemy as sa

from server.accounts.consent import CONSENT_VERSION
from server.exports.service import pseudonym, pseudonym_key
from server.notifications.models import Notification
from tests.briefs.conftest import path_of, publish, quote, start_brief
from tests.conftest import PASSWORD
from tests.delphi.conftest import add_statement, close_round, invite, open_round, rate, start_study


async def test_a_note_is_quoted_redacted_with_its_author_a_pseudonym(world, app, client):
    brief = await start_brief(world["rosa"])
    note_id = world["notes"]["mail"]["id"]
    added = await quote(world["rosa"], brief["id"], "note", note_id)
    assert added.status_code == 201, added.text
    item = added.json()
    assert item["excerpt"] == "She moved here at 14. Mail: [redacted] and a flat."
    async with app.state.test_db() as db:
        expected = pseudonym(await pseudonym_key(db), __import__("uuid").UUID(world["amina"].id))
        await db.commit()
    assert item["attribution"] == expected
    # The same pseudonym as in a research export of that note.
    exported = await world["rosa"].get("/api/v1/exports/notes", params={"format": "csv"})
    assert expected in exported.text
    # A passage of it: the redaction moves with it.
    part = await quote(world["rosa"], brief["id"], "note", note_id, excerpt="Mail: amina.k@example.org and")
    assert part.status_code == 201, part.text
    assert part.json()["excerpt"] == "Mail: [redacted] and"
    read = (await world["omar"].get(f"/api/v1/briefs/{brief['id']}")).text
    assert "amina" not in read.lower() and "Haddad" not in read


async def test_only_approved_notes_of_the_briefs_platforms_and_real_passages_are_quoted(world, people):
    brief = await start_brief(world["rosa"])
    submitted = await quote(world["rosa"], brief["id"], "note", world["notes"]["submitted"]["id"])
    assert submitted.status_code == 422
    unknown = await quote(world["rosa"], brief["id"], "note", "00000000-0000-0000-0000-000000000000")
    assert unknown.status_code == 422
    invented = await quote(
        world["rosa"], brief["id"], "note", world["notes"]["karim"]["id"], excerpt="not there"
    )
    assert invented.status_code == 422
    assert invented.json()["errors"][0]["field"] == "excerpt"
    # A brief of Italy's platform cannot quote Germany's notes, even by an admin.
    admin = await people("ada", "admin")
    italian = await start_brief(admin, platforms=["IT"])
    elsewhere = await quote(admin, italian["id"], "note", world["notes"]["karim"]["id"])
    assert elsewhere.status_code == 422
    # Not an author: refused, even for a researcher who may read the draft.
    assert (await quote(world["lena"], brief["id"], "note", world["notes"]["karim"]["id"])).status_code == 403


async def test_an_event_outcome_is_quoted_with_its_event(world):
    brief = await start_brief(world["rosa"])
    added = await quote(world["rosa"], brief["id"], "event_outcome", world["outcome"]["id"])
    assert added.status_code == 201, added.text
    assert added.json()["excerpt"] == "Waiting lists for shared flats are two years long."
    assert added.json()["attribution"] == world["event"]["title"]


async def test_an_event_outcome_quote_goes_through_the_personal_information_guard(world):
    outcome = await world["worker"].post(
        f"/api/v1/events/{world['event']['id']}/outcomes",
        json={
            "kind": "action",
            "text": "Call Jonas on +49 151 23456789 or jonas@example.org.",
            "language": "en",
        },
    )
    assert outcome.status_code == 201, outcome.text
    brief = await start_brief(world["rosa"])
    added = await quote(world["rosa"], brief["id"], "event_outcome", outcome.json()["id"])
    assert added.status_code == 201, added.text
    assert "23456789" not in added.json()["excerpt"] and "jonas@" not in added.json()["excerpt"]
    assert added.json()["excerpt"].count("[redacted]") == 2


async def test_a_delphi_statement_is_quoted_with_the_panels_figures_in_the_briefs_language(world, client):
    rosa = world["rosa"]
    study_id = await start_study(rosa, platforms=["DE"], languages=["en", "de"])
    statement = await add_statement(
        rosa,
        study_id,
        {"en": "Shared flats need a fair waiting list.", "de": "WGs brauchen faire Wartelisten."},
    )
    unrated = await add_statement(rosa, study_id, {"en": "Asked, but nobody rated it."})
    panel = [await invite(rosa, study_id, name=f"Panellist {number}") for number in range(4)]
    opened = await open_round(rosa, study_id)
    for number, (member, rating) in enumerate(zip(panel, (9, 8, 7, 3), strict=True)):
        await rate(client, member["token"], (statement, rating), comment=f"Panellist {number} says so")
    await close_round(rosa, opened["id"])
    unasked = await add_statement(rosa, study_id, {"en": "Added after the first round."})
    german = await start_brief(rosa, language="de")

    added = await quote(rosa, german["id"], "delphi_statement", statement)

    assert added.status_code == 201, added.text
    assert added.json()["excerpt"] == "WGs brauchen faire Wartelisten."
    attribution = added.json()["attribution"]
    # Ratings 3, 7, 8, 9: median 7.5, quartiles 6 and 8.25, 75 % at 7 or more, 25 % at 3 or less.
    assert "7,5" in attribution and "8,25" in attribution and "75" in attribution
    assert "Panellist" not in attribution and "says so" not in attribution
    # A statement no closed round asked has no figures: there is nothing to quote yet.
    assert (await quote(rosa, german["id"], "delphi_statement", unasked)).status_code == 422
    assert (await quote(rosa, german["id"], "delphi_statement", unrated)).status_code == 422
    # Another platform's study cannot be quoted, nor by a researcher who does not hold it.
    marco = world["marco"]
    italian = await start_brief(marco, platforms=["IT"])
    elsewhere = await quote(marco, italian["id"], "delphi_statement", statement)
    assert elsewhere.status_code == 422
    assert elsewhere.json()["errors"][0]["field"] == "ref_id"


async def test_removing_a_quote_takes_it_out(world):
    brief = await start_brief(world["rosa"])
    item = (await quote(world["rosa"], brief["id"], "event_outcome", world["outcome"]["id"])).json()
    gone = await world["rosa"].delete(f"/api/v1/briefs/{brief['id']}/evidence/{item['id']}")
    assert gone.status_code == 204
    assert (await world["rosa"].get(f"/api/v1/briefs/{brief['id']}")).json()["evidence"] == []
    again = await world["rosa"].delete(f"/api/v1/briefs/{brief['id']}/evidence/{item['id']}")
    assert again.status_code == 404


async def _published_with_amina_quoted(world):
    rosa = world["rosa"]
    brief = await start_brief(rosa)
    await world["rosa"].post(f"/api/v1/briefs/{brief['id']}/authors", json={"user_id": world["omar"].id})
    assert (await quote(rosa, brief["id"], "note", world["notes"]["mail"]["id"])).status_code == 201
    assert (await quote(rosa, brief["id"], "note", world["notes"]["karim"]["id"])).status_code == 201
    url = await publish(rosa, world["lena"], brief["id"])
    page = await rosa.client.get(path_of(url))
    assert "She moved here at 14" in page.text
    return brief, url


async def _notified(app, person) -> list[str]:
    async with app.state.test_db() as db:
        rows = await db.scalars(
            sa.select(Notification.event).where(
                Notification.recipient_id == __import__("uuid").UUID(person.id)
            )
        )
        return list(rows)


async def test_a_withdrawn_consent_takes_the_quote_out_of_the_brief_and_its_page_and_tells_the_authors(
    world, app
):
    brief, url = await _published_with_amina_quoted(world)
    withdrawn = await world["amina"].post(
        "/api/v1/me/consent", json={"version": CONSENT_VERSION, "accepted": False}
    )
    assert withdrawn.status_code in {200, 201}, withdrawn.text
    evidence = (await world["rosa"].get(f"/api/v1/briefs/{brief['id']}")).json()["evidence"]
    assert [item["ref_id"] for item in evidence] == [world["notes"]["karim"]["id"]]
    world["rosa"].client.cookies.clear()
    page = await world["rosa"].client.get(path_of(url))
    assert "She moved here at 14" not in page.text
    assert "He shares one room" in page.text
    assert await _notified(app, world["rosa"]) == ["brief_quote_removed"]
    assert await _notified(app, world["omar"]) == ["brief_quote_removed"]
    assert await _notified(app, world["lena"]) == []
    # Consenting again does not bring the quote back, nor may it be quoted while withdrawn.
    assert (await quote(world["rosa"], brief["id"], "note", world["notes"]["mail"]["id"])).status_code == 422


async def test_an_erased_person_who_kept_their_notes_is_quoted_no_more(world, app):
    brief, url = await _published_with_amina_quoted(world)
    erased = await world["amina"].delete(
        "/api/v1/me", json={"password": PASSWORD, "approved_notes": "keep_pseudonymised"}
    )
    assert erased.status_code == 204, erased.text
    evidence = (await world["omar"].get(f"/api/v1/briefs/{brief['id']}")).json()["evidence"]
    assert [item["ref_id"] for item in evidence] == [world["notes"]["karim"]["id"]]
    world["rosa"].client.cookies.clear()
    assert "She moved here at 14" not in (await world["rosa"].client.get(path_of(url))).text
    assert await _notified(app, world["omar"]) == ["brief_quote_removed"]
    # The kept note stays in research exports, but a brief cannot quote it again.
    assert (await quote(world["rosa"], brief["id"], "note", world["notes"]["mail"]["id"])).status_code == 422


async def test_a_note_its_author_withdraws_is_quoted_no_more(world):
    brief = await start_brief(world["rosa"])
    await quote(world["rosa"], brief["id"], "note", world["notes"]["karim"]["id"])
    url = await publish(world["rosa"], world["lena"], brief["id"])
    withdrawn = await world["karim"].delete(f"/api/v1/notes/{world['notes']['karim']['id']}")
    assert withdrawn.status_code in {200, 204}, withdrawn.text
    assert (await world["rosa"].get(f"/api/v1/briefs/{brief['id']}")).json()["evidence"] == []
    world["rosa"].client.cookies.clear()
    assert "He shares one room" not in (await world["rosa"].client.get(path_of(url))).text
