"""The e-mail outbox on the wire, for admins who read what was (or would have been) sent."""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec

from server.mail.models import MailMessage, MailStatus
from server.mail.outbox import BodyState, body_state


class AttachmentOut(msgspec.Struct):
    filename: str
    media_type: str


class OutboxMessageOut(msgspec.Struct):
    id: uuid.UUID
    status: MailStatus
    # Null once the recipient is erased.
    to: str | None
    subject: str
    language: str
    template: str
    created_at: dt.datetime
    sent_at: dt.datetime | None
    failed_at: dt.datetime | None
    # When the next attempt is due, while the message is queued.
    next_attempt_at: dt.datetime | None
    attempts: int
    last_error: str | None
    attachments: list[AttachmentOut]
    body: BodyState

    @classmethod
    def from_model(cls, message: MailMessage) -> OutboxMessageOut:
        return cls(
            id=message.id,
            status=message.status,
            to=message.to_address,
            subject=message.subject,
            language=message.language,
            template=message.template,
            created_at=message.created_at,
            sent_at=message.sent_at,
            failed_at=message.failed_at,
            next_attempt_at=message.next_attempt_at if message.status == MailStatus.QUEUED else None,
            attempts=message.attempts,
            last_error=message.last_error,
            attachments=[
                AttachmentOut(str(item["filename"]), str(item["media_type"])) for item in message.attachments
            ],
            body=body_state(message),
        )


class OutboxMessageDetail(OutboxMessageOut):
    # The plain-text part, when ``body`` is "shown"; null otherwise.
    text: str | None = None

    @classmethod
    def with_text(cls, message: MailMessage) -> OutboxMessageDetail:
        summary = OutboxMessageOut.from_model(message)
        fields = {name: getattr(summary, name) for name in summary.__struct_fields__}
        return cls(**fields, text=message.text if summary.body == BodyState.SHOWN else None)


class OutboxPage(msgspec.Struct):
    items: list[OutboxMessageOut]
    next_cursor: str | None
    # False on the embedded default: nothing is sent, messages wait here to be handed over.
    sending: bool
