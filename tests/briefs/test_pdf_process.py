"""The PDF process never outlives the server process that started it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

# A server process in miniature: it starts the PDF process, says its process id, and waits.
STARTS_THE_PDF_PROCESS = """
import os, sys, time
from server.briefs import documents
print(documents._processes().submit(os.getpid).result(timeout=60), flush=True)
time.sleep(600)
"""


def running(pid: int) -> bool:
    """Whether the process runs: one that ended but was not yet reaped (a zombie) does not."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def test_a_server_killed_outright_leaves_no_pdf_process_behind() -> None:
    server = subprocess.Popen(
        [sys.executable, "-c", STARTS_THE_PDF_PROCESS],
        stdout=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[2],
        text=True,
    )
    pdf_process = None
    try:
        assert server.stdout is not None
        pdf_process = int(server.stdout.readline())
        assert pdf_process != server.pid and running(pdf_process)
        # SIGKILL: the server has no chance to shut its process pool down.
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
        deadline = time.monotonic() + 10
        while running(pdf_process) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not running(pdf_process), "the PDF process outlived the server that started it"
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        # Left over only if the test failed: end it, so the next run starts clean.
        if pdf_process is not None and running(pdf_process):
            os.kill(pdf_process, signal.SIGKILL)
