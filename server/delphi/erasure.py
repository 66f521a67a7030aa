"""Erasure reaches Delphi panels: a person erased from Tessera or from a directory leaves no
name or e-mail address on any panel, and their ballot link stops working. What they rated
stays, under the study's pseudonym, as every other rating does.

A module of its own so that accounts and the directory can call it without importing the
Delphi service (which itself reads the directory).
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import utcnow
from server.delphi.models import Panellist


async def forget_panellist(
    db: AsyncSession, *, user_id: uuid.UUID | None = None, stakeholder_id: uuid.UUID | None = None
) -> None:
    """Blank the panellist rows of a member (``user_id``) or a directory entry (``stakeholder_id``)."""
    whose = (
        Panellist.user_id == user_id if user_id is not None else Panellist.stakeholder_id == stakeholder_id
    )
    if user_id is None and stakeholder_id is None:
        raise ValueError("whose panellist rows?")
    await db.execute(
        sa.update(Panellist)
        .where(whose)
        .values(name="", email=None, revoked_at=sa.func.coalesce(Panellist.revoked_at, utcnow()))
        .execution_options(synchronize_session=False)
    )
