"""The country platforms of the programme and the network-wide space."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, UtcDateTime, utcnow

NETWORK = "NET"


class Platform(Base):
    __tablename__ = "platforms"

    # An ISO 3166-1 alpha-2 code for a country platform; NETWORK for the network-wide space.
    code: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    languages: Mapped[list[str]] = mapped_column(sa.JSON)
    # GDPR Art. 8: below this age a guardian consents for the young person.
    digital_consent_age: Mapped[int] = mapped_column(sa.SmallInteger)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.CheckConstraint("digital_consent_age BETWEEN 13 AND 16", name="consent_age_in_gdpr_range"),
    )

    @property
    def is_network(self) -> bool:
        return self.code == NETWORK
