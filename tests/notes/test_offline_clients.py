"""A property: whatever offline devices do (write, sync, lose the answer, replay an old batch,
edit the same note on two phones), the server ends with exactly the acknowledged notes,
each once, with its last acknowledged content.

Hypothesis drives two simulated devices of one young person against the real app.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import AsyncTestClient

from server.accounts.service import create_user_from_cli
from server.app import create_app
from server.db import create_engine, create_sessionmaker
from server.notes.models import Note
from tests.conftest import PASSWORD, sign_in
from tests.notes.conftest import note_body

TEXTS = ["first draft", "more detail", "after the second talk", "corrected", "final"]


@dataclass
class LocalNote:
    body: dict[str, Any]
    base_version: int = 0
    pending: bool = True


@dataclass
class Device:
    """A phone: its copy of the notes, and the last batch it sent (for replays)."""

    person: Any
    notes: dict[str, LocalNote] = field(default_factory=dict)
    last_batch: list[dict[str, Any]] = field(default_factory=list)
    last_sync: str | None = None


@dataclass
class World:
    devices: list[Device]
    # Every (note, version) the server has confirmed to any device, with its content.
    versions: dict[str, dict[int, tuple[Any, ...]]] = field(default_factory=dict)

    def confirm(self, note_id: str, version: int, body: dict[str, Any]) -> None:
        seen = self.versions.setdefault(note_id, {})
        assert seen.get(version, content(body)) == content(body), "one version, two contents"
        # A version below one already confirmed means an acknowledged write was lost.
        assert version >= max(seen, default=0) or version in seen, "an acknowledged write went back"
        seen[version] = content(body)

    def last_acknowledged(self, note_id: str) -> tuple[int, tuple[Any, ...]]:
        version = max(self.versions[note_id])
        return version, self.versions[note_id][version]


def content(body: dict[str, Any]) -> tuple[Any, ...]:
    return (body["text"], tuple(body["tags"]), body["interviewee_code"])


Action = tuple[str, int, int, bool]  # (kind, device, note or text index, flag)

actions = st.lists(
    st.tuples(
        st.sampled_from(["write", "edit", "sync", "replay"]),
        st.integers(0, 1),
        st.integers(0, len(TEXTS) - 1),
        st.booleans(),
    ),
    min_size=1,
    max_size=25,
)


async def send(device: Device, world: World, drop_answer: bool) -> None:
    batch = [
        {**local.body, "base_version": local.base_version} for local in device.notes.values() if local.pending
    ]
    body: dict[str, Any] = {"notes": batch[:100]}
    if device.last_sync:
        body["since"] = device.last_sync
    response = await device.person.post("/api/v1/sync", json=body)
    assert response.status_code == 200, response.text
    device.last_batch = batch
    if drop_answer:
        return  # the server did the work; the connection dropped before the answer came
    answer = response.json()
    sent = {item["id"]: item for item in batch}
    for result in answer["results"]:
        local = device.notes[result["id"]]
        assert result["status"] in {"created", "updated", "unchanged", "conflict"}, result
        if result["status"] == "conflict":
            stored = result["note"]
            # The person looks at both and keeps theirs: the next sync sends it on the stored version.
            local.base_version = stored["version"]
            world.confirm(result["id"], stored["version"], _stored_body(stored))
            continue
        if content(local.body) == content(sent[result["id"]]):
            local.pending = False
        local.base_version = result["version"]
        world.confirm(result["id"], result["version"], sent[result["id"]])
    for change in answer["changes"]:
        local = device.notes.get(change["id"])
        if local is None or not local.pending:
            device.notes[change["id"]] = LocalNote(_stored_body(change), change["version"], pending=False)
    device.last_sync = answer["server_time"]


def _stored_body(stored: dict[str, Any]) -> dict[str, Any]:
    return {
        **note_body(stored["id"]),
        "text": stored["text"],
        "tags": stored["tags"],
        "interviewee_code": stored["interviewee_code"],
        "answers": stored["answers"],
        "recorded_at": stored["recorded_at"],
    }


async def run(world: World, steps: list[Action]) -> None:
    for kind, device_index, index, flag in steps:
        device = world.devices[device_index]
        if kind == "write":
            body = note_body(text=TEXTS[index], tags=["t"] if flag else [])
            device.notes[body["id"]] = LocalNote(body)
        elif kind == "edit" and device.notes:
            local = list(device.notes.values())[index % len(device.notes)]
            local.body = {
                **local.body,
                "text": TEXTS[index],
                "tags": ["edited"] if flag else local.body["tags"],
            }
            local.pending = True
        elif kind == "sync":
            await send(device, world, drop_answer=flag)
        elif kind == "replay" and device.last_batch:
            # An old request arriving late (a retry racing its first try): its answer is ignored.
            replay = await device.person.post("/api/v1/sync", json={"notes": device.last_batch})
            assert replay.status_code == 200
    # Back online for good: every device sends until nothing waits.
    for _ in range(6):
        for device in world.devices:
            await send(device, world, drop_answer=False)
        if not any(local.pending for device in world.devices for local in device.notes.values()):
            break


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=actions)
def test_offline_devices_end_with_exactly_the_acknowledged_notes(settings, steps):
    asyncio.run(_scenario(settings, steps))


async def _scenario(app_settings: Any, steps: list[Action]) -> None:
    app = create_app(app_settings)
    engine = create_engine(app_settings.database_url)
    username = f"p{uuid.uuid4().hex[:12]}"
    try:
        async with AsyncTestClient(app=app) as client:
            async with create_sessionmaker(engine)() as db:
                hasher = app.state.account_services.hasher
                author = await create_user_from_cli(
                    db,
                    hasher,
                    username=username,
                    password=PASSWORD,
                    role="youth",
                    platforms=["DE"],
                    display_name=None,
                    language="en",
                )
                await db.commit()
            phone = await sign_in(client, username)
            tablet = await sign_in(client, username)
            world = World([Device(phone), Device(tablet)])
            await run(world, steps)
            assert not any(local.pending for device in world.devices for local in device.notes.values())

            async with create_sessionmaker(engine)() as db:
                stored = list(await db.scalars(sa.select(Note).where(Note.author_id == author.id)))
            ids = [str(note.id) for note in stored]
            assert len(ids) == len(set(ids)), "a note was stored twice"
            assert set(ids) == set(world.versions), "the server holds other notes than were acknowledged"
            for note in stored:
                version, expected = world.last_acknowledged(str(note.id))
                assert note.version == version
                assert (note.text, tuple(note.tags), note.interviewee_code) == expected
    finally:
        await engine.dispose()
