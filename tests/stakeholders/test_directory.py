"""The directory's entries: checked contact details, one entry per person, search that folds
case and accents, stale edits, engagements, deletion and erasure of a person on request."""

from __future__ import annotations

import uuid

from tests.stakeholders.conftest import add, entry


async def test_an_entry_is_stored_with_its_phone_in_e164_and_its_consent_dated(keeper):
    created = await add(
        keeper, email="Giulia.Rossi@Comune.Roma.IT", phone="06 1234 5678", languages=["it", "en"]
    )
    assert created["phone"] == "+390612345678"
    assert created["email"] == "Giulia.Rossi@comune.roma.it"
    assert created["contact_consent_at"] is not None
    assert created["engagements"] == [] and created["services"] == []
    assert created["version"] == 1
    read = await keeper.get(f"/api/v1/stakeholders/{created['id']}")
    assert read.json() == created


async def test_a_bad_email_or_phone_is_422_and_nothing_is_stored(keeper):
    response = await keeper.post("/api/v1/stakeholders", json=entry(email="giulia@", phone="12"))
    assert response.status_code == 422
    assert {error["field"] for error in response.json()["errors"]} == {"email", "phone"}
    assert (await keeper.get("/api/v1/stakeholders?platform=IT")).json()["items"] == []


async def test_the_same_email_without_case_is_the_same_entry(keeper):
    stored = await add(keeper, email="giulia@comune.roma.it")
    response = await keeper.post(
        "/api/v1/stakeholders", json=entry(person_name="Someone Else", email="GIULIA@Comune.Roma.it")
    )
    assert response.status_code == 409
    assert response.json()["type"] == "urn:tessera:problem:duplicate-stakeholder"
    assert response.json()["entry"]["id"] == stored["id"]


async def test_the_same_organisation_and_person_without_case_and_accents_is_the_same_entry(keeper):
    stored = await add(keeper, organisation="Città Aperta", person_name="José Núñez")
    response = await keeper.post(
        "/api/v1/stakeholders", json=entry(organisation="CITTA  aperta", person_name="jose nunez")
    )
    assert response.status_code == 409
    assert response.json()["entry"]["id"] == stored["id"]
    # Another person of the same organisation is another entry.
    await add(keeper, organisation="Città Aperta", person_name="Ana Núñez")


async def test_search_folds_case_and_accents_in_every_script(keeper):
    names = {
        "Città Aperta": "José Núñez",
        "Δήμος Αθηναίων": "Ελένη Παπαδοπούλου",
        "Straße der Vielfalt": "Łukasz Wójcik",
        "Istanbul İnisiyatifi": None,
    }
    for organisation, person in names.items():
        await add(keeper, organisation=organisation, person_name=person)
    searches = {
        "citta": "Città Aperta",
        "NUNEZ jose": "Città Aperta",
        "αθηναιων": "Δήμος Αθηναίων",
        "ΠΑΠΑΔΟΠΟΥΛΟΥ": "Δήμος Αθηναίων",
        "strasse": "Straße der Vielfalt",
        "lukasz wojcik": "Straße der Vielfalt",
        "inisiyatifi": "Istanbul İnisiyatifi",
    }
    for q, organisation in searches.items():
        found = (await keeper.get("/api/v1/stakeholders", params={"platform": "IT", "q": q})).json()["items"]
        assert [item["organisation"] for item in found] == [organisation], q
    # LIKE's own characters are searched for as themselves, not as wildcards.
    for q in ("%", "_", "a%e"):
        found = (await keeper.get("/api/v1/stakeholders", params={"platform": "IT", "q": q})).json()["items"]
        assert found == [], q


