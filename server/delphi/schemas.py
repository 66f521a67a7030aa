"""What goes over the wire for Delphi studies, ballots and results, with its limits."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

import msgspec

from server.delphi.models import Anonymity, Consensus, ProposalStatus
from server.wire import Language, PlatformCode, Strict

Title = Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
StatementText = Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
Theme = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Comment = Annotated[str, msgspec.Meta(max_length=4000)]
PersonName = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
# Checked by the service with email-validator, as the directory checks addresses.
EmailText = Annotated[str, msgspec.Meta(max_length=320)]
ScalePoint = Annotated[int, msgspec.Meta(ge=0, le=10)]
Percent = Annotated[int, msgspec.Meta(ge=0, le=100)]
Purpose = Annotated[str, msgspec.Meta(max_length=4000)]
ScaleLabel = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
# {language: [a label for each point of the scale, from its lowest]}; the service checks the count.
ScaleLabels = Annotated[
    dict[Language, Annotated[list[ScaleLabel], msgspec.Meta(max_length=9)]], msgspec.Meta(max_length=12)
]
ProposalText = Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
MAX_PROPOSALS = 10


class Scale(msgspec.Struct):
    """The rating scale: 1 to 5 up to 1 to 9."""

    min: ScalePoint
    max: ScalePoint


class PercentRule(Strict, tag="percent", tag_field="kind"):
    """`in` when at least `threshold` % of the ratings are >= `agree_from` and fewer than
    `max_opposite` % are <= `disagree_to`; `out` the other way round; otherwise `none`."""

    agree_from: ScalePoint
    disagree_to: ScalePoint
    threshold: Annotated[int, msgspec.Meta(ge=1, le=100)]
    max_opposite: Annotated[int, msgspec.Meta(ge=1, le=100)]


class IqrRule(Strict, tag="iqr", tag_field="kind"):
    """`in` when q3 - q1 <= `max_iqr` and the median is >= `agree_from`; `out` when
    q3 - q1 <= `max_iqr` and the median is <= `disagree_to`; otherwise `none`."""

    max_iqr: Annotated[float, msgspec.Meta(ge=0, le=10)]
    agree_from: ScalePoint
    disagree_to: ScalePoint


ConsensusRule = PercentRule | IqrRule


class StudyIn(Strict):
    title: Title
    platforms: Annotated[list[PlatformCode], msgspec.Meta(min_length=1, max_length=50)]
    scale: Scale
    consensus: ConsensusRule
    anonymity: Anonymity
    languages: Annotated[list[Language], msgspec.Meta(min_length=1, max_length=12)]
    # Extensions of the contract (docs/api.md): the study's purpose, and scale labels.
    purpose: Purpose | None = None
    scale_labels: ScaleLabels | None = None


class StudyPatch(Strict):
    """What may change; the scale, its labels and the consensus rule only until the first round
    opens (after it, labels may still be given for a language that has none)."""

    title: Title | msgspec.UnsetType = msgspec.UNSET
    purpose: Purpose | msgspec.UnsetType | None = msgspec.UNSET
    scale_labels: ScaleLabels | msgspec.UnsetType = msgspec.UNSET
    scale: Scale | msgspec.UnsetType = msgspec.UNSET
    consensus: ConsensusRule | msgspec.UnsetType = msgspec.UNSET


class DelphiCreated(msgspec.Struct):
    """The id of what was made: a study or a statement."""

    id: uuid.UUID


class StatementIn(Strict):
    text: Annotated[dict[Language, StatementText], msgspec.Meta(min_length=1, max_length=12)]
    theme: Theme | None = None


class PanellistIn(Strict):
    """One of `stakeholder_id`, `user_id` or `name`."""

    language: Language
    stakeholder_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    name: PersonName | None = None
    email: EmailText | None = None


class PanellistCreated(msgspec.Struct):
    id: uuid.UUID
    token: str
    ballot_url: str


class RoundOpened(msgspec.Struct):
    id: uuid.UUID
    number: int
    statement_ids: list[uuid.UUID]


class StatementOut(msgspec.Struct):
    id: uuid.UUID
    text: dict[str, str]
    theme: str | None


class PanellistOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    email: str | None
    language: str
    stakeholder_id: uuid.UUID | None
    user_id: uuid.UUID | None
    revoked: bool


class RoundOut(msgspec.Struct):
    id: uuid.UUID
    number: int
    statement_ids: list[uuid.UUID]
    invited: int
    responded: int | None
    opened_at: dt.datetime
    closed_at: dt.datetime | None


class StudySummary(msgspec.Struct):
    id: uuid.UUID
    title: str
    platforms: list[str]
    scale: Scale
    consensus: dict[str, Any]
    anonymity: Anonymity
    languages: list[str]
    created_at: dt.datetime
    closed_at: dt.datetime | None
    purpose: str | None
    scale_labels: dict[str, list[str]]


class StudyPage(msgspec.Struct):
    items: list[StudySummary]
    next_cursor: str | None


class StudyOut(StudySummary):
    statements: list[StatementOut]
    panellists: list[PanellistOut]
    rounds: list[RoundOut]


# Ballots


class BallotStudy(msgspec.Struct):
    id: uuid.UUID
    title: str
    scale: Scale
    consensus: dict[str, Any]
    anonymity: Anonymity
    languages: list[str]
    # A label for each point of the scale in the ballot's language (or the study's first
    # language when it has none there); empty when the study labels no point.
    scale_labels: list[str] = []


class MyProposal(msgspec.Struct):
    text: str
    comment: str | None
    status: ProposalStatus


class BallotProposals(msgspec.Struct):
    """The open question of the first round: statements the panellist proposes."""

    # True while the first round is open: proposals can be sent.
    open: bool
    mine: list[MyProposal]


class BallotRound(msgspec.Struct):
    id: uuid.UUID
    number: int
    open: bool


class Previous(msgspec.Struct):
    """The group's answers to the statement in the round before."""

    my_rating: int | None
    n: int
    median: float | None
    q1: float | None
    q3: float | None
    distribution: dict[str, int]
    comments: list[str]


