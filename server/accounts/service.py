"""The rules of accounts: signing in, invites, registration with consent, tokens, erasure."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
import urllib.parse
import uuid
from dataclasses import dataclass

import msgspec
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.consent import CONSENT_VERSION
from server.accounts.models import (
    MAY_KEEP_EMAIL,
    PLATFORM_BOUND,
    AccountStatus,
    ApiToken,
    ConsentEvent,
    Invite,
    PasswordResetCode,
    Role,
    User,
    UserPlatform,
)
from server.accounts.passwords import password_problem
from server.accounts.schemas import (
    ConsentIn,
    InviteIn,
    RegisterIn,
    UserAdminPatch,
    invite_url,
    shown_invite_code,
)
from server.accounts.usernames import (
    display_name_problem,
    look_alike,
    normalise_display_name,
    normalise_username,
    username_key,
    username_problem,
)
from server.audit.models import AuditEvent
from server.audit.service import record_event
from server.briefs import service as briefs
from server.db import Databases, after_commit, utcnow
from server.delphi import erasure as delphi_erasure
from server.events import service as events
from server.forum import service as forum
from server.i18n import N_, SUPPORTED_LOCALES, message, translate
from server.mail import outbox as mail_outbox
from server.notes import service as notes
from server.notes.models import ApprovedNotesOnErasure
from server.notifications import service as notifications
from server.pagination import keyset_page
from server.platforms.models import Platform
from server.platforms.schemas import platform_name
from server.problems import (
    FieldError,
    InvalidInput,
    InviteExpired,
    InviteUsedUp,
    LastAdmin,
    NotAllowed,
    NotFound,
    NotSignedIn,
    Throttled,
    UsernameTaken,
    WrongCredentials,
)
from server.push import service as push
from server.security import (
    API_TOKEN_PREFIX,
    LoginThrottle,
    MailThrottle,
    PasswordHasher,
    RegistrationThrottle,
    ensure_not_suspended,
    sha256_hex,
)
from server.stakeholders import service as directory

# Invite codes are typed by hand from a poster or a chat message: no 0/O or 1/I/L to confuse.
INVITE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
INVITE_CODE_LENGTH = 12
WRONG_CREDENTIALS = N_("The username or password is wrong.")
RESET_CODE_MINUTES = 30
# A youth worker resets the passwords of a group now and then, not hundreds an hour.
RESET_CODES_PER_HOUR = 20
WRONG_RESET_CODE = N_("The username or the code is wrong, or the code has expired. Ask for a new code.")
INVITE_EXPIRED = N_("This invite has expired. Ask your youth worker for a new one.")
INVITE_USED_UP = N_("This invite has already been used. Ask your youth worker for a new one.")


@dataclass(frozen=True, slots=True)
class Services:
    """What the account rules need from the running app."""

    hasher: PasswordHasher
    throttle: LoginThrottle
    registration_throttle: RegistrationThrottle
    # Password hashes take tens of milliseconds: what is read before one is read outside the
    # request's unit of work, and a failure's audit record is kept in a unit of its own.
    databases: Databases
    # How much e-mail people can have sent for them (reset and confirmation codes).
    mail_throttle: MailThrottle


# Signing in


async def authenticate(
    db: AsyncSession, services: Services, username: str, password: str, address: str
) -> User:
    """The user these credentials belong to, or NotSignedIn, alike for unknown name and wrong password."""
    key = username_key(normalise_username(username))
    # Counted before the hash, so that guesses sent at once cannot all be checked.
    await services.throttle.count_attempt(key, address)
    # Hashing takes tens of milliseconds: no transaction of the request is open meanwhile.
    async with services.databases.reading() as reading:
        user = await reading.scalar(sa.select(User).where(User.username_key == key))
    stored_hash = user.password_hash if user is not None and not user.is_erased else None
    if not await services.hasher.verify(stored_hash, password):
        known_id = user.id if user is not None and stored_hash else None
        # Kept although the request fails, so in a unit of work of its own.
        async with services.databases.separate_unit_of_work() as audit:
            record_event(audit, "login.failed", subject_id=known_id, client_address=address)
        raise WrongCredentials(message(WRONG_CREDENTIALS))
    assert user is not None and stored_hash is not None
    ensure_not_suspended(user)
    await services.throttle.succeeded(key, address)
    if services.hasher.needs_rehash(stored_hash):
        user.password_hash = await services.hasher.hash(password)
        await db.execute(sa.update(User).where(User.id == user.id).values(password_hash=user.password_hash))
    record_event(db, "login.succeeded", actor_id=user.id, client_address=address)
    return user


# Invites


def new_invite_code() -> str:
    return "".join(secrets.choice(INVITE_ALPHABET) for _ in range(INVITE_CODE_LENGTH))


def canonical_invite_code(code: str) -> str:
    return "".join(char for char in code.upper() if char.isalnum())


# Whom each role of staff may invite, to the platforms they belong to; admins anyone anywhere.
INVITABLE_BY = {
    Role.YOUTH_WORKER: frozenset({Role.YOUTH, Role.STAKEHOLDER}),
    Role.RESEARCHER: frozenset({Role.STAKEHOLDER}),
}


def may_invite(inviter: User, role: Role, platform: str) -> bool:
    """The one rule of invites: who may make one may also list and revoke it."""
    if inviter.role == Role.ADMIN:
        return True
    return role in INVITABLE_BY.get(inviter.role, frozenset()) and platform in inviter.platform_codes


def checked_email(text: str, field: str = "email") -> str:
    """The address as stored (email-validator's normalised form, as the directory keeps it),
    or a 422 on ``field``."""
    try:
        address, _ = directory.checked_email(text)
    except ValueError:
        raise InvalidInput(errors=[FieldError(field, message(directory.NOT_AN_EMAIL))]) from None
    return address


async def create_invite(
    db: AsyncSession, inviter: User, request: InviteIn, public_url: str
) -> tuple[Invite, str]:
    """A new invite and its code, which is shown once: only its hash is kept. With an address,
    the invite is also e-mailed (in the language asked for, else the inviter's); the address
    is kept nowhere but in that message, and the invite may still be handed over in person."""
    to = checked_email(request.email) if request.email is not None else None
    if not may_invite(inviter, request.role, request.platform):
        # Youth workers bring young people and partner organisations' people into their own
        # platforms, researchers partner organisations' people; staff come through admins.
        if inviter.role == Role.YOUTH_WORKER:
            raise NotAllowed(
                message(N_("You can invite young people and stakeholders to your own platforms only."))
            )
        if inviter.role == Role.RESEARCHER:
            raise NotAllowed(message(N_("You can invite stakeholders to your own platforms only.")))
        raise NotAllowed()
    if await db.get(Platform, request.platform) is None:
        raise InvalidInput(errors=[FieldError("platform", message(N_("There is no such platform.")))])
    code = new_invite_code()
    invite = Invite(
        code_hash=sha256_hex(code),
        role=request.role,
        platform_code=request.platform,
        max_uses=request.max_uses,
        expires_at=utcnow() + dt.timedelta(days=request.expires_in_days),
        created_by=inviter.id,
    )
    db.add(invite)
    await db.flush()
    record_event(
        db,
        "invite.created",
        actor_id=inviter.id,
        platform_code=request.platform,
        role=request.role,
        max_uses=request.max_uses,
        invite_id=str(invite.id),
    )
    if to is not None:
        language = request.language or inviter.language
        await mail_outbox.queue(
            db,
            to=to,
            language=language,
            template="invitation",
            context={
                "inviter": inviter.display_name or inviter.username,
                "platform": platform_name(invite.platform_code, language),
                "code": shown_invite_code(code),
                "expires_on": invite.expires_at.date(),
                "link": invite_url(public_url, code),
            },
        )
        after_commit(db, mail_outbox.wake_delivery)
        # Not the address: the log needs only that the invite went by e-mail.
        record_event(db, "invite.emailed", actor_id=inviter.id, invite_id=str(invite.id), language=language)
    return invite, code


async def list_invites(
    db: AsyncSession, staff: User, *, cursor: str | None, limit: int
) -> tuple[list[Invite], str | None]:
    """The invites the person may revoke, newest first: admins every one; other staff those
    of their platforms for the roles they may invite themselves."""
    query = sa.select(Invite)
    if staff.role != Role.ADMIN:
        roles = sorted(INVITABLE_BY.get(staff.role, frozenset()))
        query = query.where(Invite.role.in_(roles), Invite.platform_code.in_(staff.platform_codes))
    return await keyset_page(db, query, key=(Invite.created_at, Invite.id), cursor=cursor, limit=limit)


async def revoke_invite(db: AsyncSession, staff: User, invite_id: uuid.UUID) -> None:
    """The invite stops working at once; people who joined with it stay. NotFound for an
    invite the person may not revoke, as for one that is not there."""
    invite = await db.get(Invite, invite_id)
    if invite is None or not may_invite(staff, invite.role, invite.platform_code):
        raise NotFound()
    record_event(
        db,
        "invite.revoked",
        actor_id=staff.id,
        platform_code=invite.platform_code,
        role=invite.role,
        invite_id=str(invite.id),
        uses=invite.uses,
    )
    await db.delete(invite)
    await db.flush()


# People, for admins


async def list_users(
    db: AsyncSession,
    *,
    q: str | None,
    role: Role | None,
    platform: str | None,
    status: AccountStatus | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[User], str | None]:
    """Accounts newest first, erased ones never (nothing of them is left to manage). ``q``
    finds a username folded as usernames are compared (case, look-alike letters), or a
    display name without case."""
    query = sa.select(User).where(User.status != AccountStatus.ERASED)
    if q:
        query = query.where(
            sa.or_(
                User.username_key.contains(username_key(q), autoescape=True),
                sa.func.lower(User.display_name).contains(q.lower(), autoescape=True),
            )
        )
    if role is not None:
        query = query.where(User.role == role)
    if platform is not None:
        query = query.where(User.platforms.any(UserPlatform.platform_code == platform))
    if status is not None:
        query = query.where(User.status == status)
    return await keyset_page(db, query, key=(User.created_at, User.id), cursor=cursor, limit=limit)


# Registration and consent


def is_below_consent_age(birth_year: int, consent_age: int, today: dt.date) -> bool:
    """Whether the person may be younger than the platform's age of digital consent.

    Only the birth year is asked (less to keep about a minor), so the person may not have had
    this year's birthday yet: they count as old enough from the year in which even the
    youngest person born that year has reached the age, as GDPR Art. 8 errs toward the child.
    """
    youngest_possible_age = today.year - birth_year - 1
    return youngest_possible_age < consent_age


async def register(db: AsyncSession, services: Services, request: RegisterIn, address: str) -> User:
    username = normalise_username(request.username)
    errors = _registration_errors(username, request)
    if errors:
        raise InvalidInput(errors=errors)
    # Everything from here on may be a guess at an invite code or cost a hash: counted first.
    await services.registration_throttle.count_attempt(address)

    # Checked before the hash (tens of milliseconds of a core), so that a made-up code, a spent
    # invite or a taken name never costs one; read outside the request's unit of work, so that
    # no transaction of it is open meanwhile. The invite and the name are checked again as
    # they are taken.
    async with services.databases.reading() as reading:
        code_hash = sha256_hex(canonical_invite_code(request.invite_code))
        invite = await reading.scalar(sa.select(Invite).where(Invite.code_hash == code_hash))
        if invite is None:
            raise InvalidInput(
                errors=[FieldError("invite_code", message(N_("This invite code is not valid.")))]
            )
        _ensure_invite_is_open(invite)
        platform = await reading.get(Platform, invite.platform_code)
        assert platform is not None
        minor = is_below_consent_age(request.birth_year, platform.digital_consent_age, utcnow().date())
        if minor and not (request.consent.guardian_name or "").strip():
            raise _guardian_required("consent.guardian_name", platform.digital_consent_age)
        if await reading.scalar(sa.select(User.id).where(User.username_key == username_key(username))):
            raise _username_taken()
        display_name = await display_name_to_store(
            reading, request.display_name, username=username, member_id=None
        )
    password_hash = await services.hasher.hash(request.password)
    await _use_invite(db, invite)
    user = User(
        username=username,
        username_key=username_key(username),
        display_name=display_name,
        password_hash=password_hash,
        role=invite.role,
        language=request.language,
        birth_year=request.birth_year,
        invite_id=invite.id,
        platforms=[UserPlatform(platform_code=invite.platform_code)],
    )
    try:
        async with db.begin_nested():
            db.add(user)
            await db.flush()
    except IntegrityError:
        # Someone else took the name since it was checked.
        raise _username_taken() from None
    consent = request.consent
    db.add(
        ConsentEvent(
            user_id=user.id,
            version=consent.version,
            locale=request.language,
            accepted=True,
            guardian_name=consent.guardian_name.strip() if minor and consent.guardian_name else None,
            guardian_consented=minor,
        )
    )
    record_event(
        db,
        "account.registered",
        actor_id=user.id,
        platform_code=invite.platform_code,
        client_address=address,
        role=invite.role,
        invite_id=str(invite.id),
    )
    record_event(db, "consent.given", actor_id=user.id, version=consent.version, guardian=minor)
    await services.registration_throttle.succeeded(address)
    return user


def _registration_errors(username: str, request: RegisterIn) -> list[FieldError]:
    errors = []
    if problem := username_problem(username):
        errors.append(FieldError("username", message(problem)))
    if problem := password_problem(request.password, username):
        errors.append(FieldError("password", message(problem)))
    if request.birth_year > utcnow().year:
        errors.append(FieldError("birth_year", message(N_("The birth year cannot be in the future."))))
    errors.extend(_consent_errors(request.consent, field="consent"))
    if not request.consent.accepted:
        errors.append(FieldError("consent.accepted", message(N_("Joining needs your consent."))))
    return errors


def _consent_errors(consent: ConsentIn, field: str) -> list[FieldError]:
    if consent.version != CONSENT_VERSION:
        return [
            FieldError(
                f"{field}.version",
                message(
                    N_("The consent text has changed. Please read the current version ({version})."),
                    version=CONSENT_VERSION,
                ),
            )
        ]
    return []


def _guardian_required(field: str, consent_age: int) -> InvalidInput:
    text = N_("Below the age of {age}, a parent or guardian must agree: please give their name.")
    return InvalidInput(errors=[FieldError(field, message(text, age=consent_age))])


def _username_taken() -> UsernameTaken:
    return UsernameTaken(
        message(N_("This username is taken. Please choose another one.")),
        errors=[FieldError("username", message(N_("This username is taken. Please choose another one.")))],
    )


def _ensure_invite_is_open(invite: Invite) -> None:
    """Gone for an invite past its date or used up; _use_invite checks again as it takes a use."""
    if invite.expires_at <= utcnow():
        raise InviteExpired(message(INVITE_EXPIRED))
    if invite.uses >= invite.max_uses:
        raise InviteUsedUp(message(INVITE_USED_UP))


async def _use_invite(db: AsyncSession, invite: Invite) -> None:
    """Count one use, atomically: two people racing for the last use cannot both get it."""
    now = utcnow()
    if invite.expires_at <= now:
        raise InviteExpired(message(INVITE_EXPIRED))
    used = await db.execute(
        sa.update(Invite)
        .where(Invite.id == invite.id, Invite.uses < Invite.max_uses, Invite.expires_at > now)
        .values(uses=Invite.uses + 1)
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        raise InviteUsedUp(message(INVITE_USED_UP))


async def consent_history(db: AsyncSession, user: User) -> list[ConsentEvent]:
    query = (
        sa.select(ConsentEvent)
        .where(ConsentEvent.user_id == user.id)
        .order_by(ConsentEvent.recorded_at.desc(), ConsentEvent.id)
    )
    return list(await db.scalars(query))


def has_consent(history: list[ConsentEvent]) -> bool:
    return bool(history) and history[0].accepted


async def record_consent(db: AsyncSession, user: User, consent: ConsentIn, locale: str) -> ConsentEvent:
    """Give or withdraw consent. Every event is added; none is ever changed."""
    if errors := _consent_errors(consent, field=""):
        raise InvalidInput(errors=[FieldError(e.field.lstrip("."), e.message) for e in errors])
    guardian_name = None
    if consent.accepted and user.role == Role.YOUTH and user.birth_year is not None:
        platform_ages = await db.scalars(
            sa.select(Platform.digital_consent_age).where(Platform.code.in_(user.platform_codes))
        )
        consent_age = max(platform_ages, default=16)
        if is_below_consent_age(user.birth_year, consent_age, utcnow().date()):
            if not (consent.guardian_name or "").strip():
                raise _guardian_required("guardian_name", consent_age)
            guardian_name = (consent.guardian_name or "").strip()
    event = ConsentEvent(
        user_id=user.id,
        version=consent.version,
        locale=locale,
        accepted=consent.accepted,
        guardian_name=guardian_name,
        guardian_consented=guardian_name is not None,
    )
    db.add(event)
    if not consent.accepted:
        await briefs.remove_quotes_of(db, user.id)
    record_event(
        db,
        "consent.given" if consent.accepted else "consent.withdrawn",
        actor_id=user.id,
        version=consent.version,
        guardian=guardian_name is not None,
    )
    return event


# The profile


async def display_name_to_store(
    db: AsyncSession, wanted: str | None, *, username: str, member_id: uuid.UUID | None
) -> str:
    """The name others see: the display name normalised, or the username when none is given.

    Others read it beside every post, so it must not pass for someone else: characters that
    show as nothing or turn the text around are refused, and so is a name that looks like
    another member's username or display name, whatever its case, width or alphabet. One's
    own username is one's own to show, unless another member already shows a name like it.
    """
    name = normalise_display_name(wanted or "")
    # With no display name, the username is what others see: it must not pass for anyone either.
    field = "display_name" if name else "username"
    if not name:
        name = username
    elif problem := display_name_problem(name):
        raise InvalidInput(errors=[FieldError("display_name", problem)])
    if await _is_name_of_another_member(db, name, member_id):
        raise InvalidInput(
            errors=[
                FieldError(
                    field,
                    message(N_("Another member already goes by this name. Please choose another one.")),
                )
            ]
        )
    return name


async def _is_name_of_another_member(db: AsyncSession, name: str, member_id: uuid.UUID | None) -> bool:
    # Display names have no stored key: choosing one is rare, so every other member's names
    # are compared here (their keys are cached between calls).
    others = User.id != member_id if member_id is not None else sa.true()
    rows = await db.execute(
        sa.select(User.username, User.display_name).where(User.status != AccountStatus.ERASED, others)
    )
    return any(other and look_alike(name, other) for row in rows for other in row)


async def update_profile(
    db: AsyncSession, user: User, *, display_name: str | None, language: str | None
) -> User:
    stored = await db.get(User, user.id)
    if stored is None:
        raise NotSignedIn()
    if display_name is not None:
        stored.display_name = await display_name_to_store(
            db, display_name, username=stored.username or "", member_id=stored.id
        )
    if language is not None:
        stored.language = language
    return stored


async def change_role(db: AsyncSession, admin: User, user_id: uuid.UUID, change: UserAdminPatch) -> User:
    user = await db.get(User, user_id)
    if user is None or user.is_erased:
        raise NotFound()
    if not isinstance(change.role, msgspec.UnsetType) and change.role != user.role:
        await ensure_an_admin_remains(db, admin, leaving=user)
    # Asked again: the person was read afresh under the lock and may already have the role.
    if not isinstance(change.role, msgspec.UnsetType) and change.role != user.role:
        record_event(
            db, "role.changed", actor_id=admin.id, subject_id=user.id, before=user.role, after=change.role
        )
        user.role = change.role
        user.session_epoch += 1  # a new role starts with a new sign-in
        if change.role not in MAY_KEEP_EMAIL:
            forget_email(user)
    if not isinstance(change.platforms, msgspec.UnsetType):
        codes = sorted(set(change.platforms))
        known = set(await db.scalars(sa.select(Platform.code).where(Platform.code.in_(codes))))
        if unknown := [code for code in codes if code not in known]:
            raise InvalidInput(
                errors=[
                    FieldError(
                        "platforms",
                        message(N_("There is no such platform: {codes}."), codes=", ".join(unknown)),
                    )
                ]
            )
        if codes != user.platform_codes:
            record_event(
                db,
                "platforms.changed",
                actor_id=admin.id,
                subject_id=user.id,
                before=user.platform_codes,
                after=codes,
            )
            user.platforms = [UserPlatform(platform_code=code) for code in codes]
    await db.flush()
    return user


async def ensure_an_admin_remains(db: AsyncSession, actor: User, *, leaving: User) -> None:
    """Refuse to take away the last active admin: nobody could then change roles or platforms.

    The active admins' rows are locked (PostgreSQL; on SQLite a writing transaction holds the
    database's one write lock), so two admins demoting each other at once queue here, and the
    second sees the first's change and is refused. ``leaving`` is read again under the lock.
    """
    admins = set(
        await db.scalars(
            sa.select(User.id)
            .where(User.role == Role.ADMIN, User.status == AccountStatus.ACTIVE)
            .order_by(User.id)
            .with_for_update()
        )
    )
    await db.refresh(leaving)
    if leaving.role == Role.ADMIN and not admins - {leaving.id}:
        raise LastAdmin(message(N_("Tessera needs at least one admin. Make another person an admin first.")))
    if actor.role == Role.ADMIN and actor.id not in admins:
        # The actor stopped being an admin while waiting for the lock.
        raise NotAllowed()


# Personal API tokens


async def create_token(
    db: AsyncSession, user: User, name: str, expires_in_days: int, max_days: int
) -> tuple[ApiToken, str]:
    # The schema allows a year; an operator may allow less (TESSERA_API_TOKEN_MAX_DAYS).
    if expires_in_days > max_days:
        raise InvalidInput(
            errors=[FieldError("expires_in_days", message(N_("Must be at most {n}."), n=max_days))]
        )
    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    api_token = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=sha256_hex(token),
        expires_at=utcnow() + dt.timedelta(days=expires_in_days),
    )
    db.add(api_token)
    await db.flush()
    record_event(
        db, "token.created", actor_id=user.id, token_id=str(api_token.id), expires_in_days=expires_in_days
    )
    return api_token, token


async def list_tokens(db: AsyncSession, user: User) -> list[ApiToken]:
    query = sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
    return list(await db.scalars(query))


async def revoke_token(db: AsyncSession, user: User, token_id: uuid.UUID) -> None:
    api_token = await db.get(ApiToken, token_id)
    # Another person's token is as missing as one that never was.
    if api_token is None or api_token.user_id != user.id:
        raise NotFound()
    if api_token.revoked_at is None:
        api_token.revoked_at = utcnow()
        record_event(db, "token.revoked", actor_id=user.id, token_id=str(token_id))


# Passwords


async def confirm_password(
    services: Services, user: User, password: str, address: str, field: str = "password"
) -> None:
    """Ask for the password again before what cannot be undone (OWASP ASVS 5, 7.5.1): a session
    left open on a shared phone, or a stolen cookie, is not enough to erase an account or take
    it over.

    Each try counts as a sign-in attempt, so a session cannot guess the password without limit.
    Called before the request's unit of work has read or written anything: hashing takes tens
    of milliseconds, and no transaction of the request is open meanwhile.
    """
    key = user.username_key
    await services.throttle.count_attempt(key, address)
    if not await services.hasher.verify(user.password_hash, password):
        # Kept although the request fails, so in a unit of work of its own.
        async with services.databases.separate_unit_of_work() as audit:
            record_event(audit, "password.confirmation_failed", actor_id=user.id, client_address=address)
        raise InvalidInput(errors=[FieldError(field, message(N_("The password is wrong.")))])
    await services.throttle.succeeded(key, address)


async def change_password(
    db: AsyncSession, services: Services, user: User, current_password: str, new_password: str, address: str
) -> User:
    """A new password under the rules of registration, given with the current one (ASVS 5, 6.2.3).
    Every session of the person ends (the route renews the caller's), and so does every personal
    API token: a person who changes a password someone else learnt must cut off whatever that
    someone made with it."""
    if problem := password_problem(new_password, user.username or ""):
        raise InvalidInput(errors=[FieldError("new_password", message(problem))])
    await confirm_password(services, user, current_password, address, field="current_password")
    password_hash = await services.hasher.hash(new_password)
    stored = await db.get(User, user.id)
    if stored is None or stored.is_erased:
        raise NotSignedIn()
    stored.password_hash = password_hash
    stored.session_epoch += 1
    now = utcnow()
    await db.execute(
        sa.update(ApiToken)
        .where(ApiToken.user_id == stored.id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > now)
        .values(revoked_at=now)
    )
    record_event(db, "password.changed", actor_id=stored.id, client_address=address)
    await db.flush()
    return stored


# Password reset in person


async def create_reset_code(
    db: AsyncSession, staff: User, username: str
) -> tuple[User, PasswordResetCode, str]:
    """A one-time code for the person with this username, shown once to the youth worker or
    admin who hands it over; an older code of the person stops working. A youth worker resets
    young people of their own platforms, an admin anyone; anyone else is the same NotFound as
    a name nobody has, so that the route tells nobody who has an account where."""
    now = utcnow()
    issued = await db.scalar(
        sa.select(sa.func.count())
        .select_from(PasswordResetCode)
        .where(
            PasswordResetCode.created_by == staff.id,
            PasswordResetCode.created_at > now - dt.timedelta(hours=1),
        )
    )
    if (issued or 0) >= RESET_CODES_PER_HOUR:
        raise Throttled(
            3600, message(N_("You have made many reset codes this hour. Please try again later."))
        )
    key = username_key(normalise_username(username))
    person = await db.scalar(sa.select(User).where(User.username_key == key))
    if person is None or person.is_erased or not _may_reset(staff, person):
        raise NotFound()
    reset, code = await _new_reset_code(db, person, created_by=staff.id)
    record_event(db, "password_reset_code.created", actor_id=staff.id, subject_id=person.id)
    return person, reset, code


async def _new_reset_code(
    db: AsyncSession, person: User, *, created_by: uuid.UUID | None
) -> tuple[PasswordResetCode, str]:
    """A fresh one-time code for the person (only its hash kept); an older one stops working.
    ``created_by``: the staff member who hands it over, or None when it was e-mailed."""
    now = utcnow()
    await db.execute(
        sa.update(PasswordResetCode)
        .where(PasswordResetCode.user_id == person.id, PasswordResetCode.used_at.is_(None))
        .values(expires_at=now)
    )
    code = new_invite_code()
    reset = PasswordResetCode(
        user_id=person.id,
        code_hash=sha256_hex(code),
        created_by=created_by,
        created_at=now,
        expires_at=now + dt.timedelta(minutes=RESET_CODE_MINUTES),
    )
    db.add(reset)
    await db.flush()
    return reset, code


def _may_reset(staff: User, person: User) -> bool:
    if staff.role == Role.ADMIN:
        return True
    shared = set(staff.platform_codes) & set(person.platform_codes)
    return staff.role == Role.YOUTH_WORKER and person.role == Role.YOUTH and bool(shared)


async def reset_password(
    db: AsyncSession, services: Services, username: str, code: str, new_password: str, address: str
) -> User:
    """A new password with a code from a youth worker. Counted like a sign-in attempt, and a
    wrong name, a wrong, used or expired code are answered alike. Every session and personal
    token of the person ends: whoever knew the old password keeps nothing."""
    normalised = normalise_username(username)
    key = username_key(normalised)
    await services.throttle.count_attempt(key, address)
    now = utcnow()
    code_hash = sha256_hex(canonical_invite_code(code))
    async with services.databases.reading() as reading:
        found = (
            await reading.execute(
                sa.select(PasswordResetCode.id, User.id)
                .join(User, User.id == PasswordResetCode.user_id)
                .where(
                    PasswordResetCode.code_hash == code_hash,
                    User.username_key == key,
                    PasswordResetCode.used_at.is_(None),
                    PasswordResetCode.expires_at > now,
                    User.status != AccountStatus.ERASED,
                )
            )
        ).first()
    if found is None:
        async with services.databases.separate_unit_of_work() as audit:
            record_event(audit, "password_reset.failed", client_address=address)
        raise InvalidInput(errors=[FieldError("code", message(WRONG_RESET_CODE))])
    reset_id, user_id = found
    if problem := password_problem(new_password, normalised):
        raise InvalidInput(errors=[FieldError("new_password", message(problem))])
    password_hash = await services.hasher.hash(new_password)
    # Taken atomically: two requests with one code cannot both use it.
    taken = await db.execute(
        sa.update(PasswordResetCode)
        .where(
            PasswordResetCode.id == reset_id,
            PasswordResetCode.used_at.is_(None),
            PasswordResetCode.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidInput(errors=[FieldError("code", message(WRONG_RESET_CODE))])
    user = await db.get(User, user_id)
    assert user is not None
    user.password_hash = password_hash
    user.session_epoch += 1
    await db.execute(
        sa.update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > now)
        .values(revoked_at=now)
    )
    await services.throttle.succeeded(key, address)
    record_event(db, "password.reset", actor_id=user.id, client_address=address)
    return user


# The account's e-mail address (staff and stakeholders)

EMAIL_CODE_MINUTES = 60
NO_EMAIL_FOR_YOUTH = N_("Young people's accounts keep no e-mail address.")
WRONG_EMAIL_CODE = N_("The code is wrong or has expired. Enter your address again for a new code.")


def forget_email(user: User) -> None:
    user.email = None
    user.email_key = None
    user.pending_email = None
    user.pending_email_code_hash = None
    user.pending_email_expires_at = None


async def change_email(
    db: AsyncSession, services: Services, user: User, email: str | None, public_url: str
) -> User:
    """Remove the account's address (``None`` or empty), or ask to change it: the new one is
    kept as pending, and a one-time code is e-mailed to it. It becomes the account's address
    only when the code comes back (``confirm_email``), which proves the person reads it: a
    reset code must never go to an address someone merely typed."""
    stored = await db.get(User, user.id)
    if stored is None or stored.is_erased:
        raise NotSignedIn()
    if stored.role not in MAY_KEEP_EMAIL:
        raise InvalidInput(errors=[FieldError("email", message(NO_EMAIL_FOR_YOUTH))])
    if not email:
        if stored.email or stored.pending_email:
            forget_email(stored)
            record_event(db, "email.removed", actor_id=stored.id)
        return stored
    address = checked_email(email)
    if address.casefold() == stored.email_key:
        # Already the account's: nothing to confirm, and an older request is dropped.
        stored.pending_email = stored.pending_email_code_hash = stored.pending_email_expires_at = None
        return stored
    await services.mail_throttle.count_confirmation(stored.id)
    code = new_invite_code()
    shown = shown_invite_code(code)
    stored.pending_email = address
    stored.pending_email_code_hash = sha256_hex(code)
    stored.pending_email_expires_at = utcnow() + dt.timedelta(minutes=EMAIL_CODE_MINUTES)
    await mail_outbox.queue(
        db,
        to=address,
        language=stored.language,
        template="email_confirmation",
        context={
            "username": stored.username,
            "code": shown,
            "minutes": EMAIL_CODE_MINUTES,
            # In the fragment: the code never reaches a server log.
            "link": f"{public_url.rstrip('/')}/#/settings?email_code={shown}",
        },
        user_id=stored.id,
    )
    after_commit(db, mail_outbox.wake_delivery)
    record_event(db, "email.confirmation_sent", actor_id=stored.id)
    return stored


async def confirm_email(db: AsyncSession, services: Services, user: User, code: str) -> User:
    """The pending address becomes the account's, given the code that was e-mailed to it."""
    await services.mail_throttle.count_confirmation_attempt(user.id)
    stored = await db.get(User, user.id)
    if stored is None or stored.is_erased:
        raise NotSignedIn()
    if stored.role not in MAY_KEEP_EMAIL:
        raise InvalidInput(errors=[FieldError("email", message(NO_EMAIL_FOR_YOUTH))])
    expected = stored.pending_email_code_hash
    if (
        stored.pending_email is None
        or expected is None
        or stored.pending_email_expires_at is None
        or stored.pending_email_expires_at <= utcnow()
        or not hmac.compare_digest(expected, sha256_hex(canonical_invite_code(code)))
    ):
        raise InvalidInput(errors=[FieldError("code", message(WRONG_EMAIL_CODE))])
    stored.email = stored.pending_email
    stored.email_key = stored.pending_email.casefold()
    stored.pending_email = stored.pending_email_code_hash = stored.pending_email_expires_at = None
    record_event(db, "email.confirmed", actor_id=stored.id)
    return stored


# Password reset by e-mail

# A person with two accounts on one address gets a code for each, up to this many.
RESET_MAILS_PER_REQUEST = 3


async def request_password_reset(
    db: AsyncSession, services: Services, email: str, address: str, public_url: str
) -> None:
    """E-mail a one-time reset code to each active staff or stakeholder account whose confirmed
    address this is. The caller learns nothing either way (the route answers 202 alike): no
    account can be found out from the sign-in screen. An audit record is written in both
    cases, so that both do the same work up to the e-mail itself."""
    key = checked_email(email).casefold()
    await services.mail_throttle.count_reset_request(key, address)
    people = list(
        await db.scalars(
            sa.select(User)
            .where(
                User.email_key == key,
                User.status == AccountStatus.ACTIVE,
                User.role.in_(sorted(MAY_KEEP_EMAIL)),
            )
            .order_by(User.created_at)
            .limit(RESET_MAILS_PER_REQUEST)
        )
    )
    if not people:
        record_event(db, "password_reset.requested", client_address=address)
    for person in people:
        _, code = await _new_reset_code(db, person, created_by=None)
        shown = shown_invite_code(code)
        query = urllib.parse.urlencode({"username": person.username or "", "code": shown})
        await mail_outbox.queue(
            db,
            to=person.email or "",
            language=person.language,
            template="password_reset",
            context={
                "username": person.username,
                "code": shown,
                "minutes": RESET_CODE_MINUTES,
                "link": f"{public_url.rstrip('/')}/#/reset-password?{query}",
            },
            user_id=person.id,
        )
        record_event(db, "password_reset.requested", subject_id=person.id, client_address=address)
    if people:
        after_commit(db, mail_outbox.wake_delivery)


# Personal data and erasure


async def invites_created_by(db: AsyncSession, user: User) -> list[Invite]:
    return list(
        await db.scalars(sa.select(Invite).where(Invite.created_by == user.id).order_by(Invite.created_at))
    )


async def security_events_of(db: AsyncSession, user: User) -> list[AuditEvent]:
    query = (
        sa.select(AuditEvent)
        .where(sa.or_(AuditEvent.actor_id == user.id, AuditEvent.subject_id == user.id))
        .order_by(AuditEvent.at)
    )
    return list(await db.scalars(query))


async def erase(
    db: AsyncSession,
    services: Services,
    user: User,
    password: str,
    address: str,
    approved_notes: ApprovedNotesOnErasure = ApprovedNotesOnErasure.DELETE,
) -> None:
    """Erase a person (GDPR Art. 17), once they have confirmed it with their password. The row
    stays as a nameless tombstone so that what others need, such as replies in a forum thread,
    can still say "former member". Their notes go, but for those already approved for research
    when they chose to keep them pseudonymised (GDPR Art. 89: research the person agreed to
    may go on without their name); the choice is in the audit log."""
    await confirm_password(services, user, password, address)
    stored = await db.get(User, user.id)
    if stored is None or stored.is_erased:
        raise NotSignedIn()
    if stored.role == Role.ADMIN:
        await ensure_an_admin_remains(db, stored, leaving=stored)
    stored.username = None
    stored.username_key = f"erased:{stored.id}"
    stored.display_name = None
    stored.suspension_reason = None
    stored.password_hash = None
    stored.birth_year = None
    forget_email(stored)
    stored.status = AccountStatus.ERASED
    stored.erased_at = utcnow()
    stored.session_epoch += 1
    stored.platforms = []
    await db.execute(
        sa.update(ConsentEvent).where(ConsentEvent.user_id == stored.id).values(guardian_name=None)
    )
    await db.execute(sa.delete(ApiToken).where(ApiToken.user_id == stored.id))
    await notifications.forget_person(db, stored.id)
    await push.forget_person(db, stored.id)
    await forum.forget_person(db, stored.id)
    await events.forget_person(db, stored.id)
    await mail_outbox.forget_recipient(db, user_id=stored.id)
    await delphi_erasure.forget_panellist(db, user_id=stored.id)
    await briefs.remove_quotes_of(db, stored.id)
    kept_notes = await notes.forget_author(db, stored.id, approved_notes)
    # Where they signed in from is theirs too.
    await db.execute(
        sa.update(AuditEvent)
        .where(sa.or_(AuditEvent.actor_id == stored.id, AuditEvent.subject_id == stored.id))
        .values(client_address=None)
    )
    record_event(
        db, "account.erased", actor_id=stored.id, approved_notes=approved_notes, kept_notes=kept_notes
    )


async def create_user_from_cli(
    db: AsyncSession,
    hasher: PasswordHasher,
    *,
    username: str,
    password: str,
    role: Role,
    platforms: list[str],
    display_name: str | None,
    language: str,
) -> User:
    """An account made by an operator at the console, under the same rules as registration."""
    username = normalise_username(username)
    for problem in (username_problem(username), password_problem(password, username)):
        if problem:
            raise ValueError(translate("en", problem))
    if language not in SUPPORTED_LOCALES:
        raise ValueError(f"Unknown language {language!r}; one of {', '.join(SUPPORTED_LOCALES)}.")
    known = set(await db.scalars(sa.select(Platform.code)))
    if unknown := sorted(set(platforms) - known):
        raise ValueError(f"Unknown platform {', '.join(unknown)}; one of {', '.join(sorted(known))}.")
    if role in PLATFORM_BOUND and not platforms:
        raise ValueError(
            "Young people, youth workers and stakeholders belong to at least one platform: give --platform."
        )
    key = username_key(username)
    if await db.scalar(sa.select(User.id).where(User.username_key == key)) is not None:
        raise ValueError("This username is taken (or too close to one that is).")
    try:
        shown_name = await display_name_to_store(db, display_name, username=username, member_id=None)
    except InvalidInput as refused:
        raise ValueError(refused.errors[0].message.render("en")) from None
    user = User(
        username=username,
        username_key=key,
        display_name=shown_name,
        password_hash=await hasher.hash(password),
        role=role,
        language=language,
        platforms=[UserPlatform(platform_code=code) for code in sorted(set(platforms))],
    )
    db.add(user)
    await db.flush()
    record_event(
        db, "account.created", subject_id=user.id, role=role, platforms=sorted(set(platforms)), via="cli"
    )
    return user