async def test_filters_and_pages_walk_every_entry_once(keeper):
    for number in range(5):
        await add(
            keeper, organisation=f"Scuola {number}", person_name=None, sector="education", level="local"
        )
    await add(keeper, organisation="Regione Lazio", person_name=None, level="regional")
    seen: list[str] = []
    cursor = None
    while True:
        params = {
            "platform": "IT",
            "sector": "education",
            "limit": 2,
            **({"cursor": cursor} if cursor else {}),
        }
        page = (await keeper.get("/api/v1/stakeholders", params=params)).json()
        seen += [item["organisation"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == [f"Scuola {number}" for number in range(5)]
    regional = (await keeper.get("/api/v1/stakeholders?platform=IT&level=regional")).json()["items"]
    assert [item["organisation"] for item in regional] == ["Regione Lazio"]


async def test_an_edit_from_a_stale_version_is_409_with_the_stored_entry(keeper):
    stored = await add(keeper)
    path = f"/api/v1/stakeholders/{stored['id']}"
    first = await keeper.patch(
        path, json={"version": 1, "role_title": "Assessora", "phone": "+39 347 123 4567"}
    )
    assert first.status_code == 200, first.text
    assert first.json()["version"] == 2 and first.json()["phone"] == "+393471234567"
    stale = await keeper.patch(path, json={"version": 1, "role_title": "Sindaca"})
    assert stale.status_code == 409
    assert stale.json()["type"] == "urn:tessera:problem:stakeholder-conflict"
    assert stale.json()["entry"]["role_title"] == "Assessora"
    assert (await keeper.get(path)).json()["role_title"] == "Assessora"
    # null clears an optional field.
    cleared = await keeper.patch(path, json={"version": 2, "role_title": None})
    assert cleared.json()["role_title"] is None


async def test_an_edit_that_makes_an_entry_another_ones_duplicate_is_409(keeper):
    await add(keeper, email="giulia@comune.roma.it")
    other = await add(keeper, person_name="Marco Bianchi")
    response = await keeper.patch(
        f"/api/v1/stakeholders/{other['id']}", json={"version": 1, "email": "GIULIA@comune.roma.it"}
    )
    assert response.status_code == 409
    assert response.json()["type"] == "urn:tessera:problem:duplicate-stakeholder"


async def test_engagements_are_the_entrys_history(keeper):
    stored = await add(keeper)
    path = f"/api/v1/stakeholders/{stored['id']}/engagements"
    event_id = str(uuid.uuid4())
    response = await keeper.post(
        path,
        json={
            "kind": "workshop",
            "at": "2026-05-12T09:00:00Z",
            "summary": "Spoke on housing",
            "event_id": event_id,
        },
    )
    assert response.status_code == 201, response.text
    await keeper.post(path, json={"kind": "mapping", "at": "2026-01-10T09:00:00Z"})
    history = (await keeper.get(f"/api/v1/stakeholders/{stored['id']}")).json()["engagements"]
    assert [(item["kind"], item["event_id"]) for item in history] == [
        ("mapping", None),
        ("workshop", event_id),
    ]
    assert (await keeper.post(path, json={"kind": "party", "at": "2026-01-10T09:00:00Z"})).status_code == 422


async def test_a_deleted_entry_is_gone_with_its_engagements(keeper):
    stored = await add(keeper)
    await keeper.post(
        f"/api/v1/stakeholders/{stored['id']}/engagements",
        json={"kind": "interview", "at": "2026-02-01T10:00:00Z"},
    )
    assert (await keeper.delete(f"/api/v1/stakeholders/{stored['id']}")).status_code == 204
    assert (await keeper.get(f"/api/v1/stakeholders/{stored['id']}")).status_code == 404
    # The person can be added again afresh.
    await add(keeper)


async def test_erasing_a_person_keeps_the_organisation_and_its_history_without_them(keeper, people):
    stored = await add(keeper, email="giulia@comune.roma.it", phone="06 1234 5678", role_title="Assessora")
    await keeper.post(
        f"/api/v1/stakeholders/{stored['id']}/engagements",
        json={
            "kind": "interview",
            "at": "2026-02-01T10:00:00Z",
            "summary": "Giulia told us about the office",
        },
    )
    response = await keeper.post(f"/api/v1/stakeholders/{stored['id']}/erasure")
    assert response.status_code == 200, response.text
    kept = response.json()
    assert kept["organisation"] == "Comune di Roma"
    assert [kept[name] for name in ("person_name", "role_title", "email", "phone")] == [None] * 4
    assert kept["contact_basis"] == "legitimate_interest" and kept["contact_consent_at"] is None
    assert [(item["kind"], item["summary"]) for item in kept["engagements"]] == [("interview", None)]
    # No search finds her any more, and the audit log names the entry, not her.
    assert (await keeper.get("/api/v1/stakeholders?platform=IT&q=giulia")).json()["items"] == []
    admin = await people("admin", "admin")
    audit = (await admin.get("/api/v1/audit?kind=stakeholder.person_erased")).json()["items"]
    assert len(audit) == 1
    assert "Giulia" not in str(audit) and "giulia" not in str(audit)


async def test_erasing_a_person_of_a_known_organisation_leaves_its_one_entry(keeper):
    organisation = await add(keeper, person_name=None, contact_basis="legitimate_interest")
    person = await add(keeper, email="giulia@comune.roma.it")
    await keeper.post(
        f"/api/v1/stakeholders/{person['id']}/engagements",
        json={"kind": "delphi", "at": "2026-03-01T10:00:00Z"},
    )
    kept = (await keeper.post(f"/api/v1/stakeholders/{person['id']}/erasure")).json()
    assert kept["id"] == organisation["id"]
    assert [item["kind"] for item in kept["engagements"]] == ["delphi"]
    assert (await keeper.get(f"/api/v1/stakeholders/{person['id']}")).status_code == 404


async def test_near_matches_are_suggested_before_adding(keeper):
    stored = await add(keeper, organisation="Associazione Città Aperta", person_name="José Núñez")
    await add(keeper, organisation="Caritas Roma", person_name=None)
    response = await keeper.get(
        "/api/v1/stakeholders/similar",
        params={"platform": "IT", "organisation": "Asociazione Cita Aperta", "person_name": "Jose Nunes"},
    )
    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["entry"]["id"] for item in items] == [stored["id"]]
    assert 80 <= items[0]["score"] < 100


async def test_the_same_person_added_at_once_from_several_phones_is_stored_once(keeper):
    import asyncio

    answers = await asyncio.gather(
        *(keeper.post("/api/v1/stakeholders", json=entry(email="giulia@comune.roma.it")) for _ in range(6))
    )
    assert sorted(answer.status_code for answer in answers) == [201] + [409] * 5
    created = next(answer for answer in answers if answer.status_code == 201).json()
    assert {answer.json()["entry"]["id"] for answer in answers if answer.status_code == 409} == {
        created["id"]
    }
    assert len((await keeper.get("/api/v1/stakeholders?platform=IT")).json()["items"]) == 1
