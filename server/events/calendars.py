"""Events as calendar files (RFC 5545) for calendar apps, and a registration's QR code for
check-in at the door.

icalendar writes the escaping, line folding and VTIMEZONE components that calendar apps
insist on; each event is given in its own time zone, so that an app shows the local time of
the place even to a reader elsewhere. segno draws the QR code as SVG without an imaging library.
"""

from __future__ import annotations

import io
import zoneinfo
from collections.abc import Iterable

import icalendar
import segno

from server.events.models import Event

PRODUCT_ID = "-//Tessera//Events//EN"
MEDIA_TYPE = "text/calendar; charset=utf-8"
SVG_MEDIA_TYPE = "image/svg+xml"


def calendar_file(events: Iterable[Event], name: str) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    # Not in RFC 5545, but what Apple, Google and Outlook show as the calendar's name.
    # An X- property's text is not escaped by icalendar: a title's line break would end the line.
    calendar.add("x-wr-calname", " ".join(name.split()))
    for event in events:
        calendar.add_component(calendar_event(event))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def calendar_event(event: Event) -> icalendar.Event:
    zone = zoneinfo.ZoneInfo(event.time_zone)
    entry = icalendar.Event()
    # Stable across edits, so an app updates the event it has rather than adding another.
    entry.add("uid", f"{event.id}@tessera")
    entry.add("sequence", event.version - 1)
    entry.add("dtstamp", event.updated_at)
    entry.add("created", event.created_at)
    entry.add("last-modified", event.updated_at)
    entry.add("dtstart", event.starts_at.astimezone(zone))
    entry.add("dtend", event.ends_at.astimezone(zone))
    entry.add("summary", event.title)
    if event.description:
        entry.add("description", event.description)
    location = event.place or event.online_url
    if location:
        entry.add("location", location)
    if event.online_url:
        entry.add("url", event.online_url)
    entry.add("categories", [event.kind.value])
    entry.add("status", "CONFIRMED")
    return entry


def qr_code_svg(text: str, title: str) -> bytes:
    """A QR code of `text`, as an SVG a phone shows at the door; error correction `M` so a
    scratched screen still scans."""
    buffer = io.BytesIO()
    segno.make_qr(text, error="m").save(buffer, kind="svg", scale=8, border=4, title=title, xmldecl=False)
    return buffer.getvalue()
