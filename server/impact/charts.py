"""Small charts of the impact figures, drawn as SVG on the server by pygal, in the reader's
language: the figures by platform, the stakeholder directory by sector and by level, and the
figures over the last months."""

from __future__ import annotations

from collections.abc import Callable

import babel.dates
import pygal
from pygal.etree import etree
from pygal.style import Style

from server.i18n import N_, direction, format_number, translate
from server.impact.schemas import Impact
from server.impact.service import FiguresOverTime
from server.stakeholders.models import Level, Sector

SVG_MEDIA_TYPE = "image/svg+xml"

# The words of the directory's vocabularies as a person reads them; the app has the same ones.
SECTOR_NAMES = {
    Sector.PUBLIC_AUTHORITY: N_("Public authorities"),
    Sector.NGO: N_("NGOs"),
    Sector.EDUCATION: N_("Education"),
    Sector.YOUTH_ORGANISATION: N_("Youth organisations"),
    Sector.EMPLOYER: N_("Employers"),
    Sector.MIGRANT_LED: N_("Migrant-led organisations"),
    Sector.RESEARCH: N_("Research"),
    Sector.HEALTH: N_("Health"),
    Sector.FAITH: N_("Faith organisations"),
    Sector.OTHER: N_("Other"),
}
LEVEL_NAMES = {
    Level.LOCAL: N_("Local"),
    Level.REGIONAL: N_("Regional"),
    Level.NATIONAL: N_("National"),
    Level.INTERNATIONAL: N_("International"),
}

# The app's colours and its system fonts, which carry Arabic and Persian too.
STYLE = Style(
    background="transparent",
    plot_background="transparent",
    font_family="system-ui, sans-serif",
    colors=("#1f5f8b", "#c0392b", "#27864a", "#8e44ad", "#b9770e", "#34495e"),
    label_font_size=14,
    major_label_font_size=14,
    legend_font_size=14,
    title_font_size=16,
    value_font_size=14,
    value_label_font_size=14,
)


def _chart(kind: Callable[..., pygal.graph.graph.Graph], locale: str, title: str) -> pygal.graph.graph.Graph:
    return kind(
        style=STYLE,
        title=translate(locale, title),
        # No scripts: pygal would otherwise load its tooltips from a CDN. The image is static.
        js=[],
        disable_xml_declaration=True,
        # A viewBox and no fixed size: the image takes the width of the phone it is on.
        explicit_size=False,
        width=640,
        height=400,
        legend_at_bottom=True,
        legend_at_bottom_columns=2,
        print_values=True,
        show_y_guides=False,
        margin=12,
    )


def _svg(chart: pygal.graph.graph.Graph) -> str:
    """The chart without pygal's script (its tooltips' settings): opened on its own at its
    address, the image is a document of Tessera's origin, and a document of ours runs no
    script that is not the app's."""
    tree = chart.render_tree()
    for parent in tree.iter():
        for child in list(parent):
            if child.tag == "script":
                parent.remove(child)
    return str(etree.tostring(tree, encoding="unicode"))


def by_platform(impact: Impact, locale: str) -> str:
    chart = _chart(pygal.Bar, locale, N_("Figures by platform"))
    chart.x_labels = [figures.code for figures in impact.platforms]
    series = [
        (N_("Interviews"), lambda figures: figures.interviews),
        (N_("Focus groups"), lambda figures: figures.focus_groups),
        (N_("Peer researchers"), lambda figures: figures.peer_researchers),
        (N_("Stakeholders"), lambda figures: figures.stakeholders.total),
        (N_("Event participants"), lambda figures: figures.events.participants),
    ]
    if direction(locale) == "rtl":
        chart.x_labels = list(reversed(chart.x_labels))
    for title, value in series:
        values = [value(figures) for figures in impact.platforms]
        chart.add(translate(locale, title), list(reversed(values)) if direction(locale) == "rtl" else values)
    return _svg(chart)


def stakeholders_by_sector(impact: Impact, locale: str) -> str:
    chart = _chart(pygal.HorizontalBar, locale, N_("Stakeholders by sector"))
    chart.show_legend = False
    counts = impact.total.stakeholders.by_sector
    chart.x_labels = [translate(locale, SECTOR_NAMES[sector]) for sector in Sector]
    chart.add(translate(locale, N_("Stakeholders")), [counts.get(sector, 0) for sector in Sector])
    return _svg(chart)


def stakeholders_by_level(impact: Impact, locale: str) -> str:
    chart = _chart(pygal.Bar, locale, N_("Stakeholders by level"))
    chart.show_legend = False
    counts = impact.total.stakeholders.by_level
    levels = list(reversed(Level)) if direction(locale) == "rtl" else list(Level)
    chart.x_labels = [translate(locale, LEVEL_NAMES[level]) for level in levels]
    chart.add(translate(locale, N_("Stakeholders")), [counts.get(level, 0) for level in levels])
    return _svg(chart)


def over_time(figures: FiguresOverTime, locale: str) -> str:
    """Running totals month by month, each line ending on its figure of today, printed there
    alone: twelve numbers on each line would hide the lines."""
    chart = _chart(pygal.Line, locale, N_("Figures over time"))
    chart.x_labels = [
        # The year where it starts and where it changes; the month alone elsewhere.
        babel.dates.format_skeleton("yMMM" if n == 0 or month.month == 1 else "MMM", month, locale=locale)
        for n, month in enumerate(figures.months)
    ]
    series = [
        (N_("Interviews"), figures.interviews),
        (N_("Focus groups"), figures.focus_groups),
        (N_("Stakeholders"), figures.stakeholders),
        (N_("Event participants"), figures.participants),
    ]
    rtl = direction(locale) == "rtl"
    if rtl:
        chart.x_labels = list(reversed(chart.x_labels))
    # The labels whole, at a slant: twelve months side by side, some with their year.
    chart.truncate_label = -1
    chart.x_label_rotation = 30
    chart.print_values = False
    chart.print_labels = True
    for title, totals in series:
        points: list[object] = [
            *totals[:-1],
            {"value": totals[-1], "label": format_number(totals[-1], locale)},
        ]
        chart.add(translate(locale, title), list(reversed(points)) if rtl else points)
    return _svg(chart)


CHARTS: dict[str, Callable[[Impact, str], str]] = {
    "platforms.svg": by_platform,
    "stakeholders-by-sector.svg": stakeholders_by_sector,
    "stakeholders-by-level.svg": stakeholders_by_level,
}
# Drawn from the figures month by month (service.over_time) rather than from today's.
OVER_TIME = "over-time.svg"
