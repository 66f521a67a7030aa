"""The e-mail outbox for admins: what Tessera sent, failed to send, or keeps while no SMTP
server is set (the embedded default), so that an admin can hand a message over in person.

Only admins read it. A message carries no platform (an invitation, a registration, a ballot
link), so there is nothing to limit a youth worker or researcher to: access fails closed to the
role that sees every platform. A message holding a secret (a private ballot link) is listed
but its text is never shown (server/mail/outbox.py, body_state). Every reading is audited, since the outbox holds addresses and
what was written to them."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.status_codes import HTTP_200_OK

from server.accounts.models import Role
from server.audit.service import record_event
from server.db import Database, Databases, after_commit
from server.i18n import N_, message
from server.mail import outbox
from server.mail.models import MailMessage, MailStatus
from server.mail.schemas import OutboxMessageDetail, OutboxMessageOut, OutboxPage
from server.pagination import MAX_LIMIT
from server.problems import MailNotRetryable, NotAllowed, NotFound, answers
from server.security import client_address, current_user, role_in
from server.settings import AppSettings

ADMINS = role_in(Role.ADMIN)


async def _audited_read(
    request: Request,
    databases: Databases,
    kind: str,
    *,
    subject_id: uuid.UUID | None = None,
    **details: Any,
) -> None:
    # The request's unit of work only reads: the record is kept in one of its own.
    async with databases.separate_unit_of_work() as writing:
        record_event(
            writing,
            kind,
            actor_id=current_user(request).id,
            subject_id=subject_id,
            client_address=client_address(request),
            **details,
        )


@answers(NotAllowed)
@get("/api/v1/mail/outbox", guards=[ADMINS], summary="The e-mail outbox, newest first (admins)")
async def list_outbox(
    request: Request,
    db: Database,
    databases: NamedDependency[Databases],
    settings: AppSettings,
    status: FromQuery[Literal["queued", "sent", "failed"] | None] = None,
    cursor: FromQuery[str | None] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = 30,
) -> OutboxPage:
    found, next_cursor = await outbox.messages(
        db, status=MailStatus(status) if status else None, limit=limit, cursor=cursor
    )
    await _audited_read(request, databases, "mail.outbox_read", status=status, count=len(found))
    sending = settings.smtp_url is not None
    return OutboxPage([OutboxMessageOut.from_model(item) for item in found], next_cursor, sending)


@answers(NotAllowed, NotFound)
@get("/api/v1/mail/outbox/{message_id:uuid}", guards=[ADMINS], summary="One e-mail with its text (admins)")
async def read_outbox_message(
    request: Request, message_id: FromPath[uuid.UUID], db: Database, databases: NamedDependency[Databases]
) -> OutboxMessageDetail:
    found = await db.get(MailMessage, message_id)
    if found is None:
        raise NotFound()
    detail = OutboxMessageDetail.with_text(found)
    await _audited_read(request, databases, "mail.message_read", subject_id=found.id, body=detail.body.value)
    return detail


@answers(NotAllowed, NotFound, MailNotRetryable)
@post(
    "/api/v1/mail/outbox/{message_id:uuid}/retry",
    guards=[ADMINS],
    status_code=HTTP_200_OK,
    summary="Send a failed e-mail again, from its first attempt (admins)",
)
async def retry_outbox_message(
    request: Request, message_id: FromPath[uuid.UUID], db: Database
) -> OutboxMessageOut:
    try:
        retried = await outbox.retry(db, message_id)
    except outbox.NotRetryable:
        raise MailNotRetryable(
            message(N_("Only a failed e-mail whose recipient and text are still kept can be sent again."))
        ) from None
    if retried is None:
        raise NotFound()
    found, requeued = retried
    if requeued:
        record_event(
            db,
            "mail.retried",
            actor_id=current_user(request).id,
            subject_id=found.id,
            client_address=client_address(request),
        )
        after_commit(db, outbox.wake_delivery)
    return OutboxMessageOut.from_model(found)


routes = [list_outbox, read_outbox_message, retry_outbox_message]
