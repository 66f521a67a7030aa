"""Every figure of GET /api/v1/impact against the contract's counting rules, with a programme a
coordinator would recognise: sent notes and drafts, focus groups of a given size, a young
person who only ever kept drafts, people registered who came and who did not."""

from __future__ import annotations

import pytest

from server.accounts.consent import CONSENT_VERSION
from tests.conftest import PASSWORD
from tests.events.conftest import register
from tests.impact.conftest import (
    attended,
    figures,
    focus_group,
    of,
    past_event,
    stakeholder_entry,
    write_note,
)


@pytest.fixture
async def worker(people):
    """A youth worker of both platforms: organises events and keeps both directories."""
    return await people("worker", "youth_worker", ["DE", "IT"])


async def test_a_sent_interview_counts_and_a_draft_does_not(people, admin):
    amina = await people("amina", "youth", ["DE"])
    await write_note(amina)
    await write_note(amina, status="draft")

    germany = of(await figures(admin), "DE")

    assert germany["interviews"] == 1


async def test_a_withdrawn_note_leaves_the_figures(people, admin):
    amina = await people("amina", "youth", ["DE"])
    kept = await write_note(amina)
    withdrawn = await write_note(amina)
    assert of(await figures(admin), "DE")["interviews"] == 2

    assert (await amina.delete(f"/api/v1/notes/{withdrawn['id']}")).status_code == 204

    germany = of(await figures(admin), "DE")
    assert germany["interviews"] == 1
    assert kept["id"] != withdrawn["id"]


async def test_a_reviewed_note_still_counts_whatever_the_review_said(people, admin, worker):
    amina = await people("amina", "youth", ["DE"])
    approved = await write_note(amina)
    sent_back = await write_note(amina)
    await worker.post(f"/api/v1/notes/{approved['id']}/review", json={"decision": "approve"})
    await worker.post(
        f"/api/v1/notes/{sent_back['id']}/review",
        json={"decision": "request_changes", "comment": "Which school?"},
    )

    assert of(await figures(admin), "DE")["interviews"] == 2


async def test_focus_groups_count_their_participants_and_drafts_add_none(people, admin):
    amina = await people("amina", "youth", ["DE"])
    await focus_group(amina, 6)
    await focus_group(amina, 9)
    await focus_group(amina, 12, status="draft")
    await write_note(amina, kind="observation")

    germany = of(await figures(admin), "DE")

    assert germany["focus_groups"] == 2
    assert germany["focus_group_participants"] == 15
    # An observation is neither an interview nor a focus group.
    assert germany["interviews"] == 0


async def test_a_draft_sent_later_counts_from_then_with_its_participants(people, admin):
    amina = await people("amina", "youth", ["DE"])
    draft = await focus_group(amina, 8, status="draft")
    assert of(await figures(admin), "DE")["focus_group_participants"] == 0

    sent = {**draft, "base_version": 1, "status": "submitted", "participants": {"count": 10}}
    response = await amina.request("PUT", f"/api/v1/notes/{draft['id']}", json=sent)
    assert response.status_code == 200, response.text

    germany = of(await figures(admin), "DE")
    assert (germany["focus_groups"], germany["focus_group_participants"]) == (1, 10)


async def test_a_young_person_with_only_drafts_is_no_peer_researcher(people, admin):
    amina = await people("amina", "youth", ["DE"])
    jonas = await people("jonas", "youth", ["DE"])
    await write_note(amina)
    await write_note(amina, kind="observation")
    await write_note(jonas, status="draft")

    assert of(await figures(admin), "DE")["peer_researchers"] == 1


async def test_a_peer_researcher_of_two_platforms_counts_once_in_the_total(people, admin):
    amina = await people("amina", "youth", ["DE", "IT"])
    luca = await people("luca", "youth", ["IT"])
    await write_note(amina, platform="DE")
    await write_note(amina, platform="IT")
    await write_note(luca, platform="IT")

    impact = await figures(admin)

    assert of(impact, "DE")["peer_researchers"] == 1
    assert of(impact, "IT")["peer_researchers"] == 2
    assert impact["total"]["peer_researchers"] == 2
    assert impact["total"]["interviews"] == 3


async def test_notes_of_someone_who_withdrew_consent_are_out_until_they_consent_again(people, admin):
    amina = await people("amina", "youth", ["DE"])
    await focus_group(amina, 7)

    await amina.post("/api/v1/me/consent", json={"version": CONSENT_VERSION, "accepted": False})
    withdrawn = of(await figures(admin), "DE")
    await amina.post("/api/v1/me/consent", json={"version": CONSENT_VERSION, "accepted": True})
    again = of(await figures(admin), "DE")

    assert (
        withdrawn["focus_groups"],
        withdrawn["focus_group_participants"],
        withdrawn["peer_researchers"],
    ) == (0, 0, 0)
    assert (again["focus_groups"], again["focus_group_participants"], again["peer_researchers"]) == (1, 7, 1)


