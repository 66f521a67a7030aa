"""The audit log for admins."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from litestar import get
from litestar.params import FromQuery, QueryParameter

from server.accounts.models import Role
from server.audit import service
from server.audit.schemas import AuditEventOut, AuditPage
from server.db import Database
from server.pagination import MAX_LIMIT
from server.problems import NotAllowed, answers, refuse_times_without_zone
from server.security import role_in


@answers(NotAllowed)
@get("/api/v1/audit", guards=[role_in(Role.ADMIN)], summary="The audit log (admins)")
async def list_audit_events(
    db: Database,
    cursor: FromQuery[str | None] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = 50,
    kind: Annotated[str | None, QueryParameter(max_length=40)] = None,
    person: FromQuery[uuid.UUID | None] = None,
    since: FromQuery[dt.datetime | None] = None,
) -> AuditPage:
    refuse_times_without_zone(since=since)
    events, next_cursor = await service.list_events(
        db, limit=limit, cursor=cursor, kind=kind, person_id=person, since=since
    )
    return AuditPage([AuditEventOut.from_model(event) for event in events], next_cursor)


routes = [list_audit_events]
