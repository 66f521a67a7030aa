"""Every domain's tables, imported together so that Alembic and the tests see the whole schema."""

from server.accounts.models import ApiToken, ConsentEvent, Invite, User, UserPlatform
from server.audit.models import AuditEvent
from server.db import Base
from server.platforms.models import Platform

__all__ = ["ApiToken", "AuditEvent", "Base", "ConsentEvent", "Invite", "Platform", "User", "UserPlatform"]
