"""E-mail about accounts, end to end through a real SMTP server on 127.0.0.1: invites sent by
e-mail, the confirmed address of a staff or stakeholder account, and a password reset code
asked for on the sign-in screen. Tried from the attacker's side: addresses nobody has, young
people's accounts, other platforms, guessed codes, a flood of requests."""

from __future__ import annotations

import re
import urllib.parse

import sqlalchemy as sa

from server.accounts.models import Invite, User
from server.audit.models import AuditEvent
from tests.accounts.test_registration import registration
from tests.conftest import PASSWORD, sign_in
from tests.mail.conftest import html_of, outbox, text_of

CODE = re.compile(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}\b")
REQUEST_RESET = "/api/v1/auth/password-reset-request"
NEW_PASSWORD = "the bridge over the river"


def code_in(text: str) -> str:
    found = CODE.search(text)
    assert found is not None, text
    return found.group(0)


async def queued_code(app, to: str) -> str:
    """The code in the newest message to ``to`` still in the outbox (not sent yet)."""
    [message] = [m for m in await outbox(app) if m.to_address == to and m.status == "queued"][-1:]
    return code_in(message.text)


async def confirmed_address(app, person, address: str) -> None:
    asked = await person.patch("/api/v1/me", json={"email": address, "current_password": PASSWORD})
    assert asked.status_code == 200, asked.text
    confirmed = await person.post(
        "/api/v1/me/email-confirmation", json={"code": await queued_code(app, address)}
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["email"] == address


async def account(app, username: str) -> User:
    async with app.state.test_db() as db:
        user = await db.scalar(sa.select(User).where(User.username == username))
        assert user is not None
        return user


# Invites by e-mail


async def test_an_invite_is_emailed_in_the_language_asked_for_with_the_link_the_route_returns(
    app, client, people, smtp_server, delivery, accented
):
    worker = await people("yara", "youth_worker", ["IT"], language="it")
    created = await worker.post(
        "/api/v1/invites",
        json={"platform": "IT", "role": "stakeholder", "email": "Nadia@Example.org", "language": "ar"},
    )
    assert created.status_code == 201, created.text
    invite = created.json()

    assert await delivery.deliver_due() == 1

    [received] = smtp_server.received
    assert received.recipients == ["Nadia@example.org"]
    mail = received.message
    assert mail["Subject"] == "[ar] You are invited to join Tessera"
    assert mail["Content-Language"] == "ar"
    text = text_of(mail)
    assert invite["url"] in text
    assert invite["code"] in text
    assert "إيطاليا" in text  # the platform by its country's name, in Arabic
    page = html_of(mail)
    assert '<html lang="ar" dir="rtl">' in page
    assert f'href="{invite["url"]}"' in page
    # The link works: whoever received it joins with its code.
    client.cookies.clear()
    joined = await client.post("/api/v1/auth/register", json=registration(invite["code"]))
    assert joined.status_code == 201, joined.text
    assert joined.json()["user"]["role"] == "stakeholder"
    # The address is kept nowhere but in the message, whose text is forgotten once sent.
    [stored] = await outbox(app)
    assert (stored.status, stored.text, stored.html) == ("sent", "", "")
    async with app.state.test_db() as db:
        columns = [column.name for column in Invite.__table__.columns]
        rows = (await db.execute(sa.select(Invite))).all()
    assert not any("mail" in name for name in columns)
    assert "Nadia" not in repr(rows)


async def test_an_emailed_invite_is_in_the_inviters_language_when_none_is_asked_for(
    people, smtp_server, delivery, accented
):
    admin = await people("root", "admin", language="it")
    created = await admin.post("/api/v1/invites", json={"platform": "DE", "email": "karim@example.org"})
    assert created.status_code == 201, created.text

    assert await delivery.deliver_due() == 1
    [received] = smtp_server.received
    assert received.message["Content-Language"] == "it"
    assert "Germania" in text_of(received.message)


async def test_an_invite_without_an_address_sends_nothing(app, people):
    worker = await people("yara", "youth_worker", ["IT"])
    created = await worker.post("/api/v1/invites", json={"platform": "IT"})
    assert created.status_code == 201
    assert await outbox(app) == []


async def test_an_invite_to_a_bad_address_is_refused_in_the_inviters_language_and_nothing_is_kept(
    app, people, accented
):
    worker = await people("yara", "youth_worker", ["IT"], language="it")
    for address in ("not an address", "karim@example.org\r\nBcc: everyone@example.org", "a@b@c"):
        refused = await worker.post("/api/v1/invites", json={"platform": "IT", "email": address})
        assert refused.status_code == 422, refused.text
        [error] = refused.json()["errors"]
        assert error["field"] == "email"
        assert error["message"] == "[it] This is not an e-mail address."
    unknown_language = await worker.post(
        "/api/v1/invites", json={"platform": "IT", "email": "karim@example.org", "language": "xx"}
    )
    assert unknown_language.status_code == 422
    assert await outbox(app) == []
    async with app.state.test_db() as db:
        assert await db.scalar(sa.select(sa.func.count()).select_from(Invite)) == 0


async def test_nobody_emails_an_invite_to_a_platform_or_role_they_may_not_invite_to(app, people):
    other_platform = await people("hans", "youth_worker", ["DE"])
    researcher = await people("rita", "researcher", ["IT"])
    youth = await people("amina", "youth", ["IT"])
    stakeholder = await people("sara", "stakeholder", ["IT"])
    body = {"platform": "IT", "role": "youth", "email": "karim@example.org"}
    assert (await other_platform.post("/api/v1/invites", json=body)).status_code == 403
    assert (await researcher.post("/api/v1/invites", json=body)).status_code == 403
    assert (await youth.post("/api/v1/invites", json=body)).status_code == 403
    assert (await stakeholder.post("/api/v1/invites", json=body)).status_code == 403
    assert await outbox(app) == []


# The account's address


async def test_a_researcher_adds_an_address_that_counts_only_once_confirmed(
    app, people, smtp_server, delivery
):
    rita = await people("rita", "researcher", ["IT"])
    asked = await rita.patch("/api/v1/me", json={"email": "Rita@Example.org", "current_password": PASSWORD})
    assert asked.status_code == 200, asked.text
    assert (asked.json()["email"], asked.json()["pending_email"]) == (None, "Rita@example.org")

    assert await delivery.deliver_due() == 1
    [received] = smtp_server.received
    assert received.recipients == ["Rita@example.org"]
    assert received.message["Subject"] == "Confirm your e-mail address for Tessera"
    text = text_of(received.message)
    assert "rita" in text
    code = code_in(text)
    assert f"#/settings?email_code={code}" in text

    # Not yet: a reset code never goes to an address merely typed.
    assert (await rita.get("/api/v1/me")).json()["email"] is None
    confirmed = await rita.post("/api/v1/me/email-confirmation", json={"code": code.lower().replace("-", "")})
    assert confirmed.status_code == 200, confirmed.text
    me = (await rita.get("/api/v1/me")).json()
    assert (me["email"], me["pending_email"]) == ("Rita@example.org", None)
    data = (await rita.get("/api/v1/me/data")).json()
    assert data["email"] == "Rita@example.org"
    # A code works once.
    again = await rita.post("/api/v1/me/email-confirmation", json={"code": code})
    assert again.status_code == 422


async def test_a_wrong_code_or_another_persons_code_confirms_nothing(app, people, accented):
    rita = await people("rita", "researcher", ["IT"], language="it")
    sara = await people("sara", "stakeholder", ["IT"])
    await rita.patch("/api/v1/me", json={"email": "rita@example.org", "current_password": PASSWORD})
    ritas_code = await queued_code(app, "rita@example.org")

    wrong = await rita.post("/api/v1/me/email-confirmation", json={"code": "AAAA-BBBB-CCCC"})
    assert wrong.status_code == 422
    [error] = wrong.json()["errors"]
    assert error["field"] == "code"
    assert error["message"].startswith("[it] ")
    stolen = await sara.post("/api/v1/me/email-confirmation", json={"code": ritas_code})
    assert stolen.status_code == 422
    assert (await account(app, "rita")).email is None
    assert (await account(app, "sara")).email is None


async def test_guessing_confirmation_codes_is_throttled(app, people):
    rita = await people("rita", "researcher", ["IT"])
    await rita.patch("/api/v1/me", json={"email": "rita@example.org", "current_password": PASSWORD})
    answers = [
        (await rita.post("/api/v1/me/email-confirmation", json={"code": f"AAAA-BBBB-{n:04d}"})).status_code
        for n in range(11)
    ]
    assert answers == [422] * 10 + [429]


async def test_young_peoples_accounts_keep_no_address(app, people, accented):
    amina = await people("amina", "youth", ["IT"], language="it")
    refused = await amina.patch(
        "/api/v1/me", json={"email": "amina@example.org", "current_password": PASSWORD}
    )
    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert (error["field"], error["message"]) == (
        "email",
        "[it] Young people's accounts keep no e-mail address.",
    )
    assert (await amina.post("/api/v1/me/email-confirmation", json={"code": "x"})).status_code == 403
    assert await outbox(app) == []
    assert (await account(app, "amina")).pending_email is None


async def test_a_bad_address_for_the_account_is_refused_and_nothing_is_sent(app, people):
    rita = await people("rita", "researcher", ["IT"])
    refused = await rita.patch(
        "/api/v1/me", json={"email": "rita@example.org\nBcc: x@example.org", "current_password": PASSWORD}
    )
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["email"]
    assert await outbox(app) == []


async def test_asking_for_many_confirmation_codes_is_throttled(app, people):
    rita = await people("rita", "researcher", ["IT"])
    answers = [
        (
            await rita.patch(
                "/api/v1/me", json={"email": f"rita{n}@example.org", "current_password": PASSWORD}
            )
        ).status_code
        for n in range(6)
    ]
    assert answers == [200] * 5 + [429]
    assert len(await outbox(app)) == 5


async def test_an_address_is_removed_at_once_and_on_erasure_and_with_a_young_persons_role(app, people):
    rita = await people("rita", "researcher", ["IT"])
    await confirmed_address(app, rita, "rita@example.org")
    removed = await rita.patch("/api/v1/me", json={"email": None, "current_password": PASSWORD})
    assert removed.status_code == 200
    assert removed.json()["email"] is None

    await confirmed_address(app, rita, "rita@example.org")
    assert (await rita.delete("/api/v1/me", json={"password": PASSWORD})).status_code == 204
    async with app.state.test_db() as db:
        erased = await db.scalar(sa.select(User).where(User.username_key.like("erased:%")))
    assert erased is not None
    assert (erased.email, erased.email_key, erased.pending_email) == (None, None, None)
    assert all(m.to_address is None for m in await outbox(app))

    admin = await people("root", "admin")
    worker = await people("yara", "youth_worker", ["IT"])
    await confirmed_address(app, worker, "yara@example.org")
    assert (await admin.patch(f"/api/v1/users/{worker.id}", json={"role": "youth"})).status_code == 200
    assert (await account(app, "yara")).email is None


# Password reset by e-mail


async def test_a_forgotten_password_is_reset_with_the_code_and_link_that_come_by_email(
    app, client, people, smtp_server, delivery
):
    rita = await people("rita", "researcher", ["IT"])
    await confirmed_address(app, rita, "rita@example.org")
    assert await delivery.deliver_due() == 1  # the confirmation

    client.cookies.clear()
    asked = await client.post(REQUEST_RESET, json={"email": "RITA@example.org"})
    assert asked.status_code == 202
    assert asked.content == b""
    assert await delivery.deliver_due() == 1

    received = smtp_server.received[-1]
    assert received.recipients == ["rita@example.org"]
    assert received.message["Subject"] == "Your Tessera password reset code"
    text = text_of(received.message)
    code = code_in(text)
    link = re.search(r"https?://\S+#/reset-password\?\S+", text)
    assert link is not None
    query = urllib.parse.parse_qs(link.group(0).split("?", 1)[1])
    assert query == {"username": ["rita"], "code": [code]}
    # The e-mail is forgotten once sent: the code is nowhere on the server but as a hash.
    assert (await outbox(app))[-1].text == ""

    client.cookies.clear()
    reset = await client.post(
        "/api/v1/auth/password-reset", json={"username": "rita", "code": code, "new_password": NEW_PASSWORD}
    )
    assert reset.status_code == 204, reset.text
    await sign_in(client, "rita", NEW_PASSWORD)
    # Once only.
    client.cookies.clear()
    again = await client.post(
        "/api/v1/auth/password-reset", json={"username": "rita", "code": code, "new_password": PASSWORD}
    )
    assert again.status_code == 422
    async with app.state.test_db() as db:
        kinds = list(await db.scalars(sa.select(AuditEvent.kind).order_by(AuditEvent.at)))
    assert "password_reset.requested" in kinds and "password.reset" in kinds


async def test_the_answer_is_the_same_for_an_address_nobody_has_and_nothing_is_sent(
    app, client, people, delivery, smtp_server
):
    rita = await people("rita", "researcher", ["IT"])
    await confirmed_address(app, rita, "rita@example.org")
    assert await delivery.deliver_due() == 1
    client.cookies.clear()
    known = await client.post(REQUEST_RESET, json={"email": "rita@example.org"})
    unknown = await client.post(REQUEST_RESET, json={"email": "nobody@example.org"})
    assert (known.status_code, known.content, dict(known.headers).keys()) == (
        unknown.status_code,
        unknown.content,
        dict(unknown.headers).keys(),
    )
    assert await delivery.deliver_due() == 1
    assert [r.recipients for r in smtp_server.received] == [["rita@example.org"]] * 2


async def test_suspended_and_erased_accounts_and_unconfirmed_addresses_get_no_reset_code(
    app, client, people, delivery
):
    rita = await people("rita", "researcher", ["IT"])
    sara = await people("sara", "stakeholder", ["IT"])
    hans = await people("hans", "youth_worker", ["DE"])
    await confirmed_address(app, rita, "rita@example.org")
    await confirmed_address(app, sara, "sara@example.org")
    await hans.patch(
        "/api/v1/me", json={"email": "hans@example.org", "current_password": PASSWORD}
    )  # never confirmed
    async with app.state.test_db() as db:
        await db.execute(sa.update(User).where(User.username == "rita").values(status="suspended"))
        await db.commit()
    assert (await sara.delete("/api/v1/me", json={"password": PASSWORD})).status_code == 204
    before = len(await outbox(app))

    client.cookies.clear()
    for address in ("rita@example.org", "sara@example.org", "hans@example.org"):
        assert (await client.post(REQUEST_RESET, json={"email": address})).status_code == 202
    assert len(await outbox(app)) == before


async def test_reset_requests_are_throttled_per_address_and_per_client_alike_for_known_and_unknown(
    app, client, people, accented
):
    client.cookies.clear()
    answers = [
        (await client.post(REQUEST_RESET, json={"email": "nobody@example.org"})).status_code for _ in range(4)
    ]
    assert answers == [202, 202, 202, 429]
    refused = await client.post(
        REQUEST_RESET, json={"email": "nobody@example.org"}, headers={"Accept-Language": "it"}
    )
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.json()["detail"].startswith("[it] ")
    # Other addresses from the same client, up to the client's own limit.
    others = [
        (await client.post(REQUEST_RESET, json={"email": f"n{n}@example.org"})).status_code for n in range(8)
    ]
    assert others == [202] * 7 + [429]


async def test_a_reset_request_for_something_that_is_not_an_address_is_a_localised_422(client, accented):
    client.cookies.clear()
    refused = await client.post(
        REQUEST_RESET, json={"email": "not an address"}, headers={"Accept-Language": "it"}
    )
    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert (error["field"], error["message"]) == ("email", "[it] This is not an e-mail address.")
    too_long = await client.post(REQUEST_RESET, json={"email": "a" * 400 + "@example.org"})
    assert too_long.status_code == 422
    extra = await client.post(REQUEST_RESET, json={"email": "a@example.org", "username": "rita"})
    assert extra.status_code == 422


async def test_a_new_address_needs_the_password_so_a_stolen_session_cannot_take_the_account(app, people):
    rita = await people("rita", "researcher", ["IT"])
    for body in ({"email": "thief@example.org"}, {"email": "thief@example.org", "current_password": "guess"}):
        refused = await rita.patch("/api/v1/me", json=body)
        assert refused.status_code == 422, refused.text
        assert [error["field"] for error in refused.json()["errors"]] == ["current_password"]
    assert [m for m in await outbox(app) if m.to_address == "thief@example.org"] == []
    me = (await rita.get("/api/v1/me")).json()
    assert me["email"] is None and me["pending_email"] is None
    # Removing an address asks nothing: it gives nobody a way in.
    assert (await rita.patch("/api/v1/me", json={"email": None})).status_code == 200


async def test_invitations_by_e_mail_are_limited_per_inviter(app, people):
    worker = await people("wanda", "youth_worker", ["IT"])
    body = {"platform": "IT", "role": "stakeholder", "email": "partner@example.org"}
    answers = [(await worker.post("/api/v1/invites", json=body)).status_code for _ in range(31)]
    assert answers == [201] * 30 + [429]
    # Handing an invite over in person is not limited by it.
    assert (await worker.post("/api/v1/invites", json={"platform": "IT"})).status_code == 201
    assert len([m for m in await outbox(app) if m.template == "invitation"]) == 30
