"""Every domain's tables, imported together so that Alembic and the tests see the whole schema."""

from server.accounts.models import ApiToken, ConsentEvent, Invite, User, UserPlatform
from server.audit.models import AuditEvent
from server.briefs.models import (
    Brief,
    BriefAuthor,
    BriefEvidence,
    BriefPlatform,
    BriefTranslation,
    BriefVersion,
)
from server.db import Base
from server.delphi.models import (
    Panellist,
    Pseudonym,
    Rating,
    Round,
    Statement,
    StatementResult,
    Study,
    StudyPlatform,
)
from server.forum.models import Block, Category, Mute, Post, Report, Topic
from server.impact.models import (
    ActionTally,
    AttendanceTally,
    AuthorTally,
    NoteTally,
    PlatformTally,
    StakeholderTally,
)
from server.instance import InstanceSecret
from server.mail.models import MailMessage
from server.moderation.models import ModerationAction
from server.notes.models import Guide, GuideVersion, Note, NoteReview
from server.notifications.models import Notification, NotificationSetting
from server.platforms.models import Platform
from server.push.models import PushMessage, PushSubscription
from server.stakeholders.models import Engagement, StakeholderEntry

__all__ = [
    "ActionTally",
    "ApiToken",
    "AttendanceTally",
    "AuditEvent",
    "AuthorTally",
    "Base",
    "Block",
    "Brief",
    "BriefAuthor",
    "BriefEvidence",
    "BriefPlatform",
    "BriefTranslation",
    "BriefVersion",
    "Category",
    "ConsentEvent",
    "Engagement",
    "Guide",
    "GuideVersion",
    "InstanceSecret",
    "Invite",
    "MailMessage",
    "ModerationAction",
    "Mute",
    "Note",
    "NoteReview",
    "NoteTally",
    "Notification",
    "NotificationSetting",
    "Panellist",
    "Platform",
    "PlatformTally",
    "Post",
    "Pseudonym",
    "PushMessage",
    "PushSubscription",
    "Rating",
    "Report",
    "Round",
    "StakeholderEntry",
    "StakeholderTally",
    "Statement",
    "StatementResult",
    "Study",
    "StudyPlatform",
    "Topic",
    "User",
    "UserPlatform",
]
