"""A panellist through their account finds their open ballots on their home, and (outside
`anonymous`) gets a new link that keeps their answers theirs."""

from __future__ import annotations

import sqlalchemy as sa

from server.delphi.models import Pseudonym, Rating
from tests.delphi.conftest import add_statement, ballot, close_round, invite, open_round, rate, start_study


async def account_panel(facilitator, people, anonymity):
    member = await people("ines", "stakeholder", ["IT"])
    study_id = await start_study(facilitator, anonymity=anonymity)
    statement = await add_statement(facilitator, study_id, {"en": "Mentors help"})
    invited = await invite(facilitator, study_id, user_id=member.id)
    return member, study_id, statement, invited


async def test_my_ballots_lists_open_rounds_of_my_panels_only(facilitator, people):
    member, study_id, _, invited = await account_panel(facilitator, people, "facilitators")
    other = await people("other", "stakeholder", ["IT"])
    assert (await member.get("/api/v1/me/ballots")).json() == {"items": []}  # no round open yet
    await open_round(facilitator, study_id)
    items = (await member.get("/api/v1/me/ballots")).json()["items"]
    assert [(item["panellist_id"], item["study"]["id"], item["round"]["number"]) for item in items] == [
        (invited["id"], study_id, 1)
    ]
    assert items[0]["link_renewable"] is True
    assert set(items[0]) == {"panellist_id", "study", "round", "link_renewable"}  # nothing about answers
    assert (await other.get("/api/v1/me/ballots")).json() == {"items": []}


async def test_a_closed_round_or_a_revoked_link_leaves_the_home(facilitator, people):
    member, study_id, _, invited = await account_panel(facilitator, people, "named")
    opened = await open_round(facilitator, study_id)
    await close_round(facilitator, opened["id"])
    assert (await member.get("/api/v1/me/ballots")).json() == {"items": []}
    await open_round(facilitator, study_id)
    assert len((await member.get("/api/v1/me/ballots")).json()["items"]) == 1
    await facilitator.delete(f"/api/v1/delphi/studies/{study_id}/panellists/{invited['id']}")
    assert (await member.get("/api/v1/me/ballots")).json() == {"items": []}


async def test_a_new_link_keeps_my_answers_and_ends_the_old_link(facilitator, people, client, app):
    member, study_id, statement, invited = await account_panel(facilitator, people, "facilitators")
    opened = await open_round(facilitator, study_id)
    await rate(client, invited["token"], (statement, 8))
    renewed = await member.post(f"/api/v1/me/ballots/{invited['id']}/link")
    assert renewed.status_code == 200, renewed.text
    assert renewed.headers["cache-control"] == "no-store"
    token = renewed.json()["token"]
    assert renewed.json()["ballot_url"].endswith(f"/#/ballot/{token}")
    assert (await ballot(client, token))["statements"][0]["my_rating"] == 8
    client.cookies.clear()
    assert (await client.get(f"/api/v1/delphi/ballots/{invited['token']}")).status_code == 404
    await rate(client, token, (statement, 6))
    results = await close_round(facilitator, opened["id"])
    async with app.state.test_db() as db:
        assert await db.scalar(sa.select(sa.func.count()).select_from(Pseudonym)) == 1
        assert list(await db.scalars(sa.select(Rating.rating))) == [6]
    assert results["responded"] == 1


async def test_under_anonymous_no_new_link_is_given(facilitator, people, app):
    member, study_id, _, invited = await account_panel(facilitator, people, "anonymous")
    await open_round(facilitator, study_id)
    items = (await member.get("/api/v1/me/ballots")).json()["items"]
    assert items[0]["link_renewable"] is False
    refused = await member.post(f"/api/v1/me/ballots/{invited['id']}/link")
    assert refused.status_code == 409
    assert "anonymous" in refused.json()["detail"]
    assert "token" not in refused.text


async def test_nobody_else_renews_my_link(facilitator, people, client):
    _, study_id, _, invited = await account_panel(facilitator, people, "named")
    await open_round(facilitator, study_id)
    for other in (facilitator, await people("admin2", "admin", [])):
        assert (await other.post(f"/api/v1/me/ballots/{invited['id']}/link")).status_code == 404
    # The link the facilitator handed on still works: nobody else could replace it.
    assert (await ballot(client, invited["token"]))["round"]["number"] == 1
