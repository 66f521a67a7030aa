"""Secrets this instance makes for itself once and keeps: the key behind export pseudonyms and the
VAPID key of Web Push. Shared by several domains, so it belongs to none of them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base


class InstanceSecret(Base):
    __tablename__ = "instance_secrets"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(200))
