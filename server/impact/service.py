"""The programme's impact, counted live from what Tessera holds, per platform and in total, by
the contract's rules ("Impact"): notes once sent, peer researchers, the stakeholder directory,
events and their attendance, follow-on actions, and the Delphi studies.

Whose notes count: those every other read of notes shows. A person who withdrew consent has
their notes hidden from everyone else, so they leave the figures (and they are no peer
researcher) until they consent again; an erased person's notes are deleted with the account,
but for the approved ones they chose to keep, pseudonymised, for the research: those still
count, and so does their author as a peer researcher, since the research still rests on them.

Notes, peer researchers and the directory are read from the tallies that triggers keep per
platform (server/impact/models.py), the rest in one statement per table grouped by platform,
so a million notes cost what a few rows per platform cost.

The same figures over time (`over_time`) are counted by the same rules, one statement per
table grouped by month, so that this month's running totals are the live figures."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from server.accounts.models import IMPACT_READERS, Role, User
from server.db import month_of
from server.delphi.service import delphi_figures
from server.events.models import ActionStatus, Event, EventKind, Registration
from server.i18n import N_, message
from server.impact.models import (
    ActionTally,
    AttendanceTally,
    AuthorTally,
    NoteTally,
    PlatformTally,
    StakeholderTally,
)
from server.impact.schemas import (
    ActionFigures,
    DelphiFigures,
    EventFigures,
    Figures,
    Impact,
    PlatformFigures,
    StakeholderFigures,
)
from server.notes.models import REVIEWABLE_STATUSES, Note, NoteKind
from server.notes.service import by_consenting_author, withdrawn_authors
from server.platforms.models import NETWORK, Platform
from server.problems import NotAllowed, NotFound
from server.stakeholders.models import Level, Sector, StakeholderEntry


async def platforms_counted(db: AsyncSession, user: User, platform: str | None) -> list[str]:
    """The platforms whose figures the person reads: admins all of them, staff and stakeholders
    their own, anyone else none; `platform` narrows to one of those."""
    if user.role == Role.ADMIN:
        codes = list(await db.scalars(sa.select(Platform.code).order_by(Platform.code)))
    elif user.role in IMPACT_READERS:
        codes = sorted(user.platform_codes)
    else:
        codes = []
    if platform is None:
        return codes
    if platform in codes:
        return [platform]
    if user.role == Role.ADMIN:
        raise NotFound(message(N_("There is no such platform.")))
    raise NotAllowed(message(N_("You can see the figures of your own platforms only.")))


async def impact(db: AsyncSession, user: User, platform: str | None = None) -> Impact:
    codes = await platforms_counted(db, user, platform)
    if not codes:
        # Fail closed: no platforms, nothing counted.
        return Impact(
            platforms=[], total=_total([], peer_researchers=0, delphi=DelphiFigures(), countries=set())
        )
    notes, peer_researchers = await _notes(db, codes)
    stakeholders = await _stakeholders(db, codes)
    delphi, delphi_total = await delphi_figures(db, codes)
    events, countries = await _events(db, codes)
    actions = await _actions(db, codes)

    platforms = []
    for code in codes:
        platforms.append(
            PlatformFigures(
                code=code,
                interviews=notes[code].interviews,
                focus_groups=notes[code].focus_groups,
                focus_group_participants=notes[code].focus_group_participants,
                peer_researchers=notes[code].peer_researchers,
                stakeholders=_stakeholder_figures(stakeholders[code]),
                delphi=delphi[code],
                events=events[code],
                actions=_action_figures(actions[code]),
            )
        )
    total = _total(
        platforms,
        peer_researchers=peer_researchers,
        delphi=delphi_total,
        countries=set().union(*(countries[code] for code in codes)),
    )
    return Impact(platforms=platforms, total=total)


def _total(
    platforms: Sequence[PlatformFigures], *, peer_researchers: int, delphi: DelphiFigures, countries: set[str]
) -> Figures:
    """What the platforms add up to; people and countries are given apart, counted once
    however many of the platforms they span."""
    by_sector: Counter[str] = Counter()
    by_level: Counter[str] = Counter()
    for figures in platforms:
        by_sector.update(figures.stakeholders.by_sector)
        by_level.update(figures.stakeholders.by_level)
    return Figures(
        interviews=sum(figures.interviews for figures in platforms),
        focus_groups=sum(figures.focus_groups for figures in platforms),
        focus_group_participants=sum(figures.focus_group_participants for figures in platforms),
        peer_researchers=peer_researchers,
        stakeholders=StakeholderFigures(
            total=sum(figures.stakeholders.total for figures in platforms),
            by_sector={str(sector): by_sector[sector] for sector in Sector},
            by_level={str(level): by_level[level] for level in Level},
        ),
        delphi=delphi,
        events=EventFigures(
            workshops=sum(figures.events.workshops for figures in platforms),
            conferences=sum(figures.events.conferences for figures in platforms),
            participants=sum(figures.events.participants for figures in platforms),
            countries=len(countries),
        ),
        actions=ActionFigures(
            planned=sum(figures.actions.planned for figures in platforms),
            in_progress=sum(figures.actions.in_progress for figures in platforms),
            done=sum(figures.actions.done for figures in platforms),
        ),
    )


# Notes and peer researchers


@dataclass
class NoteFigures:
    """A platform's counted notes and peer researchers, or those of a total."""

    interviews: int = 0
    focus_groups: int = 0
    focus_group_participants: int = 0
    peer_researchers: int = 0


