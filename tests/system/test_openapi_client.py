"""The OpenAPI document is good enough to build a client from: openapi-python-client generates
one without a single warning, and the generated client signs in, reads its session, lists
guides and understands a problem, against a live `tessera serve`."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from server.security import PasswordHasher
from tests.browser.conftest import LiveServer
from tests.conftest import PASSWORD

# A port of its own, and a server process: one worker runs this file.
pytestmark = pytest.mark.xdist_group("openapi-client")

GENERATOR = Path(sys.executable).parent / "openapi-python-client"


@pytest.fixture(scope="module")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, test_hasher: PasswordHasher
) -> Iterator[LiveServer]:
    with LiveServer(tmp_path_factory.mktemp("openapi-client-server"), test_hasher).running() as server:
        yield server


@pytest.fixture(scope="module")
def generated_client(live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The client package generated from the document the live server serves; its name."""
    directory = tmp_path_factory.mktemp("openapi-client")
    document = directory / "openapi.json"
    document.write_bytes(httpx.get(f"{live_server.base_url}/schema/openapi.json").content)
    # The generator formats its output with ruff, which it finds on the PATH.
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    generated = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(document),
            "--output-path",
            str(directory / "out"),
            "--meta",
            "none",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    said = generated.stdout + generated.stderr
    assert generated.returncode == 0, said
    assert not any(word in said.lower() for word in ("warning", "error", "skipping")), said
    sys.path.insert(0, str(directory))
    try:
        yield "out"
    finally:
        sys.path.remove(str(directory))
        for name in [name for name in sys.modules if name == "out" or name.startswith("out.")]:
            del sys.modules[name]


def test_a_generated_client_signs_in_reads_its_session_and_lists_guides(live_server, generated_client):
    person = live_server.create_person("youth", ("DE",))
    client_module = importlib.import_module(generated_client)
    api = importlib.import_module(f"{generated_client}.api.default")
    models = importlib.import_module(f"{generated_client}.models")
    login = importlib.import_module(f"{api.__name__}.api_v1_auth_login_login")
    session = importlib.import_module(f"{api.__name__}.api_v1_auth_session_read_session")
    guides = importlib.import_module(f"{api.__name__}.api_v1_guides_list_guides")

    with client_module.Client(base_url=live_server.base_url) as client:
        nobody = session.sync(client=client)
        assert isinstance(nobody, models.SessionOut)
        assert nobody.user is None

        refused = login.sync(client=client, body=models.LoginIn(username=person.username, password="wrong"))
        assert isinstance(refused, models.Problem)
        assert (refused.status, refused.type_) == (401, "urn:tessera:problem:wrong-credentials")

        signed_in = login.sync(
            client=client, body=models.LoginIn(username=person.username, password=PASSWORD)
        )
        assert isinstance(signed_in, models.LoginOut)
        assert signed_in.user.username == person.username

        again = session.sync(client=client)
        assert isinstance(again, models.SessionOut)
        assert again.csrf_token == signed_in.csrf_token

        listed = guides.sync(client=client)
        assert isinstance(listed, models.GuideList)
        assert listed.items, "the first guide, which every platform has"
