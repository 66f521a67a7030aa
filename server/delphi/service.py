"""The rules of Delphi studies: who facilitates and who reads which study, what a valid study,
statement and panellist are, opening and closing rounds, ballots by private token, results,
and the figures the impact page shows.

Access: the researchers of a study's platforms and admins facilitate it; the stakeholders of
its platforms read its results once it is closed; nobody else sees it, and a study without
platforms is nobody's (a study is refused without one). A study the caller may not see is as
missing as one that never was.

Anonymity: a ballot token leads to its panellist by one hash and to its pseudonym by another
(`ballot_hash`, `pseudonym_hash`); the database keeps both hashes and never the token, so that
without the token nothing joins a panellist to what they rated. See docs/architecture.md.
"""

from __future__ import annotations

import functools
import secrets
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import raiseload

from server.accounts.models import RESEARCHERS, Role, User
from server.audit.service import record_event
from server.db import after_commit, dialect_insert, insert_on_conflict, utcnow
from server.delphi import statistics
from server.delphi.models import (
    Anonymity,
    Consensus,
    Panellist,
    Proposal,
    ProposalStatus,
    Pseudonym,
    Rating,
    Round,
    Statement,
    StatementResult,
    Study,
    StudyPlatform,
)
from server.delphi.schemas import (
    Ballot,
    BallotIn,
    BallotProposals,
    BallotRound,
    BallotSaved,
    BallotStatement,
    BallotStudy,
    ConsensusRule,
    DelphiFigures,
    MyProposal,
    PanellistIn,
    PercentRule,
    Previous,
    ProposalIn,
    Results,
    RoundResults,
    Scale,
    StatementIn,
    StatementResultOut,
    StudyIn,
    StudyPatch,
)
from server.i18n import N_, message
from server.mail import outbox
from server.pagination import keyset_page
from server.platforms.models import NETWORK, Platform
from server.problems import Conflict, FieldError, InvalidInput, NotAllowed, NotFound
from server.security import sha256_hex
from server.stakeholders.models import Engagement, EngagementKind, StakeholderEntry
from server.stakeholders.service import checked_email

SCALE_MIN = 1
SCALE_MAX_RANGE = (5, 9)
# A token is 32 random bytes, 43 characters of base64url; anything much longer is no token.
MAX_TOKEN_LENGTH = 128
STUDY_CLOSED = N_("This study is closed.")
ROUND_CLOSED = N_("This round is closed: its answers can no longer change.")


# Tokens and pseudonyms


def new_ballot_token() -> str:
    return secrets.token_urlsafe(32)  # 256 random bits


def ballot_hash(token: str) -> str:
    return sha256_hex("delphi-ballot:" + token)


def pseudonym_hash(token: str) -> str:
    # Another prefix than ballot_hash: the two columns never hold the same value.
    return sha256_hex("delphi-pseudonym:" + token)


def new_pseudonym_label() -> str:
    return "P-" + secrets.token_hex(4).upper()


# Who may do what


def facilitates(user: User, study: Study) -> bool:
    if user.role == Role.ADMIN:
        return True
    # Fail closed: a study of no platform, or a researcher of none, matches nothing.
    return user.role == Role.RESEARCHER and bool(set(study.platform_codes) & set(user.platform_codes))


def reads_results(user: User, study: Study) -> bool:
    if facilitates(user, study):
        return True
    return (
        user.role == Role.STAKEHOLDER
        and study.closed_at is not None
        and bool(set(study.platform_codes) & set(user.platform_codes))
    )


async def facilitated_study(
    db: AsyncSession, user: User, study_id: uuid.UUID, *, for_update: bool = False
) -> Study:
    study = await db.get(Study, study_id, with_for_update=for_update)
    if study is None or not facilitates(user, study):
        raise NotFound()
    return study


def check_open(study: Study) -> None:
    if study.closed_at is not None:
        raise Conflict(message(STUDY_CLOSED))


# Studies


def scale_errors(scale: Scale) -> list[FieldError]:
    errors = []
    if scale.min != SCALE_MIN:
        errors.append(FieldError("scale.min", message(N_("A rating scale starts at 1."))))
    if not SCALE_MAX_RANGE[0] <= scale.max <= SCALE_MAX_RANGE[1]:
        errors.append(FieldError("scale.max", message(N_("A rating scale ends at 5, 6, 7, 8 or 9."))))
    return errors


def rule_errors(rule: ConsensusRule, scale: Scale) -> list[FieldError]:
    """A rule must fit the scale, and `in` and `out` must never both hold."""
    errors = []
    for name in ("agree_from", "disagree_to"):
        if not scale.min <= getattr(rule, name) <= scale.max:
            errors.append(
                FieldError(f"consensus.{name}", message(N_("This point is not on the rating scale.")))
            )
    if rule.agree_from <= rule.disagree_to:
        errors.append(
            FieldError(
                "consensus.agree_from",
                message(N_("Agreement must begin above the point where disagreement ends.")),
            )
        )
    if isinstance(rule, PercentRule) and rule.max_opposite > rule.threshold:
        errors.append(
            FieldError(
                "consensus.max_opposite",
                message(N_("The share allowed to think otherwise cannot exceed the threshold.")),
            )
        )
    if not isinstance(rule, PercentRule) and rule.max_iqr > scale.max - scale.min:
        errors.append(
            FieldError("consensus.max_iqr", message(N_("The interquartile range cannot exceed the scale.")))
        )
    return errors


def label_errors(labels: dict[str, list[str]], scale: Scale, languages: Sequence[str]) -> list[FieldError]:
    """Labels name every point of the scale, in the study's languages."""
    errors = []
    points = scale.max - scale.min + 1
    for language, names in labels.items():
        if language not in languages:
            errors.append(
                FieldError(
                    f"scale_labels.{language}", message(N_("This study is not held in this language."))
                )
            )
        elif len(names) != points or not all(name.strip() for name in names):
            errors.append(
                FieldError(
                    f"scale_labels.{language}",
                    message(N_("Give a label for each of the {count} points of the scale."), count=points),
                )
            )
    return errors


