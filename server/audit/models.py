"""The audit log: security events, consent changes, erasures, exports and moderation."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, UtcDateTime, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(sa.String(40), index=True)
    # Ids only, never names: the log outlives erasures and must not undo them.
    actor_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, index=True)
    subject_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, index=True)
    platform_code: Mapped[str | None] = mapped_column(sa.String(8))
    client_address: Mapped[str | None] = mapped_column(sa.String(64))
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
