"""Delphi from the attacker's side, and anonymity that holds in results, exports and the
database itself."""

from __future__ import annotations

import csv
import io
import uuid

import openpyxl
import sqlalchemy as sa

from server.audit.models import AuditEvent
from server.delphi.models import Panellist, Pseudonym, Rating
from server.delphi.service import delphi_figures
from server.mail.models import MailMessage
from tests.conftest import PASSWORD, without_platforms
from tests.delphi.conftest import add_statement, close_round, invite, open_round, rate, start_study
from tests.stakeholders.conftest import entry


async def run_study(facilitator, client, anonymity="anonymous", platforms=None):
    study_id = await start_study(facilitator, anonymity=anonymity, platforms=platforms or ["IT"])
    statement = await add_statement(facilitator, study_id, {"en": '=HYPERLINK("http://evil")'})
    panellists = [
        await invite(facilitator, study_id, name="Giulia Bianchi", email="giulia@example.org"),
        await invite(facilitator, study_id, name="Omar Said"),
    ]
    opened = await open_round(facilitator, study_id)
    await rate(client, panellists[0]["token"], (statement, 9), comment="Giulia thinks so")
    await rate(client, panellists[1]["token"], (statement, 8), comment="-1+1")
    await close_round(facilitator, opened["id"])
    return study_id, statement, panellists


async def test_another_platforms_facilitator_sees_nothing_of_the_study(facilitator, client, people):
    study_id, _, panellists = await run_study(facilitator, client)
    other = await people("forscher", "researcher", ["DE"])
    assert (await other.get("/api/v1/delphi/studies")).json()["items"] == []
    for method, path, body in [
        ("GET", f"/api/v1/delphi/studies/{study_id}", None),
        ("PATCH", f"/api/v1/delphi/studies/{study_id}", {"title": "Mine now"}),
        ("POST", f"/api/v1/delphi/studies/{study_id}/statements", {"text": {"en": "x"}}),
        ("POST", f"/api/v1/delphi/studies/{study_id}/panellists", {"name": "Spy", "language": "en"}),
        ("DELETE", f"/api/v1/delphi/studies/{study_id}/panellists/{panellists[0]['id']}", None),
        ("POST", f"/api/v1/delphi/studies/{study_id}/rounds", None),
        ("POST", f"/api/v1/delphi/studies/{study_id}/close", None),
        ("GET", f"/api/v1/delphi/studies/{study_id}/results", None),
        ("GET", f"/api/v1/delphi/studies/{study_id}/export", None),
    ]:
        response = await other.request(method, path, json=body)
        assert response.status_code == 404, (method, path, response.text)
    # Nothing changed: the link still works, the study is still open.
    assert (await client.get(f"/api/v1/delphi/ballots/{panellists[0]['token']}")).status_code == 200
    assert (await facilitator.get(f"/api/v1/delphi/studies/{study_id}")).json()["closed_at"] is None


async def test_a_researcher_without_platforms_sees_no_study(facilitator, client, people):
    study_id, _, _ = await run_study(facilitator, client)
    admin = await people("admin", "admin")
    loose = await without_platforms(client, admin, await people("loose", "researcher", ["IT"]))
    assert (await loose.get("/api/v1/delphi/studies")).json()["items"] == []
    assert (await loose.get(f"/api/v1/delphi/studies/{study_id}")).status_code == 404
    # Admins see every study.
    assert (await admin.get(f"/api/v1/delphi/studies/{study_id}")).status_code == 200


async def test_youth_members_have_no_delphi_routes(facilitator, client, people):
    study_id, _, _ = await run_study(facilitator, client)
    youth = await people("amina", "youth", ["IT"])
    for path in (f"/api/v1/delphi/studies/{study_id}", f"/api/v1/delphi/studies/{study_id}/results"):
        assert (await youth.get(path)).status_code == 403


