"""Statements panellists propose in the first round, and the labels of the rating scale."""

from __future__ import annotations

import asyncio
from typing import Any

import sqlalchemy as sa

from server.delphi.models import Proposal, Pseudonym
from tests.delphi.conftest import add_statement, ballot, close_round, invite, open_round, start_study

LABELS_EN = ["Not at all", "Hardly", "A little", "Somewhat", "Fully"]
LABELS_IT = ["Per niente", "Poco", "Abbastanza", "Molto", "Del tutto"]


async def propose(client: Any, token: str, *proposals: dict[str, Any], status: int = 200) -> Any:
    client.cookies.clear()
    response = await client.put(
        f"/api/v1/delphi/ballots/{token}", json={"ratings": [], "proposals": list(proposals)}
    )
    assert response.status_code == status, response.text
    return response.json()


async def first_round(facilitator: Any, **fields: Any) -> dict[str, Any]:
    study_id = await start_study(facilitator, **fields)
    statement = await add_statement(facilitator, study_id, {"en": "Housing first"})
    giulia = await invite(facilitator, study_id, name="Giulia Bianchi", language="it")
    omar = await invite(facilitator, study_id, name="Omar Said")
    opened = await open_round(facilitator, study_id)
    return {"study": study_id, "statement": statement, "giulia": giulia, "omar": omar, "round": opened}


async def test_a_panellist_proposes_statements_and_a_retry_changes_nothing(facilitator, client, app):
    world = await first_round(facilitator)
    idea = {"text": "Free transport passes for newcomers", "comment": "Buses cost too much"}
    await propose(client, world["giulia"]["token"], idea)
    await propose(client, world["giulia"]["token"], idea)  # retried
    await propose(client, world["omar"]["token"], {"text": "Language classes at work"})
    mine = (await ballot(client, world["giulia"]["token"]))["proposals"]
    assert mine == {"open": True, "mine": [{**idea, "status": "pending"}]}
    listed = (await facilitator.get(f"/api/v1/delphi/studies/{world['study']}/proposals")).json()["items"]
    assert sorted(item["text"] for item in listed) == [
        "Free transport passes for newcomers",
        "Language classes at work",
    ]
    # Nothing says who proposed what.
    assert set(listed[0]) == {"id", "text", "comment", "language", "status", "statement_id"}
    # Under `anonymous` a proposal, like a rating, leads to a pseudonym that names nobody.
    async with app.state.test_db() as db:
        linked = await db.scalars(
            sa.select(Pseudonym.panellist_id).join(Proposal, Proposal.pseudonym_id == Pseudonym.id)
        )
        assert list(linked) == [None, None]
        # Nor does the ballot's language, which for a rare one would name Giulia (Italian).
        assert list(await db.scalars(sa.select(Proposal.language))) == [None, None]
    assert {item["language"] for item in listed} == {None}
    # Sending the list again replaces what is undecided; an empty list takes them back.
    await propose(client, world["giulia"]["token"])
    assert (await ballot(client, world["giulia"]["token"]))["proposals"]["mine"] == []


async def test_two_tabs_proposing_at_once_leave_one_list(facilitator, client):
    world = await first_round(facilitator)
    token = world["giulia"]["token"]
    await asyncio.gather(
        propose(client, token, {"text": "One"}, {"text": "Two"}),
        propose(client, token, {"text": "Three"}),
    )
    texts = [item["text"] for item in (await ballot(client, token))["proposals"]["mine"]]
    assert texts in (["One", "Two"], ["Three"])


async def test_an_accepted_proposal_is_asked_in_the_next_round(facilitator, client):
    # Where facilitators may know who is who, a proposal keeps its ballot's language.
    world = await first_round(facilitator, anonymity="facilitators")
    await propose(
        client, world["giulia"]["token"], {"text": "Trasporti gratuiti", "comment": "Costano troppo"}
    )
    await propose(client, world["omar"]["token"], {"text": "Something off topic"})
    path = f"/api/v1/delphi/studies/{world['study']}/proposals"
    listed = {item["text"]: item for item in (await facilitator.get(path)).json()["items"]}
    assert listed["Trasporti gratuiti"]["language"] == "it"
    accepted = await facilitator.post(
        f"{path}/{listed['Trasporti gratuiti']['id']}/accept",
        json={"text": {"en": "Free public transport for newcomers", "it": "Trasporti pubblici gratuiti"}},
    )
    assert accepted.status_code == 201, accepted.text
    again = await facilitator.post(
        f"{path}/{listed['Trasporti gratuiti']['id']}/accept", json={"text": {"en": "Twice"}}
    )
    assert again.status_code == 409
    dismissed = await facilitator.post(f"{path}/{listed['Something off topic']['id']}/dismiss")
    assert dismissed.status_code == 200 and dismissed.json()["status"] == "dismissed"
    assert (
        await facilitator.post(f"{path}/{listed['Something off topic']['id']}/dismiss")
    ).status_code == 200
    refused = await facilitator.post(f"{path}/{listed['Trasporti gratuiti']['id']}/dismiss")
    assert refused.status_code == 409
    study = (await facilitator.get(f"/api/v1/delphi/studies/{world['study']}")).json()
    assert [item["text"] for item in study["statements"]][-1]["it"] == "Trasporti pubblici gratuiti"
    # The panellist sees it decided; sending their old list again does not propose it anew.
    await propose(client, world["giulia"]["token"], {"text": "Trasporti gratuiti"})
    mine = (await ballot(client, world["giulia"]["token"]))["proposals"]["mine"]
    assert [item["status"] for item in mine] == ["accepted"]
    await close_round(facilitator, world["round"]["id"])
    second = await open_round(facilitator, world["study"])
    assert accepted.json()["id"] in second["statement_ids"]
    # From the second round on, nothing more is proposed.
    refused = await propose(client, world["giulia"]["token"], {"text": "Late idea"}, status=409)
    assert refused["status"] == 409
    assert (await ballot(client, world["giulia"]["token"]))["proposals"]["open"] is False


