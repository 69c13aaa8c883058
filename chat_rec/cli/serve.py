"""``chat-rec serve``: the HTTP API on uvicorn (see docs/deploy.md)."""

from __future__ import annotations

import typer


def command(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (0.0.0.0 behind a load balancer)."),
    port: int = typer.Option(8000, "--port", "-p"),
    workers: int = typer.Option(1, "--workers", "-w", help="Worker processes; each loads its own agent."),
    log_level: str = typer.Option("info", "--log-level"),
) -> None:
    """Serve the recommender over HTTP (FastAPI + uvicorn); API docs at /docs."""
    import uvicorn

    uvicorn.run(
        "chat_rec.serve.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        timeout_graceful_shutdown=30,
    )
