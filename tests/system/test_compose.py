"""compose.yaml describes what docs/operations.md promises: replicas behind a proxy that alone
may name the client, one worker, and PostgreSQL and Redis that keep their data."""

from __future__ import annotations

from pathlib import Path

import yaml

COMPOSE = Path(__file__).resolve().parents[2] / "compose.yaml"


def test_compose_runs_replicas_behind_the_trusted_proxy_with_a_worker_and_lasting_data():
    compose = yaml.safe_load(COMPOSE.read_text())
    services = compose["services"]
    assert set(services) == {"proxy", "web", "worker", "postgres", "redis"}
    assert all(service["restart"] == "unless-stopped" for service in services.values())
    assert all("healthcheck" in services[name] for name in ("web", "postgres", "redis"))
    web, worker = services["web"], services["worker"]
    assert web["deploy"]["replicas"] >= 2
    assert "--no-workers" in web["command"] and worker["command"] == ["tessera", "worker"]
    # The app is reachable only through the proxy, and believes X-Forwarded-For from it alone.
    assert "ports" not in web
    proxy_address = services["proxy"]["networks"]["tessera"]["ipv4_address"]
    assert web["environment"]["TESSERA_TRUSTED_PROXIES"] == proxy_address
    assert web["environment"]["TESSERA_PUBLIC_URL"].startswith("https://")
    assert web["environment"]["TESSERA_REDIS_URL"] and worker["environment"] == web["environment"]
    # A Redis restart must not sign everyone out, nor a PostgreSQL one lose anything.
    assert "--appendonly" in services["redis"]["command"]
    assert any(volume.endswith(":/data") for volume in services["redis"]["volumes"])
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in services["postgres"]["volumes"])
