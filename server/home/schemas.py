"""What to do next, on the wire: a count or a time for each thing that waits for the person."""

from __future__ import annotations

import datetime as dt

import msgspec


class NextSteps(msgspec.Struct, omit_defaults=True):
    """Only what the person's role has to do is present; the rest is left out, not zero."""

    # Every signed-in person: their unread notifications, and of those the replies to their topics.
    unread_notifications: int
    new_replies: int
    # Young peer researchers: their notes a reviewer sent back for changes.
    notes_changes_requested: int | msgspec.UnsetType = msgspec.UNSET
    # Youth workers, researchers and admins: sent notes of their platforms waiting for review.
    notes_to_review: int | msgspec.UnsetType = msgspec.UNSET
    # Youth workers and admins: posts in the moderation queue, and of those with a safety report.
    moderation_queue: int | msgspec.UnsetType = msgspec.UNSET
    urgent_reports: int | msgspec.UnsetType = msgspec.UNSET
    # Researchers and admins: when they last downloaded notes (null: never).
    last_export_at: dt.datetime | msgspec.UnsetType | None = msgspec.UNSET