async def test_an_erased_persons_kept_approved_notes_count_and_the_rest_go(people, admin, worker):
    amina = await people("amina", "youth", ["DE"])
    approved = await write_note(amina)
    await write_note(amina)
    await worker.post(f"/api/v1/notes/{approved['id']}/review", json={"decision": "approve"})

    response = await amina.delete(
        "/api/v1/me", json={"password": PASSWORD, "approved_notes": "keep_pseudonymised"}
    )
    assert response.status_code == 204, response.text

    germany = of(await figures(admin), "DE")
    assert (germany["interviews"], germany["peer_researchers"]) == (1, 1)


async def test_the_directory_counts_by_sector_and_level_per_platform_and_in_total(admin, worker):
    await stakeholder_entry(worker, "DE", "ngo", "local")
    await stakeholder_entry(worker, "DE", "ngo", "national")
    await stakeholder_entry(worker, "DE", "public_authority", "national")
    await stakeholder_entry(worker, "IT", "health", "regional")

    impact = await figures(admin)

    germany = of(impact, "DE")["stakeholders"]
    assert germany["total"] == 3
    assert (
        germany["by_sector"]["ngo"],
        germany["by_sector"]["public_authority"],
        germany["by_sector"]["health"],
    ) == (2, 1, 0)
    assert (germany["by_level"]["local"], germany["by_level"]["national"]) == (1, 2)
    total = impact["total"]["stakeholders"]
    assert total["total"] == 4
    assert total["by_sector"]["health"] == 1 and total["by_level"]["regional"] == 1
    assert sum(total["by_sector"].values()) == sum(total["by_level"].values()) == 4


async def test_participants_are_those_who_came_and_countries_are_distinct(admin, worker):
    workshop = await past_event(worker, "DE", "workshop")
    conference = await past_event(worker, "IT", "conference")
    await past_event(worker, "IT", "meeting")
    await attended(worker, workshop["id"], "SY", "SY", "AF", None)
    await attended(worker, conference["id"], "AF", "UA")
    # Registered, but never came.
    await register(worker, conference["id"], name="No-show", country="ER")

    impact = await figures(admin)

    assert of(impact, "DE")["events"] == {"workshops": 1, "conferences": 0, "participants": 4, "countries": 2}
    assert of(impact, "IT")["events"] == {"workshops": 0, "conferences": 1, "participants": 2, "countries": 2}
    # Syria, Afghanistan and Ukraine: Afghanistan once, though people came from it to both.
    assert impact["total"]["events"] == {"workshops": 1, "conferences": 1, "participants": 6, "countries": 3}


async def test_actions_count_by_their_status(admin, worker):
    workshop = await past_event(worker, "DE", "workshop")
    ids = []
    for text in ("Map the services", "Train the mentors", "Write to the city"):
        response = await worker.post(
            f"/api/v1/events/{workshop['id']}/outcomes",
            json={"kind": "action", "text": text, "language": "en"},
        )
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    await worker.post(
        f"/api/v1/events/{workshop['id']}/outcomes", json={"kind": "finding", "text": "x", "language": "en"}
    )
    await worker.patch(f"/api/v1/actions/{ids[0]}", json={"status": "done"})
    await worker.patch(f"/api/v1/actions/{ids[1]}", json={"status": "in_progress"})

    impact = await figures(admin)

    assert of(impact, "DE")["actions"] == {"planned": 1, "in_progress": 1, "done": 1}
    assert impact["total"]["actions"] == {"planned": 1, "in_progress": 1, "done": 1}


async def test_delphi_figures_are_zero_where_no_delphi_study_is_held(admin):
    impact = await figures(admin)
    assert impact["total"]["delphi"] == {
        "studies": 0,
        "panellists": 0,
        "responded": 0,
        "statements": 0,
        "consensus_in": 0,
    }


async def test_one_platform_asked_for_is_the_only_one_and_the_total_is_its_own(people, worker):
    amina = await people("amina", "youth", ["DE", "IT"])
    await write_note(amina, platform="DE")
    await write_note(amina, platform="IT")
    await write_note(amina, platform="IT")

    italy = await figures(worker, "IT")

    assert [figures["code"] for figures in italy["platforms"]] == ["IT"]
    assert italy["total"]["interviews"] == 2
    both = await figures(worker)
    assert [figures["code"] for figures in both["platforms"]] == ["DE", "IT"]
    assert both["total"]["interviews"] == 3


