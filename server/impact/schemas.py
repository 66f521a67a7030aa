"""What goes over the wire for the programme's impact figures (the contract's "Impact")."""

from __future__ import annotations

import msgspec

from server.delphi.schemas import DelphiFigures


class StakeholderFigures(msgspec.Struct):
    total: int
    # Every sector and level of the directory's vocabularies, with 0 where there are none.
    by_sector: dict[str, int]
    by_level: dict[str, int]


class EventFigures(msgspec.Struct):
    workshops: int
    conferences: int
    # Registrations marked as attended, at events of every kind.
    participants: int
    # Distinct countries among them.
    countries: int


class ActionFigures(msgspec.Struct):
    planned: int
    in_progress: int
    done: int


class Figures(msgspec.Struct, kw_only=True):
    interviews: int
    focus_groups: int
    focus_group_participants: int
    peer_researchers: int
    stakeholders: StakeholderFigures
    delphi: DelphiFigures
    events: EventFigures
    actions: ActionFigures


class PlatformFigures(Figures, kw_only=True):
    code: str


class Impact(msgspec.Struct):
    platforms: list[PlatformFigures]
    # Over the platforms listed: a person or a country counted once however many they span.
    total: Figures