def rule_as_stored(rule: ConsensusRule) -> dict[str, Any]:
    stored: dict[str, Any] = msgspec.to_builtins(rule)
    return stored


async def create_study(db: AsyncSession, user: User, data: StudyIn) -> Study:
    platforms = list(dict.fromkeys(data.platforms))
    if user.role != Role.ADMIN and not set(platforms) <= set(user.platform_codes):
        raise NotAllowed(message(N_("You can hold Delphi studies on your own platforms only.")))
    languages = list(dict.fromkeys(data.languages))
    labels = dict(data.scale_labels or {})
    errors = (
        scale_errors(data.scale)
        + rule_errors(data.consensus, data.scale)
        + label_errors(labels, data.scale, languages)
    )
    for index, code in enumerate(platforms):
        if code == NETWORK or await db.get(Platform, code) is None:
            errors.append(
                FieldError(f"platforms[{index}]", message(N_("There is no such country platform.")))
            )
    if errors:
        raise InvalidInput(errors=errors)
    study = Study(
        title=data.title,
        purpose=data.purpose.strip() if data.purpose and data.purpose.strip() else None,
        scale_labels=labels or None,
        scale_min=data.scale.min,
        scale_max=data.scale.max,
        consensus=rule_as_stored(data.consensus),
        anonymity=data.anonymity,
        languages=languages,
        created_by=user.id,
        platforms=[StudyPlatform(platform_code=code) for code in platforms],
    )
    db.add(study)
    await db.flush()
    record_event(db, "delphi.study_created", actor_id=user.id, subject_id=study.id, platforms=platforms)
    return study


async def list_studies(
    db: AsyncSession, user: User, *, platform: str | None, cursor: str | None, limit: int
) -> tuple[list[Study], str | None]:
    query = sa.select(Study)
    if user.role not in RESEARCHERS:
        # Stakeholders read a study's results once it is closed, so they list only those.
        query = query.where(Study.closed_at.is_not(None))
    if user.role != Role.ADMIN:
        codes = user.platform_codes if platform is None else [c for c in user.platform_codes if c == platform]
        query = query.where(
            Study.id.in_(sa.select(StudyPlatform.study_id).where(StudyPlatform.platform_code.in_(codes)))
        )
    elif platform is not None:
        query = query.where(
            Study.id.in_(sa.select(StudyPlatform.study_id).where(StudyPlatform.platform_code == platform))
        )
    return await keyset_page(db, query, key=(Study.created_at, Study.id), cursor=cursor, limit=limit)


async def update_study(db: AsyncSession, user: User, study_id: uuid.UUID, data: StudyPatch) -> Study:
    study = await facilitated_study(db, user, study_id, for_update=True)
    check_open(study)
    changes_rule = data.scale is not msgspec.UNSET or data.consensus is not msgspec.UNSET
    stored_labels = dict(study.scale_labels or {})
    new_labels = (
        stored_labels if isinstance(data.scale_labels, msgspec.UnsetType) else dict(data.scale_labels)
    )
    # Once the first round is open, labels that panellists may have read stay as they were;
    # a language without labels may still get them.
    relabels = any(new_labels.get(language) != names for language, names in stored_labels.items())
    if (changes_rule or relabels) and await first_round(db, study.id) is not None:
        raise Conflict(
            message(N_("The scale and the consensus rule are fixed once the first round has opened."))
        )
    scale = data.scale if isinstance(data.scale, Scale) else Scale(study.scale_min, study.scale_max)
    rule = (
        data.consensus
        if not isinstance(data.consensus, msgspec.UnsetType)
        else msgspec.convert(study.consensus, ConsensusRule)
    )
    errors = scale_errors(scale) + rule_errors(rule, scale) + label_errors(new_labels, scale, study.languages)
    if errors:
        raise InvalidInput(errors=errors)
    if not isinstance(data.title, msgspec.UnsetType):
        study.title = data.title
    if not isinstance(data.purpose, msgspec.UnsetType):
        study.purpose = data.purpose.strip() if data.purpose and data.purpose.strip() else None
    study.scale_labels = new_labels or None
    study.scale_min, study.scale_max = scale.min, scale.max
    study.consensus = rule_as_stored(rule)
    return study


async def first_round(db: AsyncSession, study_id: uuid.UUID) -> Round | None:
    return await db.scalar(sa.select(Round).where(Round.study_id == study_id, Round.number == 1))


async def study_parts(
    db: AsyncSession, study_id: uuid.UUID
) -> tuple[list[Statement], list[Panellist], list[Round]]:
    statements = await db.scalars(
        sa.select(Statement).where(Statement.study_id == study_id).order_by(Statement.position)
    )
    panellists = await db.scalars(
        sa.select(Panellist)
        .where(Panellist.study_id == study_id)
        .order_by(Panellist.created_at, Panellist.id)
    )
    rounds = await db.scalars(sa.select(Round).where(Round.study_id == study_id).order_by(Round.number))
    return list(statements), list(panellists), list(rounds)


# Statements


async def add_statement(db: AsyncSession, user: User, study_id: uuid.UUID, data: StatementIn) -> Statement:
    # The study's row is locked: two statements added at once take the next two positions.
    study = await facilitated_study(db, user, study_id, for_update=True)
    check_open(study)
    errors = [
        FieldError(f"text.{language}", message(N_("This study is not held in this language.")))
        for language in data.text
        if language not in study.languages
    ]
    if not data.text.get(study.first_language, "").strip():
        errors.append(
            FieldError(
                f"text.{study.first_language}",
                message(N_("A statement needs its text in the study's first language.")),
            )
        )
    if errors:
        raise InvalidInput(errors=errors)
    last = await db.scalar(sa.select(sa.func.max(Statement.position)).where(Statement.study_id == study.id))
    statement = Statement(
        study_id=study.id, texts=dict(data.text), theme=data.theme, position=(last or 0) + 1
    )
    db.add(statement)
    await db.flush()
    return statement


# Proposals


