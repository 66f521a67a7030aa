"""Delphi studies: a panel rates statements over several rounds, seeing the group's answers
between rounds. The tables keep who was invited (panellists) apart from what was rated
(pseudonyms and their ratings); see "Delphi studies" in docs/architecture.md for why no
column, index or key joins the two under `anonymous`."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db import Base, UtcDateTime, VocabularyColumn, one_of, utcnow


class Anonymity(StrEnum):
    # Nobody, admins and database readers included, can link a rating to a person.
    ANONYMOUS = "anonymous"
    # The facilitators may know who rated what; exports and results show pseudonyms.
    FACILITATORS = "facilitators"
    # Exports name the panellists.
    NAMED = "named"


class ConsensusKind(StrEnum):
    PERCENT = "percent"
    IQR = "iqr"


class Consensus(StrEnum):
    IN = "in"
    OUT = "out"
    NONE = "none"


class ProposalStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DISMISSED = "dismissed"


class Study(Base):
    __tablename__ = "delphi_studies"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    title: Mapped[str] = mapped_column(sa.String(300))
    # Why the study is held, as its report states it (CREDES: purpose and rationale).
    purpose: Mapped[str | None] = mapped_column(sa.String(4000))
    scale_min: Mapped[int] = mapped_column(sa.SmallInteger)
    scale_max: Mapped[int] = mapped_column(sa.SmallInteger)
    # {language: [a label for each point of the scale, from scale_min up]}.
    scale_labels: Mapped[dict[str, list[str]] | None] = mapped_column(sa.JSON)
    # The rule as the contract words it ({"kind": "percent", ...} or {"kind": "iqr", ...}),
    # fixed once the first round opens.
    consensus: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    anonymity: Mapped[Anonymity] = mapped_column(VocabularyColumn(Anonymity, 16))
    # The first is the study's own language: every statement has its text in it.
    languages: Mapped[list[str]] = mapped_column(sa.JSON)
    created_by: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    platforms: Mapped[list[StudyPlatform]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="StudyPlatform.platform_code"
    )

    __table_args__ = (
        one_of("anonymity", Anonymity, name="known_anonymity"),
        sa.CheckConstraint("scale_min < scale_max", name="scale_ordered"),
        sa.Index("ix_delphi_studies_created", "created_at", "id"),
    )

    @property
    def platform_codes(self) -> list[str]:
        return [link.platform_code for link in self.platforms]

    @property
    def first_language(self) -> str:
        return self.languages[0]


class StudyPlatform(Base):
    __tablename__ = "delphi_study_platforms"

    study_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("delphi_studies.id", ondelete="CASCADE"), primary_key=True
    )
    platform_code: Mapped[str] = mapped_column(sa.ForeignKey("platforms.code"), primary_key=True, index=True)


class Statement(Base):
    __tablename__ = "delphi_statements"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    study_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("delphi_studies.id", ondelete="CASCADE"))
    # {language: text}; the study's first language is always there.
    texts: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    theme: Mapped[str | None] = mapped_column(sa.String(200))
    # Statements show in the order they were added.
    position: Mapped[int] = mapped_column(sa.Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("study_id", "position"),)


class Panellist(Base):
    """Who was invited, and the hash of their ballot token. Nothing here points at what they
    rated: under `anonymous` only the token itself leads from a panellist to a pseudonym."""

    __tablename__ = "delphi_panellists"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    study_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("delphi_studies.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    language: Mapped[str] = mapped_column(sa.String(8))
    stakeholder_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("stakeholder_entries.id", ondelete="SET NULL")
    )
    user_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # SHA-256 of "delphi-ballot:" + the token (256 random bits): the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("study_id", "stakeholder_id", name="uq_delphi_panellists_stakeholder"),
        sa.UniqueConstraint("study_id", "user_id", name="uq_delphi_panellists_user"),
        sa.Index("ix_delphi_panellists_study", "study_id", "created_at"),
    )


class Pseudonym(Base):
    """The one who rates. Made at a ballot's first save, not when the panellist is invited, so
    that neither its time nor its place in the table follows the panellists' order."""

    __tablename__ = "delphi_pseudonyms"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    study_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("delphi_studies.id", ondelete="CASCADE"))
    # SHA-256 of "delphi-pseudonym:" + the token: another hash than the panellist's, so that
    # no comparison of two columns joins the tables.
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # What exports and the facilitators see: random, never a count.
    label: Mapped[str] = mapped_column(sa.String(16))
    # Only under `facilitators` and `named`; always null under `anonymous`.
    panellist_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("delphi_panellists.id", ondelete="SET NULL")
    )

    __table_args__ = (sa.UniqueConstraint("study_id", "label", name="uq_delphi_pseudonyms_label"),)


