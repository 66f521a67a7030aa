"""What goes over the wire for accounts: msgspec Structs with their limits on them."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec

from server.i18n import SUPPORTED_LOCALES

Role = Literal["youth", "youth_worker", "researcher", "admin"]
Language = Literal[SUPPORTED_LOCALES]  # type: ignore[valid-type]
PlatformCode = Annotated[str, msgspec.Meta(min_length=2, max_length=8, pattern=r"^[A-Z]{2,3}$")]
DisplayName = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
# Generous bounds: the rules proper (3 to 32 characters, 8 to 128) give localised messages.
UsernameText = Annotated[str, msgspec.Meta(max_length=64)]
PasswordText = Annotated[str, msgspec.Meta(max_length=1024)]


class Strict(msgspec.Struct, forbid_unknown_fields=True):
    """A request body: unknown fields are refused, so a typo never goes unnoticed."""


class UserOut(msgspec.Struct):
    id: uuid.UUID
    username: str
    display_name: str
    role: Role
    platforms: list[str]
    language: str


class LoginIn(Strict):
    username: UsernameText
    password: PasswordText


class LoginOut(msgspec.Struct):
    user: UserOut
    csrf_token: str


class ConsentIn(Strict):
    version: Annotated[str, msgspec.Meta(max_length=32)]
    accepted: bool
    guardian_name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)] | None = None


class RegisterIn(Strict):
    invite_code: Annotated[str, msgspec.Meta(max_length=64)]
    username: UsernameText
    password: PasswordText
    language: Language
    birth_year: Annotated[int, msgspec.Meta(ge=1900, le=2100)]
    consent: ConsentIn
    display_name: DisplayName | None = None


class RegisterOut(msgspec.Struct):
    user: UserOut


class MePatch(Strict):
    display_name: DisplayName | msgspec.UnsetType = msgspec.UNSET
    language: Language | msgspec.UnsetType = msgspec.UNSET


class InviteIn(Strict):
    platform: PlatformCode
    role: Role = "youth"
    max_uses: Annotated[int, msgspec.Meta(ge=1, le=500)] = 1
    expires_in_days: Annotated[int, msgspec.Meta(ge=1, le=90)] = 14


class InviteOut(msgspec.Struct):
    code: str
    url: str
    role: Role
    platform: str
    max_uses: int
    expires_at: dt.datetime


class ConsentEventOut(msgspec.Struct):
    version: str
    locale: str
    accepted: bool
    guardian_name: str | None
    recorded_at: dt.datetime


class ConsentHistoryOut(msgspec.Struct):
    current_version: str
    has_consent: bool
    items: list[ConsentEventOut]


class ConsentTextOut(msgspec.Struct):
    version: str
    locale: str
    title: str
    paragraphs: list[str]
    guardian_note: str


class TokenIn(Strict):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    expires_in_days: Annotated[int, msgspec.Meta(ge=1, le=365)] = 90


class TokenInfo(msgspec.Struct):
    id: uuid.UUID
    name: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


class TokenCreated(msgspec.Struct):
    id: uuid.UUID
    name: str
    token: str
    expires_at: dt.datetime


class TokenList(msgspec.Struct):
    items: list[TokenInfo]


class UserAdminPatch(Strict):
    role: Role | msgspec.UnsetType = msgspec.UNSET
    platforms: Annotated[list[PlatformCode], msgspec.Meta(max_length=10)] | msgspec.UnsetType = msgspec.UNSET


class PersonalData(msgspec.Struct):
    """Everything Tessera stores about a person (GDPR Art. 15 and 20)."""

    profile: UserOut
    birth_year: int | None
    created_at: dt.datetime
    consent: list[ConsentEventOut]
    api_tokens: list[TokenInfo]
    invites_created: list[InviteOut]
    security_events: list[dict[str, object]]
    # What the person wrote in the forum, with each post's status.
    forum_posts: list[dict[str, object]] = []
    # The posts the person reported, why, and what they wrote to the youth workers.
    forum_reports: list[dict[str, object]] = []
