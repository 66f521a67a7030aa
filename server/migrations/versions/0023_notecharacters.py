"""Each note keeps how many characters its text and answers hold (`characters`), in the export
index: an XLSX's question of size before its first byte (could its sheet pass the 4 GiB of a
plain zip entry?) is read from the index alone instead of every note's text (at 1,000,000
notes on SQLite 3 s before the first byte; the count and fingerprint beside it 0.5 s).

Notes stored before are counted once here, from their stored text and answers.

Revision ID: 0023_notecharacters
Revises: 0022_exportindex
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0023_notecharacters"
down_revision = "0022_exportindex"
branch_labels = None
depends_on = None

EXPORT_COLUMNS = [
    "platform_code",
    "status",
    "author_id",
    "guide_id",
    "guide_version",
    "changed_at",
    "version",
    "kind",
    "recorded_at",
]


def upgrade() -> None:
    op.add_column("notes", sa.Column("characters", sa.Integer(), nullable=False, server_default="0"))
    op.execute("UPDATE notes SET characters = length(text) + length(CAST(answers AS TEXT))")
    op.drop_index("ix_notes_export", table_name="notes")
    op.create_index("ix_notes_export", "notes", [*EXPORT_COLUMNS, "characters"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_notes_export", table_name="notes")
    op.create_index("ix_notes_export", "notes", EXPORT_COLUMNS, unique=False)
    op.drop_column("notes", "characters")
