"""Every route, tried from the attacker's side: no session, the wrong role, no CSRF token.

The table below must name every route the app serves: a new route without an entry here
fails `test_every_route_is_in_the_access_table`, so none ships untried.
"""

from __future__ import annotations

import uuid

import pytest

from server.accounts.models import User
from server.accounts.service import create_token
from tests.conftest import PASSWORD, served_routes
from tests.notes.conftest import FIRST_GUIDE_ID

ANYONE = "anyone"
SIGNED_IN = {"youth", "youth_worker", "researcher", "admin", "stakeholder"}
# Everyone but stakeholders: notes, guides and the forum are the peer research's own.
PARTICIPANTS = SIGNED_IN - {"stakeholder"}
STAFF = {"youth_worker", "researcher", "admin"}
ZERO = "00000000-0000-0000-0000-000000000000"

# (method, path, body, who may call it)
ACCESS_TABLE: list[tuple[str, str, dict | None, str | set[str]]] = [
    ("GET", "/health", None, ANYONE),
    ("GET", "/api/v1/platforms", None, ANYONE),
    ("GET", "/api/v1/i18n", None, ANYONE),
    ("GET", "/api/v1/vocabularies", None, ANYONE),
    ("GET", "/api/v1/i18n/{locale}", None, ANYONE),
    ("GET", "/api/v1/consent", None, ANYONE),
    ("POST", "/api/v1/auth/login", {"username": "x", "password": "y"}, ANYONE),
    ("POST", "/api/v1/auth/register", {}, ANYONE),
    ("POST", "/api/v1/auth/logout", None, SIGNED_IN),
    ("GET", "/api/v1/auth/session", None, ANYONE),
    ("GET", "/api/v1/me", None, SIGNED_IN),
    ("PATCH", "/api/v1/me", {}, SIGNED_IN),
    ("DELETE", "/api/v1/me", None, SIGNED_IN),
    ("POST", "/api/v1/me/password", {}, SIGNED_IN),
    ("POST", "/api/v1/password-reset-codes", {"username": "x"}, {"youth_worker", "admin"}),
    ("POST", "/api/v1/auth/password-reset", {"username": "x", "code": "y", "new_password": "z"}, ANYONE),
    ("POST", "/api/v1/auth/password-reset-request", {"email": "x@example.org"}, ANYONE),
    ("POST", "/api/v1/me/email-confirmation", {"code": "x"}, STAFF | {"stakeholder"}),
    ("GET", "/api/v1/me/data", None, SIGNED_IN),
    ("GET", "/api/v1/me/next-steps", None, SIGNED_IN),
    ("GET", "/api/v1/me/consent", None, SIGNED_IN),
    ("POST", "/api/v1/me/consent", {"version": "x", "accepted": False}, SIGNED_IN),
    ("POST", "/api/v1/invites", {"platform": "DE", "role": "stakeholder"}, STAFF),
    ("POST", "/api/v1/tokens", {"name": "t"}, {"researcher", "admin"}),
    ("GET", "/api/v1/tokens", None, {"researcher", "admin"}),
    ("DELETE", "/api/v1/tokens/{token_id}", None, {"researcher", "admin"}),
    ("PATCH", "/api/v1/users/{user_id}", {}, {"admin"}),
    ("GET", "/api/v1/users", None, {"admin"}),
    ("GET", "/api/v1/invites", None, STAFF),
    ("DELETE", "/api/v1/invites/{invite_id}", None, STAFF),
    ("GET", "/api/v1/audit", None, {"admin"}),
    ("GET", "/api/v1/mail/outbox", None, {"admin"}),
    ("GET", "/api/v1/mail/outbox/{message_id}", None, {"admin"}),
    ("POST", "/api/v1/mail/outbox/{message_id}/retry", None, {"admin"}),
    ("PATCH", "/api/v1/platforms/{code}", {}, {"admin"}),
    ("GET", "/api/v1/guides", None, PARTICIPANTS),
    ("GET", "/api/v1/guides/{guide_id}", None, PARTICIPANTS),
    ("POST", "/api/v1/guides", {}, {"researcher", "admin"}),
    ("PUT", "/api/v1/guides/{guide_id}", {}, {"researcher", "admin"}),
    ("GET", "/api/v1/guides/{guide_id}/versions", None, {"researcher", "admin"}),
    ("PUT", "/api/v1/notes/{note_id}", {}, {"youth"}),
    ("POST", "/api/v1/sync", {"notes": []}, {"youth"}),
    ("GET", "/api/v1/notes", None, PARTICIPANTS),
    ("GET", "/api/v1/notes/{note_id}", None, PARTICIPANTS),
    (
        "POST",
        "/api/v1/notes/{note_id}/review",
        {"decision": "approve"},
        {"youth_worker", "researcher", "admin"},
    ),
    ("DELETE", "/api/v1/notes/{note_id}", None, {"youth"}),
    ("GET", "/api/v1/exports/notes", None, {"researcher", "admin"}),
    ("GET", "/api/v1/forum/categories", None, PARTICIPANTS),
    ("POST", "/api/v1/forum/categories", {}, {"admin"}),
    ("GET", "/api/v1/forum/topics", None, PARTICIPANTS),
    ("POST", "/api/v1/forum/topics", {}, PARTICIPANTS),
    ("GET", "/api/v1/forum/topics/{topic_id}", None, PARTICIPANTS),
    ("POST", "/api/v1/forum/topics/{topic_id}/posts", {}, PARTICIPANTS),
    ("PATCH", "/api/v1/forum/posts/{post_id}", {}, PARTICIPANTS),
    ("POST", "/api/v1/forum/posts/{post_id}/flags", {}, PARTICIPANTS),
    ("PUT", "/api/v1/forum/posts/{post_id}/reactions/{kind}", None, PARTICIPANTS),
    ("DELETE", "/api/v1/forum/posts/{post_id}/reactions/{kind}", None, PARTICIPANTS),
    ("GET", "/api/v1/forum/blocks", None, PARTICIPANTS),
    ("POST", "/api/v1/forum/blocks", {}, PARTICIPANTS),
    ("DELETE", "/api/v1/forum/blocks/{user_id}", None, PARTICIPANTS),
    ("GET", "/api/v1/moderation/queue", None, {"youth_worker", "admin"}),
    ("POST", "/api/v1/moderation/posts/{post_id}", {}, {"youth_worker", "admin"}),
    ("POST", "/api/v1/moderation/topics/{topic_id}", {}, {"youth_worker", "admin"}),
    ("POST", "/api/v1/moderation/users/{user_id}", {}, {"youth_worker", "admin"}),
    ("GET", "/api/v1/moderation/log", None, {"youth_worker", "admin"}),
    ("GET", "/api/v1/notifications", None, SIGNED_IN),
    ("POST", "/api/v1/notifications/read", {"ids": []}, SIGNED_IN),
    ("GET", "/api/v1/me/notification-settings", None, SIGNED_IN),
    ("PUT", "/api/v1/me/notification-settings", {"events": []}, SIGNED_IN),
    ("GET", "/api/v1/push/key", None, ANYONE),
    ("POST", "/api/v1/push/subscriptions", {}, SIGNED_IN),
    ("DELETE", "/api/v1/push/subscriptions", {"endpoint": "https://fcm.googleapis.com/x"}, SIGNED_IN),
    ("GET", "/api/v1/stakeholders", None, STAFF),
    ("POST", "/api/v1/stakeholders", {}, STAFF),
    ("GET", "/api/v1/stakeholders/similar", None, STAFF),
    ("POST", "/api/v1/stakeholders/import", None, STAFF),
    ("GET", "/api/v1/stakeholders/export", None, STAFF),
    ("GET", "/api/v1/stakeholders/{entry_id}", None, STAFF),
    ("PATCH", "/api/v1/stakeholders/{entry_id}", {"version": 1}, STAFF),
    ("DELETE", "/api/v1/stakeholders/{entry_id}", None, STAFF),
    ("POST", "/api/v1/stakeholders/{entry_id}/erasure", None, STAFF),
    ("POST", "/api/v1/stakeholders/{entry_id}/engagements", {}, STAFF),
    ("GET", "/api/v1/events", None, SIGNED_IN),
    ("POST", "/api/v1/events", {}, STAFF),
    ("GET", "/api/v1/events/calendar.ics", None, SIGNED_IN),
    ("GET", "/api/v1/events/{event_id}", None, SIGNED_IN),
    ("PATCH", "/api/v1/events/{event_id}", {"version": 1}, STAFF),
    ("GET", "/api/v1/events/{event_id}/calendar.ics", None, SIGNED_IN),
    ("POST", "/api/v1/events/{event_id}/registrations", {}, SIGNED_IN),
    ("GET", "/api/v1/events/{event_id}/registrations", None, STAFF),
    ("DELETE", "/api/v1/events/{event_id}/registrations/{registration_id}", None, SIGNED_IN),
    ("GET", "/api/v1/events/{event_id}/registrations/{registration_id}/qr.svg", None, SIGNED_IN),
    ("POST", "/api/v1/events/{event_id}/attendance", {"registration_ids": [ZERO]}, STAFF),
    ("POST", "/api/v1/events/{event_id}/check-in", {"token": "x"}, STAFF),
    ("POST", "/api/v1/events/{event_id}/outcomes", {}, STAFF),
    ("GET", "/api/v1/events/{event_id}/outcomes", None, SIGNED_IN),
    ("GET", "/api/v1/actions", None, STAFF | {"stakeholder"}),
    ("PATCH", "/api/v1/actions/{action_id}", {"status": "done"}, STAFF),
    ("GET", "/api/v1/impact", None, STAFF | {"stakeholder"}),
    ("GET", "/api/v1/impact/charts/{chart}", None, STAFF | {"stakeholder"}),
    ("GET", "/api/v1/impact/report.pdf", None, STAFF | {"stakeholder"}),
    ("POST", "/api/v1/me/calendar-feed", None, SIGNED_IN),
    ("DELETE", "/api/v1/me/calendar-feed", None, SIGNED_IN),
    ("GET", "/api/v1/calendar-feeds/{token}/calendar.ics", None, ANYONE),
    ("POST", "/api/v1/delphi/studies", {}, {"researcher", "admin"}),
    ("GET", "/api/v1/delphi/studies", None, {"researcher", "admin", "stakeholder"}),
    ("GET", "/api/v1/delphi/studies/{study_id}", None, {"researcher", "admin"}),
    ("PATCH", "/api/v1/delphi/studies/{study_id}", {}, {"researcher", "admin"}),
    ("POST", "/api/v1/delphi/studies/{study_id}/statements", {}, {"researcher", "admin"}),
    ("POST", "/api/v1/delphi/studies/{study_id}/panellists", {}, {"researcher", "admin"}),
    ("DELETE", "/api/v1/delphi/studies/{study_id}/panellists/{panellist_id}", None, {"researcher", "admin"}),
    ("POST", "/api/v1/delphi/studies/{study_id}/rounds", None, {"researcher", "admin"}),
    ("POST", "/api/v1/delphi/studies/{study_id}/close", None, {"researcher", "admin"}),
    ("POST", "/api/v1/delphi/rounds/{round_id}/close", None, {"researcher", "admin"}),
    ("POST", "/api/v1/delphi/rounds/{round_id}/reminders", None, {"researcher", "admin"}),
    ("GET", "/api/v1/delphi/studies/{study_id}/results", None, {"researcher", "admin", "stakeholder"}),
    ("GET", "/api/v1/delphi/studies/{study_id}/export", None, {"researcher", "admin"}),
    ("GET", "/api/v1/delphi/studies/{study_id}/report", None, {"researcher", "admin", "stakeholder"}),
    ("GET", "/api/v1/delphi/studies/{study_id}/proposals", None, {"researcher", "admin"}),
    (
        "POST",
        "/api/v1/delphi/studies/{study_id}/proposals/{proposal_id}/accept",
        {"text": {"en": "x"}},
        {"researcher", "admin"},
    ),
    (
        "POST",
        "/api/v1/delphi/studies/{study_id}/proposals/{proposal_id}/dismiss",
        None,
        {"researcher", "admin"},
    ),
    ("GET", "/api/v1/delphi/ballots/{token}", None, ANYONE),
    ("PUT", "/api/v1/delphi/ballots/{token}", {"ratings": []}, ANYONE),
    ("GET", "/api/v1/me/ballots", None, SIGNED_IN),
    ("POST", "/api/v1/me/ballots/{panellist_id}/link", None, SIGNED_IN),
    ("GET", "/api/v1/briefs", None, {"researcher", "admin", "stakeholder"}),
    ("POST", "/api/v1/briefs", {}, {"researcher", "admin"}),
    ("GET", "/api/v1/briefs/{brief_id}", None, {"researcher", "admin", "stakeholder"}),
    ("PUT", "/api/v1/briefs/{brief_id}", {}, {"researcher", "admin"}),
    ("GET", "/api/v1/briefs/{brief_id}/versions", None, {"researcher", "admin"}),
    ("POST", "/api/v1/briefs/{brief_id}/authors", {"user_id": ZERO}, {"researcher", "admin"}),
    ("POST", "/api/v1/briefs/{brief_id}/evidence", {}, {"researcher", "admin"}),
    ("DELETE", "/api/v1/briefs/{brief_id}/evidence/{evidence_id}", None, {"researcher", "admin"}),
    (
        "POST",
        "/api/v1/briefs/{brief_id}/review",
        {"decision": "approve", "version": 1},
        {"researcher", "admin"},
    ),
    ("POST", "/api/v1/briefs/{brief_id}/publish", None, {"researcher", "admin"}),
    ("GET", "/api/v1/briefs/{brief_id}/document", None, {"researcher", "admin", "stakeholder"}),
    ("POST", "/api/v1/briefs/{brief_id}/unpublish", None, {"researcher", "admin"}),
    ("POST", "/api/v1/briefs/{brief_id}/review-request", {"version": 1}, {"researcher", "admin"}),
    ("POST", "/api/v1/briefs/{brief_id}/translations", {"language": "ar"}, {"researcher", "admin"}),
    ("GET", "/api/v1/briefs/{brief_id}/translations", None, {"researcher", "admin", "stakeholder"}),
    ("GET", "/api/v1/briefs/published", None, ANYONE),
]


