"""`tessera mail show`: what staff of a platform without an SMTP server read instead of e-mail."""

from __future__ import annotations

import anyio
from click.testing import CliRunner

from server.cli import main
from tests.events.conftest import hold, register


async def test_mail_show_prints_the_queued_messages_to_read_without_an_smtp_server(
    organiser, people, database_url, tmp_path, monkeypatch
):
    held = await hold(organiser, title="Workshop in Rome")
    member = await people("amina", "youth", ["IT"])
    await register(member, held["id"], email="amina@example.org")
    worker = await people("wanda", "youth_worker", ["IT"])
    invited = await worker.post(
        "/api/v1/invites", json={"platform": "IT", "role": "stakeholder", "email": "partner@example.org"}
    )
    assert invited.status_code == 201, invited.text
    monkeypatch.setenv("TESSERA_DATABASE_URL", database_url)
    monkeypatch.setenv("TESSERA_STORE_DIR", str(tmp_path / "store"))
    runner = CliRunner()

    shown = await anyio.to_thread.run_sync(runner.invoke, main, ["mail", "show"])

    assert shown.exit_code == 0, shown.output
    assert "To: amina@example.org" in shown.stdout
    assert "Subject: Your place at Workshop in Rome is confirmed" in shown.stdout
    assert "Status: queued" in shown.stdout
    assert "Attachment: event.ics (text/calendar)" in shown.stdout
    assert "You are registered for Workshop in Rome. Your place is confirmed." in shown.stdout
    assert "TESSERA_SMTP_URL is not set" in shown.stderr
    # A message holding a secret (here an invite code) is shown as the app shows it: without it.
    assert "To: partner@example.org" in shown.stdout
    assert "(text not shown: withheld)" in shown.stdout
    assert invited.json()["code"] not in shown.stdout

    sent_only = await anyio.to_thread.run_sync(runner.invoke, main, ["mail", "show", "--status", "sent"])
    assert sent_only.stdout.strip() == "The outbox is empty."