async def list_proposals(db: AsyncSession, user: User, study_id: uuid.UUID) -> list[Proposal]:
    """The panel's proposals, undecided first, without anything that says who proposed them."""
    study = await facilitated_study(db, user, study_id)
    found = await db.scalars(
        sa.select(Proposal)
        .where(Proposal.study_id == study.id)
        .order_by(Proposal.status != ProposalStatus.PENDING, Proposal.status, Proposal.text, Proposal.id)
    )
    return list(found)


async def decided_proposal(
    db: AsyncSession, user: User, study_id: uuid.UUID, proposal_id: uuid.UUID
) -> Proposal:
    """The proposal, locked; two facilitators deciding at once take turns."""
    study = await facilitated_study(db, user, study_id, for_update=True)
    check_open(study)
    proposal = await db.get(Proposal, proposal_id, with_for_update=True, populate_existing=True)
    if proposal is None or proposal.study_id != study.id:
        raise NotFound()
    return proposal


async def accept_proposal(
    db: AsyncSession, user: User, study_id: uuid.UUID, proposal_id: uuid.UUID, data: StatementIn
) -> Statement:
    """The proposal becomes a statement (its text as the facilitator edited and translated it),
    asked from the next round on. Accepting it again is a conflict, never a second statement."""
    proposal = await decided_proposal(db, user, study_id, proposal_id)
    if proposal.status != ProposalStatus.PENDING:
        raise Conflict(message(N_("This proposal has already been decided.")))
    statement = await add_statement(db, user, study_id, data)
    proposal.status = ProposalStatus.ACCEPTED
    proposal.statement_id = statement.id
    record_event(db, "delphi.proposal_accepted", actor_id=user.id, subject_id=study_id)
    return statement


async def dismiss_proposal(
    db: AsyncSession, user: User, study_id: uuid.UUID, proposal_id: uuid.UUID
) -> Proposal:
    """Dismissing a dismissed proposal again changes nothing; an accepted one stays accepted."""
    proposal = await decided_proposal(db, user, study_id, proposal_id)
    if proposal.status == ProposalStatus.ACCEPTED:
        raise Conflict(message(N_("This proposal has already been decided.")))
    if proposal.status == ProposalStatus.PENDING:
        proposal.status = ProposalStatus.DISMISSED
        record_event(db, "delphi.proposal_dismissed", actor_id=user.id, subject_id=study_id)
    return proposal


# Panellists


async def add_panellist(
    db: AsyncSession,
    user: User,
    study_id: uuid.UUID,
    data: PanellistIn,
    public_url: str,
    *,
    mail_the_link: bool,
) -> tuple[Panellist, str]:
    """A panellist and their ballot token, which is answered once and never stored. With
    ``mail_the_link`` (an SMTP server is configured), a panellist with an e-mail address is
    sent the link; without one it would wait in the outbox, holding the link, for good."""
    study = await facilitated_study(db, user, study_id)
    check_open(study)
    sources = [data.stakeholder_id, data.user_id, data.name]
    if sum(source is not None for source in sources) != 1:
        raise InvalidInput(
            errors=[
                FieldError(
                    "stakeholder_id",
                    message(N_("Give one of a directory entry, a member or a name.")),
                )
            ]
        )
    if data.language not in study.languages:
        raise InvalidInput(
            errors=[FieldError("language", message(N_("This study is not held in this language.")))]
        )
    token = new_ballot_token()
    panellist = Panellist(study_id=study.id, language=data.language, token_hash=ballot_hash(token))
    if data.stakeholder_id is not None:
        entry = await db.get(StakeholderEntry, data.stakeholder_id)
        if entry is None or entry.platform_code not in study.platform_codes:
            raise InvalidInput(
                errors=[
                    FieldError(
                        "stakeholder_id",
                        message(N_("There is no such entry in the directories of this study's platforms.")),
                    )
                ]
            )
        panellist.stakeholder_id = entry.id
        panellist.name = entry.person_name or entry.organisation
        panellist.email = entry.email
        entry.engagements.append(
            Engagement(
                kind=EngagementKind.DELPHI, at=utcnow(), summary=study.title[:2000], created_by=user.id
            )
        )
    elif data.user_id is not None:
        member = await db.get(User, data.user_id)
        if member is None or member.is_erased or not set(member.platform_codes) & set(study.platform_codes):
            raise InvalidInput(
                errors=[
                    FieldError("user_id", message(N_("There is no such member on this study's platforms.")))
                ]
            )
        panellist.user_id = member.id
        panellist.name = member.display_name or member.username or ""
    else:
        panellist.name = data.name or ""
        if data.email:
            try:
                panellist.email, _ = checked_email(data.email)
            except ValueError:
                raise InvalidInput(
                    errors=[FieldError("email", message(N_("This is not an e-mail address.")))]
                ) from None
    try:
        async with db.begin_nested():
            db.add(panellist)
            await db.flush()
    except IntegrityError:
        raise Conflict(message(N_("This person is already on the panel of this study."))) from None
    record_event(db, "delphi.panellist_added", actor_id=user.id, subject_id=study.id)
    if panellist.email and mail_the_link:
        # The link goes by e-mail in the panellist's language; the outbox forgets the message
        # once it is sent (the template's forget_when_sent), so the server keeps no link.
        await outbox.queue(
            db,
            to=panellist.email,
            language=panellist.language,
            template="delphi_invitation",
            context={"study": study.title, "link": ballot_url(public_url, token)},
            user_id=panellist.user_id,
            stakeholder_id=panellist.stakeholder_id,
        )
        after_commit(db, outbox.wake_delivery)
    return panellist, token


def ballot_url(public_url: str, token: str) -> str:
    """The app's ballot screen; the token sits behind "#", which browsers never send to a server."""
    return f"{public_url.rstrip('/')}/#/ballot/{token}"


