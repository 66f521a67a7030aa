"""The impact figures read from a few rows per platform instead of every author's tallies:
`platform_tallies` (each platform's counted interviews, focus groups, their participants and
peer researchers), `author_tallies` (on how many platforms each author has counted notes, so
that someone counted on several is counted once in a total) and `stakeholder_tallies` (the
directory by platform, sector and level), `attendance_tallies` (who came to each platform's
events, by country) and `action_tallies` (follow-on actions by status), each kept by triggers
in the writing transaction; and indexes for the events held and for the few withdrawals of
consent.

The platform and author tallies follow `note_tallies` (revision 0013), which the triggers on
`notes` already keep: every change to an author's counted notes passes through it, so these
triggers see each one too, and a note write costs one more row update, not a read of others.

Revision ID: 0020_impacttallies
Revises: 0015_mailflows
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_impacttallies"
down_revision = "0015_mailflows"
branch_labels = None
depends_on = None

SECTORS = (
    "public_authority",
    "ngo",
    "education",
    "youth_organisation",
    "employer",
    "migrant_led",
    "research",
    "health",
    "faith",
    "other",
)
LEVELS = ("local", "regional", "national", "international")
ACTION_STATUSES = ("planned", "in_progress", "done")
# The network-wide space's code (NETWORK in server/platforms/models.py): an event of no
# platform is its, as in the figures.
NETWORK = "'NET'"


def is_counted(row: str) -> str:
    """1 when the author of this note_tallies row counts on its platform because of it: the
    row has counted notes and none of the author's other kinds there has (so a peer
    researcher is counted once per platform, however many kinds they wrote), else 0."""
    return f"""CASE WHEN {row}.notes > 0 AND NOT EXISTS (
        SELECT 1 FROM note_tallies AS other
        WHERE other.author_id = {row}.author_id AND other.platform_code = {row}.platform_code
            AND other.kind <> {row}.kind AND other.notes > 0
    ) THEN 1 ELSE 0 END"""


def of_kind(kind: str, row: str, column: str) -> str:
    return f"CASE WHEN {row}.kind = '{kind}' THEN {row}.{column} ELSE 0 END"


def add_to_platform(row: str, sign: str, *, peer_researchers: bool = True) -> str:
    """Add (sign '+') or take away (sign '-') a note_tallies row from its platform's tallies."""
    peers = f"{sign}({is_counted(row)})" if peer_researchers else "0"
    return f"""
        INSERT INTO platform_tallies
            (platform_code, interviews, focus_groups, focus_group_participants, peer_researchers)
        VALUES ({row}.platform_code, {sign}({of_kind("interview", row, "notes")}),
            {sign}({of_kind("focus_group", row, "notes")}),
            {sign}({of_kind("focus_group", row, "participants")}), {peers})
        ON CONFLICT (platform_code) DO UPDATE SET
            interviews = platform_tallies.interviews + excluded.interviews,
            focus_groups = platform_tallies.focus_groups + excluded.focus_groups,
            focus_group_participants = platform_tallies.focus_group_participants + excluded.focus_group_participants,
            peer_researchers = platform_tallies.peer_researchers + excluded.peer_researchers;
    """


def add_to_author(row: str) -> str:
    # INSERT ... SELECT ... WHERE: SQLite's parser needs the WHERE before ON CONFLICT.
    return f"""
        INSERT INTO author_tallies (author_id, platforms)
        SELECT {row}.author_id, 1 WHERE ({is_counted(row)}) = 1
        ON CONFLICT (author_id) DO UPDATE SET platforms = author_tallies.platforms + 1;
    """


def take_from_author(row: str) -> str:
    # An UPDATE, never an insert: the author may be going with their account (ON DELETE CASCADE).
    return f"""
        UPDATE author_tallies SET platforms = platforms - 1
        WHERE author_id = {row}.author_id AND ({is_counted(row)}) = 1;
    """


