"""Who is calling: bearer tokens, per-user access, admin routes and the rate limit.

A token reaches its own user's routes (``/v1/users/{its user}/...``); an admin token
reaches every user and the ``/v1/admin`` routes. Another user's routes answer 404, the
same as a user that does not exist, so a token cannot even learn who else is stored.
"""

from __future__ import annotations

import math

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from chat_rec.memory.tokens import ApiToken
from chat_rec.serve import metrics
from chat_rec.serve.errors import ApiError, not_found
from chat_rec.serve.service import Service

bearer = HTTPBearer(auto_error=False, description="A token from `chat-rec tokens create --user NAME`.")

NEED_TOKEN = "Send 'Authorization: Bearer <token>'; create one with `chat-rec tokens create --user NAME`."


def service(request: Request) -> Service:
    found: Service = request.app.state.service
    return found


def caller(
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer), svc: Service = Depends(service)
) -> ApiToken:
    if credentials is None or not credentials.credentials:
        raise ApiError(401, "missing API token", NEED_TOKEN, headers={"WWW-Authenticate": "Bearer"})
    token = svc.tokens.verify(credentials.credentials.strip())
    if token is None:
        raise ApiError(401, "unknown or revoked API token", NEED_TOKEN, headers={"WWW-Authenticate": "Bearer"})
    wait = svc.limiter.take(token.id)
    if wait > 0:
        metrics.RATE_LIMITED.inc()
        seconds = max(1, math.ceil(wait)) if math.isfinite(wait) else 3600
        raise ApiError(
            429,
            f"too many requests for this token (limit {svc.settings.serve_rate_per_minute:g} per minute)",
            f"Wait {seconds} s (Retry-After) and try again.",
            headers={"Retry-After": str(seconds)},
        )
    return token


def own_user(user_id: str, token: ApiToken = Depends(caller)) -> str:
    """The path's user, when the token may act for them; 404 otherwise."""
    if token.admin or token.user_id == user_id:
        return user_id
    raise not_found(f"user {user_id!r}")


def admin(token: ApiToken = Depends(caller)) -> ApiToken:
    if not token.admin:
        raise ApiError(
            403,
            "this route needs an admin token",
            "Use a token made with `chat-rec tokens create --user NAME --admin`.",
        )
    return token