async def send_reminders(db: AsyncSession, user: User, round_id: uuid.UUID) -> int:
    """Reminds the panel of an open round by e-mail, in each panellist's language, and answers
    how many were reminded. Where the study's anonymity lets anyone know who answered
    (`facilitators`, `named`) only those who have not rated anything in the round are
    reminded; under `anonymous` nobody can know, so the whole panel is, in words that thank
    those who answered. Revoked panellists and those without an e-mail address are not."""
    study, current = await round_of_study(db, user, round_id)
    if current.closed_at is not None or study.closed_at is not None:
        raise Conflict(message(ROUND_CLOSED))
    panel = list(
        await db.scalars(
            sa.select(Panellist)
            .where(
                Panellist.study_id == study.id, Panellist.revoked_at.is_(None), Panellist.email.is_not(None)
            )
            .order_by(Panellist.created_at, Panellist.id)
        )
    )
    template = "delphi_reminder_everyone"
    if study.anonymity != Anonymity.ANONYMOUS:
        template = "delphi_reminder"
        answered = set(
            await db.scalars(
                sa.select(Pseudonym.panellist_id)
                .join(Rating, Rating.pseudonym_id == Pseudonym.id)
                .where(Rating.round_id == current.id, Rating.rating.is_not(None))
            )
        )
        panel = [panellist for panellist in panel if panellist.id not in answered]
    for panellist in panel:
        assert panellist.email is not None
        await outbox.queue(
            db,
            to=panellist.email,
            language=panellist.language,
            template=template,
            context={"study": study.title, "number": current.number},
            user_id=panellist.user_id,
            stakeholder_id=panellist.stakeholder_id,
        )
    if panel:
        after_commit(db, outbox.wake_delivery)
    record_event(
        db,
        "delphi.reminders_sent",
        actor_id=user.id,
        subject_id=study.id,
        number=current.number,
        count=len(panel),
    )
    return len(panel)


async def revoke_panellist(
    db: AsyncSession, user: User, study_id: uuid.UUID, panellist_id: uuid.UUID
) -> None:
    study = await facilitated_study(db, user, study_id)
    panellist = await db.get(Panellist, panellist_id)
    if panellist is None or panellist.study_id != study.id:
        raise NotFound()
    if panellist.revoked_at is None:
        panellist.revoked_at = utcnow()
        record_event(db, "delphi.panellist_revoked", actor_id=user.id, subject_id=study.id)


# Ballots from the app


async def my_open_ballots(db: AsyncSession, user: User) -> list[tuple[Panellist, Study, Round]]:
    """The open rounds of open studies where the person is a panellist through their account,
    oldest round first. Nothing about what they rated is read."""
    latest = (
        sa.select(Round.study_id, sa.func.max(Round.number).label("number"))
        .group_by(Round.study_id)
        .subquery()
    )
    rows = await db.execute(
        sa.select(Panellist, Study, Round)
        .join(Study, Study.id == Panellist.study_id)
        .join(latest, latest.c.study_id == Study.id)
        .join(Round, sa.and_(Round.study_id == Study.id, Round.number == latest.c.number))
        .where(
            Panellist.user_id == user.id,
            Panellist.revoked_at.is_(None),
            Study.closed_at.is_(None),
            Round.closed_at.is_(None),
        )
        .order_by(Round.opened_at, Round.id)
    )
    return [(panellist, study, current) for panellist, study, current in rows]


async def renew_ballot_link(db: AsyncSession, user: User, panellist_id: uuid.UUID) -> str:
    """A new ballot token for the signed-in panellist, answered once; the link before stops
    working. The pseudonym hash derives from the token, so the panellist's pseudonym (if they
    rated) is moved to the new token to keep their answers one person's. That needs the
    pseudonym's panellist_id, which only `facilitators` and `named` studies keep: under
    `anonymous` no new link can be given (a second pseudonym would count one person twice,
    and nobody can tell whether they rated), and the link they were given stays the only one."""
    panellist = await db.get(Panellist, panellist_id)
    if panellist is None or panellist.user_id != user.id or panellist.revoked_at is not None:
        raise NotFound()
    study = await db.get(Study, panellist.study_id)
    assert study is not None
    check_open(study)
    if study.anonymity == Anonymity.ANONYMOUS:
        raise Conflict(
            message(
                N_(
                    "Your answers in this study are anonymous, so nobody can give you a new link: "
                    "open the private link you were sent."
                )
            )
        )
    # Exclusive with every save of the open round (they hold it shared): a save checked with
    # the old link either commits before the pseudonym moves, or finds the link gone.
    await db.scalar(
        sa.select(Round.id).where(Round.study_id == study.id, Round.closed_at.is_(None)).with_for_update()
    )
    token = new_ballot_token()
    panellist.token_hash = ballot_hash(token)
    await db.execute(
        sa.update(Pseudonym)
        .where(Pseudonym.study_id == study.id, Pseudonym.panellist_id == panellist.id)
        .values(key_hash=pseudonym_hash(token))
    )
    record_event(db, "delphi.ballot_link_renewed", actor_id=user.id, subject_id=study.id)
    return token


# Rounds


async def open_round(db: AsyncSession, user: User, study_id: uuid.UUID) -> Round:
    """The first round asks every statement; a later one every statement without consensus
    (`none`) in the round before, and every statement added since."""
    study = await facilitated_study(db, user, study_id, for_update=True)
    check_open(study)
    statements, panellists, rounds = await study_parts(db, study.id)
    if rounds and rounds[-1].closed_at is None:
        raise Conflict(message(N_("A round is open: close it before opening the next.")))
    asked = {statement_id for earlier in rounds for statement_id in earlier.statement_ids}
    undecided: set[str] = set()
    if rounds:
        undecided = {
            str(statement_id)
            for statement_id in await db.scalars(
                sa.select(StatementResult.statement_id).where(
                    StatementResult.round_id == rounds[-1].id, StatementResult.consensus == Consensus.NONE
                )
            )
        }
    to_ask = [
        str(statement.id)
        for statement in statements
        if str(statement.id) not in asked or str(statement.id) in undecided
    ]
    if not to_ask:
        raise Conflict(message(N_("No statement is left to ask.")))
    opened = Round(
        study_id=study.id,
        number=len(rounds) + 1,
        statement_ids=to_ask,
        invited=sum(1 for panellist in panellists if panellist.revoked_at is None),
    )
    db.add(opened)
    await db.flush()
    record_event(db, "delphi.round_opened", actor_id=user.id, subject_id=study.id, number=opened.number)
    return opened


