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


def _row(row: object) -> ApiToken:
    r = dict(row)  # type: ignore[call-overload]
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
        db = self.store.db
        with self.store._lock, db:
            cur = db.execute(
                "INSERT INTO api_tokens(user_id, admin, token_hash, label) VALUES (?, ?, ?, ?)",
                (user_id, int(admin), token_hash(secret), label),
            )
        token = self.get(int(cur.lastrowid or 0))
        assert token is not None
        return token, secret

    def get(self, token_id: int) -> ApiToken | None:
        row = self.store.db.execute("SELECT * FROM api_tokens WHERE id = ?", (token_id,)).fetchone()
        return _row(row) if row else None

    def verify(self, secret: str) -> ApiToken | None:
        """The live token with this secret, or None (unknown or revoked)."""
        row = self.store.db.execute(
            "SELECT * FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL", (token_hash(secret),)
        ).fetchone()
        return _row(row) if row else None

    def list(self) -> list[ApiToken]:
        return [_row(r) for r in self.store.db.execute("SELECT * FROM api_tokens ORDER BY id")]

    def revoke(self, token_id: int) -> bool:
        """True when a live token was revoked; False when there was none with this id."""
        db = self.store.db
        with self.store._lock, db:
            cur = db.execute(
                "UPDATE api_tokens SET revoked_at = datetime('now') WHERE id = ? AND revoked_at IS NULL", (token_id,)
            )
        return cur.rowcount > 0
