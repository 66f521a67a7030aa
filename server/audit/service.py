"""Writing and reading the audit log."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit.models import AuditEvent
from server.pagination import keyset_page


def record_event(
    db: AsyncSession,
    kind: str,
    *,
    actor_id: uuid.UUID | None = None,
    subject_id: uuid.UUID | None = None,
    platform_code: str | None = None,
    client_address: str | None = None,
    **details: Any,
) -> AuditEvent:
    """Add an event to the caller's transaction: it is kept exactly when the change is."""
    event = AuditEvent(
        kind=kind,
        actor_id=actor_id,
        subject_id=subject_id,
        platform_code=platform_code,
        client_address=client_address,
        details=details,
    )
    db.add(event)
    return event


async def list_events(
    db: AsyncSession,
    *,
    limit: int,
    cursor: str | None = None,
    kind: str | None = None,
    person_id: uuid.UUID | None = None,
    since: dt.datetime | None = None,
) -> tuple[list[AuditEvent], str | None]:
    query = sa.select(AuditEvent)
    if kind:
        query = query.where(AuditEvent.kind.startswith(kind, autoescape=True))
    if person_id:
        query = query.where(sa.or_(AuditEvent.actor_id == person_id, AuditEvent.subject_id == person_id))
    if since:
        query = query.where(AuditEvent.at >= since)
    return await keyset_page(db, query, key=(AuditEvent.at, AuditEvent.id), cursor=cursor, limit=limit)
