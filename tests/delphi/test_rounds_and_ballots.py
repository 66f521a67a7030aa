"""Rounds and ballots as panellists and facilitators live them: a private link, answers kept
as given, the group's answers from round two, and rounds that close."""

from __future__ import annotations

import asyncio

from tests.delphi.conftest import (
    add_statement,
    ballot,
    close_round,
    invite,
    open_round,
    rate,
    start_study,
)


async def world(facilitator, panel_size=3, statements=2, **study_fields):
    study_id = await start_study(facilitator, **study_fields)
    statement_ids = [
        await add_statement(
            facilitator,
            study_id,
            {"en": f"Statement {number}", "it": f"Affermazione {number}"},
            theme="school",
        )
        for number in range(statements)
    ]
    tokens = [
        (await invite(facilitator, study_id, name=f"Panellist {number}"))["token"]
        for number in range(panel_size)
    ]
    return study_id, statement_ids, tokens


async def test_a_ballot_shows_in_the_panellists_language_with_marked_fallbacks(facilitator, client):
    study_id = await start_study(facilitator)
    translated = await add_statement(
        facilitator, study_id, {"en": "Mentors help.", "it": "I mentori aiutano."}
    )
    english_only = await add_statement(facilitator, study_id, {"en": "Housing comes first."})
    token = (await invite(facilitator, study_id, name="Lucia", language="it"))["token"]
    opened = await open_round(facilitator, study_id)
    shown = await ballot(client, token)
    assert shown["language"] == "it"
    assert shown["round"] == {"id": opened["id"], "number": 1, "open": True}
    texts = {
        item["id"]: (item["text"], item["text_language"], item["fallback"]) for item in shown["statements"]
    }
    assert texts[translated] == ("I mentori aiutano.", "it", False)
    assert texts[english_only] == ("Housing comes first.", "en", True)
    assert all(item["previous"] is None for item in shown["statements"])


async def test_answers_are_kept_as_given_and_a_subset_keeps_the_rest(facilitator, client):
    study_id, (first, second), (token, *_) = await world(facilitator)
    await open_round(facilitator, study_id)
    await rate(client, token, (first, 8), comment="Yes, with training.")
    await rate(client, token, (second, 2))
    shown = {item["id"]: item for item in (await ballot(client, token))["statements"]}
    assert (shown[first]["my_rating"], shown[first]["my_comment"]) == (8, "Yes, with training.")
    assert shown[second]["my_rating"] == 2
    # A rating taken back is no rating; its comment stays.
    await rate(client, token, (first, None))
    shown = {item["id"]: item for item in (await ballot(client, token))["statements"]}
    assert (shown[first]["my_rating"], shown[first]["my_comment"]) == (None, "Yes, with training.")


