"""The admins' e-mail outbox with an SMTP server: a failed message sent again once, however
often it is retried; a private ballot link not shown to anyone; an erased recipient's message
kept without them."""

from __future__ import annotations

from server.db import unit_of_work
from server.mail import outbox as mail_outbox
from tests.delphi.conftest import facilitator, invite, start_study
from tests.mail.test_delivery import queue_some

__all__ = ["facilitator"]


async def test_a_failed_message_is_sent_again_once_however_often_it_is_retried(
    app, people, delivery, smtp_server
):
    smtp_server.mailbox.refusals["gone@example.org"] = "550 5.1.1 No such user"
    await queue_some(app, 1, to="gone@example.org")
    await delivery.deliver_due()
    admin = await people("root", "admin")
    [failed] = (await admin.get("/api/v1/mail/outbox?status=failed")).json()["items"]
    assert failed["attempts"] == 1
    assert "550" in failed["last_error"]

    del smtp_server.mailbox.refusals["gone@example.org"]
    first = await admin.post(f"/api/v1/mail/outbox/{failed['id']}/retry")
    again = await admin.post(f"/api/v1/mail/outbox/{failed['id']}/retry")

    assert first.status_code == 200, first.text
    assert (first.json()["status"], first.json()["attempts"]) == ("queued", 0)
    assert again.status_code == 200
    assert len((await admin.get("/api/v1/audit?kind=mail.retried")).json()["items"]) == 1
    assert await delivery.deliver_due() == 1
    assert [received.recipients for received in smtp_server.received] == [["gone@example.org"]]
    sent = (await admin.get(f"/api/v1/mail/outbox/{failed['id']}")).json()
    assert (sent["status"], sent["sent_at"] is not None) == ("sent", True)

    refused = await admin.post(f"/api/v1/mail/outbox/{failed['id']}/retry")
    assert refused.status_code == 409
    assert refused.json()["type"] == "urn:tessera:problem:mail-not-retryable"


async def test_a_ballot_link_is_never_shown_to_an_admin_queued_or_sent(facilitator, people, delivery):
    study_id = await start_study(facilitator)
    invited = await invite(facilitator, study_id, name="Giulia", email="giulia@example.org")
    admin = await people("root", "admin")
    [item] = (await admin.get("/api/v1/mail/outbox")).json()["items"]

    queued = await admin.get(f"/api/v1/mail/outbox/{item['id']}")
    await delivery.deliver_due()
    sent = await admin.get(f"/api/v1/mail/outbox/{item['id']}")

    assert (queued.json()["body"], queued.json()["text"]) == ("withheld", None)
    assert (sent.json()["body"], sent.json()["text"]) == ("forgotten", None)
    assert invited["token"] not in queued.text + sent.text
    assert (await admin.post(f"/api/v1/mail/outbox/{item['id']}/retry")).status_code == 409


async def test_an_erased_recipients_sent_message_is_listed_without_them(app, people, delivery):
    await queue_some(app, 1, to="leaving@example.org")
    await delivery.deliver_due()
    async with unit_of_work(app.state.test_db) as db:
        await mail_outbox.forget_recipient(db, addresses=["leaving@example.org"])
    admin = await people("root", "admin")

    [item] = (await admin.get("/api/v1/mail/outbox")).json()["items"]
    detail = (await admin.get(f"/api/v1/mail/outbox/{item['id']}")).json()

    assert (item["to"], item["status"], item["body"]) == (None, "sent", "erased")
    assert detail["text"] is None
    assert "leaving@example.org" not in str(detail)