def readable_id(value: object) -> str:
    # Sets print in an order that differs between processes; pytest-xdist's workers must agree.
    return str(sorted(value)) if isinstance(value, set) else str(value)


PROTECTED = [row for row in ACCESS_TABLE if row[3] != ANYONE]
UNSAFE_PROTECTED = [row for row in PROTECTED if row[0] != "GET"]


def concrete(path: str) -> str:
    return (
        path.replace("{guide_id}", FIRST_GUIDE_ID)
        .replace("{note_id}", ZERO)
        .replace("{locale}", "en")
        .replace("{token_id}", ZERO)
        .replace("{user_id}", ZERO)
        .replace("{code}", "DE")
        .replace("{topic_id}", ZERO)
        .replace("{post_id}", ZERO)
        .replace("{entry_id}", ZERO)
        .replace("{event_id}", ZERO)
        .replace("{registration_id}", ZERO)
        .replace("{action_id}", ZERO)
        .replace("{study_id}", ZERO)
        .replace("{panellist_id}", ZERO)
        .replace("{proposal_id}", ZERO)
        .replace("{round_id}", ZERO)
        .replace("{brief_id}", ZERO)
        .replace("{evidence_id}", ZERO)
        .replace("{kind}", "heart")
        .replace("{message_id}", ZERO)
        .replace("{invite_id}", ZERO)
        .replace("{token}", "not-a-feed")
        .replace("{chart}", "platforms.svg")
    )