async def round_of_study(db: AsyncSession, user: User, round_id: uuid.UUID) -> tuple[Study, Round]:
    found = await db.get(Round, round_id)
    if found is None:
        raise NotFound()
    study = await facilitated_study(db, user, found.study_id, for_update=True)
    # Locked after the study: a ballot saving now either commits before, or sees it closed.
    locked = await db.get(Round, round_id, with_for_update=True, populate_existing=True)
    assert locked is not None
    return study, locked


async def close_round(db: AsyncSession, user: User, round_id: uuid.UUID) -> Round:
    study, closing = await round_of_study(db, user, round_id)
    if closing.closed_at is not None:
        raise Conflict(message(N_("This round is already closed.")))
    await compute_results(db, study, closing)
    record_event(db, "delphi.round_closed", actor_id=user.id, subject_id=study.id, number=closing.number)
    return closing


async def compute_results(db: AsyncSession, study: Study, closing: Round) -> None:
    """The round's figures per statement, kept with it; the round is closed."""
    ratings = await round_ratings(db, closing.id)
    before: dict[str, dict[uuid.UUID, int]] = {}
    if closing.number > 1:
        earlier = await db.scalar(
            sa.select(Round.id).where(Round.study_id == study.id, Round.number == closing.number - 1)
        )
        if earlier is not None:
            before = await round_ratings(db, earlier)
    rows = []
    for statement_id in closing.statement_ids:
        given = ratings.get(statement_id, {})
        figures = statistics.figures(list(given.values()), study.consensus, study.scale_min, study.scale_max)
        earlier_ratings = before.get(statement_id)
        rows.append(
            {
                "round_id": closing.id,
                "statement_id": uuid.UUID(statement_id),
                "n": figures.n,
                "median": figures.median,
                "q1": figures.q1,
                "q3": figures.q3,
                "agree_percent": figures.agree_percent,
                "disagree_percent": figures.disagree_percent,
                "moved_percent": statistics.moved_percent(earlier_ratings, given)
                if earlier_ratings is not None
                else None,
                "distribution": figures.distribution,
                "consensus": figures.consensus,
            }
        )
    if rows:
        await db.execute(sa.insert(StatementResult), rows)
    closing.responded = len({who for given in ratings.values() for who in given})
    closing.closed_at = utcnow()


async def round_ratings(db: AsyncSession, round_id: uuid.UUID) -> dict[str, dict[uuid.UUID, int]]:
    """{statement id: {pseudonym id: rating}} of the ratings given in a round."""
    found: dict[str, dict[uuid.UUID, int]] = defaultdict(dict)
    rows = await db.execute(
        sa.select(Rating.statement_id, Rating.pseudonym_id, Rating.rating).where(
            Rating.round_id == round_id, Rating.rating.is_not(None)
        )
    )
    for statement_id, pseudonym_id, rating in rows:
        if rating is not None:
            found[str(statement_id)][pseudonym_id] = rating
    return found


async def close_study(db: AsyncSession, user: User, study_id: uuid.UUID) -> Study:
    """No further rounds; an open round is closed first, with its results. Closing a closed
    study again changes nothing."""
    study = await facilitated_study(db, user, study_id, for_update=True)
    if study.closed_at is not None:
        return study
    open_one = await db.scalar(
        sa.select(Round).where(Round.study_id == study.id, Round.closed_at.is_(None)).with_for_update()
    )
    if open_one is not None:
        await compute_results(db, study, open_one)
    study.closed_at = utcnow()
    record_event(db, "delphi.study_closed", actor_id=user.id, subject_id=study.id)
    return study


# Ballots


async def panellist_of(db: AsyncSession, token: str) -> tuple[Panellist, Study]:
    """The panellist a ballot link belongs to; an unknown or revoked link is as missing as a
    study that never was."""
    if len(token) > MAX_TOKEN_LENGTH:
        raise NotFound()
    panellist = await db.scalar(sa.select(Panellist).where(Panellist.token_hash == ballot_hash(token)))
    if panellist is None or panellist.revoked_at is not None:
        raise NotFound()
    study = await db.get(Study, panellist.study_id)
    assert study is not None
    return panellist, study


async def latest_round(db: AsyncSession, study_id: uuid.UUID, *, for_share: bool = False) -> Round | None:
    query = sa.select(Round).where(Round.study_id == study_id).order_by(Round.number.desc()).limit(1)
    if for_share:
        query = query.with_for_update(read=True)
    return await db.scalar(query)


def statement_text(statement: Statement, language: str, first_language: str) -> tuple[str, str, bool]:
    """The text in the language, or else in the study's first language, marked as a fallback."""
    text = statement.texts.get(language)
    if text:
        return text, language, False
    return statement.texts[first_language], first_language, language != first_language


async def read_ballot(db: AsyncSession, token: str) -> Ballot:
    panellist, study = await panellist_of(db, token)
    current = await latest_round(db, study.id)
    ballot_study = BallotStudy(
        study.id,
        study.title,
        Scale(study.scale_min, study.scale_max),
        study.consensus,
        study.anonymity,
        study.languages,
        labels_in(study, panellist.language),
    )
    if current is None:
        return Ballot(ballot_study, None, panellist.language, [])
    pseudonym_id = await db.scalar(sa.select(Pseudonym.id).where(Pseudonym.key_hash == pseudonym_hash(token)))
    proposals = BallotProposals(proposals_open(current), await my_proposals(db, pseudonym_id))
    mine: dict[str, tuple[int | None, str | None]] = {}
    if pseudonym_id is not None:
        rows = await db.execute(
            sa.select(Rating.statement_id, Rating.rating, Rating.comment).where(
                Rating.round_id == current.id, Rating.pseudonym_id == pseudonym_id
            )
        )
        mine = {str(statement_id): (rating, comment) for statement_id, rating, comment in rows}
    previous = await previous_round(db, study, current, pseudonym_id)
    statements = {
        str(statement.id): statement
        for statement in await db.scalars(sa.select(Statement).where(Statement.study_id == study.id))
    }
    items = []
    for statement_id in current.statement_ids:
        statement = statements[statement_id]
        text, text_language, fallback = statement_text(statement, panellist.language, study.first_language)
        my_rating, my_comment = mine.get(statement_id, (None, None))
        items.append(
            BallotStatement(
                statement.id,
                text,
                text_language,
                fallback,
                statement.theme,
                my_rating,
                my_comment,
                previous.get(statement_id),
            )
        )
    return Ballot(
        ballot_study,
        BallotRound(current.id, current.number, current.closed_at is None),
        panellist.language,
        items,
        proposals,
    )