async def test_stakeholders_read_results_only_once_the_study_is_closed(facilitator, client, people):
    study_id, _, _ = await run_study(facilitator, client)
    stakeholder = await people("partner", "stakeholder", ["IT"])
    elsewhere = await people("partner-de", "stakeholder", ["DE"])
    results = f"/api/v1/delphi/studies/{study_id}/results"
    assert (await stakeholder.get(results)).status_code == 404
    assert (await stakeholder.get(f"/api/v1/delphi/studies/{study_id}/export")).status_code == 403
    assert (await facilitator.post(f"/api/v1/delphi/studies/{study_id}/close")).status_code == 200
    read = await stakeholder.get(results)
    assert read.status_code == 200
    assert read.json()["rounds"][0]["statements"][0]["n"] == 2
    assert (await elsewhere.get(results)).status_code == 404


async def test_anonymous_callers_are_401_and_ballot_links_are_rate_limited(make_app, people):
    from litestar.testing import AsyncTestClient

    app = make_app(delphi_ballot_requests_per_minute=3)
    async with AsyncTestClient(app=app) as client:
        for path in (
            "/api/v1/delphi/studies",
            "/api/v1/delphi/studies/00000000-0000-0000-0000-000000000000/results",
        ):
            assert (await client.get(path)).status_code == 401
        guesses = [await client.get(f"/api/v1/delphi/ballots/guess-{number}") for number in range(4)]
        assert [response.status_code for response in guesses] == [404, 404, 404, 429]
        assert "retry-after" in guesses[-1].headers


async def test_anonymous_results_and_exports_carry_no_names_or_ids(facilitator, client, app):
    study_id, _, panellists = await run_study(facilitator, client)
    results = (await facilitator.get(f"/api/v1/delphi/studies/{study_id}/results")).text
    exported = (await facilitator.get(f"/api/v1/delphi/studies/{study_id}/export?format=csv")).text
    workbook = openpyxl.load_workbook(
        io.BytesIO((await facilitator.get(f"/api/v1/delphi/studies/{study_id}/export?format=xlsx")).content)
    )
    sheet_text = "\n".join(
        str(cell)
        for row in workbook["ratings"].iter_rows(values_only=True)
        for cell in row
        if cell is not None
    )
    secrets = ["Giulia Bianchi", "Omar Said", "giulia@example.org", *(item["id"] for item in panellists)]
    secrets += [item["token"] for item in panellists]
    for text in (results, exported, sheet_text):
        for secret in secrets:
            assert secret not in text
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert sorted(row["rating"] for row in rows) == ["8", "9"]
    assert {row["panellist"][:2] for row in rows} == {"P-"}
    assert len({row["panellist"] for row in rows}) == 2
    # The comment a panellist wrote is theirs to word; the formula guard still holds.
    assert {row["comment"] for row in rows} == {"Giulia thinks so", "'-1+1"}
    assert {row["statement"] for row in rows} == {'\'=HYPERLINK("http://evil")'}


async def test_under_anonymous_no_column_joins_a_panellist_to_a_rating(facilitator, client, app):
    study_id, _, _ = await run_study(facilitator, client)
    async with app.state.test_db() as db:
        panel = list(await db.scalars(sa.select(Panellist).where(Panellist.study_id == uuid.UUID(study_id))))
        pseudonyms = list(
            await db.scalars(sa.select(Pseudonym).where(Pseudonym.study_id == uuid.UUID(study_id)))
        )
        ratings = list(await db.scalars(sa.select(Rating)))
        audit = list(await db.scalars(sa.select(AuditEvent)))
    identities = {
        str(value)
        for item in panel
        for value in (item.id, item.user_id, item.stakeholder_id, item.token_hash)
        if value
    }
    assert len(pseudonyms) == 2
    assert all(item.panellist_id is None for item in pseudonyms)
    stored = {str(value) for item in pseudonyms for value in (item.id, item.key_hash, item.label)}
    stored |= {
        str(value) for item in ratings for value in (item.pseudonym_id, item.round_id, item.statement_id)
    }
    assert not identities & stored
    # The audit log names no pseudonym either.
    pseudonym_ids = {str(item.id) for item in pseudonyms}
    assert not any(pseudonym_id in str(event.details) for event in audit for pseudonym_id in pseudonym_ids)