def test_every_route_is_in_the_access_table(app):
    served = served_routes(app)
    tabled = {(method, path) for method, path, _, _ in ACCESS_TABLE}
    assert served == tabled


@pytest.mark.parametrize(("method", "path", "body", "allowed"), PROTECTED, ids=readable_id)
async def test_without_a_session_every_protected_route_is_401(client, method, path, body, allowed):
    response = await client.request(method, concrete(path), json=body)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(("method", "path", "body", "allowed"), PROTECTED, ids=readable_id)
async def test_a_role_without_the_right_is_403(people, method, path, body, allowed):
    for role in sorted(SIGNED_IN - allowed):
        person = await people(f"not-{role}-{uuid.uuid4().hex[:6]}", role, ["DE"])
        response = await person.request(method, concrete(path), json=body)
        assert response.status_code == 403, (role, response.text)


@pytest.mark.parametrize(("method", "path", "body", "allowed"), PROTECTED, ids=readable_id)
async def test_a_role_with_the_right_gets_past_the_guard(people, method, path, body, allowed):
    for role in sorted(allowed):
        person = await people(f"is-{role.replace('_', '-')}-{uuid.uuid4().hex[:6]}", role, ["DE"])
        response = await person.request(method, concrete(path), json=body)
        assert response.status_code not in {401, 403}, (role, response.text)


