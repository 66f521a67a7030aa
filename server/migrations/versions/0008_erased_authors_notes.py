"""Erasure deletes the notes of the person erased (unless they chose to keep the approved ones,
pseudonymised): delete the notes that people erased before this choice existed left behind.
Nobody could read them since their erasure, so nothing anyone sees changes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

users = sa.table("users", sa.column("id", sa.Uuid()), sa.column("status", sa.String()))
notes = sa.table("notes", sa.column("id", sa.Uuid()), sa.column("author_id", sa.Uuid()))
reviews = sa.table("note_reviews", sa.column("note_id", sa.Uuid()))


def upgrade() -> None:
    erased = sa.select(users.c.id).where(users.c.status == "erased")
    of_erased = sa.select(notes.c.id).where(notes.c.author_id.in_(erased))
    # SQLite enforces no foreign keys unless asked: the reviews go first, by hand.
    op.execute(sa.delete(reviews).where(reviews.c.note_id.in_(of_erased)))
    op.execute(sa.delete(notes).where(notes.c.author_id.in_(erased)))


def downgrade() -> None:
    # Deleted notes cannot come back.
    pass
