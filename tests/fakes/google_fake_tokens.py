"""The fake Google OAuth token endpoint: JWT-bearer (service accounts), auth codes and refresh tokens."""

from __future__ import annotations

import base64
import json
import secrets
import threading
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _error(code: str, description: str) -> tuple[int, dict[str, Any]]:
    return 400, {"error": code, "error_description": description}


class TokenIssuer:
    """Issues access tokens and remembers which user each one acts as."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._access: dict[str, str] = {}
        self._refresh: dict[str, tuple[str, str]] = {}  # refresh token -> (user, granted scope)
        self._codes: dict[str, tuple[str, str]] = {}
        self._keys: dict[str, rsa.RSAPublicKey] = {}
        self.issued = 0
        self.requests = 0  # every POST /token, granted or not

    def add_key(self, client_email: str, public_key_pem: bytes) -> None:
        """Verify this service account's assertions with its public key."""
        key = serialization.load_pem_public_key(public_key_pem)
        assert isinstance(key, rsa.RSAPublicKey)
        self._keys[client_email] = key

    def new_code(self, user: str, scope: str) -> str:
        """An authorization code for a user who consented to `scope`."""
        code = "4/fake-" + secrets.token_urlsafe(12)
        with self._lock:
            self._codes[code] = (user, scope)
        return code

    def revoke_refresh_tokens(self) -> None:
        """Forget every refresh token (and access token), as when a Testing app's grant expires."""
        with self._lock:
            self._refresh.clear()
            self._access.clear()

    def expire_access_tokens(self) -> None:
        """Invalidate every access token (clients must refresh on the next 401)."""
        with self._lock:
            self._access.clear()

    def user_for(self, authorization: str) -> str | None:
        """The user an `Authorization: Bearer ...` header acts as, or None."""
        if not authorization.startswith("Bearer "):
            return None
        with self._lock:
            return self._access.get(authorization[len("Bearer "):].strip())

    def _issue(self, user: str, scope: str, refresh: bool) -> dict[str, Any]:
        token = "ya29.fake-" + secrets.token_urlsafe(16)
        body: dict[str, Any] = {"access_token": token, "expires_in": 3599, "token_type": "Bearer",
                                "scope": scope}
        with self._lock:
            self._access[token] = user
            self.issued += 1
            if refresh:
                rt = "1//fake-" + secrets.token_urlsafe(16)
                self._refresh[rt] = (user, scope)
                body["refresh_token"] = rt
        return body

    def token_endpoint(self, form: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        """POST /token: answer a grant with (status, JSON body)."""
        grant = form.get("grant_type", [""])[0]
        with self._lock:
            self.requests += 1
        if grant == JWT_BEARER:
            return self._jwt_grant(form.get("assertion", [""])[0])
        if grant == "authorization_code":
            with self._lock:
                grant_of = self._codes.pop(form.get("code", [""])[0], None)
            if grant_of is None:
                return _error("invalid_grant", "Malformed auth code.")
            return 200, self._issue(*grant_of, refresh=True)
        if grant == "refresh_token":
            with self._lock:
                grant_of = self._refresh.get(form.get("refresh_token", [""])[0])
            if grant_of is None:
                return _error("invalid_grant", "Token has been expired or revoked.")
            return 200, self._issue(*grant_of, refresh=False)
        return _error("unsupported_grant_type", f"Invalid grant_type: {grant}")

    def _jwt_grant(self, assertion: str) -> tuple[int, dict[str, Any]]:
        try:
            head, payload, sig = assertion.split(".")
            claims = json.loads(_b64decode(payload))
        except ValueError:
            return _error("invalid_grant", "Invalid JWT assertion.")
        key = self._keys.get(claims.get("iss", ""))
        if key is not None:
            try:
                key.verify(_b64decode(sig), f"{head}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256())
            except InvalidSignature:
                return _error("invalid_grant", "Invalid JWT Signature.")
        if not claims.get("scope"):
            return _error("invalid_scope", "Empty or missing scope not allowed.")
        return 200, self._issue(claims.get("sub") or claims["iss"], claims["scope"], refresh=False)
