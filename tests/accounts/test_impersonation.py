"""Impersonation: no name may hide characters, turn its text around or pass for another member's."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from server.accounts.consent import CONSENT_VERSION
from server.accounts.models import User
from server.accounts.service import create_user_from_cli
from server.accounts.usernames import username_key

HIDDEN = "A name cannot contain invisible characters, control characters or characters that change the direction of text."
TAKEN = "Another member already goes by this name. Please choose another one."

HIDING_NAMES = {
    "right-to-left override": "Amina\u202egnp.exe",
    "left-to-right embedding": "\u202aAmina",
    "pop directional formatting": "Amina\u202c",
    "right-to-left isolate": "Amina \u2067K\u2069",
    "left-to-right mark": "Amina\u200e",
    "right-to-left mark": "\u200fAmina",
    "arabic letter mark": "Amina\u061c",
    "zero-width space": "Ami\u200bna",
    "zero-width non-joiner between latin letters": "Ami\u200cna",
    "zero-width joiner between latin letters": "Ami\u200dna",
    "zero-width non-joiner at the start": "\u200cمحمد",
    "zero-width non-joiner at the end": "محمد\u200c",
    "two zero-width non-joiners": "مح\u200c\u200cمد",
    "zero-width joiner after a space": "Amina \u200d👋",
    "word joiner": "Ami\u2060na",
    "byte order mark": "\ufeffAmina",
    "soft hyphen": "Ami\u00adna",
    "invisible times": "Amina\u2062",
    "escape": "Amina\x1b[31m",
    "delete": "Amina\x7f",
    "combining grapheme joiner": "Amina\u034f",
    "emoji presentation selector after a letter": "Amina\ufe0f",
    "variation selector 1": "Amina\ufe00",
    "variation selector 17": "Amina\U000e0100",
    "hangul filler": "\u3164",
    "hangul choseong filler": "Amina\u115f",
    "hangul jungseong filler": "Amina\u1160",
    "halfwidth hangul filler": "\uffa0",
    "mongolian free variation selector": "Amina\u180b",
    "mongolian vowel separator": "Amina\u180e",
    "tag characters": "Amina\U000e0041\U000e0042",
    "braille blank": "\u2800",
}

LEGITIMATE_NAMES = {
    "arabic": "محمد الأحمد",
    "persian with a zero-width non-joiner": "زهرا محمدی\u200cنژاد",
    "persian verb with a zero-width non-joiner": "می\u200cخواهم",
    "ukrainian": "Олена Ковальчук",
    "turkish": "Çağrı Işık",
    "turkish dotted capital i": "İrem Şahin",
    "hindi with a joiner after the virama": "क्\u200dष",
    "sinhala with a joiner": "ශ්\u200dරී",
    "emoji with a skin tone and a joiner": "Lina 👩🏽\u200d💻",
    "flag with a selector and a joiner": "🏳️\u200d🌈 Alex",
    "heart with emoji presentation": "Yara ❤️",
    "keycap": "Team 1️⃣",
}


@pytest.fixture
async def amina(people):
    return await people("amina", "youth", ["DE"])


async def rename(person, name):
    return await person.patch("/api/v1/me", json={"display_name": name})


def refused_field(response, expected_message):
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    [error] = response.json()["errors"]
    assert error["message"] == expected_message
    return error["field"]


@pytest.mark.parametrize("name", HIDING_NAMES.values(), ids=HIDING_NAMES.keys())
async def test_a_display_name_with_hidden_or_control_characters_is_refused(amina, name):
    response = await rename(amina, name)

    assert refused_field(response, HIDDEN) == "display_name"
    assert (await amina.get("/api/v1/me")).json()["display_name"] == "amina"


async def test_a_display_name_with_nul_is_refused(amina):
    response = await rename(amina, "Ami\x00na")

    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == ["display_name"]


@pytest.mark.parametrize("name", LEGITIMATE_NAMES.values(), ids=LEGITIMATE_NAMES.keys())
async def test_names_in_every_script_and_with_emoji_are_kept_as_written(amina, name):
    response = await rename(amina, name)

    assert response.status_code == 200, response.text
    assert response.json()["display_name"] == name
    assert (await amina.get("/api/v1/me")).json()["display_name"] == name


async def test_a_display_name_is_normalised_and_its_white_space_collapsed(amina):
    response = await rename(amina, "  \uff21\uff4d\uff49\uff4e\uff41 \t\n K.\u00a0\u3000 ")

    assert response.json()["display_name"] == "Amina K."


async def test_a_blank_display_name_shows_the_username(amina):
    await rename(amina, "Amina K.")

    assert (await rename(amina, " \t ")).json()["display_name"] == "amina"


async def test_a_display_name_too_long_once_normalised_is_refused_not_an_error(amina):
    # U+FDFA is one character that NFKC spells out in eighteen: four of them are 72.
    response = await rename(amina, "\ufdfa" * 4)

    assert refused_field(response, "Must be at most 64 characters long.") == "display_name"


@pytest.mark.parametrize(
    "name",
    [
        "Admin",
        "ADMIN",
        "\uff41\uff44\uff4d\uff49\uff4e",
        "\u0410dmin",
        "аdmіn",
        "Leila Star",
        "LEILA STAR",
        "Lеila Star",
        "admi\u0307n",
        "adm\u0131\u0307n",
    ],
    ids=[
        "another's username in capitals",
        "in shouting capitals",
        "in full-width letters",
        "with a Cyrillic capital A",
        "with Cyrillic a and i",
        "another's display name",
        "another's display name in capitals",
        "another's display name with a Cyrillic e",
        "another's username with a dot above its i",
        "another's username with a dotless i and a dot above",
    ],
)
async def test_a_display_name_that_passes_for_another_member_is_refused(people, amina, name):
    await people("admin", "admin")
    await people("leila", "youth", ["IT"], display_name="Leila Star")

    response = await rename(amina, name)

    assert refused_field(response, TAKEN) == "display_name"
    assert (await amina.get("/api/v1/me")).json()["display_name"] == "amina"


async def test_a_member_may_show_their_own_username_in_any_case(amina):
    response = await rename(amina, "AMINA")

    assert response.status_code == 200, response.text
    assert response.json()["display_name"] == "AMINA"


async def test_keeping_ones_own_display_name_is_not_taking_another_members(people, amina):
    await rename(amina, "Amina from Leipzig")

    response = await rename(amina, "amina from leipzig")

    assert response.status_code == 200, response.text


async def test_an_erased_members_name_is_free_again(app, people, amina):
    await people("leila", "youth", ["IT"], display_name="Leila Star")
    async with app.state.test_db() as db:
        leila = await db.scalar(sa.select(User).where(User.username == "leila"))
        leila.username, leila.username_key, leila.display_name, leila.status = (
            None,
            "erased:1",
            None,
            "erased",
        )
        await db.commit()

    assert (await rename(amina, "Leila Star")).status_code == 200


async def test_a_username_with_an_invisible_mark_has_the_key_of_the_plain_name():
    assert username_key("admin\u034f") == username_key("admin")
    assert username_key("ad\ufe0fmin") == username_key("admin")
    assert username_key("\u0430dmin") == username_key("admin")


# Registration


def registration(code, username="karim", **overrides):
    return {
        "invite_code": code,
        "username": username,
        "password": "my cat likes the rain",
        "language": "en",
        "birth_year": 2000,
        "consent": {"version": CONSENT_VERSION, "accepted": True},
        **overrides,
    }


@pytest.fixture
async def invite_code(people):
    youth_worker = await people("yara", "youth_worker", ["DE"])
    response = await youth_worker.post("/api/v1/invites", json={"platform": "DE", "max_uses": 5})
    assert response.status_code == 201, response.text
    return response.json()["code"]


@pytest.mark.parametrize("username", ["yara\u034f", "yara\ufe0f", "ya\u200dra", "yara\u180b"])
async def test_registering_a_username_with_an_invisible_character_is_refused(client, invite_code, username):
    response = await client.post("/api/v1/auth/register", json=registration(invite_code, username))

    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == ["username"]


@pytest.mark.parametrize("display_name", ["Yara", "Ｙａｒａ", "Υara"], ids=["plain", "full-width", "greek"])
async def test_registering_with_another_members_name_as_display_name_is_refused(
    app, client, invite_code, display_name
):
    response = await client.post(
        "/api/v1/auth/register", json=registration(invite_code, display_name=display_name)
    )

    assert refused_field(response, TAKEN) == "display_name"
    async with app.state.test_db() as db:
        assert await db.scalar(sa.select(User.id).where(User.username == "karim")) is None


@pytest.mark.parametrize("username", ["Farida", "FARIDA", "Far\u0131\u0307da"])
async def test_registering_with_another_members_display_name_as_username_is_refused(
    app, client, people, invite_code, username
):
    await people("yw_it", "youth_worker", ["IT"], display_name="Farida")

    response = await client.post("/api/v1/auth/register", json=registration(invite_code, username))

    assert refused_field(response, TAKEN) == "username"
    async with app.state.test_db() as db:
        assert await db.scalar(sa.select(User.id).where(User.username == username)) is None


@pytest.mark.parametrize("username", ["ami\u0307na", "am\u0131\u0307na"])
async def test_a_username_with_a_dot_above_its_i_is_the_plain_name(client, people, invite_code, username):
    await people("amina", "youth", ["DE"])

    response = await client.post("/api/v1/auth/register", json=registration(invite_code, username))

    assert response.status_code == 409, response.text


async def test_registering_with_a_right_to_left_override_in_the_display_name_is_refused(client, invite_code):
    response = await client.post(
        "/api/v1/auth/register", json=registration(invite_code, display_name="Karim\u202eevil")
    )

    assert refused_field(response, HIDDEN) == "display_name"


async def test_registering_with_a_persian_display_name_keeps_it(client, invite_code):
    name = "زهرا محمدی\u200cنژاد"
    response = await client.post("/api/v1/auth/register", json=registration(invite_code, display_name=name))

    assert response.status_code == 201, response.text
    assert response.json()["user"]["display_name"] == name


async def test_the_console_refuses_a_display_name_that_hides_characters(app):
    async with app.state.test_db() as db:
        with pytest.raises(ValueError, match="invisible characters"):
            await create_user_from_cli(
                db,
                app.state.test_hasher,
                username="karim",
                password="my cat likes the rain",
                role="youth",
                platforms=["DE"],
                display_name="Karim\u200b",
                language="en",
            )