def labels_in(study: Study, language: str) -> list[str]:
    """The scale's labels in the language, or else in the study's first language, or none."""
    labels = study.scale_labels or {}
    return list(labels.get(language) or labels.get(study.first_language) or [])


def proposals_open(current: Round | None) -> bool:
    """Panellists propose statements in the first round, while it is open."""
    return current is not None and current.number == 1 and current.closed_at is None


async def my_proposals(db: AsyncSession, pseudonym_id: uuid.UUID | None) -> list[MyProposal]:
    if pseudonym_id is None:
        return []
    found = await db.scalars(
        sa.select(Proposal).where(Proposal.pseudonym_id == pseudonym_id).order_by(Proposal.text, Proposal.id)
    )
    return [MyProposal(item.text, item.comment, item.status) for item in found]


async def previous_round(
    db: AsyncSession, study: Study, current: Round, pseudonym_id: uuid.UUID | None
) -> dict[str, Previous]:
    """From round two: the group's answers to each statement in the round before, with the
    panellist's own rating and the others' comments, without names and in no telling order."""
    if current.number < 2:
        return {}
    before = await db.scalar(
        sa.select(Round).where(Round.study_id == study.id, Round.number == current.number - 1)
    )
    if before is None or before.closed_at is None:
        return {}
    results = {
        str(result.statement_id): result
        for result in await db.scalars(
            sa.select(StatementResult).where(StatementResult.round_id == before.id)
        )
    }
    comments: dict[str, list[str]] = defaultdict(list)
    own: dict[str, int | None] = {}
    # The panellist's own answers and the others' comments, not the whole panel's ratings.
    has_comment = sa.and_(Rating.comment.is_not(None), Rating.comment != "")
    rows = await db.execute(
        sa.select(Rating.statement_id, Rating.pseudonym_id, Rating.rating, Rating.comment).where(
            Rating.round_id == before.id,
            has_comment if pseudonym_id is None else sa.or_(Rating.pseudonym_id == pseudonym_id, has_comment),
        )
    )
    for statement_id, who, rating, comment in rows:
        if who == pseudonym_id:
            own[str(statement_id)] = rating
        elif comment and comment.strip():
            comments[str(statement_id)].append(comment)
    return {
        statement_id: Previous(
            own.get(statement_id),
            result.n,
            result.median,
            result.q1,
            result.q3,
            result.distribution,
            sorted(comments.get(statement_id, [])),
        )
        for statement_id, result in results.items()
    }


@dataclass(frozen=True, slots=True)
class CheckedSave:
    """A ballot save checked against what is stored, ready to be written."""

    token: str
    study: Study
    panellist: Panellist
    round_id: uuid.UUID
    round_number: int
    answers: dict[str, tuple[int | None, str | None]]
    pseudonym_id: uuid.UUID | None
    # The proposals the ballot's undecided ones become; None leaves them as they are.
    proposals: list[tuple[str, str | None]] | None = None


async def check_save(reading: AsyncSession, token: str, data: BallotIn) -> CheckedSave:
    """Everything a save can check without writing, in a session that writes nothing: on
    SQLite writers take turns, and a whole panel saving at once then waits only for the few
    statements that write. The session must end before the write begins (a request holding
    one connection while it waits for a second would drain the pool under load)."""
    # One query for the link, its study and its pseudonym: a whole panel saves at once.
    if len(token) > MAX_TOKEN_LENGTH:
        raise NotFound()
    found = (
        await reading.execute(
            sa.select(Panellist, Study, Pseudonym.id)
            .join(Study, Study.id == Panellist.study_id)
            .outerjoin(Pseudonym, Pseudonym.key_hash == pseudonym_hash(token))
            .where(Panellist.token_hash == ballot_hash(token))
            # A save needs none of the study's platforms; touching them would be a bug.
            .options(raiseload(Study.platforms))
        )
    ).first()
    if found is None or found[0].revoked_at is not None:
        raise NotFound()
    panellist, study, known = found
    if study.closed_at is not None:
        raise Conflict(message(STUDY_CLOSED))
    current = await latest_round(reading, study.id)
    if current is None or current.closed_at is not None:
        raise Conflict(message(ROUND_CLOSED))
    answers = checked_answers(study, current, data)
    proposals = None
    if not isinstance(data.proposals, msgspec.UnsetType):
        if not proposals_open(current):
            raise Conflict(message(N_("Statements can be proposed in the first round only.")))
        proposals = checked_proposals(data.proposals)
    return CheckedSave(token, study, panellist, current.id, current.number, answers, known, proposals)


