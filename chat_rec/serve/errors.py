"""Every error the API returns is one JSON shape: ``{"error": ..., "hint": ...}``.

:class:`ApiError` is raised by routes; the handlers in :func:`install` turn it, the
``ChatRecError`` family, FastAPI's validation errors and unknown routes into that shape.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from chat_rec.errors import ChatRecError, InputError, StoreError
from chat_rec.serve import metrics


class ApiError(Exception):
    def __init__(self, status: int, message: str, hint: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.hint = hint
        self.headers = headers or {}


def not_found(what: str) -> ApiError:
    """Someone else's data looks exactly like missing data: never confirm it exists."""
    return ApiError(404, f"{what} not found", "Check the id; a token reaches only its own user's data.")


def error_body(message: str, hint: str, **extra: Any) -> dict[str, Any]:
    return {"error": message, "hint": hint, **extra}


def _kind(status: int) -> str:
    return {
        401: "unauthorized",
        403: "forbidden",
        404: "not_found",
        413: "too_large",
        422: "invalid",
        429: "rate_limited",
    }.get(status, "server" if status >= 500 else "client")


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api(_: Request, exc: ApiError) -> JSONResponse:
        metrics.ERRORS.labels(_kind(exc.status)).inc()
        return JSONResponse(error_body(exc.message, exc.hint), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(ChatRecError)
    async def _chat_rec(_: Request, exc: ChatRecError) -> JSONResponse:
        status = 422 if isinstance(exc, InputError) else 503 if isinstance(exc, StoreError) else 400
        metrics.ERRORS.labels(type(exc).__name__).inc()
        return JSONResponse(error_body(exc.message, exc.hint), status_code=status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        metrics.ERRORS.labels("invalid").inc()
        problems = []
        for err in exc.errors():
            if err.get("type") == "json_invalid":
                problems.append(f"the body is not valid JSON ({err.get('ctx', {}).get('error', 'parse error')})")
                continue
            where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
            problems.append(f"{where}: {err.get('msg', 'invalid')}")
        message = "the request is not valid: " + "; ".join(problems)
        hint = "Send a JSON body with the fields shown in the API docs at /docs (Content-Type: application/json)."
        return JSONResponse(error_body(message, hint, problems=problems), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        metrics.ERRORS.labels(_kind(exc.status_code)).inc()
        hint = "See the API docs at /docs for the routes." if exc.status_code in (404, 405) else "See /docs."
        return JSONResponse(error_body(str(exc.detail), hint), status_code=exc.status_code)