SQLITE_TRIGGERS = [
    f"""
    CREATE TRIGGER platform_tallies_after_insert AFTER INSERT ON note_tallies
    BEGIN
        {add_to_platform("NEW", "+")}
        {add_to_author("NEW")}
    END
    """,
    f"""
    CREATE TRIGGER platform_tallies_after_delete AFTER DELETE ON note_tallies
    BEGIN
        {add_to_platform("OLD", "-")}
        {take_from_author("OLD")}
    END
    """,
    # The triggers on notes only ever change a tally's counts, never whose or which it is.
    f"""
    CREATE TRIGGER platform_tallies_after_update AFTER UPDATE OF notes, participants ON note_tallies
    BEGIN
        {add_to_platform("OLD", "-")}
        {take_from_author("OLD")}
        {add_to_platform("NEW", "+")}
        {add_to_author("NEW")}
    END
    """,
    """
    CREATE TRIGGER stakeholder_tallies_after_insert AFTER INSERT ON stakeholder_entries
    BEGIN
        INSERT INTO stakeholder_tallies (platform_code, sector, level, entries)
        VALUES (NEW.platform_code, NEW.sector, NEW.level, 1)
        ON CONFLICT (platform_code, sector, level) DO UPDATE SET entries = entries + 1;
    END
    """,
    """
    CREATE TRIGGER stakeholder_tallies_after_delete AFTER DELETE ON stakeholder_entries
    BEGIN
        UPDATE stakeholder_tallies SET entries = entries - 1
        WHERE platform_code = OLD.platform_code AND sector = OLD.sector AND level = OLD.level;
    END
    """,
    """
    CREATE TRIGGER stakeholder_tallies_after_update
    AFTER UPDATE OF platform_code, sector, level ON stakeholder_entries
    BEGIN
        UPDATE stakeholder_tallies SET entries = entries - 1
        WHERE platform_code = OLD.platform_code AND sector = OLD.sector AND level = OLD.level;
        INSERT INTO stakeholder_tallies (platform_code, sector, level, entries)
        VALUES (NEW.platform_code, NEW.sector, NEW.level, 1)
        ON CONFLICT (platform_code, sector, level) DO UPDATE SET entries = entries + 1;
    END
    """,
]

POSTGRESQL_TRIGGERS = [
    f"""
    CREATE FUNCTION tally_platforms() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' THEN
            {add_to_platform("OLD", "-")}
            {take_from_author("OLD")}
        END IF;
        IF TG_OP = 'DELETE' THEN
            {add_to_platform("OLD", "-", peer_researchers=False)}
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            {add_to_platform("NEW", "+")}
            {add_to_author("NEW")}
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER platform_tallies_after_insert_or_delete AFTER INSERT OR DELETE ON note_tallies
    FOR EACH ROW EXECUTE FUNCTION tally_platforms()
    """,
    # PostgreSQL runs row triggers once the whole statement is done, so when an account's
    # tallies go at once (ON DELETE CASCADE) a row's trigger could no longer see that the
    # author had other kinds there: the peer researchers who went are counted from what the
    # statement deleted instead.
    """
    CREATE FUNCTION tally_peer_researchers_gone() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        WITH went AS (
            SELECT DISTINCT gone.author_id, gone.platform_code FROM gone_tallies AS gone
            WHERE gone.notes > 0 AND NOT EXISTS (
                SELECT 1 FROM note_tallies AS other
                WHERE other.author_id = gone.author_id AND other.platform_code = gone.platform_code
                    AND other.notes > 0
            )
        ), from_platforms AS (
            UPDATE platform_tallies SET peer_researchers = peer_researchers - went_from.authors
            FROM (SELECT platform_code, count(*) AS authors FROM went GROUP BY platform_code) AS went_from
            WHERE platform_tallies.platform_code = went_from.platform_code
        )
        UPDATE author_tallies SET platforms = platforms - went_from.platforms
        FROM (SELECT author_id, count(*) AS platforms FROM went GROUP BY author_id) AS went_from
        WHERE author_tallies.author_id = went_from.author_id;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER platform_tallies_after_deleting AFTER DELETE ON note_tallies
    REFERENCING OLD TABLE AS gone_tallies
    FOR EACH STATEMENT EXECUTE FUNCTION tally_peer_researchers_gone()
    """,
    """
    CREATE TRIGGER platform_tallies_after_update AFTER UPDATE OF notes, participants ON note_tallies
    FOR EACH ROW EXECUTE FUNCTION tally_platforms()
    """,
    """
    CREATE FUNCTION tally_stakeholders() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            UPDATE stakeholder_tallies SET entries = entries - 1
            WHERE platform_code = OLD.platform_code AND sector = OLD.sector AND level = OLD.level;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO stakeholder_tallies (platform_code, sector, level, entries)
            VALUES (NEW.platform_code, NEW.sector, NEW.level, 1)
            ON CONFLICT (platform_code, sector, level) DO UPDATE SET entries = stakeholder_tallies.entries + 1;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER stakeholder_tallies_after_insert_or_delete AFTER INSERT OR DELETE ON stakeholder_entries
    FOR EACH ROW EXECUTE FUNCTION tally_stakeholders()
    """,
    """
    CREATE TRIGGER stakeholder_tallies_after_update
    AFTER UPDATE OF platform_code, sector, level ON stakeholder_entries
    FOR EACH ROW EXECUTE FUNCTION tally_stakeholders()
    """,
]