def _sum_of_kind(kind: NoteKind, column: InstrumentedAttribute[int]) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((NoteTally.kind == kind, column), else_=0)), 0)


async def _notes(db: AsyncSession, codes: list[str]) -> tuple[dict[str, NoteFigures], int]:
    """Each platform's counted notes and peer researchers, and the peer researchers of all of
    them, each person once.

    Read from each platform's tallies, which hold everyone's notes; from them go the notes of
    the few who withdrew consent (their own tallies), and from the total the second and later
    platforms of the few counted on several (author_tallies), so no read grows with the
    number of notes or of authors."""
    figures = {code: NoteFigures() for code in codes}
    tallies = sa.select(
        PlatformTally.platform_code,
        PlatformTally.interviews,
        PlatformTally.focus_groups,
        PlatformTally.focus_group_participants,
        PlatformTally.peer_researchers,
    ).where(PlatformTally.platform_code.in_(codes))
    for code, *counts in await db.execute(tallies):
        figures[code] = NoteFigures(*counts)
    # Summed per platform like the platform tallies, so the few rows that come back are those.
    hidden = (
        sa.select(
            NoteTally.platform_code,
            _sum_of_kind(NoteKind.INTERVIEW, NoteTally.notes),
            _sum_of_kind(NoteKind.FOCUS_GROUP, NoteTally.notes),
            _sum_of_kind(NoteKind.FOCUS_GROUP, NoteTally.participants),
            sa.func.count(sa.distinct(NoteTally.author_id)),
        )
        .where(
            NoteTally.platform_code.in_(codes),
            NoteTally.notes > 0,
            NoteTally.author_id.in_(withdrawn_authors()),
        )
        .group_by(NoteTally.platform_code)
    )
    for code, *counts in await db.execute(hidden):
        platform = figures[code]
        interviews, focus_groups, participants, authors = (int(count) for count in counts)
        platform.interviews -= interviews
        platform.focus_groups -= focus_groups
        platform.focus_group_participants -= participants
        platform.peer_researchers -= authors
    on_several = sa.select(AuthorTally.author_id).where(AuthorTally.platforms > 1)
    counted_on_several = sa.select(NoteTally.author_id, NoteTally.platform_code).where(
        NoteTally.platform_code.in_(codes),
        NoteTally.notes > 0,
        NoteTally.author_id.in_(on_several),
        NoteTally.author_id.not_in(withdrawn_authors()),
    )
    platforms_of = Counter(author for author, _ in set(await db.execute(counted_on_several)))
    counted_again = sum(platforms - 1 for platforms in platforms_of.values())
    return figures, sum(platform.peer_researchers for platform in figures.values()) - counted_again


# The directory, events and actions


async def _stakeholders(db: AsyncSession, codes: list[str]) -> dict[str, Counter[tuple[str, str]]]:
    query = sa.select(
        StakeholderTally.platform_code,
        StakeholderTally.sector,
        StakeholderTally.level,
        StakeholderTally.entries,
    ).where(StakeholderTally.platform_code.in_(codes), StakeholderTally.entries > 0)
    counts: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
    for code, sector, level, entries in await db.execute(query):
        counts[code][(str(sector), str(level))] = int(entries)
    return counts


def _stakeholder_figures(counts: Counter[tuple[str, str]]) -> StakeholderFigures:
    by_sector = {str(sector): 0 for sector in Sector}
    by_level = {str(level): 0 for level in Level}
    for (sector, level), count in counts.items():
        by_sector[sector] += count
        by_level[level] += count
    return StakeholderFigures(total=sum(counts.values()), by_sector=by_sector, by_level=by_level)


def _platform_of(column: InstrumentedAttribute[str | None]) -> sa.ColumnElement[str]:
    """A network-wide event (no platform) is the network-wide space's, NETWORK."""
    return sa.func.coalesce(column, NETWORK)


def _on_platforms(column: InstrumentedAttribute[str | None], codes: list[str]) -> sa.ColumnElement[bool]:
    if NETWORK in codes:
        return sa.or_(column.in_(codes), column.is_(None))
    return column.in_(codes)


