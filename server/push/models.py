"""Web Push: the browsers' subscriptions and the durable outbox of messages to deliver to them."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, UtcDateTime, utcnow


class PushSubscription(Base):
    """One device's subscription (a browser's PushSubscription): where to post, and its keys."""

    __tablename__ = "push_subscriptions"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(sa.String(1000), unique=True)
    # The browser's P-256 public key (uncompressed point) and auth secret, base64url (RFC 8291).
    p256dh: Mapped[str] = mapped_column(sa.String(100))
    auth: Mapped[str] = mapped_column(sa.String(40))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class PushMessage(Base):
    """One notification on its way to one device, kept until the push service has accepted it.

    Rows are claimed with a lease, so a worker that dies mid-way leaves them to the next one;
    the row id travels as the Topic header, so such a resend replaces the first copy at the
    push service instead of showing twice.
    """

    __tablename__ = "push_outbox"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    subscription_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("push_subscriptions.id", ondelete="CASCADE"), index=True
    )
    # The notification's id, the same on each of the person's devices: the app's notification tag.
    notification_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    event: Mapped[str] = mapped_column(sa.String(32))
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    link: Mapped[str] = mapped_column(sa.String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Who is sending it now and until when; after that, anyone may.
    lease_token: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    lease_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    gave_up_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # The push service's last answer (0: no answer, the network failed).
    last_status: Mapped[int | None] = mapped_column(sa.Integer)

    __table_args__ = (
        sa.UniqueConstraint("notification_id", "subscription_id", name="uq_push_outbox_notification_device"),
        # Only what is still to deliver: sent rows wait for the purge and cost the claim nothing.
        sa.Index(
            "ix_push_outbox_due",
            "next_attempt_at",
            postgresql_where=sa.text("sent_at IS NULL AND gave_up_at IS NULL"),
            sqlite_where=sa.text("sent_at IS NULL AND gave_up_at IS NULL"),
        ),
    )