class BallotStatement(msgspec.Struct):
    id: uuid.UUID
    text: str
    # The language of `text`; `fallback` when the statement has no text in the ballot's
    # language and shows in the study's first language instead.
    text_language: str
    fallback: bool
    theme: str | None
    my_rating: int | None
    my_comment: str | None
    previous: Previous | None


class Ballot(msgspec.Struct):
    study: BallotStudy
    round: BallotRound | None
    language: str
    statements: list[BallotStatement]
    proposals: BallotProposals = msgspec.field(default_factory=lambda: BallotProposals(False, []))


class RatingIn(Strict):
    statement_id: uuid.UUID
    # Null takes a rating back (a comment may stay); the scale is checked by the service.
    rating: Annotated[int, msgspec.Meta(ge=-1000, le=1000)] | None
    comment: Comment | None = None


class ProposalIn(Strict):
    text: ProposalText
    comment: Comment | None = None


class BallotIn(Strict):
    ratings: Annotated[list[RatingIn], msgspec.Meta(max_length=1000)]
    # An extension of the contract: when given, the ballot's proposals not yet decided become
    # these (first round only).
    proposals: Annotated[list[ProposalIn], msgspec.Meta(max_length=MAX_PROPOSALS)] | msgspec.UnsetType = (
        msgspec.UNSET
    )


class RemindersSent(msgspec.Struct):
    """How many panellists were reminded."""

    reminded: int


class BallotSaved(msgspec.Struct):
    """The round the answers were saved in, and how many were saved."""

    round: int
    saved: int


# Proposals, as facilitators see them


class ProposalOut(msgspec.Struct):
    id: uuid.UUID
    text: str
    comment: str | None
    # The ballot's language; null under `anonymous`, where it could name the proposer.
    language: str | None
    status: ProposalStatus
    statement_id: uuid.UUID | None


class ProposalList(msgspec.Struct):
    items: list[ProposalOut]


# Results


class StatementResultOut(msgspec.Struct):
    id: uuid.UUID
    text: str
    theme: str | None
    n: int
    median: float | None
    q1: float | None
    q3: float | None
    agree_percent: float | None
    disagree_percent: float | None
    consensus: Consensus
    distribution: dict[str, int]
    moved_percent: float | None


class RoundResults(msgspec.Struct):
    number: int
    invited: int
    responded: int
    statements: list[StatementResultOut]


class Results(msgspec.Struct):
    rounds: list[RoundResults]


class DelphiFigures(msgspec.Struct):
    """The Delphi part of the impact figures (contract, "Impact")."""

    studies: int = 0
    panellists: int = 0
    responded: int = 0
    statements: int = 0
    consensus_in: int = 0


class MyBallotStudy(msgspec.Struct):
    id: uuid.UUID
    title: str
    anonymity: Anonymity


class MyBallotRound(msgspec.Struct):
    number: int
    opened_at: dt.datetime


class MyBallot(msgspec.Struct):
    """An open round of a study where the signed-in person is a panellist through their
    account. Whether they answered is not said: under `anonymous` nobody can know it."""

    panellist_id: uuid.UUID
    study: MyBallotStudy
    round: MyBallotRound
    # Whether POST /api/v1/me/ballots/{panellist_id}/link can give a new link: never under
    # `anonymous` (see "Delphi ballots from the app" in docs/architecture.md).
    link_renewable: bool


class MyBallots(msgspec.Struct):
    items: list[MyBallot]


class BallotLink(msgspec.Struct):
    token: str
    ballot_url: str