async def save_ballot(db: AsyncSession, checked: CheckedSave) -> BallotSaved:
    """Every answer is kept as given; statements the request does not name keep theirs.
    Two saves at once: each answer ends as the later one left it."""
    # Shared with every other ballot of the round, exclusive with closing it: a save either
    # commits before the round closes, or finds it closed.
    # The link may have been revoked or renewed (renew_ballot_link holds the round exclusively)
    # since the save was checked: an old link must not make a second pseudonym. One query
    # asks both, since on SQLite every statement here is spent holding the write lock.
    linked = (
        sa.select(Panellist.id)
        .where(Panellist.token_hash == ballot_hash(checked.token), Panellist.revoked_at.is_(None))
        .exists()
    )
    still_open = await db.scalar(
        sa.select(Round.id)
        .where(Round.id == checked.round_id, Round.closed_at.is_(None), linked)
        .with_for_update(read=True)
    )
    if still_open is None:
        if await db.scalar(sa.select(linked)):
            raise Conflict(message(ROUND_CLOSED))
        raise NotFound()
    pseudonym_id = checked.pseudonym_id
    if checked.answers or checked.proposals is not None:
        pseudonym_id = pseudonym_id or await pseudonym_for(
            db, checked.token, checked.study, checked.panellist
        )
    if checked.proposals is not None:
        assert pseudonym_id is not None
        await replace_proposals(db, checked, pseudonym_id)
    if checked.answers:
        # One statement, compiled once per dialect and cached, executed for every answer: a
        # multi-row VALUES built per request cost more than the write itself.
        await db.execute(
            rating_upsert(db.get_bind().dialect.name),
            [
                {
                    "round_id": checked.round_id,
                    "statement_id": uuid.UUID(statement_id),
                    "pseudonym_id": pseudonym_id,
                    "rating": rating,
                    "comment": comment,
                }
                for statement_id, (rating, comment) in checked.answers.items()
            ],
        )
    return BallotSaved(checked.round_number, len(checked.answers))


@functools.cache
def rating_upsert(dialect: str) -> sa.Insert:
    """Insert a rating or change the one the pseudonym gave the statement in the round. Core,
    not ORM: the ORM's bulk path would rebuild the rows as ORM parameters on every save."""
    table = Rating.__table__
    insert = dialect_insert(dialect, table)
    return insert.on_conflict_do_update(
        index_elements=["round_id", "statement_id", "pseudonym_id"],
        set_={
            "rating": insert.excluded.rating,
            # A save without a comment keeps the one given before; "" clears it.
            "comment": sa.func.coalesce(insert.excluded.comment, table.c.comment),
        },
    )


def checked_proposals(proposals: Sequence[ProposalIn]) -> list[tuple[str, str | None]]:
    """The proposals as sent, blank ones refused, the same text given twice kept once."""
    errors = []
    found: dict[str, str | None] = {}
    for index, item in enumerate(proposals):
        text = item.text.strip()
        if not text:
            errors.append(
                FieldError(f"proposals[{index}].text", message(N_("Write the statement you propose.")))
            )
        found[text] = item.comment.strip() or None if item.comment else None
    if errors:
        raise InvalidInput(errors=errors)
    return list(found.items())


async def replace_proposals(db: AsyncSession, checked: CheckedSave, pseudonym_id: uuid.UUID) -> None:
    """The ballot's undecided proposals become those sent; decided ones stay as decided, and a
    text already decided is not proposed again (a retried or late save changes nothing)."""
    assert checked.proposals is not None
    # Two tabs saving at once take turns here: each save's proposals replace the other's whole.
    await db.execute(sa.select(Pseudonym.id).where(Pseudonym.id == pseudonym_id).with_for_update())
    decided = set(
        await db.scalars(
            sa.select(Proposal.text).where(
                Proposal.pseudonym_id == pseudonym_id, Proposal.status != ProposalStatus.PENDING
            )
        )
    )
    await db.execute(
        sa.delete(Proposal).where(
            Proposal.pseudonym_id == pseudonym_id, Proposal.status == ProposalStatus.PENDING
        )
    )
    rows = [
        {
            "id": uuid.uuid4(),
            "study_id": checked.study.id,
            "pseudonym_id": pseudonym_id,
            "text": text,
            "comment": comment,
            # Under `anonymous` a rare language would name the proposer: not kept.
            "language": None
            if checked.study.anonymity == Anonymity.ANONYMOUS
            else checked.panellist.language,
            "status": ProposalStatus.PENDING,
        }
        for text, comment in checked.proposals
        if text not in decided
    ]
    if rows:
        await db.execute(sa.insert(Proposal), rows)


def checked_answers(study: Study, current: Round, data: BallotIn) -> dict[str, tuple[int | None, str | None]]:
    """The answers by statement (the last of one statement's wins), or 422 naming each bad one."""
    asked = set(current.statement_ids)
    errors = []
    answers: dict[str, tuple[int | None, str | None]] = {}
    for index, item in enumerate(data.ratings):
        statement_id = str(item.statement_id)
        if statement_id not in asked:
            errors.append(
                FieldError(
                    f"ratings[{index}].statement_id",
                    message(N_("This statement is not asked in this round.")),
                )
            )
        if item.rating is not None and not study.scale_min <= item.rating <= study.scale_max:
            errors.append(
                FieldError(
                    f"ratings[{index}].rating",
                    message(
                        N_("A rating is a whole number from {min} to {max}."),
                        min=study.scale_min,
                        max=study.scale_max,
                    ),
                )
            )
        answers[statement_id] = (item.rating, item.comment)
    if errors:
        raise InvalidInput(errors=errors)
    return answers


async def pseudonym_for(db: AsyncSession, token: str, study: Study, panellist: Panellist) -> uuid.UUID:
    """The token's pseudonym, made at its first save. Under `anonymous` it names no panellist."""
    key = pseudonym_hash(token)
    linked = None if study.anonymity == Anonymity.ANONYMOUS else panellist.id
    for _ in range(5):
        # Two first saves at once make one pseudonym; a label taken by chance is drawn again.
        made = await db.scalar(
            insert_on_conflict(db, Pseudonym)
            .values(
                id=uuid.uuid4(),
                study_id=study.id,
                key_hash=key,
                label=new_pseudonym_label(),
                panellist_id=linked,
            )
            .on_conflict_do_nothing()
            .returning(Pseudonym.id)
        )
        if made is not None:
            return made
        found = await db.scalar(sa.select(Pseudonym.id).where(Pseudonym.key_hash == key))
        if found is not None:
            return found
    raise RuntimeError("no pseudonym after five tries")


# Results


async def readable_study(db: AsyncSession, user: User, study_id: uuid.UUID) -> Study:
    study = await db.get(Study, study_id)
    if study is None or not reads_results(user, study):
        raise NotFound()
    return study


