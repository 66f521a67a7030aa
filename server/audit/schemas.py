"""The audit log on the wire."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec

from server.audit.models import AuditEvent


class AuditEventOut(msgspec.Struct):
    id: uuid.UUID
    at: dt.datetime
    kind: str
    actor_id: uuid.UUID | None
    subject_id: uuid.UUID | None
    platform: str | None
    client_address: str | None
    details: dict[str, Any]

    @classmethod
    def from_model(cls, event: AuditEvent) -> AuditEventOut:
        return cls(
            event.id,
            event.at,
            event.kind,
            event.actor_id,
            event.subject_id,
            event.platform_code,
            event.client_address,
            event.details,
        )


class AuditPage(msgspec.Struct):
    items: list[AuditEventOut]
    next_cursor: str | None
