"""The home screen's one question: what waits for me?"""

from __future__ import annotations

from litestar import Request, get

from server.db import Database
from server.home import service
from server.home.schemas import NextSteps
from server.problems import answers
from server.security import current_user, signed_in


@answers()
@get("/api/v1/me/next-steps", guards=[signed_in], summary="What waits for me: counts for the home screen")
async def next_steps(request: Request, db: Database) -> NextSteps:
    return await service.next_steps(db, current_user(request))


routes = [next_steps]
