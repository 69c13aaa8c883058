"""API tokens: who is calling ``chat-rec serve``, and whether they may act as admin.

A token is ``crk_`` + 32 random bytes (``secrets.token_urlsafe``). Only its SHA-256 is
stored: a stolen database does not hand out working tokens, and because the secret has
256 bits of entropy a plain fast hash is enough (a slow password hash such as bcrypt
protects guessable secrets, and here it would only add latency to every request).

Deliberately left out: expiry dates and scopes finer than user / admin.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from chat_rec.errors import StoreError
from chat_rec.memory.store import Store

PREFIX = "crk_"


@dataclass(frozen=True)
class ApiToken:
    id: int
    user_id: str
    admin: bool
    label: str
    created_at: str
    revoked_at: str | None = None


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _row(row: Any) -> ApiToken:
    r = row._mapping
    return ApiToken(r["id"], r["user_id"], bool(r["admin"]), r["label"], r["created_at"], r["revoked_at"])


class Tokens:
    """Tokens kept in the same database as the rest of the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def create(self, user_id: str, admin: bool = False, label: str = "") -> tuple[ApiToken, str]:
        """A new token for ``user_id``; returns it and its secret (shown once, never stored)."""
        user_id = user_id.strip()
        if not user_id:
            raise StoreError("a token needs a user name", "Pass --user NAME.")
        secret = PREFIX + secrets.token_urlsafe(32)
        ((_, returned),) = self.store._write(
            (
                "INSERT INTO api_tokens(user_id, admin, token_hash, label) VALUES (:u, :a, :h, :l) RETURNING id",
                {"u": user_id, "a": int(admin), "h": token_hash(secret), "l": label},
            )
        )
        token = self.get(int(returned[0][0]))
        assert token is not None
        return token, secret

    def get(self, token_id: int) -> ApiToken | None:
        rows = self.store._read("SELECT * FROM api_tokens WHERE id = :i", i=token_id)
        return _row(rows[0]) if rows else None

    def verify(self, secret: str) -> ApiToken | None:
        """The live token with this secret, or None (unknown or revoked)."""
        rows = self.store._read(
            "SELECT * FROM api_tokens WHERE token_hash = :h AND revoked_at IS NULL", h=token_hash(secret)
        )
        return _row(rows[0]) if rows else None

    def list(self) -> list[ApiToken]:
        return [_row(r) for r in self.store._read("SELECT * FROM api_tokens ORDER BY id")]

    def revoke(self, token_id: int) -> bool:
        """True when a live token was revoked; False when there was none with this id."""
        ((changed, _),) = self.store._write(
            (
                "UPDATE api_tokens SET revoked_at = :now WHERE id = :i AND revoked_at IS NULL",
                {"i": token_id, "now": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")},
            )
        )
        return changed > 0
