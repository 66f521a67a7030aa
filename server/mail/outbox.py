"""Queueing e-mail: what other domains call to send a message, in the same unit of work as
the change that causes it.

```python
from server.db import after_commit
from server.mail import outbox

await outbox.queue(db, to=registration.email, language="it", template="event_registration_confirmed",
                   context={"title": event.title, ...}, attachments=[outbox.Attachment("event.ics", ...)])
after_commit(db, outbox.wake_delivery)   # runs only if the commit succeeds
```

The message is rendered at once, in the recipient's language (server/mail/templates.py), and
kept in the outbox: a rolled-back change takes it back with everything else, a committed one
is sent by a delivery worker (server/mail/delivery.py) when TESSERA_SMTP_URL is set, and is
otherwise kept for `tessera mail show`. Erasing a person calls ``forget_recipient``.
"""

from __future__ import annotations

import base64
import dataclasses
import email.utils
import uuid
from collections.abc import Mapping, Sequence
from email.headerregistry import Address
from email.message import EmailMessage
from enum import StrEnum
from typing import Any

import email_validator
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import utcnow
from server.mail.models import MailMessage, MailStatus
from server.mail.templates import forgotten_when_sent, render
from server.pagination import keyset_page
from server.wakeups import Doorbell


@dataclasses.dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    media_type: str  # such as "text/calendar"
    content: bytes


class NotAnAddress(ValueError):
    """The recipient is not one e-mail address. Callers check addresses where people enter
    them (with a 422); this stops what slipped through, such as a header smuggled in a CR/LF."""


def checked_address(address: str) -> str:
    if any(character in address for character in "\r\n\0") or "," in address:
        raise NotAnAddress(address)
    try:
        return str(email_validator.validate_email(address, check_deliverability=False).normalized)
    except email_validator.EmailNotValidError:
        raise NotAnAddress(address) from None


async def queue(
    db: AsyncSession,
    *,
    to: str,
    language: str,
    template: str,
    context: Mapping[str, Any],
    attachments: Sequence[Attachment] = (),
    user_id: uuid.UUID | None = None,
    stakeholder_id: uuid.UUID | None = None,
) -> MailMessage:
    """Queue one e-mail to ``to`` in ``language`` from ``template`` (a name of
    server.mail.templates.TEMPLATES) filled with ``context``. ``user_id`` and ``stakeholder_id``
    name the person it is about, so that erasing them takes it too. Register
    ``after_commit(db, wake_delivery)`` where you call this. NotAnAddress for a bad ``to``;
    UnknownTemplate for a template that is not one."""
    address = checked_address(to)
    rendered = render(template, language, context)
    now = utcnow()
    message = MailMessage(
        id=uuid.uuid4(),
        to_address=address,
        user_id=user_id,
        stakeholder_id=stakeholder_id,
        language=language,
        template=template,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        attachments=[
            {
                "filename": item.filename,
                "media_type": item.media_type,
                "content": base64.b64encode(item.content).decode(),
            }
            for item in attachments
        ],
        status=MailStatus.QUEUED,
        created_at=now,
        attempts=0,
        next_attempt_at=now,
    )
    # Composed once now, so that a message no SMTP server could take fails the change that
    # queues it, not a worker later.
    compose(message, sender="Tessera <tessera@localhost>")
    db.add(message)
    await db.flush()
    if db.get_bind().dialect.name == "postgresql":
        # Delivered when the transaction commits, never after a rollback: it wakes delivery
        # workers in every process, on every machine (a separate `tessera worker` included).
        await db.execute(sa.text(f"NOTIFY {OUTBOX_CHANNEL}"))
    return message


def compose(message: MailMessage, *, sender: str) -> EmailMessage:
    """The message as it goes to the SMTP server: text and HTML alternatives, attachments,
    and a Message-ID that stays the same on every attempt."""
    if message.to_address is None:
        raise NotAnAddress("erased")
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.to_address
    # EmailMessage refuses CR or LF in a header value; render() has made the subject one line.
    mail["Subject"] = message.subject
    mail["Date"] = email.utils.format_datetime(message.created_at)
    domain = Address(addr_spec=email.utils.parseaddr(sender)[1] or "tessera@localhost").domain
    mail["Message-ID"] = f"<{message.id}@{domain or 'localhost'}>"
    # RFC 3834: an automatic message, which autoresponders must not answer.
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(message.text)
    mail.add_alternative(message.html, subtype="html")
    for item in message.attachments:
        maintype, _, subtype = str(item["media_type"]).partition("/")
        mail.add_attachment(
            base64.b64decode(item["content"]),
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=str(item["filename"]),
        )
    # After the parts: making a message multipart moves its Content-* headers into the first part.
    mail["Content-Language"] = message.language
    return mail