class Round(Base):
    __tablename__ = "delphi_rounds"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    study_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("delphi_studies.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(sa.SmallInteger)
    # The statements asked, in the order the ballot shows them.
    statement_ids: Mapped[list[str]] = mapped_column(sa.JSON)
    # Panellists with a working link when the round opened.
    invited: Mapped[int] = mapped_column(sa.Integer)
    # Pseudonyms with at least one rating, counted when the round closes.
    responded: Mapped[int | None] = mapped_column(sa.Integer)
    opened_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (sa.UniqueConstraint("study_id", "number", name="uq_delphi_rounds_number"),)


class Rating(Base):
    __tablename__ = "delphi_ratings"

    round_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("delphi_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    statement_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("delphi_statements.id", ondelete="CASCADE"), primary_key=True
    )
    pseudonym_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("delphi_pseudonyms.id", ondelete="CASCADE"), primary_key=True
    )
    # Null: a comment without a rating, or a rating taken back. No rating is not a rating.
    rating: Mapped[int | None] = mapped_column(sa.SmallInteger)
    comment: Mapped[str | None] = mapped_column(sa.String(4000))


class StatementResult(Base):
    """A statement's figures in a closed round, computed once when the round closes."""

    __tablename__ = "delphi_results"

    round_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("delphi_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    statement_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("delphi_statements.id", ondelete="CASCADE"), primary_key=True
    )
    n: Mapped[int] = mapped_column(sa.Integer)
    median: Mapped[float | None] = mapped_column(sa.Float)
    q1: Mapped[float | None] = mapped_column(sa.Float)
    q3: Mapped[float | None] = mapped_column(sa.Float)
    agree_percent: Mapped[float | None] = mapped_column(sa.Float)
    disagree_percent: Mapped[float | None] = mapped_column(sa.Float)
    # Share of those who rated it in this round and the one before whose rating moved by
    # more than one point; null in a statement's first round.
    moved_percent: Mapped[float | None] = mapped_column(sa.Float)
    distribution: Mapped[dict[str, int]] = mapped_column(sa.JSON)
    consensus: Mapped[Consensus] = mapped_column(VocabularyColumn(Consensus, 8))

    __table_args__ = (one_of("consensus", Consensus, name="known_consensus"),)


class Proposal(Base):
    """A statement a panellist proposed in the first round, kept against their pseudonym as
    their ratings are (so under `anonymous` it names nobody), until a facilitator accepts it
    into the study as a statement or dismisses it. No time is kept: it would order the panel."""

    __tablename__ = "delphi_proposals"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    study_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("delphi_studies.id", ondelete="CASCADE"))
    pseudonym_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("delphi_pseudonyms.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(sa.String(2000))
    comment: Mapped[str | None] = mapped_column(sa.String(4000))
    # The ballot's language when it was proposed; none under `anonymous`, where a rare language
    # would tell whose proposal, and so whose ratings, these are.
    language: Mapped[str | None] = mapped_column(sa.String(8))
    status: Mapped[ProposalStatus] = mapped_column(VocabularyColumn(ProposalStatus, 16))
    # The statement it became, once accepted.
    statement_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("delphi_statements.id", ondelete="SET NULL")
    )

    __table_args__ = (
        one_of("status", ProposalStatus, name="known_status"),
        sa.Index("ix_delphi_proposals_study", "study_id", "status"),
    )
