"""Liveness for load balancers and the compose health check."""

from __future__ import annotations

import msgspec
import sqlalchemy as sa
from litestar import Request, Response, get
from sqlalchemy.exc import SQLAlchemyError


class Health(msgspec.Struct):
    status: str
    database: str


@get("/health", summary="Whether Tessera and its database answer")
async def health(request: Request) -> Response[Health]:
    try:
        async with request.app.state.db_reader() as db:
            await db.execute(sa.text("SELECT 1"))
    except (SQLAlchemyError, OSError):
        return Response(Health("error", "unavailable"), status_code=503)
    return Response(Health("ok", "ok"))


routes = [health]
