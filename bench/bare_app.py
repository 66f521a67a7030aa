"""Tessera with bare routes beside the real ones, for bench/sync_notes.py and bench/forum_reading.py.

The bare write routes take the same bodies as ``POST /api/v1/sync`` and ``PUT /api/v1/notes/{id}``
and decode them the same way, then answer as if every note were created, without touching
the database or the session store. What the real routes cost beyond that is the price of
checking and storing notes.

The bare forum routes take the same query as ``GET /api/v1/forum/topics`` and
``GET /api/v1/forum/topics/{id}`` and answer with a page of 50 topics or posts built once at
start-up, like the ones bench/forum_reading.py seeds, encoded on every request. What the real
routes cost beyond that is the price of finding, filtering and rendering what a member may read.
Never serve this app to anyone: the bare routes need no sign-in.

    uvicorn --factory bench.bare_app:create    # settings from TESSERA_* variables
"""

from __future__ import annotations

import datetime as dt
import functools
import random
import uuid

import msgspec
from litestar import Litestar, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from server.app import create_app
from server.db import utcnow
from server.forum.formatting import render_post
from server.forum.routes import PageLimit
from server.forum.schemas import Author, PostOut, PostPage, TopicOut, TopicPage, TopicSummary
from server.notes.schemas import NoteIn, SyncIn, SyncOut, SyncResult
from server.pagination import decode_cursor, encode_cursor
from server.problems import InvalidInput

BARE_SYNC = "/bench/bare-sync"
BARE_NOTES = "/bench/bare-notes"
BARE_TOPICS = "/bench/bare-forum/topics"
# The page bench/forum_reading.py asks for: the bare pages hold this many topics or posts.
FORUM_PAGE_SIZE = 50


class BareNoteOut(msgspec.Struct):
    id: uuid.UUID
    version: int


# exclude_from_auth: the benchmark sends the real routes' cookie and CSRF header here too, so
# the client's work is the same, but nothing here reads the session store or the users table.
@post(BARE_SYNC, exclude_from_auth=True, status_code=HTTP_200_OK, include_in_schema=False)
async def bare_sync(data: JSONBody[SyncIn]) -> SyncOut:
    # Each item as _decode_items in server/notes/routes.py takes it: its id read first, then
    # converted on its own, so that a bad item is answered by its id.
    results = []
    for raw in data.notes:
        try:
            note_id = uuid.UUID(str(raw.get("id")))
        except ValueError:
            raise InvalidInput() from None
        try:
            msgspec.convert(raw, NoteIn, strict=False)
        except msgspec.ValidationError:
            results.append(SyncResult(id=note_id, status="invalid"))
        else:
            results.append(SyncResult(id=note_id, status="created", version=1))
    return SyncOut(results=results, server_time=utcnow(), changes=[])


@put(
    BARE_NOTES + "/{note_id:uuid}",
    exclude_from_auth=True,
    status_code=HTTP_201_CREATED,
    include_in_schema=False,
)
async def bare_put_note(note_id: FromPath[uuid.UUID], data: JSONBody[NoteIn]) -> BareNoteOut:
    if data.id != note_id:
        raise InvalidInput()
    return BareNoteOut(id=data.id, version=1)


# Forum reading


# What young people on platform DE write in the forum, a sentence at a time.
FORUM_SENTENCES = (
    "Ich bin seit zwei Jahren in Leipzig und suche noch Leute, die mit mir Fußball spielen.",
    "Bei mir war das Praktikum im Krankenhaus am Anfang schwer, aber jetzt macht es Spaß.",
    "Weiß jemand, wie lange man auf einen Termin bei der Ausländerbehörde warten muss?",
    "In unserem Jugendzentrum gibt es jeden Donnerstag Hausaufgabenhilfe, auch für Mathe.",
    "Mir hat geholfen, jeden Tag zehn neue Wörter aufzuschreiben und laut zu lesen.",
    "Meine Schwester hat ihre Ausbildung als Erzieherin fast fertig, sie ist sehr stolz.",
    "Manchmal verstehe ich die Lehrer gut, aber die Witze in der Pause noch nicht.",
    "Das Sprachcafé in der Bibliothek ist kostenlos und man muss sich nicht anmelden.",
    "Ich finde es unfair, dass wir für jeden Ausflug eine extra Erlaubnis brauchen.",
    "Wer hat Erfahrung mit dem Führerschein, wenn man die Theorie auf Arabisch macht?",
    "Am Wochenende koche ich oft mit meiner Mutter, dann kommen alle Nachbarn vorbei.",
    "Danke für eure Antworten, das hat mir wirklich Mut gemacht!",
)
EMPHASIS = ("*wirklich*", "**sehr**", "*endlich*", "**kostenlos**", "*nie*")
FORUM_LINKS = (
    "https://www.example.org/sprachcafe",
    "https://jugendzentrum.example/programm",
    "https://www.example.org/ausbildung/tipps",
)
TITLE_WORDS = (
    "Ausbildung",
    "Praktikum",
    "Führerschein",
    "Sprachkurs",
    "Wohnung",
    "Fußball",
    "Schule",
    "Termine",
    "Ferien",
    "Heimweh",
)