async def _events(db: AsyncSession, codes: list[str]) -> tuple[dict[str, EventFigures], dict[str, set[str]]]:
    """Workshops, conferences and attendance per platform, and the countries attended from."""
    platform = _platform_of(Event.platform_code)
    held = (
        sa.select(platform, Event.kind, sa.func.count())
        .where(
            _on_platforms(Event.platform_code, codes),
            Event.kind.in_([EventKind.WORKSHOP, EventKind.CONFERENCE]),
        )
        .group_by(platform, Event.kind)
    )
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    for code, kind, count in await db.execute(held):
        kinds[code][str(kind)] = int(count)
    attended = sa.select(
        AttendanceTally.platform_code, AttendanceTally.country, AttendanceTally.participants
    ).where(AttendanceTally.platform_code.in_(codes), AttendanceTally.participants > 0)
    participants: Counter[str] = Counter()
    countries: dict[str, set[str]] = defaultdict(set)
    for code, country, count in await db.execute(attended):
        participants[code] += int(count)
        # Someone registered without a country, or erased since, counts but names none.
        if country:
            countries[code].add(country)
    figures = {
        code: EventFigures(
            workshops=kinds[code][EventKind.WORKSHOP],
            conferences=kinds[code][EventKind.CONFERENCE],
            participants=participants[code],
            countries=len(countries[code]),
        )
        for code in codes
    }
    return figures, countries


async def _actions(db: AsyncSession, codes: list[str]) -> dict[str, Counter[str]]:
    query = sa.select(ActionTally.platform_code, ActionTally.status, ActionTally.actions).where(
        ActionTally.platform_code.in_(codes), ActionTally.actions > 0
    )
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for code, status, count in await db.execute(query):
        counts[code][str(status)] = int(count)
    return counts


def _action_figures(counts: Counter[str]) -> ActionFigures:
    return ActionFigures(
        planned=counts[ActionStatus.PLANNED],
        in_progress=counts[ActionStatus.IN_PROGRESS],
        done=counts[ActionStatus.DONE],
    )


# Over time


MONTHS_SHOWN = 12


@dataclass(frozen=True)
class FiguresOverTime:
    """Running totals at the end of each month, oldest first, this month last: what the
    figures of the same platforms were then, by the same rules, so the last of each is the
    live figure. Each series is indexed like `months` (the first day of each month)."""

    months: list[dt.date]
    interviews: list[int]
    focus_groups: list[int]
    stakeholders: list[int]
    participants: list[int]


def _months_up_to(now: dt.datetime) -> list[dt.date]:
    year, month = now.year, now.month
    months = []
    for _ in range(MONTHS_SHOWN):
        months.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(months))


def _running_totals(months: list[dt.date], per_month: Counter[str]) -> list[int]:
    """Running totals of counts given per 'YYYY-MM': what came before the first month shown
    is in its total, and what is dated after this month (an event's attendance marked
    ahead of its date) in this month's, where the live figure already has it."""
    keys = [f"{month:%Y-%m}" for month in months]
    totals, running = [], sum(count for key, count in per_month.items() if key < keys[0])
    for key in keys[:-1]:
        running += per_month[key]
        totals.append(running)
    totals.append(running + sum(count for key, count in per_month.items() if key >= keys[-1]))
    return totals


async def over_time(
    db: AsyncSession, user: User, platform: str | None, *, now: dt.datetime
) -> FiguresOverTime:
    """Interviews and focus groups by the month they were recorded in, stakeholders by the
    month they entered the directory, event participants by the month of their event: the
    quantities of `impact` that carry a date, for the same platforms and by the same rules."""
    codes = await platforms_counted(db, user, platform)
    months = _months_up_to(now)
    interviews: Counter[str] = Counter()
    focus_groups: Counter[str] = Counter()
    stakeholders: Counter[str] = Counter()
    participants: Counter[str] = Counter()
    if codes:
        recorded = month_of(Note.recorded_at)
        notes = (
            sa.select(recorded, Note.kind, sa.func.count())
            .where(
                Note.platform_code.in_(codes),
                Note.status.in_(REVIEWABLE_STATUSES),
                Note.kind.in_([NoteKind.INTERVIEW, NoteKind.FOCUS_GROUP]),
                by_consenting_author(),
            )
            .group_by(recorded, Note.kind)
        )
        for month, kind, count in await db.execute(notes):
            (interviews if kind == NoteKind.INTERVIEW else focus_groups)[month] += int(count)
        entered = month_of(StakeholderEntry.created_at)
        entries = (
            sa.select(entered, sa.func.count())
            .where(StakeholderEntry.platform_code.in_(codes))
            .group_by(entered)
        )
        stakeholders.update({month: int(count) for month, count in await db.execute(entries)})
        held = month_of(Event.starts_at)
        attended = (
            sa.select(held, sa.func.count())
            .select_from(Registration)
            .join(Event, Event.id == Registration.event_id)
            .where(_on_platforms(Event.platform_code, codes), Registration.attended_at.is_not(None))
            .group_by(held)
        )
        participants.update({month: int(count) for month, count in await db.execute(attended)})
    return FiguresOverTime(
        months=months,
        interviews=_running_totals(months, interviews),
        focus_groups=_running_totals(months, focus_groups),
        stakeholders=_running_totals(months, stakeholders),
        participants=_running_totals(months, participants),
    )
