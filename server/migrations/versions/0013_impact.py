"""The programme's impact figures: each author's counted notes kept in `note_tallies` by
triggers on `notes`, and the indexes that let the directory and the events be counted per
platform without reading their rows.

Revision ID: 0013
Revises: 0010
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision: str | None = "0012"
branch_labels = None
depends_on = None

# The statuses of a counted note as they stood when this revision was written: sent, and
# neither a draft nor withdrawn (the contract's rule; REVIEWABLE_STATUSES in the notes domain).
COUNTED = "('submitted', 'approved', 'changes_requested')"
NOTE_KINDS = ("interview", "focus_group", "observation")

# A focus group's number of participants, read from the note's JSON in each dialect.
PARTICIPANTS = {
    "sqlite": "COALESCE(json_extract({row}.participants, '$.count'), 0)",
    "postgresql": "COALESCE(({row}.participants ->> 'count')::integer, 0)",
}

SQLITE_TRIGGERS = [
    f"""
    CREATE TRIGGER note_tallies_after_insert AFTER INSERT ON notes
    WHEN NEW.status IN {COUNTED}
    BEGIN
        INSERT INTO note_tallies (author_id, platform_code, kind, notes, participants)
        VALUES (NEW.author_id, NEW.platform_code, NEW.kind, 1, {PARTICIPANTS["sqlite"].format(row="NEW")})
        ON CONFLICT (author_id, platform_code, kind)
        DO UPDATE SET notes = notes + 1, participants = participants + excluded.participants;
    END
    """,
    f"""
    CREATE TRIGGER note_tallies_after_delete AFTER DELETE ON notes
    WHEN OLD.status IN {COUNTED}
    BEGIN
        UPDATE note_tallies
        SET notes = notes - 1, participants = participants - {PARTICIPANTS["sqlite"].format(row="OLD")}
        WHERE author_id = OLD.author_id AND platform_code = OLD.platform_code AND kind = OLD.kind;
    END
    """,
    f"""
    CREATE TRIGGER note_tallies_after_update
    AFTER UPDATE OF status, kind, platform_code, participants, author_id ON notes
    BEGIN
        UPDATE note_tallies
        SET notes = notes - 1, participants = participants - {PARTICIPANTS["sqlite"].format(row="OLD")}
        WHERE OLD.status IN {COUNTED}
            AND author_id = OLD.author_id AND platform_code = OLD.platform_code AND kind = OLD.kind;
        INSERT INTO note_tallies (author_id, platform_code, kind, notes, participants)
        SELECT NEW.author_id, NEW.platform_code, NEW.kind, 1, {PARTICIPANTS["sqlite"].format(row="NEW")}
        WHERE NEW.status IN {COUNTED}
        ON CONFLICT (author_id, platform_code, kind)
        DO UPDATE SET notes = notes + 1, participants = participants + excluded.participants;
    END
    """,
]

POSTGRESQL_TRIGGERS = [
    f"""
    CREATE FUNCTION tally_notes() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status IN {COUNTED} THEN
            UPDATE note_tallies
            SET notes = notes - 1, participants = participants - {PARTICIPANTS["postgresql"].format(row="OLD")}
            WHERE author_id = OLD.author_id AND platform_code = OLD.platform_code AND kind = OLD.kind;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status IN {COUNTED} THEN
            INSERT INTO note_tallies AS tally (author_id, platform_code, kind, notes, participants)
            VALUES (NEW.author_id, NEW.platform_code, NEW.kind, 1, {PARTICIPANTS["postgresql"].format(row="NEW")})
            ON CONFLICT (author_id, platform_code, kind)
            DO UPDATE SET notes = tally.notes + 1, participants = tally.participants + EXCLUDED.participants;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER note_tallies_after_insert_or_delete AFTER INSERT OR DELETE ON notes
    FOR EACH ROW EXECUTE FUNCTION tally_notes()
    """,
    """
    CREATE TRIGGER note_tallies_after_update
    AFTER UPDATE OF status, kind, platform_code, participants, author_id ON notes
    FOR EACH ROW EXECUTE FUNCTION tally_notes()
    """,
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "note_tallies",
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("platform_code", sa.String(8), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("notes", sa.Integer(), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            f"kind IN ({', '.join(repr(kind) for kind in NOTE_KINDS)})",
            name=op.f("ck_note_tallies_known_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_note_tallies_author_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["platform_code"], ["platforms.code"], name=op.f("fk_note_tallies_platform_code_platforms")
        ),
        sa.PrimaryKeyConstraint("author_id", "platform_code", "kind", name=op.f("pk_note_tallies")),
    )
    # Covering: every figure of the notes is read from this index alone.
    op.create_index(
        "ix_note_tallies_platform_author",
        "note_tallies",
        ["platform_code", "author_id", "kind", "notes", "participants"],
    )
    op.execute(
        f"""
        INSERT INTO note_tallies (author_id, platform_code, kind, notes, participants)
        SELECT author_id, platform_code, kind, count(*), sum({PARTICIPANTS[dialect].format(row="notes")})
        FROM notes WHERE status IN {COUNTED}
        GROUP BY author_id, platform_code, kind
        """
    )
    for statement in POSTGRESQL_TRIGGERS if dialect == "postgresql" else SQLITE_TRIGGERS:
        op.execute(statement)
    # The directory by sector and level, and the attended registrations by country, are read
    # from these indexes alone.
    op.create_index(
        "ix_stakeholder_entries_platform_sector_level",
        "stakeholder_entries",
        ["platform_code", "sector", "level"],
    )
    op.create_index(
        "ix_event_registrations_attended", "event_registrations", ["event_id", "attended_at", "country"]
    )


def downgrade() -> None:
    op.drop_index("ix_event_registrations_attended", "event_registrations")
    op.drop_index("ix_stakeholder_entries_platform_sector_level", "stakeholder_entries")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER note_tallies_after_update ON notes")
        op.execute("DROP TRIGGER note_tallies_after_insert_or_delete ON notes")
        op.execute("DROP FUNCTION tally_notes()")
    else:
        for name in ("after_insert", "after_delete", "after_update"):
            op.execute(f"DROP TRIGGER note_tallies_{name}")
    op.drop_table("note_tallies")