def event_platform(event: str) -> str:
    return f"COALESCE({event}.platform_code, {NETWORK})"


# Who came: a registration marked as attended, counted on its event's platform under its country
# ('' for someone who named none, or was erased since). A registration's own triggers find the
# platform through its event; when the event goes, its registrations are taken away before it
# (their own triggers then find no event), and when it moves platform they move with it.
def add_attendance(registration: str) -> str:
    return f"""
        INSERT INTO attendance_tallies (platform_code, country, participants)
        SELECT {event_platform("events")}, COALESCE({registration}.country, ''), 1 FROM events
        WHERE events.id = {registration}.event_id AND {registration}.attended_at IS NOT NULL
        ON CONFLICT (platform_code, country)
        DO UPDATE SET participants = attendance_tallies.participants + 1;
    """


def take_attendance(registration: str) -> str:
    return f"""
        UPDATE attendance_tallies SET participants = participants - 1
        WHERE {registration}.attended_at IS NOT NULL
            AND country = COALESCE({registration}.country, '')
            AND platform_code = (SELECT {event_platform("events")} FROM events WHERE events.id = {registration}.event_id);
    """


def add_event_attendance(event: str) -> str:
    return f"""
        INSERT INTO attendance_tallies (platform_code, country, participants)
        SELECT {event_platform(event)}, COALESCE(country, ''), count(*) FROM event_registrations
        WHERE event_id = {event}.id AND attended_at IS NOT NULL
        GROUP BY COALESCE(country, '')
        ON CONFLICT (platform_code, country)
        DO UPDATE SET participants = attendance_tallies.participants + excluded.participants;
    """


def take_event_attendance(event: str) -> str:
    return f"""
        UPDATE attendance_tallies SET participants = participants - (
            SELECT count(*) FROM event_registrations
            WHERE event_id = {event}.id AND attended_at IS NOT NULL
                AND COALESCE(country, '') = attendance_tallies.country
        )
        WHERE platform_code = {event_platform(event)};
    """


def add_action(outcome: str) -> str:
    return f"""
        INSERT INTO action_tallies (platform_code, status, actions)
        SELECT {event_platform(outcome)}, {outcome}.status, 1 WHERE {outcome}.kind = 'action'
        ON CONFLICT (platform_code, status) DO UPDATE SET actions = action_tallies.actions + 1;
    """


def take_action(outcome: str) -> str:
    return f"""
        UPDATE action_tallies SET actions = actions - 1
        WHERE {outcome}.kind = 'action' AND platform_code = {event_platform(outcome)}
            AND status = {outcome}.status;
    """


SQLITE_EVENT_TRIGGERS = [
    f"""
    CREATE TRIGGER attendance_tallies_after_insert AFTER INSERT ON event_registrations
    BEGIN {add_attendance("NEW")} END
    """,
    f"""
    CREATE TRIGGER attendance_tallies_after_delete AFTER DELETE ON event_registrations
    BEGIN {take_attendance("OLD")} END
    """,
    f"""
    CREATE TRIGGER attendance_tallies_after_update
    AFTER UPDATE OF attended_at, country, event_id ON event_registrations
    BEGIN {take_attendance("OLD")} {add_attendance("NEW")} END
    """,
    f"""
    CREATE TRIGGER attendance_tallies_before_event_delete BEFORE DELETE ON events
    BEGIN {take_event_attendance("OLD")} END
    """,
    f"""
    CREATE TRIGGER attendance_tallies_after_event_update AFTER UPDATE OF platform_code ON events
    BEGIN {take_event_attendance("OLD")} {add_event_attendance("NEW")} END
    """,
    f"""
    CREATE TRIGGER action_tallies_after_insert AFTER INSERT ON event_outcomes
    BEGIN {add_action("NEW")} END
    """,
    f"""
    CREATE TRIGGER action_tallies_after_delete AFTER DELETE ON event_outcomes
    BEGIN {take_action("OLD")} END
    """,
    f"""
    CREATE TRIGGER action_tallies_after_update AFTER UPDATE OF kind, status, platform_code ON event_outcomes
    BEGIN {take_action("OLD")} {add_action("NEW")} END
    """,
]

