"""The people of bench/load_mix.py, as locust users: phones that sign in and sync their notes in
bursts, forum members who read far more than they write, a researcher who exports now and
then; and the same mix against the bare routes of bench/bare_app.py, the baseline.

bench/load_mix.py runs this file with ``locust --headless`` and says which users and accounts
(the LOAD_MIX_* variables below); by hand, against a server with those accounts:

    LOAD_MIX_PHONES=a,b LOAD_MIX_RESEARCHER=r locust -f bench/load_mix_users.py --headless \\
        --host http://127.0.0.1:8000 -u 20 -r 20 -t 30s Phone ForumMember Researcher
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import random
import uuid
from typing import Any

from locust import HttpUser, between, task

PASSWORD = os.environ.get("LOAD_MIX_PASSWORD", "a long walk by the river")
PHONES = os.environ.get("LOAD_MIX_PHONES", "").split(",")
RESEARCHER = os.environ.get("LOAD_MIX_RESEARCHER", "")
FIRST_GUIDE_ID = "6f1c1b52-5d0e-4a57-9a43-0c5d2b8f7e01"
# Notes a phone sends in one burst: what gathers offline over a day of interviews.
NOTES_A_BURST = 20
# The accounts taken in turn, so that the users of one kind spread over them.
_next_phone = itertools.cycle(range(len(PHONES)))

# The users think between actions: a closed loop with no pause would measure the client.
THINK = between(0.05, 0.5)


def note(text: str | None = None) -> dict[str, Any]:
    """A note as the app sends it (the shape of tests/notes/conftest.py's note_body)."""
    return {
        "id": str(uuid.uuid4()),
        "base_version": 0,
        "kind": "interview",
        "platform": "DE",
        "language": "de",
        "recorded_at": (dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)).isoformat(),
        "interviewee_code": "DE-INT-014",
        "consent_confirmed": True,
        "status": "submitted",
        "guide_id": FIRST_GUIDE_ID,
        "answers": {"age_band": "16_17", "belonging": 4, "hopes": "Study nursing and stay near my sister."},
        "text": text or "We met after school in the library. She talked about her first year here.",
        "tags": ["education", "family"],
    }


class SignedIn(HttpUser):
    """Someone with a session: the cookie in the client's jar, the CSRF token in every write."""

    abstract = True
    wait_time = THINK
    username = ""

    def on_start(self) -> None:
        self.sign_in()

    def sign_in(self) -> None:
        with self.client.post(
            "/api/v1/auth/login",
            json={"username": self.username, "password": PASSWORD},
            name="sign in",
            catch_response=True,
        ) as answer:
            if answer.status_code != 200:
                answer.failure(f"sign-in answered {answer.status_code}")
                return
            self.client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]


class Phone(SignedIn):
    """A young person's phone: it syncs what it gathered offline, sends a batch again when an
    answer was lost, and now and then signs out and in."""

    weight = 6

    def on_start(self) -> None:
        self.username = PHONES[next(_next_phone)]
        self.last_batch: list[dict[str, Any]] = [note()]
        super().on_start()

    @task(8)
    def sync_a_burst(self) -> None:
        self.last_batch = [note() for _ in range(random.randint(1, NOTES_A_BURST))]
        self.client.post("/api/v1/sync", json={"notes": self.last_batch}, name="sync")

    @task(2)
    def sync_again(self) -> None:
        # The answer was lost on the way: the outbox sends the same notes, which stay one each.
        self.client.post("/api/v1/sync", json={"notes": self.last_batch}, name="sync")

    @task(1)
    def sign_in_again(self) -> None:
        self.client.post("/api/v1/auth/logout", name="sign out")
        self.client.headers.pop("X-CSRF-Token", None)
        self.sign_in()


class ForumMember(SignedIn):
    """A member reading the forum, and now and then replying or starting a topic."""

    weight = 3

    def on_start(self) -> None:
        self.username = PHONES[next(_next_phone)]
        super().on_start()
        categories = self.client.get("/api/v1/forum/categories", name="forum categories").json()
        self.category = categories["items"][0]["id"]
        self.topics: list[str] = []

    @task(6)
    def read_topics(self) -> None:
        page = self.client.get(f"/api/v1/forum/topics?category={self.category}", name="forum topics")
        if page.status_code == 200:
            self.topics = [topic["id"] for topic in page.json()["items"]] or self.topics

    @task(6)
    def read_a_topic(self) -> None:
        if self.topics:
            self.client.get(f"/api/v1/forum/topics/{random.choice(self.topics)}", name="forum topic")

    @task(2)
    def reply(self) -> None:
        if self.topics:
            body = {"id": str(uuid.uuid4()), "body": "Danke, das hilft mir sehr. Ich probiere es aus."}
            self.client.post(
                f"/api/v1/forum/topics/{random.choice(self.topics)}/posts", json=body, name="forum reply"
            )

    @task(1)
    def start_a_topic(self) -> None:
        body = {
            "id": str(uuid.uuid4()),
            "category_id": self.category,
            "title": "Praktikum und Schule: eure Erfahrungen?",
            "body": "Ich suche ein Praktikum im Krankenhaus. Wie habt ihr eins gefunden?",
            "language": "de",
        }
        self.client.post("/api/v1/forum/topics", json=body, name="forum new topic")


class Researcher(SignedIn):
    """A researcher who downloads the platform's submitted notes now and then."""

    weight = 1
    wait_time = between(2, 5)

    def on_start(self) -> None:
        self.username = RESEARCHER
        super().on_start()

    @task
    def export(self) -> None:
        self.client.get("/api/v1/exports/notes?format=csv&status=submitted&platform=DE", name="export")


# The baseline: the same mix on bench/bare_app.py's routes, which decode the same bodies and store
# nothing. Sign-ins and exports have no bare route and are left out of it.

BARE_CATEGORY = "00000000-0000-4000-8000-000000000000"


class BarePhone(HttpUser):
    weight = 6
    wait_time = THINK

    def on_start(self) -> None:
        self.last_batch: list[dict[str, Any]] = [note()]

    @task(8)
    def sync_a_burst(self) -> None:
        self.last_batch = [note() for _ in range(random.randint(1, NOTES_A_BURST))]
        self.client.post("/bench/bare-sync", json={"notes": self.last_batch}, name="bare sync")

    @task(2)
    def sync_again(self) -> None:
        self.client.post("/bench/bare-sync", json={"notes": self.last_batch}, name="bare sync")


class BareForumMember(HttpUser):
    weight = 3
    wait_time = THINK

    @task(6)
    def read_topics(self) -> None:
        self.client.get(f"/bench/bare-forum/topics?category={BARE_CATEGORY}", name="bare forum topics")

    @task(6)
    def read_a_topic(self) -> None:
        self.client.get(f"/bench/bare-forum/topics/{uuid.uuid4()}", name="bare forum topic")

    @task(3)
    def write(self) -> None:
        # A reply or a topic has no bare route: a single note's PUT stands in for a small write.
        body = note()
        self.client.put(f"/bench/bare-notes/{body['id']}", json=body, name="bare write")
