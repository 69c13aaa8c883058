"""The FastAPI app: ``create_app()`` (uvicorn calls it once per worker process).

Settings come from the environment (``CHAT_REC_*``), as everywhere else in chat-rec.
Bodies larger than ``CHAT_REC_SERVE_MAX_BODY_BYTES`` are refused with 413 before they
are read into memory.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chat_rec.serve import admin, errors, health, routes
from chat_rec.serve.service import Service
from chat_rec.settings import Settings, disable_telemetry, get_settings

DESCRIPTION = """The chat-rec recommender over HTTP: the same agent as the chat page.

Every `/v1` route needs `Authorization: Bearer <token>` (`chat-rec tokens create --user NAME`).
A token reaches its own user's routes; an admin token reaches every user and `/v1/admin`.
Errors are JSON: `{"error": "...", "hint": "what to do next"}`."""


class BodyLimit:
    """413 for a body over ``limit`` bytes, by Content-Length or while it streams in."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(send)
            return
        seen = 0
        refused = False

        async def counted() -> Message:
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit and not refused:
                    refused = True
                    await self._refuse(send)
                    raise _TooLarge
            return message

        async def guarded(message: Message) -> None:
            if not refused:  # the app's own answer to the interrupted body (FastAPI makes it a 400)
                await send(message)

        try:
            await self.app(scope, counted, guarded)
        except _TooLarge:
            pass

    async def _refuse(self, send: Send) -> None:
        errors.metrics.ERRORS.labels("too_large").inc()
        body = json.dumps(
            errors.error_body(
                f"the request body is larger than {self.limit} bytes",
                "Send a shorter message (CHAT_REC_SERVE_MAX_BODY_BYTES sets the limit).",
            )
        ).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass


def create_app(settings: Settings | None = None, load: bool = True) -> FastAPI:
    disable_telemetry()
    settings = settings or get_settings()
    svc = Service(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if load:
            svc.start()
        yield
        svc.close()

    app = FastAPI(title="chat-rec", version="1", description=DESCRIPTION, lifespan=lifespan)
    app.state.service = svc
    errors.install(app)
    app.include_router(health.router)
    app.include_router(routes.router)
    app.include_router(admin.router)
    app.add_middleware(BodyLimit, limit=settings.serve_max_body_bytes)
    return app
