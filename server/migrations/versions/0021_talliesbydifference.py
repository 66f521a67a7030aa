"""A note that changes its author's tally changes the platform's and the author's tallies by
the difference, in one statement each, and only when a count changed.

Revision 0020's trigger took the old row away and added the new one: for every note sent or
reviewed, two writes to the platform's row and two to the author's, each after a look at the
author's other kinds. Now the platform's row is written once, and the author's only when they
start or stop being counted on that platform, which most notes do not change. Stopping is an
UPDATE, never an insert, as in revision 0020: the author may be going with their account
(ON DELETE CASCADE), their own tally row already gone.

Revision ID: 0021_talliesbydifference
Revises: 0020_impacttallies
Create Date: 2026-12-01
"""

import importlib.util
from pathlib import Path
from types import ModuleType

from alembic import op

revision = "0021_talliesbydifference"
down_revision = "0020_impacttallies"
branch_labels = None
depends_on = None


def _revision_0020() -> ModuleType:
    """Revision 0020's helpers and triggers, which this one changes and its downgrade restores."""
    spec = importlib.util.spec_from_file_location(
        "revision_0020", Path(__file__).with_name("0020_impacttallies.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_0020 = _revision_0020()
is_counted, of_kind = _0020.is_counted, _0020.of_kind


def difference(column: str, kind: str) -> str:
    return f"({of_kind(kind, 'NEW', column)}) - ({of_kind(kind, 'OLD', column)})"


# Whether the author counts on the platform now, less whether they did: other kinds' rows are
# untouched by this row's update, so the old row is judged against the same others.
PEER_CHANGE = f"({is_counted('NEW')}) - ({is_counted('OLD')})"

ADD_DIFFERENCE = f"""
    INSERT INTO platform_tallies
        (platform_code, interviews, focus_groups, focus_group_participants, peer_researchers)
    VALUES (NEW.platform_code, {difference("notes", "interview")}, {difference("notes", "focus_group")},
        {difference("participants", "focus_group")}, {PEER_CHANGE})
    ON CONFLICT (platform_code) DO UPDATE SET
        interviews = platform_tallies.interviews + excluded.interviews,
        focus_groups = platform_tallies.focus_groups + excluded.focus_groups,
        focus_group_participants = platform_tallies.focus_group_participants + excluded.focus_group_participants,
        peer_researchers = platform_tallies.peer_researchers + excluded.peer_researchers;
    INSERT INTO author_tallies (author_id, platforms)
    SELECT NEW.author_id, 1 WHERE ({PEER_CHANGE}) > 0
    ON CONFLICT (author_id) DO UPDATE SET platforms = author_tallies.platforms + 1;
    UPDATE author_tallies SET platforms = platforms - 1
    WHERE author_id = NEW.author_id AND ({PEER_CHANGE}) < 0;
"""

SQLITE_UPGRADE = [
    "DROP TRIGGER platform_tallies_after_update",
    f"""
    CREATE TRIGGER platform_tallies_after_update AFTER UPDATE OF notes, participants ON note_tallies
    WHEN OLD.notes IS NOT NEW.notes OR OLD.participants IS NOT NEW.participants
    BEGIN
        {ADD_DIFFERENCE}
    END
    """,
]

POSTGRESQL_UPGRADE = [
    "DROP TRIGGER platform_tallies_after_update ON note_tallies",
    f"""
    CREATE FUNCTION tally_platforms_by_difference() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        {ADD_DIFFERENCE}
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER platform_tallies_after_update AFTER UPDATE OF notes, participants ON note_tallies
    FOR EACH ROW
    WHEN (OLD.notes IS DISTINCT FROM NEW.notes OR OLD.participants IS DISTINCT FROM NEW.participants)
    EXECUTE FUNCTION tally_platforms_by_difference()
    """,
]


def _revision_0020_update_trigger(statements: list[str]) -> str:
    (statement,) = [
        statement
        for statement in statements
        if "CREATE TRIGGER platform_tallies_after_update AFTER UPDATE OF notes" in statement
    ]
    return statement


def upgrade() -> None:
    statements = POSTGRESQL_UPGRADE if op.get_bind().dialect.name == "postgresql" else SQLITE_UPGRADE
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER platform_tallies_after_update ON note_tallies")
        op.execute("DROP FUNCTION tally_platforms_by_difference()")
        op.execute(_revision_0020_update_trigger(_0020.POSTGRESQL_TRIGGERS))
    else:
        op.execute("DROP TRIGGER platform_tallies_after_update")
        op.execute(_revision_0020_update_trigger(_0020.SQLITE_TRIGGERS))
