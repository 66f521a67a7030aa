"""The rules of the stakeholder directory: who keeps which platform's directory, what a valid
entry is, when two entries are the same one, and erasure of a person on request.

Access: youth workers and researchers keep the directories of their own platforms, admins
every one; anybody else (stakeholders included) is refused by the routes' guard, and an entry
of a platform that is not the caller's is as missing as one that never was.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import email_validator
import msgspec
import phonenumbers
import sqlalchemy as sa
from rapidfuzz import fuzz, process
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.models import DIRECTORY_KEEPERS, Role, User
from server.audit.service import record_event
from server.db import utcnow
from server.delphi import erasure as delphi_erasure
from server.events.models import Registration
from server.i18n import N_, message
from server.mail import outbox
from server.pagination import keyset_page
from server.platforms.models import NETWORK, Platform
from server.problems import (
    DuplicateStakeholder,
    FieldError,
    InvalidInput,
    NotAllowed,
    NotFound,
    StakeholderConflict,
)
from server.stakeholders.models import ContactBasis, Engagement, StakeholderEntry
from server.stakeholders.schemas import EngagementIn, EntryIn, EntryOut, EntryPatch

NOT_AN_EMAIL = N_("This is not an e-mail address.")
NOT_A_PHONE = N_("This is not a phone number. Write it with its country code, such as +39 06 1234 5678.")
# Letters that Unicode does not decompose into a base letter and a mark, folded by hand so
# that a search without them finds them (Łódź, Ørsted, Đorđević, Æsir, straße).
_EXTRA_FOLDS = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ð": "d", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th", "ŀ": "l"}
)
SIMILAR_SCORE = 80.0
SIMILAR_LIMIT = 5


def fold(text: str) -> str:
    """Text as search and duplicate detection compare it, in every script: compatibility
    forms unified (NFKD: full-width letters, ligatures), combining marks dropped (accents,
    Arabic harakat, Hebrew points), case folded (ß is ss, final sigma is sigma), spaces
    collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(stripped.translate(_EXTRA_FOLDS).casefold().split())


def identity_key(organisation: str, person_name: str | None) -> str:
    # The unit separator cannot be typed into a name: "A B" + "C" never meets "A" + "B C".
    return fold(organisation) + "\x1f" + fold(person_name or "")


def search_key(organisation: str, person_name: str | None) -> str:
    return fold(organisation) + "\n" + fold(person_name or "")


def checked_email(text: str) -> tuple[str, str]:
    """The address as stored and as compared; ValueError if it is not one. Only its form is
    checked (RFC 5321/5322 and IDNA): Tessera runs offline and asks no DNS server."""
    try:
        normalised = email_validator.validate_email(text, check_deliverability=False).normalized
    except email_validator.EmailNotValidError:
        raise ValueError(text) from None
    return normalised, normalised.casefold()


def checked_phone(text: str, platform: str) -> str:
    """The number in E.164; a number without its country code is read as one of the
    platform's country. ValueError if it is not a possible, valid number."""
    region = platform if platform in phonenumbers.SUPPORTED_REGIONS else None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise ValueError(text) from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(text)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def may_keep(user: User, platform: str) -> bool:
    if user.role == Role.ADMIN:
        return True
    return user.role in DIRECTORY_KEEPERS and platform in user.platform_codes


def check_may_keep(user: User, platform: str) -> None:
    if not may_keep(user, platform):
        raise NotAllowed(message(N_("You can keep the stakeholder directories of your own platforms only.")))


async def check_platform(db: AsyncSession, platform: str, field: str = "platform") -> None:
    if platform == NETWORK or await db.get(Platform, platform) is None:
        raise InvalidInput(errors=[FieldError(field, message(N_("There is no such country platform.")))])


async def read_entry(
    db: AsyncSession, user: User, entry_id: uuid.UUID, *, for_update: bool = False
) -> StakeholderEntry:
    entry = await db.get(StakeholderEntry, entry_id, with_for_update=for_update)
    # Another platform's entry is as missing as one that never was.
    if entry is None or not may_keep(user, entry.platform_code):
        raise NotFound()
    return entry


