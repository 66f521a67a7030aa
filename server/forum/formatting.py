"""Posts are plain text with light formatting (paragraphs, links, lists, emphasis).

What a member writes is kept as written; the HTML is made from it with markdown-it (raw HTML
off) and then cleaned by nh3 (ammonia) to a short allow-list, so that no post can carry a
script, a frame or a style into another young person's phone.
"""

from __future__ import annotations

import functools

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {"p", "br", "a", "ul", "ol", "li", "em", "strong"}
# Links in posts are user content: search engines must not credit them, and the opened page
# must not learn where the reader came from nor reach back into Tessera's window.
LINK_REL = "nofollow ugc noopener noreferrer"


@functools.cache
def _renderer() -> MarkdownIt:
    # Headings, images, code and tables are left out: a phone forum needs none of them, and
    # images would load from hosts the member chose.
    return MarkdownIt("zero", {"html": False, "linkify": False, "breaks": True}).enable(
        ["emphasis", "link", "list", "newline", "escape", "autolink"]
    )


@functools.cache
def _markup_detector() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True})


def contains_markup(body: str) -> bool:
    """Does the text hold HTML tags or comments (what CommonMark would read as raw HTML)?"""
    pending = list(_markup_detector().parse(body))
    while pending:
        token = pending.pop()
        if token.type in ("html_block", "html_inline"):
            return True
        pending.extend(token.children or [])
    return False


def _absolute_links_only(element: str, attribute: str, value: str) -> str | None:
    # nh3 lets relative addresses through, and "//host/path" is one: it would lead off
    # Tessera to a host the member chose, without looking like a link elsewhere.
    if attribute == "href" and not value.lower().startswith(("http://", "https://", "mailto:")):
        return None
    return value


def render_post(body: str) -> str:
    html = _renderer().render(body)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel=LINK_REL,
        attribute_filter=_absolute_links_only,
    )
