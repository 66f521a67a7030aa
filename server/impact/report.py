"""The impact report as a PDF: the figures the app's Impact screen shows, per platform and in
total, with the charts, in the reader's language and direction. Drawn by WeasyPrint in the
briefs' PDF process (server/briefs/documents.py) from a page that loads nothing: the charts
are inline SVG, everything a person could have written (nothing here, but platform names come
from CLDR) is escaped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from html import escape

import babel.dates

from server.i18n import N_, direction, format_number, translate
from server.impact import charts
from server.impact.schemas import Figures, Impact
from server.impact.service import FiguresOverTime
from server.platforms.schemas import platform_name
from server.stakeholders.models import Level, Sector

# [group heading, [(label, how to read it from figures)]]: the app's Impact screen, in its order.
GROUPS: list[tuple[str, list[tuple[str, Callable[[Figures], int]]]]] = [
    (
        N_("Field research"),
        [
            (N_("Interviews"), lambda f: f.interviews),
            (N_("Focus groups"), lambda f: f.focus_groups),
            (N_("Focus group participants"), lambda f: f.focus_group_participants),
            (N_("Peer researchers"), lambda f: f.peer_researchers),
        ],
    ),
    (N_("Stakeholders"), [(N_("Stakeholders engaged"), lambda f: f.stakeholders.total)]),
    (
        N_("Delphi studies"),
        [
            (N_("Studies"), lambda f: f.delphi.studies),
            (N_("Panellists"), lambda f: f.delphi.panellists),
            (N_("Panellists who responded"), lambda f: f.delphi.responded),
            (N_("Statements"), lambda f: f.delphi.statements),
            (N_("Statements with consensus"), lambda f: f.delphi.consensus_in),
        ],
    ),
    (
        N_("Events"),
        [
            (N_("Workshops"), lambda f: f.events.workshops),
            (N_("Conferences"), lambda f: f.events.conferences),
            (N_("Participants"), lambda f: f.events.participants),
            (N_("Countries of participants"), lambda f: f.events.countries),
        ],
    ),
    (
        N_("Follow-on actions"),
        [
            (N_("Planned"), lambda f: f.actions.planned),
            (N_("In progress"), lambda f: f.actions.in_progress),
            (N_("Done"), lambda f: f.actions.done),
        ],
    ),
]

STYLE = """
body { font-family: "DejaVu Sans", "Noto Sans", "Noto Naskh Arabic", sans-serif; line-height: 1.4;
  color: #1a1a1a; font-size: 10.5pt; }
h1 { font-size: 20pt; margin: 0 0 .2rem; }
h2 { font-size: 14pt; margin: 1.4rem 0 .4rem; break-after: avoid; }
h3 { font-size: 11pt; margin: .8rem 0 .2rem; break-after: avoid; }
.meta { color: #555; }
table { border-collapse: collapse; width: 100%; break-inside: avoid; }
th, td { padding: .15rem .4rem; border-bottom: 1px solid #ddd; text-align: start; }
td.number { text-align: end; font-variant-numeric: tabular-nums; }
figure { margin: 1rem 0; break-inside: avoid; }
figure svg { width: 100%; height: auto; }
figcaption { color: #555; font-size: 9pt; }
section.platform { break-before: page; }
@page { size: A4; margin: 1.8cm; }
""".strip()


def _table(locale: str, rows: list[tuple[str, int]]) -> str:
    cells = "".join(
        f'<tr><th scope="row">{escape(translate(locale, label))}</th>'
        f'<td class="number">{format_number(value, locale)}</td></tr>'
        for label, value in rows
    )
    return f"<table>{cells}</table>"


def _figures(locale: str, figures: Figures, *, with_directory: bool) -> str:
    parts = []
    for heading, rows in GROUPS:
        parts.append(f"<h3>{escape(translate(locale, heading))}</h3>")
        parts.append(_table(locale, [(label, read(figures)) for label, read in rows]))
    if with_directory:
        by_sector, by_level = figures.stakeholders.by_sector, figures.stakeholders.by_level
        parts.append(f"<h3>{escape(translate(locale, N_('Stakeholders by sector')))}</h3>")
        parts.append(_table(locale, [(charts.SECTOR_NAMES[s], by_sector.get(s, 0)) for s in Sector]))
        parts.append(f"<h3>{escape(translate(locale, N_('Stakeholders by level')))}</h3>")
        parts.append(_table(locale, [(charts.LEVEL_NAMES[v], by_level.get(v, 0)) for v in Level]))
    return "".join(parts)


def report_html(
    impact: Impact, over_time: FiguresOverTime, locale: str, *, platform: str | None, counted_at: dt.datetime
) -> str:
    """The whole report as one self-contained page (CPU work: call it off the event loop)."""
    title = translate(locale, N_("Impact"))
    scope = platform_name(platform, locale) if platform else translate(locale, N_("All my platforms"))
    counted = translate(
        locale,
        N_("Counted on {date}"),
        params={"date": babel.dates.format_datetime(counted_at, "long", tzinfo=dt.UTC, locale=locale)},
    )
    parts = [
        "<!doctype html>",
        f'<html lang="{escape(locale)}" dir="{direction(locale)}">',
        f'<head><meta charset="utf-8"><title>{escape(title)}: {escape(scope)}</title>',
        f"<style>{STYLE}</style></head><body><main>",
        f"<h1>{escape(title)}: {escape(scope)}</h1>",
        f'<p class="meta">{escape(translate(locale, N_("The programme’s figures, counted live from what Tessera holds.")))} '
        f"{escape(counted)}</p>",
        f"<section><h2>{escape(scope)}</h2>",
        _figures(locale, impact.total, with_directory=True),
        "</section>",
        f"<section><h2>{escape(translate(locale, N_('Charts')))}</h2>",
    ]
    drawings = [
        (charts.by_platform(impact, locale), N_("Figures by platform")),
        (charts.stakeholders_by_sector(impact, locale), N_("Stakeholders by sector")),
        (charts.stakeholders_by_level(impact, locale), N_("Stakeholders by level")),
        (charts.over_time(over_time, locale), N_("Figures over time")),
    ]
    for svg, caption in drawings:
        parts.append(f"<figure>{svg}<figcaption>{escape(translate(locale, caption))}</figcaption></figure>")
    parts.append("</section>")
    if platform is None and len(impact.platforms) > 1:
        for figures in impact.platforms:
            parts.append(f'<section class="platform"><h2>{escape(platform_name(figures.code, locale))}</h2>')
            parts.append(_figures(locale, figures, with_directory=True))
            parts.append("</section>")
    parts += ["</main></body></html>"]
    return "".join(parts)
