"""The e-mail outbox: each message rendered in its recipient's language when it is queued,
kept until an SMTP server has accepted it (or refused it for good)."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, UtcDateTime, VocabularyColumn, one_of, utcnow


class MailStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    # Refused for good by the SMTP server, or still failing after the last attempt.
    FAILED = "failed"


class MailMessage(Base):
    """One e-mail to one recipient. Queued in the unit of work of the change that causes it,
    so that a rolled-back change sends nothing and a committed one is never lost; claimed by a
    delivery worker with a lease, so that no two workers send it at once.
    """

    __tablename__ = "mail_outbox"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    # Null once the recipient is erased (a sent message is kept for the count, without them).
    to_address: Mapped[str | None] = mapped_column(sa.String(320))
    # Who the message is about, so that erasing them finds it: a member's account, an entry
    # of the stakeholder directory, or neither (then the address alone).
    user_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    stakeholder_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("stakeholder_entries.id", ondelete="SET NULL")
    )
    language: Mapped[str] = mapped_column(sa.String(8))
    template: Mapped[str] = mapped_column(sa.String(64))
    subject: Mapped[str] = mapped_column(sa.String(500))
    text: Mapped[str] = mapped_column(sa.Text)
    html: Mapped[str] = mapped_column(sa.Text)
    # [{"filename", "media_type", "content" (base64)}]
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    status: Mapped[MailStatus] = mapped_column(VocabularyColumn(MailStatus, 8), default=MailStatus.QUEUED)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Who is sending it now and until when; after that, anyone may.
    lease_token: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    lease_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    failed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # What the SMTP server (or the network) last said, for the operator.
    last_error: Mapped[str | None] = mapped_column(sa.String(500))

    __table_args__ = (
        one_of("status", MailStatus, name="known_status"),
        # Only what is still to deliver: sent rows cost the claim nothing.
        sa.Index(
            "ix_mail_outbox_due",
            "next_attempt_at",
            postgresql_where=sa.text("status = 'queued'"),
            sqlite_where=sa.text("status = 'queued'"),
        ),
        sa.Index("ix_mail_outbox_user_id", "user_id"),
        sa.Index("ix_mail_outbox_stakeholder_id", "stakeholder_id"),
        sa.Index("ix_mail_outbox_created", "created_at"),
    )