async def list_entries(
    db: AsyncSession,
    user: User,
    *,
    platform: str | None,
    q: str | None,
    sector: str | None,
    level: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[StakeholderEntry], str | None]:
    query = sa.select(StakeholderEntry)
    if platform is not None:
        check_may_keep(user, platform)
        query = query.where(StakeholderEntry.platform_code == platform)
    elif user.role != Role.ADMIN:
        query = query.where(StakeholderEntry.platform_code.in_(user.platform_codes))
    # Every word of q, folded, somewhere in the folded names: "jose ong" finds "ONG José".
    for word in fold(q or "").split():
        query = query.where(StakeholderEntry.search_key.contains(word, autoescape=True))
    if sector:
        query = query.where(StakeholderEntry.sector == sector)
    if level:
        query = query.where(StakeholderEntry.level == level)
    return await keyset_page(
        db, query, key=(StakeholderEntry.created_at, StakeholderEntry.id), cursor=cursor, limit=limit
    )


async def same_entry(
    db: AsyncSession, platform: str, email_key: str | None, key: str, *, other_than: uuid.UUID | None = None
) -> StakeholderEntry | None:
    """The stored entry that is the same as one with this e-mail or these names, if any."""
    same = StakeholderEntry.identity_key == key
    if email_key is not None:
        same = sa.or_(same, StakeholderEntry.email_key == email_key)
    query = sa.select(StakeholderEntry).where(StakeholderEntry.platform_code == platform, same)
    if other_than is not None:
        query = query.where(StakeholderEntry.id != other_than)
    return await db.scalar(query.limit(1))


@dataclass
class ContactDetails:
    email: str | None
    email_key: str | None
    phone: str | None


def check_contact(
    email: str | None, phone: str | None, platform: str
) -> tuple[ContactDetails, list[FieldError]]:
    errors: list[FieldError] = []
    details = ContactDetails(None, None, None)
    if email:
        try:
            details.email, details.email_key = checked_email(email)
        except ValueError:
            errors.append(FieldError("email", message(NOT_AN_EMAIL)))
    if phone:
        try:
            details.phone = checked_phone(phone, platform)
        except ValueError:
            errors.append(FieldError("phone", message(NOT_A_PHONE)))
    return details, errors


def duplicate(entry: StakeholderEntry) -> DuplicateStakeholder:
    return DuplicateStakeholder(
        message(
            N_("This directory already has this entry: the same e-mail, or the same organisation and person.")
        ),
        extra={"entry": entry_body(entry)},
    )


def entry_body(entry: StakeholderEntry) -> Any:
    """The stored entry, as a conflict's answer carries it."""
    return msgspec.to_builtins(EntryOut.from_model(entry))


def apply_names(entry: StakeholderEntry) -> None:
    entry.identity_key = identity_key(entry.organisation, entry.person_name)
    entry.search_key = search_key(entry.organisation, entry.person_name)


async def create_entry(db: AsyncSession, user: User, request: EntryIn) -> StakeholderEntry:
    check_may_keep(user, request.platform)
    await check_platform(db, request.platform)
    contact, errors = check_contact(request.email, request.phone, request.platform)
    if errors:
        raise InvalidInput(errors=errors)
    now = utcnow()
    entry = StakeholderEntry(
        platform_code=request.platform,
        organisation=request.organisation.strip(),
        person_name=(request.person_name or "").strip() or None,
        role_title=request.role_title or None,
        email=contact.email,
        email_key=contact.email_key,
        phone=contact.phone,
        sector=request.sector,
        level=request.level,
        locality=request.locality or None,
        languages=list(dict.fromkeys(request.languages)),
        services=list(dict.fromkeys(request.services)),
        contact_basis=request.contact_basis,
        contact_consent_at=consent_time(request.contact_basis, request.contact_consent_at, now),
        version=1,
        created_by=user.id,
        created_at=now,
        updated_at=now,
        engagements=[],
    )
    apply_names(entry)
    stored = await same_entry(db, entry.platform_code, entry.email_key, entry.identity_key)
    if stored is not None:
        raise duplicate(stored)
    try:
        # Two keepers adding the same person at once: the unique keys decide, and the one
        # who loses learns of the entry the other made.
        async with db.begin_nested():
            db.add(entry)
            await db.flush()
    except IntegrityError:
        stored = await same_entry(db, entry.platform_code, entry.email_key, entry.identity_key)
        if stored is None:
            raise
        raise duplicate(stored) from None
    record_event(
        db, "stakeholder.created", actor_id=user.id, platform_code=entry.platform_code, entry_id=str(entry.id)
    )
    return entry