@pytest.mark.parametrize(("method", "path", "body", "allowed"), UNSAFE_PROTECTED, ids=readable_id)
async def test_an_unsafe_request_without_the_csrf_token_is_403(people, method, path, body, allowed):
    role = sorted(allowed)[0]
    person = await people(f"csrf-{uuid.uuid4().hex[:6]}", role, ["DE"])
    response = await person.request(method, concrete(path), json=body, csrf=False)
    assert response.status_code == 403
    assert "X-CSRF-Token" in response.json()["detail"]
    # And nothing happened: the person is still there and signed in.
    assert (await person.get("/api/v1/me")).status_code == 200


@pytest.mark.parametrize(("method", "path", "body", "allowed"), PROTECTED, ids=readable_id)
async def test_an_erased_persons_old_session_is_refused_everywhere(people, method, path, body, allowed):
    role = sorted(allowed)[0]
    person = await people(f"gone-{uuid.uuid4().hex[:6]}", role, ["DE"])
    if role == "admin":
        await people(f"stays-{uuid.uuid4().hex[:6]}", "admin")  # the last admin cannot leave
    assert (await person.delete("/api/v1/me", json={"password": PASSWORD})).status_code == 204
    response = await person.request(method, concrete(path), json=body)
    assert response.status_code == 401


