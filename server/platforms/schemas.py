"""Platforms on the wire."""

from __future__ import annotations

from typing import Annotated

import msgspec
from babel import Locale

from server.i18n import N_, translate
from server.platforms.models import NETWORK, Platform
from server.wire import Language, Strict

NETWORK_NAME = N_("Migrant Youth Network")


def platform_name(code: str | None, locale: str) -> str:
    """A platform's name in the reader's language: a country platform is named after its country
    (CLDR); the network-wide space (also a category with no platform) is the network."""
    if code is None or code == NETWORK:
        return translate(locale, NETWORK_NAME)
    return str(Locale.parse(locale).territories.get(code, code))


class PlatformOut(msgspec.Struct):
    code: str
    name: str
    is_network: bool
    languages: list[str]
    digital_consent_age: int

    @classmethod
    def from_model(cls, platform: Platform, locale: str) -> PlatformOut:
        return cls(
            platform.code,
            platform_name(platform.code, locale),
            platform.is_network,
            list(platform.languages),
            platform.digital_consent_age,
        )


class PlatformList(msgspec.Struct):
    items: list[PlatformOut]


class PlatformPatch(Strict):
    languages: Annotated[list[Language], msgspec.Meta(min_length=1, max_length=12)] | msgspec.UnsetType = (
        msgspec.UNSET
    )
    # GDPR Art. 8(1): member states may set the age between 13 and 16.
    digital_consent_age: Annotated[int, msgspec.Meta(ge=13, le=16)] | msgspec.UnsetType = msgspec.UNSET
