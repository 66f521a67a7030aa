"""`tessera serve` keeps no access log: a Delphi ballot's private link travels in its path,
and a log that kept it could tie an anonymous panellist to their ratings."""

from __future__ import annotations

import os
from pathlib import Path

import anyio
import httpx

from bench.live_server import running_server, wait_until_healthy


async def test_a_ballot_link_asked_of_the_server_is_not_written_to_its_output(
    database_url: str, tmp_path: Path
):
    if not database_url.startswith("sqlite"):
        return  # what is logged does not depend on the database
    env = {**os.environ, "TESSERA_DATABASE_URL": database_url, "TESSERA_STORE_DIR": str(tmp_path / "store")}
    secret = "kept-to-herself-" + "x" * 27
    with running_server(tmp_path, env) as server:
        await anyio.to_thread.run_sync(wait_until_healthy, server)
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
            answer = await client.get(f"/api/v1/delphi/ballots/{secret}")
            assert answer.status_code == 404
            assert (await client.get("/health")).status_code == 200
    assert secret not in server.log_path.read_text(errors="replace")