def consent_time(basis: ContactBasis, given: dt.datetime | None, now: dt.datetime) -> dt.datetime | None:
    if given is not None:
        return given
    return now if basis == ContactBasis.CONSENT else None


async def update_entry(
    db: AsyncSession, user: User, entry_id: uuid.UUID, request: EntryPatch
) -> StakeholderEntry:
    entry = await read_entry(db, user, entry_id, for_update=True)
    if request.version != entry.version:
        raise StakeholderConflict(
            message(N_("This entry was changed elsewhere. Compare both versions and choose.")),
            extra={"entry": entry_body(entry)},
        )
    changes: dict[str, Any] = {
        name: getattr(request, name)
        for name in request.__struct_fields__
        if name != "version" and getattr(request, name) is not msgspec.UNSET
    }
    contact, errors = check_contact(changes.get("email"), changes.get("phone"), entry.platform_code)
    if errors:
        raise InvalidInput(errors=errors)
    if "email" in changes:
        changes["email"], changes["email_key"] = contact.email, contact.email_key
    if "phone" in changes:
        changes["phone"] = contact.phone
    for name in ("person_name", "role_title", "locality"):
        if name in changes:
            changes[name] = (changes[name] or "").strip() or None
    if "organisation" in changes:
        changes["organisation"] = changes["organisation"].strip()
    for name in ("languages", "services"):
        if name in changes:
            changes[name] = list(dict.fromkeys(changes[name]))
    basis = changes.get("contact_basis", entry.contact_basis)
    if basis == ContactBasis.CONSENT and changes.get("contact_consent_at", entry.contact_consent_at) is None:
        changes["contact_consent_at"] = utcnow()
    changed = {name: value for name, value in changes.items() if getattr(entry, name) != value}
    if not changed:
        return entry
    for name, value in changed.items():
        setattr(entry, name, value)
    apply_names(entry)
    # Looked for before the change is flushed: the unique keys would refuse it first.
    with db.no_autoflush:
        stored = await same_entry(
            db, entry.platform_code, entry.email_key, entry.identity_key, other_than=entry.id
        )
    if stored is not None:
        raise duplicate(stored)
    entry.version += 1
    entry.updated_at = utcnow()
    try:
        async with db.begin_nested():
            await db.flush()
    except IntegrityError:
        with db.no_autoflush:
            stored = await same_entry(
                db, entry.platform_code, entry.email_key, entry.identity_key, other_than=entry.id
            )
        if stored is None:
            raise
        raise duplicate(stored) from None
    record_event(
        db,
        "stakeholder.updated",
        actor_id=user.id,
        platform_code=entry.platform_code,
        entry_id=str(entry.id),
        fields=sorted(changed),
    )
    return entry


async def delete_entry(db: AsyncSession, user: User, entry_id: uuid.UUID) -> None:
    entry = await read_entry(db, user, entry_id, for_update=True)
    await delphi_erasure.forget_panellist(db, stakeholder_id=entry.id)
    await db.delete(entry)
    record_event(
        db, "stakeholder.deleted", actor_id=user.id, platform_code=entry.platform_code, entry_id=str(entry.id)
    )


