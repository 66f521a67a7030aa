"""Field notes: interview guides (versioned), notes, reviews; the first guide, in every language.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import datetime as dt
import json
import uuid
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

Timestamp = sa.DateTime(timezone=True)
# The guide as this revision installs it, in a file of its own that is never edited: a later
# guide is a later revision (or an edit in the app), never a change to what this one installs.
FIRST_GUIDE = Path(__file__).with_name("0002_first_guide.json")
FIRST_GUIDE_ID = uuid.UUID("6f1c1b52-5d0e-4a57-9a43-0c5d2b8f7e01")


def upgrade() -> None:
    guides = op.create_table('guides',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('platform_code', sa.String(length=8), nullable=False),
    sa.Column('source_language', sa.String(length=8), nullable=False),
    sa.Column('current_version', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('created_at', Timestamp, nullable=False),
    sa.Column('updated_at', Timestamp, nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_guides_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['platform_code'], ['platforms.code'], name=op.f('fk_guides_platform_code_platforms')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guides'))
    )
    op.create_index(op.f('ix_guides_platform_code'), 'guides', ['platform_code'], unique=False)

    op.create_table('notes',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('author_id', sa.Uuid(), nullable=False),
    sa.Column('platform_code', sa.String(length=8), nullable=False),
    sa.Column('guide_id', sa.Uuid(), nullable=True),
    sa.Column('guide_version', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('recorded_at', Timestamp, nullable=False),
    sa.Column('received_at', Timestamp, nullable=False),
    sa.Column('changed_at', Timestamp, nullable=False),
    sa.Column('interviewee_code', sa.String(length=32), nullable=False),
    sa.Column('participants', sa.JSON(), nullable=True),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('consent_confirmed', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('personal_information', sa.JSON(), nullable=False),
    sa.CheckConstraint("kind IN ('interview', 'focus_group', 'observation')", name=op.f('ck_notes_known_kind')),
    sa.CheckConstraint("status IN ('draft', 'submitted', 'approved', 'changes_requested', 'withdrawn')", name=op.f('ck_notes_known_status')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_notes_version_positive')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_notes_author_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['platform_code'], ['platforms.code'], name=op.f('fk_notes_platform_code_platforms')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notes'))
    )
    op.create_index(op.f('ix_notes_author_id'), 'notes', ['author_id'], unique=False)
    op.create_index(op.f('ix_notes_changed_at'), 'notes', ['changed_at'], unique=False)
    op.create_index('ix_notes_platform_status', 'notes', ['platform_code', 'status'], unique=False)

    guide_versions = op.create_table('guide_versions',
    sa.Column('guide_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.JSON(), nullable=False),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('created_at', Timestamp, nullable=False),
    sa.ForeignKeyConstraint(['guide_id'], ['guides.id'], name=op.f('fk_guide_versions_guide_id_guides'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('guide_id', 'version', name=op.f('pk_guide_versions'))
    )
    op.create_table('note_reviews',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('note_id', sa.Uuid(), nullable=False),
    sa.Column('reviewer_id', sa.Uuid(), nullable=True),
    sa.Column('decision', sa.String(length=20), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('comment_language', sa.String(length=8), nullable=True),
    sa.Column('note_version', sa.Integer(), nullable=False),
    sa.Column('created_at', Timestamp, nullable=False),
    sa.ForeignKeyConstraint(['note_id'], ['notes.id'], name=op.f('fk_note_reviews_note_id_notes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_note_reviews_reviewer_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_note_reviews'))
    )
    op.create_index(op.f('ix_note_reviews_note_id'), 'note_reviews', ['note_id'], unique=False)

    # The guide on the programme's themes that every platform starts with.
    guide = json.loads(FIRST_GUIDE.read_text(encoding="utf-8"))
    now = dt.datetime.now(dt.UTC)
    op.bulk_insert(guides, [{
        "id": FIRST_GUIDE_ID, "platform_code": guide["platform"], "source_language": guide["source_language"],
        "current_version": 1, "created_by": None, "created_at": now, "updated_at": now,
    }])
    op.bulk_insert(guide_versions, [{
        "guide_id": FIRST_GUIDE_ID, "version": 1, "title": guide["title"], "questions": guide["questions"],
        "created_at": now,
    }])


def downgrade() -> None:
    for table in ("note_reviews", "guide_versions", "notes", "guides"):
        op.drop_table(table)
