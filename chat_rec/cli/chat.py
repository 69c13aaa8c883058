"""``chat-rec chat``: open the Streamlit chat UI."""

from __future__ import annotations

import os
import subprocess
import sys

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
    raise typer.Exit(subprocess.call(cmd, env=env))