POSTGRESQL_EVENT_TRIGGERS = [
    f"""
    CREATE FUNCTION tally_attendance() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN {take_attendance("OLD")} END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN {add_attendance("NEW")} END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER attendance_tallies_after_insert_or_delete AFTER INSERT OR DELETE ON event_registrations
    FOR EACH ROW EXECUTE FUNCTION tally_attendance()
    """,
    """
    CREATE TRIGGER attendance_tallies_after_update
    AFTER UPDATE OF attended_at, country, event_id ON event_registrations
    FOR EACH ROW EXECUTE FUNCTION tally_attendance()
    """,
    f"""
    CREATE FUNCTION tally_event_attendance() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        {take_event_attendance("OLD")}
        IF TG_OP = 'UPDATE' THEN {add_event_attendance("NEW")} END IF;
        RETURN OLD;
    END
    $$
    """,
    """
    CREATE TRIGGER attendance_tallies_before_event_delete BEFORE DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION tally_event_attendance()
    """,
    """
    CREATE TRIGGER attendance_tallies_after_event_update AFTER UPDATE OF platform_code ON events
    FOR EACH ROW EXECUTE FUNCTION tally_event_attendance()
    """,
    f"""
    CREATE FUNCTION tally_actions() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN {take_action("OLD")} END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN {add_action("NEW")} END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER action_tallies_after_insert_or_delete AFTER INSERT OR DELETE ON event_outcomes
    FOR EACH ROW EXECUTE FUNCTION tally_actions()
    """,
    """
    CREATE TRIGGER action_tallies_after_update AFTER UPDATE OF kind, status, platform_code ON event_outcomes
    FOR EACH ROW EXECUTE FUNCTION tally_actions()
    """,
]