def forum_post_body(rng: random.Random) -> str:
    """300-800 characters of a member's post, with the light formatting posts allow."""
    target = rng.randint(300, 800)
    paragraphs: list[str] = []
    length = 0
    while length < target:
        kind = rng.random()
        if kind < 0.15:
            items = rng.sample(FORUM_SENTENCES, rng.randint(2, 3))
            paragraph = "\n".join(f"- {item}" for item in items)
        elif kind < 0.3:
            paragraph = f"{rng.choice(FORUM_SENTENCES)} Mehr dazu: <{rng.choice(FORUM_LINKS)}>"
        else:
            words = " ".join(rng.sample(FORUM_SENTENCES, rng.randint(1, 2))).split(" ")
            words.insert(rng.randrange(1, len(words)), rng.choice(EMPHASIS))
            paragraph = " ".join(words)
        # A paragraph that would run past 800 characters is left out, once there are 300.
        if length + len(paragraph) > 800:
            if length >= 300:
                break
            continue
        paragraphs.append(paragraph)
        length += len(paragraph) + 2
    return "\n\n".join(paragraphs)


def forum_topic_title(rng: random.Random) -> str:
    first, second = rng.sample(TITLE_WORDS, 2)
    return f"{first} und {second}: eure Erfahrungen in {rng.choice(('Leipzig', 'Jena', 'Halle', 'Bremen'))}?"


@functools.cache
def bare_forum_pages() -> tuple[TopicPage, TopicOut]:
    """A page of topics and a topic with a page of posts, made as bench/forum_reading.py seeds them."""
    rng = random.Random(2025)
    now = utcnow()
    category_id, topic_id = uuid.uuid4(), uuid.uuid4()
    authors = [Author(uuid.uuid4(), f"bench_writer{number}_{rng.getrandbits(24):06x}") for number in range(4)]
    topics = [
        TopicSummary(
            id=uuid.uuid4(),
            category_id=category_id,
            title=forum_topic_title(rng),
            language="de",
            author=rng.choice(authors),
            status="visible",
            is_pinned=False,
            is_locked=False,
            reply_count=0,
            created_at=now - dt.timedelta(minutes=number + 5),
            last_post_at=now - dt.timedelta(minutes=number),
        )
        for number in range(FORUM_PAGE_SIZE)
    ]
    posts = []
    for number in range(FORUM_PAGE_SIZE):
        body = forum_post_body(rng)
        posts.append(
            PostOut(
                id=uuid.uuid4(),
                topic_id=topic_id,
                author=rng.choice(authors),
                body=body,
                body_html=render_post(body),
                language="de",
                status="visible",
                held_for=None,
                created_at=now + dt.timedelta(minutes=number),
                edited_at=None,
                editable_until=None,
            )
        )
    topic = TopicOut(
        id=topic_id,
        category_id=category_id,
        title=forum_topic_title(rng),
        language="de",
        author=authors[0],
        status="visible",
        is_pinned=False,
        is_locked=False,
        reply_count=999,
        created_at=now,
        last_post_at=now,
        posts=PostPage(posts, encode_cursor(posts[-1].created_at, posts[-1].id)),
    )
    return TopicPage(topics, encode_cursor(topics[-1].last_post_at, topics[-1].id)), topic


@get(BARE_TOPICS, exclude_from_auth=True, include_in_schema=False)
async def bare_list_topics(
    category: FromQuery[uuid.UUID], cursor: FromQuery[str | None] = None, limit: PageLimit = 30
) -> TopicPage:
    if cursor:
        decode_cursor(cursor)
    page = bare_forum_pages()[0]
    return TopicPage(page.items[:limit], page.next_cursor)


@get(BARE_TOPICS + "/{topic_id:uuid}", exclude_from_auth=True, include_in_schema=False)
async def bare_read_topic(
    topic_id: FromPath[uuid.UUID], cursor: FromQuery[str | None] = None, limit: PageLimit = 30
) -> TopicOut:
    if cursor:
        decode_cursor(cursor)
    topic = bare_forum_pages()[1]
    return msgspec.structs.replace(
        topic, id=topic_id, posts=PostPage(topic.posts.items[:limit], topic.posts.next_cursor)
    )


def create() -> Litestar:
    """For uvicorn's --factory: the real app, settings from the environment, plus the bare routes."""
    app = create_app()
    for bare_route in (bare_sync, bare_put_note, bare_list_topics, bare_read_topic):
        app.register(bare_route)
    # Built now, so that no request pays for it.
    bare_forum_pages()
    return app
