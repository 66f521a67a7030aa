"""What goes over the wire for accounts: msgspec Structs with their limits on them."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec

from server.accounts.models import AccountStatus, ApiToken, ConsentEvent, Invite, Role, User
from server.forum.schemas import BlockedMember
from server.i18n import N_, translate
from server.notes.models import ApprovedNotesOnErasure
from server.notes.schemas import NoteOut
from server.notifications.schemas import NotificationOut
from server.push.schemas import StoredSubscriptionOut
from server.wire import Language, PlatformCode, Strict

# How a person who was erased appears where their name was.
FORMER_MEMBER = N_("former member")

DisplayName = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
# Generous bounds: the rules proper (3 to 32 characters, 8 to 128) give localised messages.
UsernameText = Annotated[str, msgspec.Meta(max_length=64)]
PasswordText = Annotated[str, msgspec.Meta(max_length=1024)]


class UserOut(msgspec.Struct):
    id: uuid.UUID
    username: str
    display_name: str
    role: Role
    platforms: list[str]
    language: str

    @classmethod
    def from_model(cls, user: User, locale: str = "en") -> UserOut:
        return cls(
            id=user.id,
            username=user.username or translate(locale, FORMER_MEMBER),
            display_name=user.display_name or user.username or translate(locale, FORMER_MEMBER),
            role=user.role,
            platforms=user.platform_codes,
            language=user.language,
        )


class LoginIn(Strict):
    username: UsernameText
    password: PasswordText


class LoginOut(msgspec.Struct):
    user: UserOut
    csrf_token: str


class SessionOut(msgspec.Struct, omit_defaults=True):
    """Who the page's session belongs to, and its CSRF token. Nobody signed in is an ordinary
    answer, ``{"user": null}``: the app asks on every start, and a 401 there would be logged
    in the browser's console as an error that is none."""

    user: UserOut | None
    csrf_token: str | None = None


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
    # An extension of the contract (staff and stakeholders only): a new address is stored once
    # confirmed with the code e-mailed to it (POST /api/v1/me/email-confirmation); null or ""
    # removes the stored one at once.
    email: EmailText | msgspec.UnsetType | None = msgspec.UNSET
    # Asked for with a new address: whoever holds a stolen session must not be able to give the
    # account their own address and reset the password through it.
    current_password: PasswordText | msgspec.UnsetType = msgspec.UNSET


class MeOut(UserOut):
    """The caller's own profile: their account with its e-mail address (an extension of the
    contract), and the address waiting for confirmation, if any."""

    email: str | None = None
    pending_email: str | None = None

    @classmethod
    def of(cls, user: User, locale: str = "en") -> MeOut:
        public = UserOut.from_model(user, locale)
        return cls(**msgspec.structs.asdict(public), email=user.email, pending_email=user.pending_email)


class EmailConfirmationIn(Strict):
    code: Annotated[str, msgspec.Meta(max_length=64)]


class PasswordResetRequestIn(Strict):
    email: EmailText


class ErasureIn(Strict):
    password: PasswordText
    # An extension of the contract: what becomes of the notes already approved for research.
    approved_notes: ApprovedNotesOnErasure = ApprovedNotesOnErasure.DELETE


class ResetCodeIn(Strict):
    """Whose password a youth worker or an admin resets: the person is with them, and says
    their username."""

    username: UsernameText


class ResetCodeOut(msgspec.Struct):
    username: str
    # Shown once: only its hash is kept.
    code: str
    expires_at: dt.datetime


class PasswordResetIn(Strict):
    username: UsernameText
    code: Annotated[str, msgspec.Meta(max_length=64)]
    new_password: PasswordText


class PasswordChangeIn(Strict):
    current_password: PasswordText
    new_password: PasswordText


EmailText = Annotated[str, msgspec.Meta(max_length=320)]


