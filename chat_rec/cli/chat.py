"""``chat-rec chat``: open the Streamlit chat UI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from types import FrameType

import typer

from chat_rec.settings import PROJECT_ROOT


def chat(
    port: int = typer.Option(8501, help="Port for the web UI."),
    headless: bool = typer.Option(False, help="Do not open a browser window."),
) -> None:
    """Open the chat in your browser (built-in catalog and local model unless configured)."""
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false", "ANONYMIZED_TELEMETRY": "False"}
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(PROJECT_ROOT / "ui" / "app.py"),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true" if headless else "false",
        "--browser.gatherUsageStats",
        "false",
    ]
    raise typer.Exit(_run_child(cmd, env))


def _run_child(cmd: list[str], env: dict[str, str]) -> int:
    """Run Streamlit and stop it with us: SIGTERM to this process also ends the page server."""
    child = subprocess.Popen(cmd, env=env)

    def forward(signum: int, _frame: FrameType | None) -> None:
        child.send_signal(signum)

    previous = signal.signal(signal.SIGTERM, forward)
    try:
        return child.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)
        if child.poll() is None:  # Ctrl-C or an error here: do not leave the page server behind
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
