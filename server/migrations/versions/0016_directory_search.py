"""Directory search on PostgreSQL: a trigram index of the folded names, so that `q` finds a
rare word without reading every entry, and an index of the newest-first order, so that a
common word or no word at all reads only the first page's entries (bench/directory_search.py).

SQLite gets neither: its LIKE cannot use a trigram index, and with the order index its planner
walks all the entries in that order for a word that few or none hold (measured: 25 ms became
760 ms at 100,000 entries), so there this revision does nothing.

Revision ID: 0016
Revises: 0015_briefscreens
Create Date: 2026-12-01
"""

from alembic import op

revision = "0016"
down_revision = "0015_briefscreens"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(
        "CREATE INDEX ix_stakeholder_entries_search_key_trgm ON stakeholder_entries"
        " USING gin (search_key gin_trgm_ops)"
    )
    op.create_index("ix_stakeholder_entries_created", "stakeholder_entries", ["created_at", "id"])


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_stakeholder_entries_created", table_name="stakeholder_entries")
    op.drop_index("ix_stakeholder_entries_search_key_trgm", table_name="stakeholder_entries")
    # The extension stays: other objects of the database may have come to use it since.
