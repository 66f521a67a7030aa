"""A Delphi study's report, following CREDES (Jünger et al. 2017, Guidance on Conducting and
REporting DElphi Studies) and the ACCORD checklist: the purpose, the panel's composition, the
consensus definition and when it was fixed, the number of rounds, the response per round,
each round's results per statement with stability between rounds, and the statements added
or dropped between rounds.

Printable HTML in any of the platform's languages and its direction; the PDF is drawn from the
same page by the briefs' machinery (server/briefs/documents.py: a process of its own, never the
event loop). Everything a person wrote is escaped, and the panel appears by counts only, by
name only in a `named` study.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import uuid
from collections import Counter
from dataclasses import dataclass, field
from html import escape
from typing import Any

import babel.dates
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.models import User
from server.briefs import documents
from server.delphi import service
from server.delphi.models import (
    Anonymity,
    Consensus,
    ConsensusKind,
    Panellist,
    Proposal,
    ProposalStatus,
    Round,
    Statement,
    StatementResult,
    Study,
)
from server.i18n import N_, direction, format_number, message
from server.stakeholders.models import StakeholderEntry

TOO_LONG = N_("This study is too large for a PDF. Download the report as HTML and print it.")

STYLE = """
body { font-family: "DejaVu Sans", "Noto Sans", "Noto Naskh Arabic", sans-serif; line-height: 1.45;
  max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; background: #fff; }
h1 { font-size: 1.8rem; line-height: 1.2; }
h2 { font-size: 1.3rem; margin-top: 2rem; border-bottom: 1px solid #bbb; }
h3 { font-size: 1.05rem; }
.meta { color: #555; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .9rem; }
th, td { border: 1px solid #bbb; padding: .25rem .4rem; text-align: start; vertical-align: top; }
td.number, th.number { text-align: end; white-space: nowrap; }
thead { display: table-header-group; }
dt { font-weight: bold; }
dd { margin-inline-start: 1.5rem; margin-bottom: .4rem; }
.fallback { color: #555; font-size: .85rem; }
.body { white-space: pre-wrap; }
@media print {
  body { max-width: none; margin: 0; font-size: 10pt; }
  h2, h3 { break-after: avoid; }
  tr, li { break-inside: avoid; }
}
@page { size: A4; margin: 1.6cm; }
""".strip()
STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
PAGE_SECURITY_POLICY = (
    f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)

ANONYMITY_LABELS = {
    Anonymity.ANONYMOUS: N_(
        "Anonymous: nobody, the facilitators included, can link a rating to a panellist."
    ),
    Anonymity.FACILITATORS: N_(
        "Anonymous to the panel: only the facilitators can link ratings to panellists."
    ),
    Anonymity.NAMED: N_("Named: the facilitators know who gave each rating."),
}
CONSENSUS_LABELS = {
    Consensus.IN: N_("Consensus in"),
    Consensus.OUT: N_("Consensus out"),
    Consensus.NONE: N_("No consensus"),
}
SECTORS = {
    "public_authority": N_("Public authority"),
    "ngo": N_("NGO"),
    "education": N_("Education"),
    "youth_organisation": N_("Youth organisation"),
    "employer": N_("Employer"),
    "migrant_led": N_("Migrant-led organisation"),
    "research": N_("Research"),
    "health": N_("Health"),
    "faith": N_("Faith organisation"),
    "other": N_("Other"),
}
LEVELS = {
    "local": N_("Local"),
    "regional": N_("Regional"),
    "national": N_("National"),
    "international": N_("International"),
}
SOURCES = {
    "directory": N_("From the stakeholder directory"),
    "member": N_("Platform members"),
    "invited": N_("Invited by name"),
}


@dataclass(frozen=True, slots=True)
class Line:
    """A statement's figures in one round."""

    statement_id: uuid.UUID
    n: int
    median: float | None
    q1: float | None
    q3: float | None
    agree_percent: float | None
    disagree_percent: float | None
    consensus: Consensus
    moved_percent: float | None


@dataclass(frozen=True, slots=True)
class RoundReport:
    number: int
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    invited: int
    responded: int | None
    lines: list[Line]
    # Asked for the first time in this round (from round two on).
    added: list[uuid.UUID]
    # Asked in the round before and not in this one, with that round's verdict.
    dropped: list[tuple[uuid.UUID, Consensus | None]]


@dataclass(slots=True)
class Panel:
    invited: int = 0
    revoked: int = 0
    by_source: Counter[str] = field(default_factory=Counter)
    by_platform: Counter[str] = field(default_factory=Counter)
    by_sector: Counter[str] = field(default_factory=Counter)
    by_level: Counter[str] = field(default_factory=Counter)
    # Only in a `named` study.
    names: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Report:
    study: Study
    language: str
    statements: dict[uuid.UUID, Statement]
    rounds: list[RoundReport]
    panel: Panel
    proposals: Counter[str]
    made_at: dt.datetime

    def label(self, msgid: str, **params: Any) -> str:
        return message(msgid, **params).render(self.language)

    def number(self, value: float | None) -> str:
        return "–" if value is None else format_number(value, self.language)

    def date(self, value: dt.datetime) -> str:
        return babel.dates.format_date(value, "long", locale=self.language)


async def gather(db: AsyncSession, user: User, study_id: uuid.UUID, language: str | None) -> Report:
    """Everything the report shows, read by whoever may read the study's results, in the
    language asked for (by default the study's first)."""
    study = await service.readable_study(db, user, study_id)
    language = language or study.first_language
    statements, panellists, rounds = await service.study_parts(db, study.id)
    results: dict[uuid.UUID, dict[uuid.UUID, StatementResult]] = {item.id: {} for item in rounds}
    found = await db.scalars(
        sa.select(StatementResult)
        .join(Round, Round.id == StatementResult.round_id)
        .where(Round.study_id == study.id)
    )
    for result in found:
        results[result.round_id][result.statement_id] = result
    return Report(
        study=study,
        language=language,
        statements={item.id: item for item in statements},
        rounds=round_reports(rounds, results),
        panel=await panel_of(db, study, panellists, with_names=service.facilitates(user, study)),
        proposals=Counter(
            str(status)
            for status in await db.scalars(sa.select(Proposal.status).where(Proposal.study_id == study.id))
        ),
        made_at=dt.datetime.now(dt.UTC),
    )


def round_reports(
    rounds: list[Round], results: dict[uuid.UUID, dict[uuid.UUID, StatementResult]]
) -> list[RoundReport]:
    reports = []
    asked_before: set[str] = set()
    previous: Round | None = None
    for current in rounds:
        by_statement = results[current.id]
        lines = [
            Line(
                result.statement_id,
                result.n,
                result.median,
                result.q1,
                result.q3,
                result.agree_percent,
                result.disagree_percent,
                result.consensus,
                result.moved_percent,
            )
            for statement_id in current.statement_ids
            if (result := by_statement.get(uuid.UUID(statement_id))) is not None
        ]
        added = (
            [uuid.UUID(item) for item in current.statement_ids if item not in asked_before]
            if previous
            else []
        )
        dropped: list[tuple[uuid.UUID, Consensus | None]] = []
        if previous is not None:
            verdicts = results[previous.id]
            for item in previous.statement_ids:
                if item not in current.statement_ids:
                    verdict = verdicts.get(uuid.UUID(item))
                    dropped.append((uuid.UUID(item), verdict.consensus if verdict else None))
        reports.append(
            RoundReport(
                current.number,
                current.opened_at,
                current.closed_at,
                current.invited,
                current.responded,
                lines,
                added,
                dropped,
            )
        )
        asked_before.update(current.statement_ids)
        previous = current
    return reports


async def panel_of(
    db: AsyncSession, study: Study, panellists: list[Panellist], *, with_names: bool = False
) -> Panel:
    """Counts by where panellists came from, by platform, and by the directory's sector and
    level; names only in a `named` study."""
    panel = Panel(invited=len(panellists))
    entry_ids = [item.stakeholder_id for item in panellists if item.stakeholder_id is not None]
    entries = (
        {
            entry_id: (platform, sector, level)
            for entry_id, platform, sector, level in await db.execute(
                sa.select(
                    StakeholderEntry.id,
                    StakeholderEntry.platform_code,
                    StakeholderEntry.sector,
                    StakeholderEntry.level,
                ).where(StakeholderEntry.id.in_(entry_ids))
            )
        }
        if entry_ids
        else {}
    )
    member_ids = [item.user_id for item in panellists if item.user_id is not None]
    members = (
        {member.id: member for member in await db.scalars(sa.select(User).where(User.id.in_(member_ids)))}
        if member_ids
        else {}
    )
    for panellist in panellists:
        if panellist.revoked_at is not None:
            panel.revoked += 1
        entry = entries.get(panellist.stakeholder_id) if panellist.stakeholder_id else None
        member = members.get(panellist.user_id) if panellist.user_id else None
        if entry is not None:
            platform, sector, level = entry
            panel.by_source["directory"] += 1
            panel.by_platform[platform] += 1
            panel.by_sector[str(sector)] += 1
            panel.by_level[str(level)] += 1
        elif member is not None:
            panel.by_source["member"] += 1
            shared = sorted(set(member.platform_codes) & set(study.platform_codes))
            if shared:
                panel.by_platform[shared[0]] += 1
        else:
            panel.by_source["invited"] += 1
    if study.anonymity == Anonymity.NAMED and with_names:
        # Names for the facilitators only (stakeholders read counts), and never of someone whose
        # link was revoked: a revoked link often means a person who left the study.
        panel.names = sorted(item.name for item in panellists if item.name and item.revoked_at is None)
    return panel


# The report's words (module constants: a message inside an f-string is not extracted).
CONSENSUS_IN_AT_LEAST_THRESHOLD = N_(
    "Consensus in: at least {threshold} % of a statement's ratings are {agree_from} or higher, and fewer than {max_opposite} % are {disagree_to} or lower."
)
CONSENSUS_OUT_AT_LEAST_THRESHOLD = N_(
    "Consensus out: at least {threshold} % of a statement's ratings are {disagree_to} or lower, and fewer than {max_opposite} % are {agree_from} or higher."
)
CONSENSUS_IN_THE_INTERQUARTILE_RANGE = N_(
    "Consensus in: the interquartile range (Q3 − Q1) is at most {max_iqr} and the median is {agree_from} or higher."
)
CONSENSUS_OUT_THE_INTERQUARTILE_RANGE = N_(
    "Consensus out: the interquartile range (Q3 − Q1) is at most {max_iqr} and the median is {disagree_to} or lower."
)
NOT_TRANSLATED_YET = N_("Not translated yet")
DELPHI_STUDY_REPORT_MADE_DATE = N_("Delphi study report, made {date}")
REPORTED_FOLLOWING_CREDES_J_NGER = N_("Reported following CREDES (Jünger et al. 2017) and ACCORD.")
PURPOSE = N_("Purpose")
NO_PURPOSE_WAS_STATED = N_("No purpose was stated.")
FIXED_IN_ADVANCE_ON_DATE = N_("Fixed in advance, on {date}, when the first round opened.")
NOT_FIXED_YET_NO_ROUND = N_("Not fixed yet: no round has opened.")
METHOD = N_("Method")
PLATFORMS = N_("Platforms")
LANGUAGES = N_("Languages")
ANONYMITY = N_("Anonymity")
RATING_SCALE = N_("Rating scale")
FROM_MIN_TO_MAX = N_("From {min} to {max}.")
CONSENSUS_DEFINITION = N_("Consensus definition")
PERCENTAGES_AND_QUARTILES_ARE_OVER = N_(
    "Percentages and quartiles are over the ratings given to a statement in a round; quartiles by linear interpolation between order statistics."
)
A_STATEMENT_WITH_CONSENSUS_IN = N_(
    "A statement with consensus in or out leaves later rounds; a statement without consensus is asked again, with the group’s answers of the round before."
)
STABILITY = N_("Stability")
THE_SHARE_OF_PANELLISTS_WHO = N_(
    "The share of panellists who rated a statement in two rounds in a row whose rating moved by more than one point."
)
ROUNDS = N_("Rounds")
STATEMENTS_PROPOSED_BY_PANELLISTS_IN = N_(
    "Statements proposed by panellists in the first round: {count}; accepted: {accepted}; dismissed: {dismissed}."
)
PANEL = N_("Panel")
PANELLISTS_INVITED_COUNT_LINKS_REVOKED = N_("Panellists invited: {count}; links revoked: {revoked}.")
WHERE_PANELLISTS_CAME_FROM = N_("Where panellists came from")
BY_PLATFORM = N_("By platform")
BY_SECTOR_STAKEHOLDER_DIRECTORY = N_("By sector (stakeholder directory)")
BY_LEVEL_STAKEHOLDER_DIRECTORY = N_("By level (stakeholder directory)")
PANELLISTS = N_("Panellists")
RESPONSE_PER_ROUND = N_("Response per round")
ROUND = N_("Round")
OPENED = N_("Opened")
CLOSED = N_("Closed")
INVITED = N_("Invited")
RESPONDED = N_("Responded")
RESPONSE_RATE = N_("Response rate (%)")
ATTRITION_SINCE_THE_ROUND_BEFORE = N_("Attrition since the round before")
STILL_OPEN = N_("Still open")
ROUND_NUMBER = N_("Round {number}")
LEFT_AFTER_THE_ROUND_BEFORE = N_("Left after the round before")
ADDED_IN_THIS_ROUND = N_("Added in this round")
THIS_ROUND_IS_STILL_OPEN = N_("This round is still open: its results come when it closes.")
STATEMENT = N_("Statement")
MEDIAN = N_("Median")
AGREE = N_("Agree (%)")
DISAGREE = N_("Disagree (%)")
CONSENSUS = N_("Consensus")
MOVED = N_("Moved (%)")
OUTCOME_PER_STATEMENT = N_("Outcome per statement")


# The page


def rule_text(report: Report) -> list[str]:
    rule = report.study.consensus
    if rule["kind"] == ConsensusKind.PERCENT:
        return [
            report.label(
                CONSENSUS_IN_AT_LEAST_THRESHOLD,
                **rule_numbers(rule),
            ),
            report.label(
                CONSENSUS_OUT_AT_LEAST_THRESHOLD,
                **rule_numbers(rule),
            ),
        ]
    return [
        report.label(
            CONSENSUS_IN_THE_INTERQUARTILE_RANGE,
            **rule_numbers(rule),
        ),
        report.label(
            CONSENSUS_OUT_THE_INTERQUARTILE_RANGE,
            **rule_numbers(rule),
        ),
    ]


def rule_numbers(rule: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in rule.items() if name != "kind"}


def statement_cell(report: Report, statement_id: uuid.UUID) -> str:
    statement = report.statements[statement_id]
    text, text_language, fallback = service.statement_text(
        statement, report.language, report.study.first_language
    )
    marker = (
        f' <span class="fallback">({escape(report.label(NOT_TRANSLATED_YET))})</span>' if fallback else ""
    )
    theme = f'<br><span class="fallback">{escape(statement.theme)}</span>' if statement.theme else ""
    return f'<span lang="{escape(text_language)}" dir="auto">{escape(text)}</span>{marker}{theme}'


def counts_table(
    report: Report, heading: str, counts: Counter[str], words: dict[str, str] | None
) -> list[str]:
    if not counts:
        return []
    e = escape
    parts = [f"<h3>{e(heading)}</h3>", "<table><tbody>"]
    for key, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        name = report.label(words[key]) if words and key in words else key
        parts.append(
            f'<tr><th scope="row">{e(name)}</th><td class="number">{e(report.number(count))}</td></tr>'
        )
    parts.append("</tbody></table>")
    return parts


def page_html(report: Report) -> str:
    e = escape
    study = report.study
    label = report.label
    parts = [
        "<!doctype html>",
        f'<html lang="{e(report.language)}" dir="{direction(report.language)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="robots" content="noindex">',
        f"<title>{e(study.title)}</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{e(study.title)}</h1>",
        f'<p class="meta">{e(label(DELPHI_STUDY_REPORT_MADE_DATE, date=report.date(report.made_at)))}</p>',
        f'<p class="meta">{e(label(REPORTED_FOLLOWING_CREDES_J_NGER))}</p>',
        f'<h2 id="purpose">{e(label(PURPOSE))}</h2>',
        f'<p class="body">{e(study.purpose)}</p>'
        if study.purpose
        else f'<p class="meta">{e(label(NO_PURPOSE_WAS_STATED))}</p>',
    ]
    parts += method_section(report)
    parts += panel_section(report)
    parts += response_section(report)
    for current in report.rounds:
        parts += round_section(report, current)
    parts += outcome_section(report)
    parts += ["</main>", "</body>", "</html>"]
    return "\n".join(parts)


def method_section(report: Report) -> list[str]:
    e = escape
    study = report.study
    label = report.label
    first = report.rounds[0] if report.rounds else None
    fixed = (
        label(FIXED_IN_ADVANCE_ON_DATE, date=report.date(first.opened_at))
        if first
        else label(NOT_FIXED_YET_NO_ROUND)
    )
    parts = [
        f'<h2 id="method">{e(label(METHOD))}</h2>',
        "<dl>",
        f"<dt>{e(label(PLATFORMS))}</dt><dd>{e(', '.join(study.platform_codes))}</dd>",
        f"<dt>{e(label(LANGUAGES))}</dt><dd>{e(', '.join(study.languages))}</dd>",
        f"<dt>{e(label(ANONYMITY))}</dt><dd>{e(label(ANONYMITY_LABELS[study.anonymity]))}</dd>",
        f"<dt>{e(label(RATING_SCALE))}</dt>"
        f"<dd>{e(label(FROM_MIN_TO_MAX, min=study.scale_min, max=study.scale_max))}",
    ]
    labels = service.labels_in(study, report.language)
    if labels:
        parts.append("<ul>")
        parts += [
            f"<li>{e(report.number(point))}: {e(name)}</li>"
            for point, name in zip(range(study.scale_min, study.scale_max + 1), labels, strict=False)
        ]
        parts.append("</ul>")
    parts += [
        "</dd>",
        f"<dt>{e(label(CONSENSUS_DEFINITION))}</dt><dd><ul>",
        *(f"<li>{e(text)}</li>" for text in rule_text(report)),
        "</ul>",
        f"<p>{e(fixed)}</p>",
        f"<p>{e(label(PERCENTAGES_AND_QUARTILES_ARE_OVER))}</p>",
        f"<p>{e(label(A_STATEMENT_WITH_CONSENSUS_IN))}</p>",
        "</dd>",
        f"<dt>{e(label(STABILITY))}</dt>",
        f"<dd>{e(label(THE_SHARE_OF_PANELLISTS_WHO))}</dd>",
        f"<dt>{e(label(ROUNDS))}</dt><dd>{e(report.number(len(report.rounds)))}</dd>",
        "</dl>",
    ]
    total = sum(report.proposals.values())
    if total:
        parts.append(
            f"<p>{e(label(STATEMENTS_PROPOSED_BY_PANELLISTS_IN, count=total, accepted=report.proposals.get(ProposalStatus.ACCEPTED, 0), dismissed=report.proposals.get(ProposalStatus.DISMISSED, 0)))}</p>"
        )
    return parts


def panel_section(report: Report) -> list[str]:
    e = escape
    label = report.label
    panel = report.panel
    parts = [
        f'<h2 id="panel">{e(label(PANEL))}</h2>',
        f"<p>{e(label(PANELLISTS_INVITED_COUNT_LINKS_REVOKED, count=panel.invited, revoked=panel.revoked))}</p>",
    ]
    parts += counts_table(report, label(WHERE_PANELLISTS_CAME_FROM), panel.by_source, SOURCES)
    parts += counts_table(report, label(BY_PLATFORM), panel.by_platform, None)
    parts += counts_table(report, label(BY_SECTOR_STAKEHOLDER_DIRECTORY), panel.by_sector, SECTORS)
    parts += counts_table(report, label(BY_LEVEL_STAKEHOLDER_DIRECTORY), panel.by_level, LEVELS)
    if panel.names:
        parts.append(f"<h3>{e(label(PANELLISTS))}</h3><ul>")
        parts += [f"<li>{e(name)}</li>" for name in panel.names]
        parts.append("</ul>")
    return parts


def response_section(report: Report) -> list[str]:
    e = escape
    label = report.label
    parts = [
        f'<h2 id="response">{e(label(RESPONSE_PER_ROUND))}</h2>',
        "<table>",
        "<thead><tr>",
        f"<th>{e(label(ROUND))}</th>",
        f"<th>{e(label(OPENED))}</th>",
        f"<th>{e(label(CLOSED))}</th>",
        f'<th class="number">{e(label(INVITED))}</th>',
        f'<th class="number">{e(label(RESPONDED))}</th>',
        f'<th class="number">{e(label(RESPONSE_RATE))}</th>',
        f'<th class="number">{e(label(ATTRITION_SINCE_THE_ROUND_BEFORE))}</th>',
        "</tr></thead><tbody>",
    ]
    before: int | None = None
    for current in report.rounds:
        rate = (
            round(100 * current.responded / current.invited, 1)
            if current.responded is not None and current.invited
            else None
        )
        attrition = (
            before - current.responded if before is not None and current.responded is not None else None
        )
        closed = report.date(current.closed_at) if current.closed_at else label(STILL_OPEN)
        parts.append(
            "<tr>"
            f'<td class="number">{e(report.number(current.number))}</td>'
            f"<td>{e(report.date(current.opened_at))}</td>"
            f"<td>{e(closed)}</td>"
            f'<td class="number">{e(report.number(current.invited))}</td>'
            f'<td class="number">{e(report.number(current.responded))}</td>'
            f'<td class="number">{e(report.number(rate))}</td>'
            f'<td class="number">{e(report.number(attrition))}</td>'
            "</tr>"
        )
        before = current.responded
    parts.append("</tbody></table>")
    return parts


def round_section(report: Report, current: RoundReport) -> list[str]:
    e = escape
    label = report.label
    parts = [f'<h2 id="round-{current.number}">{e(label(ROUND_NUMBER, number=current.number))}</h2>']
    if current.dropped:
        parts.append(f"<h3>{e(label(LEFT_AFTER_THE_ROUND_BEFORE))}</h3><ul>")
        for statement_id, verdict in current.dropped:
            reason = label(CONSENSUS_LABELS[verdict]) if verdict else ""
            parts.append(f"<li>{statement_cell(report, statement_id)} — {e(reason)}</li>")
        parts.append("</ul>")
    if current.added:
        parts.append(f"<h3>{e(label(ADDED_IN_THIS_ROUND))}</h3><ul>")
        parts += [f"<li>{statement_cell(report, statement_id)}</li>" for statement_id in current.added]
        parts.append("</ul>")
    if current.closed_at is None:
        parts.append(f'<p class="meta">{e(label(THIS_ROUND_IS_STILL_OPEN))}</p>')
        return parts
    parts += [
        "<table>",
        "<thead><tr>",
        f"<th>{e(label(STATEMENT))}</th>",
        '<th class="number">n</th>',
        f'<th class="number">{e(label(MEDIAN))}</th>',
        '<th class="number">Q1–Q3</th>',
        f'<th class="number">{e(label(AGREE))}</th>',
        f'<th class="number">{e(label(DISAGREE))}</th>',
        f"<th>{e(label(CONSENSUS))}</th>",
        f'<th class="number">{e(label(MOVED))}</th>',
        "</tr></thead><tbody>",
    ]
    for line in current.lines:
        quartiles = "–" if line.q1 is None else f"{report.number(line.q1)}–{report.number(line.q3)}"
        parts.append(
            f'<tr data-statement="{line.statement_id}">'
            f"<td>{statement_cell(report, line.statement_id)}</td>"
            f'<td class="number">{e(report.number(line.n))}</td>'
            f'<td class="number">{e(report.number(line.median))}</td>'
            # A range reads from low to high in every direction.
            f'<td class="number"><bdi dir="ltr">{e(quartiles)}</bdi></td>'
            f'<td class="number">{e(report.number(line.agree_percent))}</td>'
            f'<td class="number">{e(report.number(line.disagree_percent))}</td>'
            f"<td>{e(label(CONSENSUS_LABELS[line.consensus]))}</td>"
            f'<td class="number">{e(report.number(line.moved_percent))}</td>'
            "</tr>"
        )
    parts.append("</tbody></table>")
    return parts


def outcome_section(report: Report) -> list[str]:
    """Each statement's verdict in the last closed round that asked it."""
    e = escape
    label = report.label
    last: dict[uuid.UUID, tuple[int, Consensus]] = {}
    for current in report.rounds:
        if current.closed_at is None:
            continue
        for line in current.lines:
            last[line.statement_id] = (current.number, line.consensus)
    if not last:
        return []
    parts = [
        f'<h2 id="outcome">{e(label(OUTCOME_PER_STATEMENT))}</h2>',
        "<table>",
        f"<thead><tr><th>{e(label(STATEMENT))}</th><th>{e(label(CONSENSUS))}</th>"
        f'<th class="number">{e(label(ROUND))}</th></tr></thead><tbody>',
    ]
    for statement_id in report.statements:
        if statement_id not in last:
            continue
        number, verdict = last[statement_id]
        parts.append(
            f"<tr><td>{statement_cell(report, statement_id)}</td><td>{e(label(CONSENSUS_LABELS[verdict]))}</td>"
            f'<td class="number">{e(report.number(number))}</td></tr>'
        )
    parts.append("</tbody></table>")
    return parts


async def render_pdf(report: Report, *, asked_by: str) -> bytes:
    return await documents.render_pdf(page_html(report), asked_by=asked_by, too_long=TOO_LONG)
