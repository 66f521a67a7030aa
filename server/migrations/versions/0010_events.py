"""Events: workshops, focus groups, conferences and meetings, their registrations with the
waiting list and attendance, their outcomes and follow-on actions, and personal calendar feeds.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# The vocabularies as they stood when this revision was written (a copy: no revision imports
# the application, so a word added later is a revision of its own).
EVENT_KINDS = ("workshop", "focus_group", "conference", "meeting")
REGISTRATION_STATUSES = ("confirmed", "waitlisted")
OUTCOME_KINDS = ("finding", "recommendation", "action")
ACTION_STATUSES = ("planned", "in_progress", "done")


def one_of(column: str, words: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(word) for word in words)})"


def created_by(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["created_by"], ["users.id"], name=op.f(f"fk_{table}_created_by_users"), ondelete="SET NULL"
    )


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("platform_code", sa.String(8), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("place", sa.String(300), nullable=True),
        sa.Column("online_url", sa.String(2000), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("last_registration_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(one_of("kind", EVENT_KINDS), name=op.f("ck_events_known_kind")),
        sa.CheckConstraint("starts_at < ends_at", name=op.f("ck_events_starts_before_it_ends")),
        sa.CheckConstraint("capacity IS NULL OR capacity >= 1", name=op.f("ck_events_capacity_positive")),
        sa.ForeignKeyConstraint(["platform_code"], ["platforms.code"], name=op.f("fk_events_platform_code_platforms")),
        created_by("events"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index("ix_events_platform_starts", "events", ["platform_code", "starts_at", "id"])
    op.create_index("ix_events_starts", "events", ["starts_at", "id"])

    op.create_table(
        "event_registrations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("organisation", sa.String(200), nullable=True),
        sa.Column("country", sa.String(2), nullable=True),
        sa.Column("needs", sa.String(1000), nullable=True),
        sa.Column("stakeholder_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("check_in_token", sa.String(64), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            one_of("status", REGISTRATION_STATUSES), name=op.f("ck_event_registrations_known_status")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_event_registrations_event_id_events"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_event_registrations_user_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["stakeholder_id"],
            ["stakeholder_entries.id"],
            name=op.f("fk_event_registrations_stakeholder_id_stakeholder_entries"),
            ondelete="SET NULL",
        ),
        created_by("event_registrations"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_registrations")),
        sa.UniqueConstraint("event_id", "user_id", name="uq_event_registrations_member"),
        sa.UniqueConstraint("check_in_token", name=op.f("uq_event_registrations_check_in_token")),
    )
    op.create_index(
        "ix_event_registrations_event_created", "event_registrations", ["event_id", "created_at", "id"]
    )
    op.create_index("ix_event_registrations_user_id", "event_registrations", ["user_id"])

    op.create_table(
        "event_outcomes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("platform_code", sa.String(8), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.String(5000), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("owner", sa.String(200), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("status", sa.String(12), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(one_of("kind", OUTCOME_KINDS), name=op.f("ck_event_outcomes_known_kind")),
        sa.CheckConstraint(one_of("status", ACTION_STATUSES), name=op.f("ck_event_outcomes_known_status")),
        sa.CheckConstraint(
            "(kind = 'action') = (status IS NOT NULL)", name=op.f("ck_event_outcomes_status_of_actions_only")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_event_outcomes_event_id_events"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["platform_code"], ["platforms.code"], name=op.f("fk_event_outcomes_platform_code_platforms")
        ),
        created_by("event_outcomes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_outcomes")),
    )
    op.create_index("ix_event_outcomes_event_created", "event_outcomes", ["event_id", "created_at", "id"])
    op.create_index(
        "ix_event_outcomes_platform_created", "event_outcomes", ["platform_code", "created_at", "id"]
    )

    op.create_table(
        "calendar_feeds",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_calendar_feeds_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feeds_token_hash")),
    )


def downgrade() -> None:
    op.drop_table("calendar_feeds")
    op.drop_table("event_outcomes")
    op.drop_table("event_registrations")
    op.drop_table("events")
