"""Platforms on the wire."""

from __future__ import annotations

from typing import Annotated

import msgspec

from server.accounts.schemas import Language, Strict


class PlatformOut(msgspec.Struct):
    code: str
    name: str
    is_network: bool
    languages: list[str]
    digital_consent_age: int


class PlatformList(msgspec.Struct):
    items: list[PlatformOut]


class PlatformPatch(Strict):
    languages: Annotated[list[Language], msgspec.Meta(min_length=1, max_length=12)] | msgspec.UnsetType = (
        msgspec.UNSET
    )
    # GDPR Art. 8(1): member states may set the age between 13 and 16.
    digital_consent_age: Annotated[int, msgspec.Meta(ge=13, le=16)] | msgspec.UnsetType = msgspec.UNSET
