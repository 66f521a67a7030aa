"""Every domain's tables, imported together so that Alembic and the tests see the whole schema."""

from server.accounts.models import ApiToken, ConsentEvent, Invite, User, UserPlatform
from server.audit.models import AuditEvent
from server.db import Base
from server.exports.models import InstanceSecret
from server.notes.models import Guide, GuideVersion, Note, NoteReview
from server.platforms.models import Platform

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Base",
    "ConsentEvent",
    "Guide",
    "GuideVersion",
    "InstanceSecret",
    "Invite",
    "Note",
    "NoteReview",
    "Platform",
    "User",
    "UserPlatform",
]
