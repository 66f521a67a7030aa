"""Delphi panellists by e-mail: the private ballot link in their language, forgotten by the
server once sent, and reminders that respect the study's anonymity."""

from __future__ import annotations

from tests.delphi.conftest import add_statement, facilitator, invite, open_round, rate, start_study
from tests.mail.conftest import html_of, outbox, text_of

__all__ = ["facilitator"]  # the fixture, used by name


async def test_a_panellist_gets_their_ballot_link_in_their_language_and_the_server_forgets_it(
    app, facilitator, client, smtp_server, delivery, accented
):
    study_id = await start_study(facilitator, title="Raccomandazioni dal basso")
    invited = await invite(facilitator, study_id, name="Giulia", email="giulia@example.org", language="it")
    await invite(facilitator, study_id, name="Omar, no e-mail")

    assert await delivery.deliver_due() == 1
    [received] = smtp_server.received
    assert received.recipients == ["giulia@example.org"]
    assert received.message["Subject"] == "[it] You are invited to the Delphi study Raccomandazioni dal basso"
    assert invited["ballot_url"] in text_of(received.message)
    assert f'href="{invited["ballot_url"]}"' in html_of(received.message)
    # Sent, the message keeps no link on the server: only the person holds it now.
    [stored] = await outbox(app)
    assert stored.status == "sent"
    assert invited["token"] not in stored.text + stored.html
    assert (stored.text, stored.html) == ("", "")


async def test_reminders_go_to_those_who_have_not_answered_where_the_study_may_know_it(
    app, facilitator, client, smtp_server, delivery
):
    study_id = await start_study(facilitator, anonymity="facilitators")
    statement = await add_statement(facilitator, study_id, {"en": "Schools need interpreters."})
    answered = await invite(facilitator, study_id, name="Ada", email="ada@example.org")
    await invite(facilitator, study_id, name="Ben", email="ben@example.org")
    await invite(facilitator, study_id, name="Cy, no e-mail")
    revoked = await invite(facilitator, study_id, name="Dee", email="dee@example.org")
    await facilitator.delete(f"/api/v1/delphi/studies/{study_id}/panellists/{revoked['id']}")
    opened = await open_round(facilitator, study_id)
    await rate(client, answered["token"], (statement, 8))
    await delivery.deliver_due()
    smtp_server.received.clear()

    reminded = await facilitator.post(f"/api/v1/delphi/rounds/{opened['id']}/reminders")

    assert reminded.status_code == 200, reminded.text
    assert reminded.json() == {"reminded": 1}
    assert await delivery.deliver_due() == 1
    [received] = smtp_server.received
    assert received.recipients == ["ben@example.org"]
    assert (
        received.message["Subject"]
        == f"Round 1 of {(await facilitator.get(f'/api/v1/delphi/studies/{study_id}')).json()['title']} is waiting for your answers"
    )
    assert "/#/ballot/" not in text_of(received.message)


async def test_an_anonymous_study_reminds_the_whole_panel_since_nobody_can_know_who_answered(
    app, facilitator, client, smtp_server, delivery
):
    study_id = await start_study(facilitator, anonymity="anonymous")
    statement = await add_statement(facilitator, study_id, {"en": "Schools need interpreters."})
    answered = await invite(facilitator, study_id, name="Ada", email="ada@example.org")
    await invite(facilitator, study_id, name="Ben", email="ben@example.org")
    opened = await open_round(facilitator, study_id)
    await rate(client, answered["token"], (statement, 8))
    await delivery.deliver_due()
    smtp_server.received.clear()

    reminded = await facilitator.post(f"/api/v1/delphi/rounds/{opened['id']}/reminders")

    assert reminded.json() == {"reminded": 2}
    await delivery.deliver_due()
    assert sorted(item.recipients[0] for item in smtp_server.received) == [
        "ada@example.org",
        "ben@example.org",
    ]
    assert all("If you have answered already" in text_of(item.message) for item in smtp_server.received)


async def test_reminders_are_refused_for_a_closed_round_and_to_another_platforms_researcher(
    app, facilitator, people, smtp_server, delivery
):
    study_id = await start_study(facilitator)
    await add_statement(facilitator, study_id, {"en": "Schools need interpreters."})
    await invite(facilitator, study_id, name="Ada", email="ada@example.org")
    opened = await open_round(facilitator, study_id)
    other = await people("forscher", "researcher", ["DE"])
    assert (await other.post(f"/api/v1/delphi/rounds/{opened['id']}/reminders")).status_code == 404
    closed = await facilitator.post(f"/api/v1/delphi/rounds/{opened['id']}/close")
    assert closed.status_code == 200, closed.text
    assert (await facilitator.post(f"/api/v1/delphi/rounds/{opened['id']}/reminders")).status_code == 409
    await delivery.deliver_due()
    assert [item.recipients for item in smtp_server.received] == [["ada@example.org"]]  # the invitation only