def upgrade() -> None:
    op.create_table(
        "platform_tallies",
        sa.Column("platform_code", sa.String(8), nullable=False),
        sa.Column("interviews", sa.Integer(), nullable=False),
        sa.Column("focus_groups", sa.Integer(), nullable=False),
        sa.Column("focus_group_participants", sa.Integer(), nullable=False),
        sa.Column("peer_researchers", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_code"], ["platforms.code"], name=op.f("fk_platform_tallies_platform_code_platforms")
        ),
        sa.PrimaryKeyConstraint("platform_code", name=op.f("pk_platform_tallies")),
    )
    op.create_table(
        "author_tallies",
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("platforms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_author_tallies_author_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("author_id", name=op.f("pk_author_tallies")),
    )
    # The few authors counted on several platforms, found without reading the others.
    op.create_index("ix_author_tallies_platforms", "author_tallies", ["platforms", "author_id"])
    op.create_table(
        "stakeholder_tallies",
        sa.Column("platform_code", sa.String(8), nullable=False),
        sa.Column("sector", sa.String(24), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            f"sector IN ({', '.join(repr(sector) for sector in SECTORS)})",
            name=op.f("ck_stakeholder_tallies_known_sector"),
        ),
        sa.CheckConstraint(
            f"level IN ({', '.join(repr(level) for level in LEVELS)})",
            name=op.f("ck_stakeholder_tallies_known_level"),
        ),
        sa.ForeignKeyConstraint(
            ["platform_code"], ["platforms.code"], name=op.f("fk_stakeholder_tallies_platform_code_platforms")
        ),
        sa.PrimaryKeyConstraint("platform_code", "sector", "level", name=op.f("pk_stakeholder_tallies")),
    )
    op.create_table(
        "attendance_tallies",
        sa.Column("platform_code", sa.String(8), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("platform_code", "country", name=op.f("pk_attendance_tallies")),
    )
    op.create_table(
        "action_tallies",
        sa.Column("platform_code", sa.String(8), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("actions", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            f"status IN ({', '.join(repr(status) for status in ACTION_STATUSES)})",
            name=op.f("ck_action_tallies_known_status"),
        ),
        sa.PrimaryKeyConstraint("platform_code", "status", name=op.f("pk_action_tallies")),
    )
    # The workshops and conferences of each platform, and whose consent is withdrawn (the few
    # withdrawals, not everyone's consent events), each read from an index alone.
    op.create_index("ix_events_platform_kind", "events", ["platform_code", "kind"])
    op.create_index("ix_consent_events_withdrawals", "consent_events", ["accepted", "user_id", "recorded_at"])
    # The backfill, in the migration's transaction: no write can slip between it and the triggers.
    op.execute(
        f"""
        INSERT INTO platform_tallies
            (platform_code, interviews, focus_groups, focus_group_participants, peer_researchers)
        SELECT platform_code, sum({of_kind("interview", "note_tallies", "notes")}),
            sum({of_kind("focus_group", "note_tallies", "notes")}),
            sum({of_kind("focus_group", "note_tallies", "participants")}),
            count(DISTINCT CASE WHEN notes > 0 THEN author_id END)
        FROM note_tallies GROUP BY platform_code
        """
    )
    op.execute(
        """
        INSERT INTO author_tallies (author_id, platforms)
        SELECT author_id, count(DISTINCT platform_code) FROM note_tallies WHERE notes > 0 GROUP BY author_id
        """
    )
    op.execute(
        """
        INSERT INTO stakeholder_tallies (platform_code, sector, level, entries)
        SELECT platform_code, sector, level, count(*) FROM stakeholder_entries
        GROUP BY platform_code, sector, level
        """
    )
    op.execute(
        f"""
        INSERT INTO attendance_tallies (platform_code, country, participants)
        SELECT {event_platform("events")}, COALESCE(event_registrations.country, ''), count(*)
        FROM event_registrations JOIN events ON events.id = event_registrations.event_id
        WHERE event_registrations.attended_at IS NOT NULL
        GROUP BY {event_platform("events")}, COALESCE(event_registrations.country, '')
        """
    )
    op.execute(
        f"""
        INSERT INTO action_tallies (platform_code, status, actions)
        SELECT {event_platform("event_outcomes")}, status, count(*) FROM event_outcomes
        WHERE kind = 'action' GROUP BY {event_platform("event_outcomes")}, status
        """
    )
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        triggers = POSTGRESQL_TRIGGERS + POSTGRESQL_EVENT_TRIGGERS
    else:
        triggers = SQLITE_TRIGGERS + SQLITE_EVENT_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for trigger, table in (
            ("action_tallies_after_update", "event_outcomes"),
            ("action_tallies_after_insert_or_delete", "event_outcomes"),
            ("attendance_tallies_after_event_update", "events"),
            ("attendance_tallies_before_event_delete", "events"),
            ("attendance_tallies_after_update", "event_registrations"),
            ("attendance_tallies_after_insert_or_delete", "event_registrations"),
            ("stakeholder_tallies_after_update", "stakeholder_entries"),
            ("stakeholder_tallies_after_insert_or_delete", "stakeholder_entries"),
            ("platform_tallies_after_update", "note_tallies"),
            ("platform_tallies_after_deleting", "note_tallies"),
            ("platform_tallies_after_insert_or_delete", "note_tallies"),
        ):
            op.execute(f"DROP TRIGGER {trigger} ON {table}")
        for function in ("tally_actions", "tally_event_attendance", "tally_attendance"):
            op.execute(f"DROP FUNCTION {function}()")
        op.execute("DROP FUNCTION tally_peer_researchers_gone()")
        op.execute("DROP FUNCTION tally_stakeholders()")
        op.execute("DROP FUNCTION tally_platforms()")
    else:
        for table in ("action_tallies", "attendance_tallies", "stakeholder_tallies", "platform_tallies"):
            for name in ("after_insert", "after_delete", "after_update"):
                op.execute(f"DROP TRIGGER {table}_{name}")
        op.execute("DROP TRIGGER attendance_tallies_before_event_delete")
        op.execute("DROP TRIGGER attendance_tallies_after_event_update")
    op.drop_index("ix_consent_events_withdrawals", "consent_events")
    op.drop_index("ix_events_platform_kind", "events")
    op.drop_table("action_tallies")
    op.drop_table("attendance_tallies")
    op.drop_table("stakeholder_tallies")
    op.drop_index("ix_author_tallies_platforms", "author_tallies")
    op.drop_table("author_tallies")
    op.drop_table("platform_tallies")