async def test_a_named_study_exports_names_and_facilitators_studies_pseudonyms(facilitator, client):
    named, _, _ = await run_study(facilitator, client, anonymity="named")
    response = await facilitator.get(f"/api/v1/delphi/studies/{named}/export")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {row["panellist"] for row in rows} == {"Giulia Bianchi", "Omar Said"}
    kept, _, _ = await run_study(facilitator, client, anonymity="facilitators")
    rows = list(
        csv.DictReader(io.StringIO((await facilitator.get(f"/api/v1/delphi/studies/{kept}/export")).text))
    )
    assert {row["panellist"][:2] for row in rows} == {"P-"}


async def test_delphi_figures_count_per_platform(facilitator, client, app, people):
    admin = await people("admin", "admin")
    await run_study(facilitator, client)
    shared = await start_study(admin, platforms=["IT", "DE"])
    await add_statement(admin, shared, {"en": "Shared"})
    await invite(admin, shared, name="Never answers")
    await open_round(admin, shared)
    async with app.state.test_db() as db:
        figures, total = await delphi_figures(db, ["IT", "DE", "FR"])
    # IT: both studies; 3 panellists, 2 who rated, 2 statements, 1 in consensus (9 and 8 of 2).
    assert (figures["IT"].studies, figures["IT"].panellists, figures["IT"].responded) == (2, 3, 2)
    assert (figures["IT"].statements, figures["IT"].consensus_in) == (2, 1)
    assert (figures["DE"].studies, figures["DE"].panellists, figures["DE"].responded) == (1, 1, 0)
    assert (figures["DE"].statements, figures["DE"].consensus_in) == (1, 0)
    assert figures["FR"].studies == 0
    # The study of IT and DE counts once over both.
    assert (total.studies, total.panellists, total.responded, total.statements, total.consensus_in) == (
        2,
        3,
        2,
        2,
        1,
    )
    # And the programme's impact figures show them, per platform and in total.
    impact = (await admin.get("/api/v1/impact")).json()
    italy = next(platform for platform in impact["platforms"] if platform["code"] == "IT")
    assert italy["delphi"] == {
        "studies": 2,
        "panellists": 3,
        "responded": 2,
        "statements": 2,
        "consensus_in": 1,
    }
    assert impact["total"]["delphi"]["studies"] == 2


async def test_erasure_leaves_no_name_or_address_on_a_panel_and_ends_the_ballot_link(
    facilitator, client, people
):
    study_id = await start_study(facilitator, anonymity="named")
    statement = await add_statement(facilitator, study_id, {"en": "Schools need interpreters."})
    listed = await facilitator.post(
        "/api/v1/stakeholders", json={**entry(email="giulia@example.org"), "person_name": "Giulia Rossi"}
    )
    assert listed.status_code == 201, listed.text
    from_directory = await invite(facilitator, study_id, stakeholder_id=listed.json()["id"])
    amina = await people("amina", "youth", ["IT"], display_name="Amina Haddad")
    from_members = await invite(facilitator, study_id, user_id=amina.id)
    await open_round(facilitator, study_id)
    await rate(client, from_directory["token"], (statement, 8))

    erased = await facilitator.post(f"/api/v1/stakeholders/{listed.json()['id']}/erasure")
    assert erased.status_code == 200, erased.text
    assert (await amina.delete("/api/v1/me", json={"password": PASSWORD})).status_code == 204

    study = (await facilitator.get(f"/api/v1/delphi/studies/{study_id}")).text
    assert "Giulia" not in study and "giulia@" not in study and "Amina" not in study
    exported = (await facilitator.get(f"/api/v1/delphi/studies/{study_id}/export?format=csv")).text
    assert "Giulia" not in exported and "8" in exported  # the rating stays, the name goes
    for panellist in (from_directory, from_members):
        client.cookies.clear()
        assert (await client.get(f"/api/v1/delphi/ballots/{panellist['token']}")).status_code == 404


async def test_without_an_smtp_server_no_ballot_link_waits_in_the_outbox(app, facilitator):
    study_id = await start_study(facilitator)
    invited = await invite(facilitator, study_id, name="Giulia", email="giulia@example.org")
    assert invited["ballot_url"].endswith(invited["token"])  # the facilitator hands it on
    async with app.state.test_db() as db:
        assert (await db.scalar(sa.select(sa.func.count()).select_from(MailMessage))) == 0
