"""Wire types every domain shares: the strict request body, a supported language, a platform code."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from server.i18n import SUPPORTED_LOCALES
from server.problems import refuse_times_beyond_utc

Language = Literal[SUPPORTED_LOCALES]  # type: ignore[valid-type]
PlatformCode = Annotated[str, msgspec.Meta(min_length=2, max_length=8, pattern=r"^[A-Z]{2,3}$")]


class Strict(msgspec.Struct, forbid_unknown_fields=True):
    """A request body: unknown fields are refused, so a typo never goes unnoticed."""

    def __post_init__(self) -> None:
        refuse_times_beyond_utc(self)
