"""A category's page counts each topic's unread replies among that topic's own posts, never
among every post of the forum: at 10,000 topics and 11,000 posts, counting through the index of
posts by status took 0.9 s of CPU a page of 50 (bench/forum_reading.py), a hundredth of the
pages a bare route serves."""

from __future__ import annotations

import shutil
import uuid

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from server.accounts.models import User
from server.db import create_engine, utcnow
from server.forum import service
from server.pagination import encode_cursor


async def test_a_category_page_counts_unread_replies_from_each_topics_own_posts(
    sqlite_template, tmp_path, monkeypatch
):
    path = tmp_path / "plan.db"
    shutil.copyfile(sqlite_template, path)
    engine = create_engine(f"sqlite+aiosqlite:///{path}", read_only=True)
    asked: list[tuple[str, object]] = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *args: asked.append((args[2], args[3])))

    async def any_category(*_args: object) -> None:
        """The category's own check (a missing category is refused) is not what is planned here."""

    monkeypatch.setattr(service, "_category", any_category)
    member = User(id=uuid.uuid4(), username="amina", display_name="Amina")
    try:
        async with AsyncSession(engine) as db:
            # The first page (pinned topics, then the rest) and a page after it.
            await service.list_topics(db, member, uuid.uuid4(), limit=50, cursor=None)
            cursor = encode_cursor(utcnow(), uuid.uuid4())
            await service.list_topics(db, member, uuid.uuid4(), limit=50, cursor=cursor)
            pages = [pair for pair in asked if pair[0].startswith("SELECT")]
            assert len(pages) == 3
            for statement, parameters in pages:
                rows = await (await db.connection()).exec_driver_sql(
                    f"EXPLAIN QUERY PLAN {statement}", parameters
                )
                reads_of_posts = [row[3] for row in rows.all() if " forum_posts " in f"{row[3]} "]
                assert reads_of_posts, statement
                assert all("INDEX ix_forum_posts_reading (topic_id=?)" in step for step in reads_of_posts), (
                    reads_of_posts
                )
    finally:
        await engine.dispose()