async def test_a_peer_researcher_of_two_platforms_who_withdraws_consent_leaves_both_and_the_total(
    people, admin
):
    amina = await people("amina", "youth", ["DE", "IT"])
    luca = await people("luca", "youth", ["IT"])
    await write_note(amina, platform="DE")
    await focus_group(amina, 5, platform="IT")
    await write_note(luca, platform="IT")

    await amina.post("/api/v1/me/consent", json={"version": CONSENT_VERSION, "accepted": False})
    impact = await figures(admin)

    assert (of(impact, "DE")["interviews"], of(impact, "DE")["peer_researchers"]) == (0, 0)
    italy = of(impact, "IT")
    assert (italy["focus_groups"], italy["focus_group_participants"], italy["peer_researchers"]) == (0, 0, 1)
    assert (impact["total"]["interviews"], impact["total"]["peer_researchers"]) == (1, 1)


async def test_a_peer_researcher_counts_while_any_of_their_notes_counts_whatever_its_kind(people, admin):
    amina = await people("amina", "youth", ["DE"])
    interview = await write_note(amina)
    group = await focus_group(amina, 6)
    assert of(await figures(admin), "DE")["peer_researchers"] == 1

    assert (await amina.delete(f"/api/v1/notes/{interview['id']}")).status_code == 204
    still = of(await figures(admin), "DE")
    assert (await amina.delete(f"/api/v1/notes/{group['id']}")).status_code == 204
    gone = of(await figures(admin), "DE")

    assert (still["interviews"], still["focus_groups"], still["peer_researchers"]) == (0, 1, 1)
    assert (gone["focus_groups"], gone["focus_group_participants"], gone["peer_researchers"]) == (0, 0, 0)


async def test_an_erased_person_who_kept_nothing_leaves_every_figure(people, admin, worker):
    amina = await people("amina", "youth", ["DE", "IT"])
    approved = await write_note(amina, platform="DE")
    await focus_group(amina, 4, platform="IT")
    await worker.post(f"/api/v1/notes/{approved['id']}/review", json={"decision": "approve"})

    response = await amina.delete("/api/v1/me", json={"password": PASSWORD, "approved_notes": "delete"})
    assert response.status_code == 204, response.text

    impact = await figures(admin)
    assert impact["total"]["interviews"] == impact["total"]["focus_groups"] == 0
    assert impact["total"]["peer_researchers"] == 0
    assert [of(impact, code)["peer_researchers"] for code in ("DE", "IT")] == [0, 0]


async def test_a_directory_entry_changed_or_removed_moves_in_the_figures(admin, worker):
    entry = await stakeholder_entry(worker, "DE", "ngo", "local")
    await stakeholder_entry(worker, "DE", "ngo", "local")

    changed = await worker.patch(
        f"/api/v1/stakeholders/{entry['id']}",
        json={"version": entry["version"], "sector": "health", "level": "national"},
    )
    assert changed.status_code == 200, changed.text
    after_change = of(await figures(admin), "DE")["stakeholders"]
    assert (await worker.delete(f"/api/v1/stakeholders/{entry['id']}")).status_code == 204
    after_removal = of(await figures(admin), "DE")["stakeholders"]

    assert after_change["total"] == 2
    assert (after_change["by_sector"]["ngo"], after_change["by_sector"]["health"]) == (1, 1)
    assert (after_change["by_level"]["local"], after_change["by_level"]["national"]) == (1, 1)
    assert after_removal["total"] == 1
    assert (after_removal["by_sector"]["health"], after_removal["by_level"]["national"]) == (0, 0)


async def test_an_erased_attendee_still_counts_as_a_participant_but_names_no_country(people, admin, worker):
    workshop = await past_event(worker, "DE", "workshop")
    amina = await people("amina", "youth", ["DE"])
    hers = await register(amina, workshop["id"], country="SY")
    await attended(worker, workshop["id"], "AF")
    await worker.post(f"/api/v1/events/{workshop['id']}/attendance", json={"registration_ids": [hers["id"]]})
    before = of(await figures(admin), "DE")["events"]

    assert (await amina.delete("/api/v1/me", json={"password": PASSWORD})).status_code == 204

    after = of(await figures(admin), "DE")["events"]
    assert (before["participants"], before["countries"]) == (2, 2)
    assert (after["participants"], after["countries"]) == (2, 1)


async def test_a_network_wide_events_participants_and_actions_are_the_networks(admin):
    conference = await past_event(admin, None, "conference")
    await attended(admin, conference["id"], "UA", "SY")
    response = await admin.post(
        f"/api/v1/events/{conference['id']}/outcomes",
        json={"kind": "action", "text": "Meet again", "language": "en"},
    )
    assert response.status_code == 201, response.text

    network = of(await figures(admin), "NET")
    assert network["events"] == {"workshops": 0, "conferences": 1, "participants": 2, "countries": 2}
    assert network["actions"] == {"planned": 1, "in_progress": 0, "done": 0}