async def token_for(app, person) -> str:
    """A personal API token of this person, made directly: roles that cannot ask for one get
    one too, so that the scope is tried on every route, not only on researchers' and admins'."""
    async with app.state.test_db() as db:
        user = await db.get(User, uuid.UUID(person.id))
        _, token = await create_token(db, user, "script", 30, 365)
        await db.commit()
    return token


def token_holder(allowed: set[str]) -> str:
    # Researchers and admins are who hold tokens; other roles only where the route allows no other.
    return sorted(allowed, key=lambda role: (role not in {"researcher", "admin"}, role))[0]


@pytest.mark.parametrize(("method", "path", "body", "allowed"), UNSAFE_PROTECTED, ids=readable_id)
async def test_a_token_of_a_role_with_the_right_is_refused_on_every_unsafe_route(
    app, client, people, method, path, body, allowed
):
    person = await people(f"token-{uuid.uuid4().hex[:6]}", token_holder(allowed), ["DE"])
    token = await token_for(app, person)
    client.cookies.clear()
    headers = {"Authorization": f"Bearer {token}"}
    response = await client.request(method, concrete(path), json=body, headers=headers)
    assert response.status_code == 403, response.text
    assert response.json()["detail"] == "This needs a signed-in session; API tokens can only read."


@pytest.mark.parametrize(
    ("method", "path", "body", "allowed"),
    [row for row in PROTECTED if row[0] == "GET"],
    ids=readable_id,
)
async def test_a_token_of_a_role_with_the_right_reads_past_the_guard(
    app, client, people, method, path, body, allowed
):
    person = await people(f"reader-{uuid.uuid4().hex[:6]}", token_holder(allowed), ["DE"])
    token = await token_for(app, person)
    client.cookies.clear()
    response = await client.request(method, concrete(path), headers={"Authorization": f"Bearer {token}"})
    assert response.status_code not in {401, 403}, response.text


