"""A brief as its readers get it: the public HTML page (also the source of the PDF) and a DOCX
for policymakers who work in Word, in the brief's language and direction.

Everything a person wrote is escaped: a brief holds plain text, never HTML. The PDF is drawn by
WeasyPrint in a process of its own (CPU-heavy work never runs on the event loop), from a page
that loads nothing from anywhere.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import datetime as dt
import hashlib
import io
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from html import escape

import babel.dates
import docx
import docx.oxml
import docx.oxml.ns
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.text.paragraph import Paragraph

from server.briefs.models import EvidenceKind
from server.exports.qdpx import clean
from server.i18n import N_, Direction, direction, language_name, message, plural_message
from server.problems import FieldError, InvalidInput, ServiceUnavailable, Throttled

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_MEDIA_TYPE = "application/pdf"
# The largest page drawn as a PDF (characters of HTML): a few dozen pages, a few seconds.
LARGEST_PDF_PAGE = 250_000
PDF_SECONDS = 60
# PDFs are drawn one after the other: one person may have this many on their way, and this
# process this many in all, so that nobody fills the queue and everyone else waits minutes.
PDFS_PER_PERSON = 2
PDFS_WAITING = 8

KIND_LABELS = {
    EvidenceKind.NOTE: N_("From a field note"),
    EvidenceKind.EVENT_OUTCOME: N_("From an event"),
    EvidenceKind.DELPHI_STATEMENT: N_("From a Delphi study"),
}

STYLE = """
body { font-family: "DejaVu Sans", "Noto Sans", "Noto Naskh Arabic", sans-serif; line-height: 1.5;
  max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; background: #fff; }
h1 { font-size: 1.9rem; line-height: 1.2; }
h2 { font-size: 1.3rem; margin-top: 2rem; }
.summary { font-size: 1.1rem; }
.meta { color: #555; }
blockquote { margin: 1rem 0; padding-inline-start: 1rem; border-inline-start: 4px solid #2b6cb0; }
blockquote p { margin: 0 0 .3rem; white-space: pre-wrap; }
cite { color: #444; font-style: normal; font-size: .9rem; }
.body { white-space: pre-wrap; }
a { color: #1d4f91; }
.platforms { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .5rem 1rem; }
.platforms a { display: inline-block; padding: .5rem 0; }
.briefs { padding: 0; list-style: none; }
.briefs li { margin: 0 0 1.2rem; overflow-wrap: anywhere; }
.briefs a { font-size: 1.15rem; }
@media print {
  body { max-width: none; margin: 0; font-size: 11pt; }
  h2 { break-after: avoid; }
  blockquote, li { break-inside: avoid; }
}
@page { size: A4; margin: 2cm; }
""".strip()
STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
# The page runs no script and loads nothing: its one style sheet is inline, allowed by its hash.
PAGE_SECURITY_POLICY = (
    f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)


@dataclass(frozen=True, slots=True)
class Quote:
    kind: EvidenceKind
    excerpt: str
    attribution: str


@dataclass(frozen=True, slots=True)
class BriefDocument:
    """What a document of a brief holds, whatever its format."""

    title: str
    summary: str
    sections: list[tuple[str, str]]
    recommendations: list[str]
    evidence: list[Quote]
    language: str
    published: str | None = None

    @property
    def direction(self) -> Direction:
        return direction(self.language)

    def label(self, msgid: str) -> str:
        return message(msgid).render(self.language)


def published_on(value: dt.datetime, language: str) -> str:
    return message(
        N_("Published {date}"), date=babel.dates.format_date(value, "long", locale=language)
    ).render(language)


def page_html(document: BriefDocument, url: str | None = None) -> str:
    """The public page: everything in the HTML itself, escaped, with Open Graph tags to share it."""
    e = escape
    parts = [
        "<!doctype html>",
        f'<html lang="{e(document.language)}" dir="{document.direction}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(document.title)}</title>",
        f'<meta name="description" content="{e(document.summary[:300])}">',
        '<meta property="og:type" content="article">',
        f'<meta property="og:title" content="{e(document.title)}">',
        f'<meta property="og:description" content="{e(document.summary[:300])}">',
        f'<meta property="og:locale" content="{e(document.language)}">',
    ]
    if url:
        parts.append(f'<meta property="og:url" content="{e(url)}">')
    parts += [f"<style>{STYLE}</style>", "</head>", "<body>", "<main>", "<article>"]
    parts.append(f"<h1>{e(document.title)}</h1>")
    if document.published:
        parts.append(f'<p class="meta">{e(document.published)}</p>')
    if document.summary:
        parts.append(
            f'<section aria-labelledby="summary"><h2 id="summary">{e(document.label(N_("Summary")))}</h2>'
        )
        parts.append(f'<p class="summary body">{e(document.summary)}</p></section>')
    for heading, body in document.sections:
        parts.append(f'<section><h2>{e(heading)}</h2><p class="body">{e(body)}</p></section>')
    if document.recommendations:
        label = e(document.label(N_("Recommendations")))
        parts.append(f'<section aria-labelledby="recommendations"><h2 id="recommendations">{label}</h2><ol>')
        parts += [f"<li>{e(text)}</li>" for text in document.recommendations]
        parts.append("</ol></section>")
    if document.evidence:
        label = e(document.label(N_("Evidence")))
        parts.append(f'<section aria-labelledby="evidence"><h2 id="evidence">{label}</h2>')
        for quote in document.evidence:
            source = f"{document.label(KIND_LABELS[quote.kind])}: {quote.attribution}"
            parts.append(f"<blockquote><p>{e(quote.excerpt)}</p><cite>{e(source)}</cite></blockquote>")
        parts.append("</section>")
    parts += ["</article>", "</main>", "</body>", "</html>"]
    return "\n".join(parts)


# The public list


@dataclass(frozen=True, slots=True)
class Listed:
    title: str
    language: str
    platforms: list[str]
    url: str
    published_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Listing:
    """The published briefs, network-wide or of one platform, in the reader's language."""

    items: list[Listed]
    platforms: list[str]
    platform: str | None
    next_cursor: str | None
    locale: str


CURRENT = ' aria-current="page"'


def list_html(listing: Listing) -> str:
    """The public list of published briefs: plain HTML, no script, each brief in its language."""
    e = escape
    lang = listing.locale

    def say(msgid: str, **params: object) -> str:
        return e(message(msgid, **params).render(lang))

    # Babel finds no message inside an f-string's braces: each is said here first.
    every_platform = say(N_("Every platform"))
    nothing_yet = say(N_("No brief is published yet."))
    older = say(N_("Older briefs"))
    title = (
        say(N_("Policy briefs of {platform}"), platform=listing.platform)
        if listing.platform
        else say(N_("Policy briefs"))
    )
    parts = [
        "<!doctype html>",
        f'<html lang="{e(lang)}" dir="{direction(lang)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title>",
        '<meta property="og:type" content="website">',
        f'<meta property="og:title" content="{title}">',
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        f'<nav aria-label="{say(N_("Platforms"))}"><ul class="platforms">',
        f'<li><a href="/briefs"{"" if listing.platform else CURRENT}>{every_platform}</a></li>',
    ]
    for code in listing.platforms:
        current = CURRENT if code == listing.platform else ""
        parts.append(f'<li><a href="/briefs?platform={e(code)}"{current}>{e(code)}</a></li>')
    parts += ["</ul></nav>", "<main>", f"<h1>{title}</h1>"]
    if not listing.items:
        parts.append(f'<p class="meta">{nothing_yet}</p>')
    else:
        parts.append('<ul class="briefs">')
        for item in listing.items:
            published = babel.dates.format_date(item.published_at, "long", locale=lang)
            meta = " · ".join([published, language_name(item.language), ", ".join(item.platforms)])
            parts.append(
                f'<li><a href="{e(item.url)}" lang="{e(item.language)}" dir="{direction(item.language)}">'
                f'{e(item.title)}</a><br><span class="meta">{e(meta)}</span></li>'
            )
        parts.append("</ul>")
    if listing.next_cursor:
        query = f"cursor={e(listing.next_cursor)}"
        if listing.platform:
            query = f"platform={e(listing.platform)}&amp;{query}"
        parts.append(f'<p><a href="/briefs?{query}">{older}</a></p>')
    parts += ["</main>", "</body>", "</html>"]
    return "\n".join(parts)


# DOCX


def _right_to_left(paragraph: Paragraph) -> None:
    """Word reads a paragraph right to left with <w:bidi/>, and each run's text with <w:rtl/>."""
    paragraph.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    properties = paragraph._p.get_or_add_pPr()
    properties.append(docx.oxml.OxmlElement("w:bidi"))
    for run in paragraph.runs:
        run._r.get_or_add_rPr().append(docx.oxml.OxmlElement("w:rtl"))


def docx_bytes(document: BriefDocument) -> bytes:
    # A Word document is XML: a control character a text carries (pasted from a messaging app,
    # say) would make python-docx refuse the whole document. It goes, as in QDPX exports.
    document = dataclasses.replace(
        document,
        title=clean(document.title),
        summary=clean(document.summary),
        sections=[(clean(heading), clean(body)) for heading, body in document.sections],
        recommendations=[clean(text) for text in document.recommendations],
        evidence=[
            dataclasses.replace(quote, excerpt=clean(quote.excerpt), attribution=clean(quote.attribution))
            for quote in document.evidence
        ],
    )
    out = docx.Document()
    out.core_properties.title = document.title
    out.core_properties.language = document.language
    paragraphs = [out.add_heading(document.title, level=0)]
    if document.published:
        paragraphs.append(out.add_paragraph(document.published))
    if document.summary:
        paragraphs.append(out.add_heading(document.label(N_("Summary")), level=1))
        paragraphs.append(out.add_paragraph(document.summary))
    for heading, body in document.sections:
        paragraphs.append(out.add_heading(heading, level=1))
        paragraphs.append(out.add_paragraph(body))
    if document.recommendations:
        paragraphs.append(out.add_heading(document.label(N_("Recommendations")), level=1))
        paragraphs += [out.add_paragraph(text, style="List Number") for text in document.recommendations]
    if document.evidence:
        paragraphs.append(out.add_heading(document.label(N_("Evidence")), level=1))
        for quote in document.evidence:
            paragraphs.append(out.add_paragraph(quote.excerpt, style="Quote"))
            paragraphs.append(
                out.add_paragraph(f"{document.label(KIND_LABELS[quote.kind])}: {quote.attribution}")
            )
    if document.direction == Direction.RTL:
        for paragraph in paragraphs:
            _right_to_left(paragraph)
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


# PDF


def _fetch_nothing(url: str, *args: object, **kwargs: object) -> dict[str, object]:
    # The page is self-contained: a PDF never makes the server fetch an address.
    raise ValueError(f"briefs load nothing: {url[:100]}")


def pdf_bytes(html: str) -> bytes:
    """Runs in the PDF process."""
    import weasyprint

    return weasyprint.HTML(string=html, url_fetcher=_fetch_nothing).write_pdf()


_pdf_processes: ProcessPoolExecutor | None = None


def _processes() -> ProcessPoolExecutor:
    global _pdf_processes
    if _pdf_processes is None:
        # One process: PDFs wait for each other rather than take every core from the API.
        # Spawned, not forked: a fork of a process with threads and an event loop is not safe.
        _pdf_processes = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_end_with_parent,
            initargs=(os.getpid(),),
        )
    return _pdf_processes


def _end_with_parent(parent: int) -> None:
    """Runs first in the PDF process: it ends when the server process that started it is gone.
    A server killed outright (SIGKILL, the out-of-memory killer) cannot stop it, and it would
    otherwise wait for work forever, holding its memory: its own end of the work queue keeps
    that queue open."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()


BRIEF_TOO_LONG = N_("This brief is too long for a PDF. Download it as a Word document.")


# The PDFs on their way in this process, per person who asked. Checked and counted with no
# await in between, so two requests at once cannot both take the last place.
_pdfs_waiting: dict[str, int] = {}


async def render_pdf(html: str, *, asked_by: str, too_long: str = BRIEF_TOO_LONG) -> bytes:
    """The page as a PDF, drawn in the PDF process (also for Delphi reports and the impact
    report); ``too_long`` says what to do instead when the page is larger than a PDF is drawn
    from. ``asked_by`` (the person's id) holds at most PDFS_PER_PERSON places in the queue
    (429 beyond), and the queue at most PDFS_WAITING (503 beyond)."""
    if len(html) > LARGEST_PDF_PAGE:
        raise InvalidInput(errors=[FieldError("format", message(too_long))])
    if _pdfs_waiting.get(asked_by, 0) >= PDFS_PER_PERSON:
        raise Throttled(
            10,
            plural_message(
                "You are already waiting for {count} PDF. Try again once it is downloaded.",
                "You are already waiting for {count} PDFs. Try again once they are downloaded.",
                PDFS_PER_PERSON,
            ),
        )
    if sum(_pdfs_waiting.values()) >= PDFS_WAITING:
        raise ServiceUnavailable(
            message(N_("Many PDFs are being made just now. Please try again in a minute.")),
            headers={"Retry-After": "60"},
        )
    _pdfs_waiting[asked_by] = _pdfs_waiting.get(asked_by, 0) + 1
    try:
        future = asyncio.get_running_loop().run_in_executor(_processes(), pdf_bytes, html)
        try:
            return await asyncio.wait_for(future, timeout=PDF_SECONDS)
        except TimeoutError:
            raise ServiceUnavailable(
                message(N_("The PDF took too long to make. Please try again later."))
            ) from None
    finally:
        left = _pdfs_waiting.pop(asked_by) - 1
        if left:
            _pdfs_waiting[asked_by] = left
