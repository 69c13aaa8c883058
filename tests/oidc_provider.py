"""A minimal OpenID Connect provider on 127.0.0.1 for the sign-in test: it signs in
whoever asks, as one fixed person, with RS256 ID tokens (joserfc, which Authlib uses).

Deliberately left out: consent screens, refresh tokens, PKCE checks, client auth checks.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from joserfc import jwt
from joserfc.jwk import RSAKey


class OidcProvider:
    def __init__(self, email: str, client_id: str) -> None:
        self.email, self.client_id = email, client_id
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test"})
        self.nonces: dict[str, str] = {}  # code -> nonce of the authorize request
        self.signed_in = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> OidcProvider:
        threading.Thread(target=self.server.serve_forever, name="oidc", daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "jwks_uri": f"{self.url}/jwks",
            "userinfo_endpoint": f"{self.url}/userinfo",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims = {"iss": self.url, "sub": "user-1", "aud": self.client_id, "iat": now, "exp": now + 600}
        claims |= {"nonce": nonce, "email": self.email, "name": "Test Person"}
        return jwt.encode({"alg": "RS256", "kid": "test"}, claims, self.key)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _json(self, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration":
                    self._json(provider.metadata())
                elif url.path == "/jwks":
                    self._json({"keys": [provider.key.as_dict(private=False)]})
                elif url.path == "/userinfo":
                    self._json({"sub": "user-1", "email": provider.email, "name": "Test Person"})
                elif url.path == "/authorize":
                    code = secrets.token_urlsafe(16)
                    provider.nonces[code] = query.get("nonce", "")
                    back = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query.get('state', '')})}"
                    self.send_response(302)
                    self.send_header("Location", back)
                    self.end_headers()
                else:
                    self.send_error(404)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if urlparse(self.path).path != "/token" or form.get("code") not in provider.nonces:
                    self.send_error(400)
                    return
                provider.signed_in += 1
                nonce = provider.nonces.pop(form["code"])
                self._json(
                    {
                        "access_token": "at",
                        "token_type": "Bearer",
                        "expires_in": 600,
                        "id_token": provider.id_token(nonce),
                    }
                )

        return Handler