async def test_another_account_neither_lists_nor_renews_my_ballot_link(people):
    """The ballot routes of the home answer for the signed-in panellist alone: another
    stakeholder, a facilitator of the study, another platform's researcher and an admin get
    an empty list and a 404, and the panellist's link keeps working."""
    facilitator = await people("ballot-facilitator", "researcher", ["IT"])
    panellist = await people("ballot-panellist", "stakeholder", ["IT"])
    study = await facilitator.post(
        "/api/v1/delphi/studies",
        json={
            "title": "Services",
            "platforms": ["IT"],
            "scale": {"min": 1, "max": 9},
            "consensus": {"kind": "iqr", "max_iqr": 1, "agree_from": 7, "disagree_to": 3},
            "anonymity": "named",
            "languages": ["en"],
        },
    )
    study_id = study.json()["id"]
    await facilitator.post(f"/api/v1/delphi/studies/{study_id}/statements", json={"text": {"en": "Mentors"}})
    invited = (
        await facilitator.post(
            f"/api/v1/delphi/studies/{study_id}/panellists", json={"user_id": panellist.id, "language": "en"}
        )
    ).json()
    assert (await facilitator.post(f"/api/v1/delphi/studies/{study_id}/rounds")).status_code == 201
    attackers = [
        facilitator,
        await people("ballot-peer", "stakeholder", ["IT"]),
        await people("ballot-other-platform", "researcher", ["DE"]),
        await people("ballot-admin", "admin", []),
    ]
    for attacker in attackers:
        assert (await attacker.get("/api/v1/me/ballots")).json() == {"items": []}
        renewed = await attacker.post(f"/api/v1/me/ballots/{invited['id']}/link")
        assert renewed.status_code == 404, renewed.text
    assert (await panellist.client.get(f"/api/v1/delphi/ballots/{invited['token']}")).status_code == 200
    assert len((await panellist.get("/api/v1/me/ballots")).json()["items"]) == 1


async def test_another_platforms_staff_cannot_search_an_events_registrations(people):
    organiser = await people("door-organiser", "youth_worker", ["IT"])
    event = await organiser.post(
        "/api/v1/events",
        json={
            "platform": "IT",
            "kind": "workshop",
            "title": "Workshop",
            "starts_at": "2027-03-10T09:00:00Z",
            "ends_at": "2027-03-10T16:00:00Z",
            "time_zone": "Europe/Rome",
            "languages": ["it"],
        },
    )
    event_id = event.json()["id"]
    guest = await organiser.post(f"/api/v1/events/{event_id}/registrations", json={"name": "Amal Haddad"})
    code = guest.json()["check_in_code"]
    for attacker in [
        await people("door-other-platform", "youth_worker", ["DE"]),
        await people("door-stakeholder", "stakeholder", ["IT"]),
        await people("door-youth", "youth", ["IT"]),
    ]:
        for q in ("amal", code):
            response = await attacker.get(f"/api/v1/events/{event_id}/registrations", params={"q": q})
            assert response.status_code in {403, 404}, response.text
            assert "Amal" not in response.text