async def results(db: AsyncSession, user: User, study_id: uuid.UUID) -> Results:
    """Every closed round's figures, statements in the study's first language."""
    study = await readable_study(db, user, study_id)
    statements = {
        statement.id: statement
        for statement in await db.scalars(sa.select(Statement).where(Statement.study_id == study.id))
    }
    rounds = await db.scalars(
        sa.select(Round)
        .where(Round.study_id == study.id, Round.closed_at.is_not(None))
        .order_by(Round.number)
    )
    found = []
    for closed in rounds:
        by_statement = {
            result.statement_id: result
            for result in await db.scalars(
                sa.select(StatementResult).where(StatementResult.round_id == closed.id)
            )
        }
        items = []
        for statement_id in closed.statement_ids:
            result = by_statement[uuid.UUID(statement_id)]
            statement = statements[result.statement_id]
            items.append(
                StatementResultOut(
                    statement.id,
                    statement.texts[study.first_language],
                    statement.theme,
                    result.n,
                    result.median,
                    result.q1,
                    result.q3,
                    result.agree_percent,
                    result.disagree_percent,
                    result.consensus,
                    result.distribution,
                    result.moved_percent,
                )
            )
        found.append(RoundResults(closed.number, closed.invited, closed.responded or 0, items))
    return Results(found)


EXPORT_COLUMNS = ("round", "statement_id", "statement", "panellist", "rating", "comment")


async def export_rows(db: AsyncSession, user: User, study_id: uuid.UUID) -> tuple[Study, list[list[str]]]:
    """One row per rating: panellists by pseudonym, by name only in a `named` study."""
    study = await facilitated_study(db, user, study_id)
    names: dict[uuid.UUID, str] = {}
    if study.anonymity == Anonymity.NAMED:
        found = await db.execute(
            sa.select(Panellist.id, Panellist.name).where(Panellist.study_id == study.id)
        )
        names = {panellist_id: name for panellist_id, name in found}
    rows = await db.execute(
        sa.select(
            Round.number, Statement.id, Statement.texts, Pseudonym.label, Pseudonym.panellist_id, Rating
        )
        .join(Round, Round.id == Rating.round_id)
        .join(Statement, Statement.id == Rating.statement_id)
        .join(Pseudonym, Pseudonym.id == Rating.pseudonym_id)
        .where(Round.study_id == study.id)
        .order_by(Round.number, Statement.position, Pseudonym.label)
    )
    lines = [
        [
            str(number),
            str(statement_id),
            texts[study.first_language],
            names.get(panellist_id, label) if panellist_id is not None else label,
            "" if rating.rating is None else str(rating.rating),
            rating.comment or "",
        ]
        for number, statement_id, texts, label, panellist_id, rating in rows
    ]
    return study, lines


# The impact page's figures


async def delphi_figures(
    session: AsyncSession, platform_codes: Iterable[str]
) -> tuple[dict[str, DelphiFigures], DelphiFigures]:
    """Per platform: its studies, their panellists, the panellists who rated at least one
    statement in any round, their statements, and the statements whose consensus in the last
    closed round that asked them is `in`. A study of several platforms counts for each of
    them, and once in the total (the second value), which is over the studies of all
    ``platform_codes``."""
    codes = list(platform_codes)
    figures = {code: DelphiFigures() for code in codes}
    total = DelphiFigures()
    links = await session.execute(
        sa.select(StudyPlatform.platform_code, StudyPlatform.study_id).where(
            StudyPlatform.platform_code.in_(codes)
        )
    )
    studies_of: dict[str, list[uuid.UUID]] = defaultdict(list)
    for code, study_id in links:
        studies_of[code].append(study_id)
    study_ids = {study_id for ids in studies_of.values() for study_id in ids}
    if not study_ids:
        return figures, total
    per_study: dict[uuid.UUID, DelphiFigures] = defaultdict(DelphiFigures)
    for study_id, count in await counts(session, Panellist.study_id, sa.func.count(Panellist.id), study_ids):
        per_study[study_id].panellists = count
    for study_id, count in await counts(session, Statement.study_id, sa.func.count(Statement.id), study_ids):
        per_study[study_id].statements = count
    responded = (
        sa.select(Pseudonym.study_id, sa.func.count(sa.distinct(Pseudonym.id)))
        .join(Rating, Rating.pseudonym_id == Pseudonym.id)
        .where(Pseudonym.study_id.in_(study_ids), Rating.rating.is_not(None))
        .group_by(Pseudonym.study_id)
    )
    for study_id, count in await session.execute(responded):
        per_study[study_id].responded = count
    latest: dict[uuid.UUID, tuple[int, uuid.UUID, Consensus]] = {}
    decided = (
        sa.select(StatementResult.statement_id, Round.study_id, Round.number, StatementResult.consensus)
        .join(Round, Round.id == StatementResult.round_id)
        .where(Round.study_id.in_(study_ids), Round.closed_at.is_not(None))
    )
    for statement_id, study_id, number, verdict in await session.execute(decided):
        if statement_id not in latest or latest[statement_id][0] < number:
            latest[statement_id] = (number, study_id, verdict)
    for _, study_id, verdict in latest.values():
        if verdict == Consensus.IN:
            per_study[study_id].consensus_in += 1
    for code, ids in studies_of.items():
        for study_id in ids:
            add_study(figures[code], per_study[study_id])
    for study_id in study_ids:
        add_study(total, per_study[study_id])
    return figures, total


def add_study(figures: DelphiFigures, study: DelphiFigures) -> None:
    figures.studies += 1
    figures.panellists += study.panellists
    figures.responded += study.responded
    figures.statements += study.statements
    figures.consensus_in += study.consensus_in


async def counts(
    session: AsyncSession, key: Any, counted: Any, study_ids: Sequence[uuid.UUID] | set[uuid.UUID]
) -> list[tuple[uuid.UUID, int]]:
    query = sa.select(key, counted).where(key.in_(study_ids)).group_by(key)
    return [(study_id, count) for study_id, count in await session.execute(query)]