async def test_bad_proposals_are_422(facilitator, client):
    world = await first_round(facilitator)
    token = world["omar"]["token"]
    await propose(client, token, {"text": "   "}, status=422)
    await propose(client, token, *({"text": f"Idea {number}"} for number in range(11)), status=422)
    await propose(client, token, {"text": "x" * 2001}, status=422)
    assert (await ballot(client, token))["proposals"]["mine"] == []


async def test_proposals_from_the_attackers_side(facilitator, client, people):
    world = await first_round(facilitator)
    await propose(client, world["giulia"]["token"], {"text": "Free transport"})
    path = f"/api/v1/delphi/studies/{world['study']}/proposals"
    proposal = (await facilitator.get(path)).json()["items"][0]
    other = await people("forscher", "researcher", ["DE"])
    for method, target, body in [
        ("GET", path, None),
        ("POST", f"{path}/{proposal['id']}/accept", {"text": {"en": "Mine"}}),
        ("POST", f"{path}/{proposal['id']}/dismiss", None),
    ]:
        assert (await other.request(method, target, json=body)).status_code == 404
    # Another study's facilitator reaches no proposal through their own study either.
    their_study = await start_study(other, platforms=["DE"])
    through = await other.post(f"/api/v1/delphi/studies/{their_study}/proposals/{proposal['id']}/dismiss")
    assert through.status_code == 404
    youth = await people("amina", "youth", ["IT"])
    assert (await youth.get(path)).status_code == 403
    client.cookies.clear()
    assert (await client.get(path)).status_code == 401
    # A panellist of another study: their link neither sees nor changes this study's proposals.
    elsewhere = await start_study(facilitator)
    await add_statement(facilitator, elsewhere, {"en": "Elsewhere"})
    stranger = await invite(facilitator, elsewhere, name="Stranger")
    await open_round(facilitator, elsewhere)
    await propose(client, stranger["token"])
    assert (await ballot(client, stranger["token"]))["proposals"]["mine"] == []
    assert [item["status"] for item in (await facilitator.get(path)).json()["items"]] == ["pending"]


async def test_scale_labels_show_on_the_ballot_in_the_panellists_language(facilitator, client):
    world = await first_round(
        facilitator,
        scale={"min": 1, "max": 5},
        consensus={"kind": "iqr", "max_iqr": 1, "agree_from": 4, "disagree_to": 2},
        scale_labels={"en": LABELS_EN, "it": LABELS_IT},
    )
    assert (await ballot(client, world["giulia"]["token"]))["study"]["scale_labels"] == LABELS_IT
    assert (await ballot(client, world["omar"]["token"]))["study"]["scale_labels"] == LABELS_EN
    study = (await facilitator.get(f"/api/v1/delphi/studies/{world['study']}")).json()
    assert study["scale_labels"] == {"en": LABELS_EN, "it": LABELS_IT}
    # Once the first round is open, labels panellists may have read stay as they are.
    changed = await facilitator.patch(
        f"/api/v1/delphi/studies/{world['study']}", json={"scale_labels": {"en": LABELS_IT, "it": LABELS_IT}}
    )
    assert changed.status_code == 409


async def test_labels_fall_back_to_the_first_language_and_may_be_added_later(facilitator, client):
    world = await first_round(
        facilitator,
        scale={"min": 1, "max": 5},
        consensus={"kind": "iqr", "max_iqr": 1, "agree_from": 4, "disagree_to": 2},
        scale_labels={"en": LABELS_EN},
    )
    assert (await ballot(client, world["giulia"]["token"]))["study"]["scale_labels"] == LABELS_EN
    added = await facilitator.patch(
        f"/api/v1/delphi/studies/{world['study']}", json={"scale_labels": {"en": LABELS_EN, "it": LABELS_IT}}
    )
    assert added.status_code == 200, added.text
    assert (await ballot(client, world["giulia"]["token"]))["study"]["scale_labels"] == LABELS_IT


async def test_bad_labels_are_422(facilitator):
    for labels in ({"en": LABELS_EN[:4]}, {"de": LABELS_EN}, {"en": [*LABELS_EN[:4], " "]}):
        response = await facilitator.post(
            "/api/v1/delphi/studies",
            json={
                "title": "Labels",
                "platforms": ["IT"],
                "scale": {"min": 1, "max": 5},
                "consensus": {"kind": "iqr", "max_iqr": 1, "agree_from": 4, "disagree_to": 2},
                "anonymity": "anonymous",
                "languages": ["en", "it"],
                "scale_labels": labels,
            },
        )
        assert response.status_code == 422, (labels, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    # Changing the scale without labels that fit it is refused too.
    study_id = await start_study(
        facilitator,
        scale={"min": 1, "max": 5},
        consensus={"kind": "iqr", "max_iqr": 1, "agree_from": 4, "disagree_to": 2},
        scale_labels={"en": LABELS_EN},
    )
    assert (
        await facilitator.patch(f"/api/v1/delphi/studies/{study_id}", json={"scale": {"min": 1, "max": 7}})
    ).status_code == 422