async def test_a_rating_outside_the_scale_or_an_unasked_statement_is_422(facilitator, client):
    study_id, (first, _), (token, *_) = await world(
        facilitator,
        scale={"min": 1, "max": 5},
        consensus={"kind": "iqr", "max_iqr": 1, "agree_from": 4, "disagree_to": 2},
    )
    await open_round(facilitator, study_id)
    for rating in (0, 6):
        response = await client.put(
            f"/api/v1/delphi/ballots/{token}", json={"ratings": [{"statement_id": first, "rating": rating}]}
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "ratings[0].rating"
        assert "1 to 5" in response.json()["errors"][0]["message"]
    other = await client.put(
        f"/api/v1/delphi/ballots/{token}",
        json={"ratings": [{"statement_id": "00000000-0000-0000-0000-000000000000", "rating": 3}]},
    )
    assert other.status_code == 422
    assert (await ballot(client, token))["statements"][0]["my_rating"] is None


async def test_two_saves_at_once_keep_the_later_one(facilitator, client):
    study_id, (first, _), (token, *_) = await world(facilitator)
    await open_round(facilitator, study_id)
    for _ in range(5):
        await asyncio.gather(rate(client, token, (first, 3)), rate(client, token, (first, 7)))
        # Whichever came last is what is kept, whole: never a mixture, never an error.
        assert (await ballot(client, token))["statements"][0]["my_rating"] in {3, 7}
    await rate(client, token, (first, 4))
    await rate(client, token, (first, 9))
    assert (await ballot(client, token))["statements"][0]["my_rating"] == 9


async def test_a_closed_round_refuses_changes(facilitator, client):
    study_id, (first, _), (token, *_) = await world(facilitator)
    opened = await open_round(facilitator, study_id)
    await rate(client, token, (first, 8))
    await close_round(facilitator, opened["id"])
    response = await client.put(
        f"/api/v1/delphi/ballots/{token}", json={"ratings": [{"statement_id": first, "rating": 1}]}
    )
    assert response.status_code == 409
    shown = await ballot(client, token)
    assert shown["round"]["open"] is False
    assert shown["statements"][0]["my_rating"] == 8
    again = await facilitator.post(f"/api/v1/delphi/rounds/{opened['id']}/close")
    assert again.status_code == 409


async def test_round_two_asks_only_undecided_and_new_statements_and_shows_the_group(facilitator, client):
    study_id, (agreed, disputed), tokens = await world(facilitator, panel_size=4)
    first = await open_round(facilitator, study_id)
    assert first["statement_ids"] == [agreed, disputed]
    conflict = await facilitator.post(f"/api/v1/delphi/studies/{study_id}/rounds")
    assert conflict.status_code == 409
    for token, rating in zip(tokens, [9, 8, 8, 9], strict=True):
        await rate(client, token, (agreed, rating))
    for token, rating, comment in zip(
        tokens, [1, 9, 5, 5], ["Too costly", "Urgent", None, "Depends"], strict=True
    ):
        await rate(client, token, (disputed, rating), comment=comment)
    closed = await close_round(facilitator, first["id"])
    assert (closed["invited"], closed["responded"]) == (4, 4)
    added = await add_statement(facilitator, study_id, {"en": "Added between rounds"})
    second = await open_round(facilitator, study_id)
    assert (second["number"], second["statement_ids"]) == (2, [disputed, added])
    shown = await ballot(client, tokens[0])
    previous = {item["id"]: item["previous"] for item in shown["statements"]}
    assert previous[added] is None
    group = previous[disputed]
    assert (group["my_rating"], group["n"], group["median"], group["q1"], group["q3"]) == (
        1,
        4,
        5.0,
        4.0,
        6.0,
    )
    assert group["distribution"] == {"1": 1, "2": 0, "3": 0, "4": 0, "5": 2, "6": 0, "7": 0, "8": 0, "9": 1}
    # The others' comments, not the panellist's own, and no names.
    assert group["comments"] == ["Depends", "Urgent"]


async def test_nothing_left_to_ask_and_a_closed_study_are_409(facilitator, client):
    study_id, (only,), tokens = await world(facilitator, panel_size=2, statements=1)
    first = await open_round(facilitator, study_id)
    for token in tokens:
        await rate(client, token, (only, 9))
    await close_round(facilitator, first["id"])
    nothing = await facilitator.post(f"/api/v1/delphi/studies/{study_id}/rounds")
    assert nothing.status_code == 409
    await add_statement(facilitator, study_id, {"en": "One more"})
    second = await open_round(facilitator, study_id)
    closed = await facilitator.post(f"/api/v1/delphi/studies/{study_id}/close")
    assert closed.status_code == 200
    assert [item["closed_at"] is not None for item in closed.json()["rounds"]] == [True, True]
    assert second["number"] == 2
    assert (await facilitator.post(f"/api/v1/delphi/studies/{study_id}/rounds")).status_code == 409
    assert (
        await facilitator.post(f"/api/v1/delphi/studies/{study_id}/statements", json={"text": {"en": "x"}})
    ).status_code == 409
    refused = await client.put(f"/api/v1/delphi/ballots/{tokens[0]}", json={"ratings": []})
    assert refused.status_code == 409


async def test_results_give_each_closed_rounds_figures_and_stability(facilitator, client):
    study_id, (statement,), tokens = await world(facilitator, panel_size=5, statements=1)
    first = await open_round(facilitator, study_id)
    for token, rating in zip(tokens[:4], [2, 5, 8, 9], strict=True):
        await rate(client, token, (statement, rating))
    await close_round(facilitator, first["id"])
    second = await open_round(facilitator, study_id)
    for token, rating in zip(tokens[:3], [5, 6, 8], strict=True):
        await rate(client, token, (statement, rating))
    await close_round(facilitator, second["id"])
    rounds = (await facilitator.get(f"/api/v1/delphi/studies/{study_id}/results")).json()["rounds"]
    assert [(item["number"], item["invited"], item["responded"]) for item in rounds] == [(1, 5, 4), (2, 5, 3)]
    one, two = rounds[0]["statements"][0], rounds[1]["statements"][0]
    assert (one["n"], one["median"], one["q1"], one["q3"]) == (4, 6.5, 4.25, 8.25)
    assert (one["agree_percent"], one["disagree_percent"], one["consensus"]) == (50.0, 25.0, "none")
    assert one["moved_percent"] is None
    # 2 -> 5 and 5 -> 6 and 8 -> 8: one of three moved by more than a point.
    assert two["moved_percent"] == 33.33
    assert two["text"] == "Statement 0"


async def test_a_wrong_or_revoked_link_is_404_and_each_link_opens_only_its_own_ballot(facilitator, client):
    study_id, (first, _), (mine, theirs, _) = await world(facilitator)
    await open_round(facilitator, study_id)
    await rate(client, theirs, (first, 2), comment="Mine alone")
    assert (await ballot(client, mine))["statements"][0]["my_rating"] is None
    assert (await ballot(client, mine))["statements"][0]["my_comment"] is None
    for wrong in (mine[:-1] + ("A" if mine[-1] != "A" else "B"), "x" * 500, "not-a-token"):
        assert (await client.get(f"/api/v1/delphi/ballots/{wrong}")).status_code == 404
        assert (await client.put(f"/api/v1/delphi/ballots/{wrong}", json={"ratings": []})).status_code == 404
    panel = (await facilitator.get(f"/api/v1/delphi/studies/{study_id}")).json()["panellists"]
    revoked = await facilitator.delete(f"/api/v1/delphi/studies/{study_id}/panellists/{panel[1]['id']}")
    assert revoked.status_code == 204
    assert (await client.get(f"/api/v1/delphi/ballots/{theirs}")).status_code == 404
    assert (await facilitator.get(f"/api/v1/delphi/studies/{study_id}")).json()["panellists"][1][
        "revoked"
    ] is True
