"""The rules of accounts: signing in, invites, registration with consent, tokens, erasure."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass

import msgspec
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.consent import CONSENT_VERSION
from server.accounts.models import ApiToken, ConsentEvent, Invite, User, UserPlatform
from server.accounts.passwords import password_problem
from server.accounts.schemas import ConsentIn, InviteIn, RegisterIn, UserAdminPatch
from server.accounts.usernames import normalise_username, username_key, username_problem
from server.audit.models import AuditEvent
from server.audit.service import record_event
from server.db import utcnow
from server.forum import service as forum
from server.i18n import N_, SUPPORTED_LOCALES, message, translate
from server.notifications import service as notifications
from server.platforms.models import Platform
from server.problems import Conflict, FieldError, Gone, InvalidInput, NotAllowed, NotFound, NotSignedIn
from server.push import service as push
from server.security import API_TOKEN_PREFIX, LoginThrottle, PasswordHasher, ensure_not_suspended, sha256_hex

# Invite codes are typed by hand from a poster or a chat message: no 0/O or 1/I/L to confuse.
INVITE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
INVITE_CODE_LENGTH = 12
WRONG_CREDENTIALS = N_("The username or password is wrong.")


@dataclass(frozen=True, slots=True)
class Services:
    """What the account rules need from the running app."""

    hasher: PasswordHasher
    throttle: LoginThrottle


# Signing in


async def authenticate(
    db: AsyncSession, services: Services, username: str, password: str, address: str
) -> User:
    """The user these credentials belong to, or NotSignedIn, alike for unknown name and wrong password."""
    key = username_key(normalise_username(username))
    await services.throttle.check(key, address)
    user = await db.scalar(sa.select(User).where(User.username_key == key))
    # Hashing takes tens of milliseconds: never hold a database transaction open meanwhile.
    await db.commit()
    stored_hash = user.password_hash if user is not None and not user.is_erased else None
    if not await services.hasher.verify(stored_hash, password):
        await services.throttle.record_failure(key, address)
        known_id = user.id if user is not None and stored_hash else None
        record_event(db, "login.failed", subject_id=known_id, client_address=address)
        await db.commit()
        raise NotSignedIn(message(WRONG_CREDENTIALS))
    assert user is not None and stored_hash is not None
    ensure_not_suspended(user)
    await services.throttle.forget_account(key, address)
    if services.hasher.needs_rehash(stored_hash):
        user.password_hash = await services.hasher.hash(password)
    record_event(db, "login.succeeded", actor_id=user.id, client_address=address)
    return user


# Invites


def new_invite_code() -> str:
    return "".join(secrets.choice(INVITE_ALPHABET) for _ in range(INVITE_CODE_LENGTH))


def canonical_invite_code(code: str) -> str:
    return "".join(char for char in code.upper() if char.isalnum())


def format_invite_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


async def create_invite(db: AsyncSession, inviter: User, request: InviteIn) -> tuple[Invite, str]:
    """A new invite and its code, which is shown once: only its hash is kept."""
    if inviter.role == "youth_worker":
        # Youth workers bring young people into their own platforms; staff come through admins.
        if request.role != "youth" or request.platform not in inviter.platform_codes:
            raise NotAllowed(message(N_("You can invite young people to your own platforms only.")))
    elif inviter.role != "admin":
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
    return invite, code


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
    password_hash = await services.hasher.hash(request.password)

    code_hash = sha256_hex(canonical_invite_code(request.invite_code))
    invite = await db.scalar(sa.select(Invite).where(Invite.code_hash == code_hash))
    if invite is None:
        raise InvalidInput(errors=[FieldError("invite_code", message(N_("This invite code is not valid.")))])
    platform = await db.get(Platform, invite.platform_code)
    assert platform is not None
    minor = is_below_consent_age(request.birth_year, platform.digital_consent_age, utcnow().date())
    if minor and not (request.consent.guardian_name or "").strip():
        raise _guardian_required("consent.guardian_name", platform.digital_consent_age)
    await _use_invite(db, invite)
    user = User(
        username=username,
        username_key=username_key(username),
        display_name=request.display_name or username,
        password_hash=password_hash,
        role=invite.role,
        language=request.language,
        birth_year=request.birth_year,
        invite_id=invite.id,
        platforms=[UserPlatform(platform_code=invite.platform_code)],
    )
    db.add(user)
    try:
        await db.flush()
    except IntegrityError:
        await db.rollback()
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


def _username_taken() -> Conflict:
    return Conflict(
        message(N_("This username is taken. Please choose another one.")),
        errors=[FieldError("username", message(N_("This username is taken. Please choose another one.")))],
    )


async def _use_invite(db: AsyncSession, invite: Invite) -> None:
    """Count one use, atomically: two people racing for the last use cannot both get it."""
    now = utcnow()
    if invite.expires_at <= now:
        raise Gone(message(N_("This invite has expired. Ask your youth worker for a new one.")))
    used = await db.execute(
        sa.update(Invite)
        .where(Invite.id == invite.id, Invite.uses < Invite.max_uses, Invite.expires_at > now)
        .values(uses=Invite.uses + 1)
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        raise Gone(message(N_("This invite has already been used. Ask your youth worker for a new one.")))


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
    if consent.accepted and user.role == "youth" and user.birth_year is not None:
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
    record_event(
        db,
        "consent.given" if consent.accepted else "consent.withdrawn",
        actor_id=user.id,
        version=consent.version,
        guardian=guardian_name is not None,
    )
    return event


# The profile


async def update_profile(
    db: AsyncSession, user: User, *, display_name: str | None, language: str | None
) -> User:
    stored = await db.get(User, user.id)
    if stored is None:
        raise NotSignedIn()
    if display_name is not None:
        stored.display_name = display_name.strip() or stored.username
    if language is not None:
        stored.language = language
    return stored


async def change_role(db: AsyncSession, admin: User, user_id: uuid.UUID, change: UserAdminPatch) -> User:
    user = await db.get(User, user_id)
    if user is None or user.is_erased:
        raise NotFound()
    if not isinstance(change.role, msgspec.UnsetType) and change.role != user.role:
        record_event(
            db, "role.changed", actor_id=admin.id, subject_id=user.id, before=user.role, after=change.role
        )
        user.role = change.role
        user.session_epoch += 1  # a new role starts with a new sign-in
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


async def erase(db: AsyncSession, user: User) -> None:
    """Erase a person (GDPR Art. 17). The row stays as a nameless tombstone so that what
    others need, such as replies in a forum thread, can still say "former member"."""
    stored = await db.get(User, user.id)
    if stored is None or stored.is_erased:
        raise NotSignedIn()
    stored.username = None
    stored.username_key = f"erased:{stored.id}"
    stored.display_name = None
    stored.suspension_reason = None
    stored.password_hash = None
    stored.birth_year = None
    stored.status = "erased"
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
    # Where they signed in from is theirs too.
    await db.execute(
        sa.update(AuditEvent)
        .where(sa.or_(AuditEvent.actor_id == stored.id, AuditEvent.subject_id == stored.id))
        .values(client_address=None)
    )
    record_event(db, "account.erased", actor_id=stored.id)


async def create_user_from_cli(
    db: AsyncSession,
    hasher: PasswordHasher,
    *,
    username: str,
    password: str,
    role: str,
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
    if role in {"youth", "youth_worker"} and not platforms:
        raise ValueError("Young people and youth workers belong to at least one platform: give --platform.")
    key = username_key(username)
    if await db.scalar(sa.select(User.id).where(User.username_key == key)) is not None:
        raise ValueError("This username is taken (or too close to one that is).")
    user = User(
        username=username,
        username_key=key,
        display_name=display_name or username,
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