async def forget_recipient(
    db: AsyncSession,
    *,
    user_id: uuid.UUID | None = None,
    stakeholder_id: uuid.UUID | None = None,
    addresses: Sequence[str] = (),
) -> None:
    """Erasure: the person's messages not yet sent go; those sent stay, for the numbers,
    with neither their address nor their content."""
    about_them = []
    if user_id is not None:
        about_them.append(MailMessage.user_id == user_id)
    if stakeholder_id is not None:
        about_them.append(MailMessage.stakeholder_id == stakeholder_id)
    folded = sorted({address.lower() for address in addresses if address})
    if folded:
        about_them.append(sa.func.lower(MailMessage.to_address).in_(folded))
    if not about_them:
        return
    whose = sa.or_(*about_them)
    await db.execute(
        sa.delete(MailMessage)
        .where(whose, MailMessage.status != MailStatus.SENT)
        .execution_options(synchronize_session=False)
    )
    await db.execute(
        sa.update(MailMessage)
        .where(whose)
        .values(to_address=None, user_id=None, stakeholder_id=None, text="", html="", attachments=[])
        .execution_options(synchronize_session=False)
    )


# Waking this process's delivery workers when queued messages are committed: without it they
# find them at their next look, a few seconds later.
doorbell = Doorbell()
# The PostgreSQL channel queue notifies and delivery workers listen on.
OUTBOX_CHANNEL = "tessera_mail_outbox"


def wake_delivery() -> None:
    """Register with ``after_commit`` where messages are queued: a rolled-back queue wakes nobody."""
    doorbell.ring()


async def messages(
    db: AsyncSession, *, status: MailStatus | None, limit: int, cursor: str | None = None
) -> tuple[list[MailMessage], str | None]:
    """The newest messages of the outbox, a page at a time, for staff to read what was (or
    would have been) sent: `tessera mail show` and the admins' outbox screen."""
    query = sa.select(MailMessage)
    if status is not None:
        query = query.where(MailMessage.status == status)
    return await keyset_page(
        db, query, key=(MailMessage.created_at, MailMessage.id), cursor=cursor, limit=limit
    )


class BodyState(StrEnum):
    """Whether a reader of the outbox sees a message's text, and if not, why."""

    SHOWN = "shown"
    # The recipient was erased: the message is kept for the count, without them.
    ERASED = "erased"
    # It held a secret (a private ballot link), forgotten once sent or given up.
    FORGOTTEN = "forgotten"
    # It holds a secret still to deliver, which is its recipient's alone.
    WITHHELD = "withheld"


def body_state(message: MailMessage) -> BodyState:
    """What a reader of the outbox may see of the message. A secret (a private ballot link) is
    never shown, admins included: with it one could read an anonymous panellist's ratings.
    Such messages are queued only while an SMTP server is set; without one, the facilitator
    hands the link over instead (server/delphi/service.py)."""
    if message.to_address is None:
        return BodyState.ERASED
    if forgotten_when_sent(message.template):
        if message.status != MailStatus.QUEUED or not message.text:
            return BodyState.FORGOTTEN
        return BodyState.WITHHELD
    return BodyState.SHOWN


class NotRetryable(Exception):
    """Only a failed message whose recipient and text are still kept can be sent again."""


async def retry(db: AsyncSession, message_id: uuid.UUID) -> tuple[MailMessage, bool] | None:
    """Queue a failed message again, from its first attempt: the message and whether this
    call requeued it; None when there is no such message. A queued one is left as it is, so a
    retried retry changes nothing."""
    message = await db.get(MailMessage, message_id)
    if message is None:
        return None
    if message.status == MailStatus.QUEUED:
        return message, False
    if message.status != MailStatus.FAILED or message.to_address is None or not message.text:
        raise NotRetryable(message_id)
    now = utcnow()
    # Conditional on the status, so that two admins retrying at once requeue it once.
    requeued = await db.execute(
        sa.update(MailMessage)
        .where(MailMessage.id == message_id, MailMessage.status == MailStatus.FAILED)
        .values(status=MailStatus.QUEUED, attempts=0, next_attempt_at=now, failed_at=None)
        .execution_options(synchronize_session=False)
    )
    await db.refresh(message)
    return message, requeued.rowcount == 1  # type: ignore[attr-defined]