class InviteIn(Strict):
    platform: PlatformCode
    role: Role = Role.YOUTH
    max_uses: Annotated[int, msgspec.Meta(ge=1, le=500)] = 1
    expires_in_days: Annotated[int, msgspec.Meta(ge=1, le=90)] = 14
    # An extension of the contract: the invite is also e-mailed to this address, in this
    # language (the inviter's by default). The address is kept in the e-mail outbox only.
    email: EmailText | None = None
    language: Language | None = None


def shown_invite_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def invite_url(public_url: str, code: str) -> str:
    # The code travels in the fragment: it never reaches a server log or a Referer header.
    return f"{public_url.rstrip('/')}/#/join/{shown_invite_code(code)}"


class InviteOut(msgspec.Struct):
    code: str
    url: str
    role: Role
    platform: str
    max_uses: int
    expires_at: dt.datetime

    @classmethod
    def from_model(cls, invite: Invite, code: str, public_url: str) -> InviteOut:
        """``code`` is empty once the invite is stored: only its hash is kept."""
        url = invite_url(public_url, code) if code else ""
        return cls(
            shown_invite_code(code),
            url,
            invite.role,
            invite.platform_code,
            invite.max_uses,
            invite.expires_at,
        )


class InviteInfo(msgspec.Struct):
    """A stored invite, without its code (only its hash is kept)."""

    id: uuid.UUID
    role: Role
    platform: str
    max_uses: int
    uses: int
    expires_at: dt.datetime
    created_at: dt.datetime
    # Whether the reader made it; who else did is not theirs to know.
    mine: bool

    @classmethod
    def from_model(cls, invite: Invite, reader: User) -> InviteInfo:
        return cls(
            invite.id,
            invite.role,
            invite.platform_code,
            invite.max_uses,
            invite.uses,
            invite.expires_at,
            invite.created_at,
            invite.created_by == reader.id,
        )


class InvitePage(msgspec.Struct):
    items: list[InviteInfo]
    next_cursor: str | None


class UserAdminOut(msgspec.Struct):
    """A person as admins manage them: role, platforms, whether they may sign in."""

    id: uuid.UUID
    username: str
    display_name: str | None
    role: Role
    platforms: list[str]
    language: str
    status: AccountStatus
    suspended_until: dt.datetime | None
    suspension_reason: str | None
    created_at: dt.datetime

    @classmethod
    def from_model(cls, user: User) -> UserAdminOut:
        return cls(
            user.id,
            user.username or "",
            user.display_name,
            user.role,
            user.platform_codes,
            user.language,
            user.status,
            user.suspended_until,
            user.suspension_reason,
            user.created_at,
        )


class UserPage(msgspec.Struct):
    items: list[UserAdminOut]
    next_cursor: str | None


class ConsentEventOut(msgspec.Struct):
    version: str
    locale: str
    accepted: bool
    guardian_name: str | None
    recorded_at: dt.datetime

    @classmethod
    def from_model(cls, event: ConsentEvent) -> ConsentEventOut:
        return cls(event.version, event.locale, event.accepted, event.guardian_name, event.recorded_at)


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

    @classmethod
    def from_model(cls, token: ApiToken) -> TokenInfo:
        return cls(
            token.id, token.name, token.created_at, token.expires_at, token.revoked_at, token.last_used_at
        )


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
    # The notes the person wrote (withdrawn ones too), with their answers, tags and reviews.
    notes: list[NoteOut] = []
    notifications: list[NotificationOut] = []
    # The members the person blocked in the forum.
    forum_blocks: list[BlockedMember] = []
    # The devices that receive the person's notifications: the push service and the dates only.
    push_subscriptions: list[StoredSubscriptionOut] = []
    # The person's registrations for events: what they gave, and whether they came.
    event_registrations: list[dict[str, object]] = []
    # The person's reactions to forum posts (withdrawn ones too), and how far they read each topic.
    forum_reactions: list[dict[str, object]] = []
    forum_topics_read: list[dict[str, object]] = []
    # The account's confirmed e-mail address, and one waiting for confirmation (staff and
    # stakeholders only).
    email: str | None = None
    pending_email: str | None = None