async def erase_person(db: AsyncSession, user: User, entry_id: uuid.UUID) -> StakeholderEntry:
    """GDPR Art. 17 for one person of the directory: their name, role, e-mail, phone and
    languages go, and so do the engagements' summaries (free text that may speak of them);
    the organisation stays with its engagements' kinds and dates. When the platform already
    has the organisation without a person, the engagements join that entry and this one goes.
    """
    entry = await read_entry(db, user, entry_id, for_update=True)
    now = utcnow()
    await delphi_erasure.forget_panellist(db, stakeholder_id=entry.id)
    # E-mail to them not yet sent goes; what was sent keeps neither their address nor its text.
    await outbox.forget_recipient(db, stakeholder_id=entry.id, addresses=[entry.email] if entry.email else [])
    for engagement in entry.engagements:
        engagement.summary = None
    # Registrations for events that organisers linked to this entry name the person too: they
    # stay (a place taken, an attendance) without anything of them.
    await db.execute(
        sa.update(Registration)
        .where(Registration.stakeholder_id == entry.id)
        .values(name=None, email=None, organisation=None, country=None, needs=None, stakeholder_id=None)
    )
    organisation_key = identity_key(entry.organisation, None)
    kept = await db.scalar(
        sa.select(StakeholderEntry).where(
            StakeholderEntry.platform_code == entry.platform_code,
            StakeholderEntry.identity_key == organisation_key,
            StakeholderEntry.id != entry.id,
        )
    )
    if kept is not None:
        for engagement in list(entry.engagements):
            entry.engagements.remove(engagement)
            kept.engagements.append(engagement)
        await db.flush()
        await db.delete(entry)
        kept.version += 1
        kept.updated_at = now
    else:
        kept = entry
        entry.person_name = None
        entry.role_title = None
        entry.email = None
        entry.email_key = None
        entry.phone = None
        entry.languages = []
        # What is left is an organisation's public contact, not a person who consented.
        entry.contact_basis = ContactBasis.LEGITIMATE_INTEREST
        entry.contact_consent_at = None
        apply_names(entry)
        entry.version += 1
        entry.updated_at = now
    await db.flush()
    record_event(
        db,
        "stakeholder.person_erased",
        actor_id=user.id,
        platform_code=kept.platform_code,
        entry_id=str(entry_id),
        kept_entry_id=str(kept.id),
    )
    return kept


async def add_engagement(
    db: AsyncSession, user: User, entry_id: uuid.UUID, request: EngagementIn
) -> StakeholderEntry:
    """An engagement is history: it does not change the entry's version, so an edit of the
    entry begun before it still applies."""
    entry = await read_entry(db, user, entry_id, for_update=True)
    entry.engagements.append(
        Engagement(
            kind=request.kind,
            at=request.at,
            summary=request.summary or None,
            event_id=request.event_id,
            created_by=user.id,
        )
    )
    await db.flush()
    record_event(
        db,
        "stakeholder.engaged",
        actor_id=user.id,
        platform_code=entry.platform_code,
        entry_id=str(entry.id),
        engagement=request.kind,
    )
    return entry


async def similar_entries(
    db: AsyncSession, user: User, platform: str, organisation: str, person_name: str | None
) -> list[tuple[float, StakeholderEntry]]:
    """Entries whose names come close to these (a typo, a word more or less, another order):
    for the keeper to look at before adding a new one. Exact duplicates score 100."""
    check_may_keep(user, platform)
    wanted = search_key(organisation, person_name).replace("\n", " ")
    rows = (
        await db.execute(
            sa.select(StakeholderEntry.id, StakeholderEntry.search_key).where(
                StakeholderEntry.platform_code == platform
            )
        )
    ).all()
    choices = {row.id: row.search_key.replace("\n", " ") for row in rows}
    found = process.extract(
        wanted, choices, scorer=fuzz.token_set_ratio, score_cutoff=SIMILAR_SCORE, limit=SIMILAR_LIMIT
    )
    entries = {
        entry.id: entry
        for entry in await db.scalars(
            sa.select(StakeholderEntry).where(StakeholderEntry.id.in_([entry_id for _, _, entry_id in found]))
        )
    }
    return [(round(score, 1), entries[entry_id]) for _, score, entry_id in found]


async def platform_entries(db: AsyncSession, platform: str) -> Sequence[StakeholderEntry]:
    query = (
        sa.select(StakeholderEntry)
        .where(StakeholderEntry.platform_code == platform)
        .order_by(StakeholderEntry.created_at, StakeholderEntry.id)
    )
    return list(await db.scalars(query))
