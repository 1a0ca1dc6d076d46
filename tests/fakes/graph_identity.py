"""The Microsoft identity platform endpoints real msal talks to, faked: discovery, device code, token.

Behaviour modelled on https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code and
v2-oauth-ropc / client-credentials docs: `authorization_pending` until a person approves the code,
`invalid_grant` (AADSTS700082) for a dead refresh token, `invalid_client` (AADSTS7000215) for a bad secret.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import jwt


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass
class AccessToken:
    """An access token the fake issued: for an app (upn None) or for one signed-in user."""

    client_id: str
    upn: str | None
    expires_at: float


@dataclass
class DeviceCode:
    """A pending device-code sign-in, approved by a test through `approve`."""

    device_code: str
    user_code: str
    client_id: str
    approved_upn: str | None = None


@dataclass
class Identity:
    """The tenant's token side: registered app, issued tokens and pending device codes."""

    tenant: str
    client_id: str
    client_secret: str
    tenant_guid: str = "9188040d-6c67-4c5b-b112-36a304b66dad"
    certificate_pem: str | None = None
    token_lifetime: int = 3600
    access_tokens: dict[str, AccessToken] = field(default_factory=dict)
    refresh_tokens: dict[str, tuple[str, str]] = field(default_factory=dict)  # rt -> (client, upn)
    device_codes: dict[str, DeviceCode] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    tokens_issued: int = 0

    def openid_configuration(self, base: str) -> dict[str, Any]:
        """The tenant's OIDC discovery document (what msal reads before anything else)."""
        root = f"{base}/{self.tenant}/oauth2/v2.0"
        return {
            "issuer": f"{base}/{self.tenant_guid}/v2.0",
            "authorization_endpoint": f"{root}/authorize",
            "token_endpoint": f"{root}/token",
            "device_authorization_endpoint": f"{root}/devicecode",
            "jwks_uri": f"{base}/{self.tenant}/discovery/v2.0/keys",
            "response_types_supported": ["code", "id_token", "code id_token", "token id_token"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def device_code(self, form: dict[str, str], base: str) -> tuple[int, dict[str, Any]]:
        """Start a device-code sign-in."""
        if form.get("client_id") != self.client_id:
            return 400, {"error": "unauthorized_client", "error_description": "AADSTS700016: unknown app"}
        code = DeviceCode(secrets.token_urlsafe(24), secrets.token_hex(4).upper(), form["client_id"])
        with self.lock:
            self.device_codes[code.device_code] = code
        return 200, {
            "device_code": code.device_code,
            "user_code": code.user_code,
            "verification_uri": f"{base}/devicelogin",
            "expires_in": 900,
            "interval": 1,
            "message": f"To sign in, open {base}/devicelogin and enter the code {code.user_code}.",
        }

    def approve(self, upn: str, user_code: str | None = None) -> bool:
        """Approve a pending device code (the given one, or every pending one) as `upn`."""
        with self.lock:
            hit = False
            for code in self.device_codes.values():
                if user_code is None or code.user_code == user_code:
                    code.approved_upn = upn
                    hit = True
            return hit

    def token(self, body: bytes, base: str) -> tuple[int, dict[str, Any]]:
        """The token endpoint: client_credentials, device_code and refresh_token grants."""
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8")).items()}
        grant = form.get("grant_type", "")
        if form.get("client_id") != self.client_id:
            return 400, {"error": "unauthorized_client", "error_description": "AADSTS700016: unknown app"}
        if grant == "client_credentials":
            problem = self._check_client(form, base)
            if problem:
                return 401, {
                    "error": "invalid_client",
                    "error_description": problem,
                    "error_codes": [7000215],
                }
            return 200, self._issue(None, with_refresh=False, base=base, scope=form.get("scope", ""))
        if grant == "urn:ietf:params:oauth:grant-type:device_code":
            with self.lock:
                code = self.device_codes.get(form.get("device_code", ""))
            if code is None:
                return 400, {"error": "expired_token", "error_description": "AADSTS70020: code expired"}
            if code.approved_upn is None:
                return 400, {
                    "error": "authorization_pending",
                    "error_description": "AADSTS70016: Authorization is pending.",
                }
            with self.lock:
                self.device_codes.pop(code.device_code, None)
            return 200, self._issue(code.approved_upn, with_refresh=True, base=base, scope=form.get("scope", ""))
        if grant == "refresh_token":
            with self.lock:
                owner = self.refresh_tokens.pop(form.get("refresh_token", ""), None)
            if owner is None:
                return 400, {
                    "error": "invalid_grant",
                    "error_description": "AADSTS700082: The refresh token has expired due to inactivity.",
                    "error_codes": [700082],
                    "suberror": "bad_token",
                }
            return 200, self._issue(owner[1], with_refresh=True, base=base, scope=form.get("scope", ""))
        return 400, {"error": "unsupported_grant_type", "error_description": f"AADSTS70003: {grant!r}"}

    def _check_client(self, form: dict[str, str], base: str) -> str:
        if "client_secret" in form:
            return "" if form["client_secret"] == self.client_secret else "AADSTS7000215: Invalid client secret."
        assertion = form.get("client_assertion")
        if not assertion:
            return "AADSTS7000216: client_assertion or client_secret is required."
        if self.certificate_pem is None:
            return "AADSTS700027: no certificate is registered for this app."
        from cryptography import x509

        key = x509.load_pem_x509_certificate(self.certificate_pem.encode("ascii")).public_key()
        try:
            claims = jwt.decode(
                assertion,
                key,
                algorithms=["PS256", "RS256"],  # type: ignore[arg-type]
                audience=f"{base}/{self.tenant}/oauth2/v2.0/token",
            )
        except jwt.PyJWTError as exc:
            return f"AADSTS700027: client assertion failed signature validation ({exc})."
        return "" if claims.get("iss") == self.client_id else "AADSTS700023: assertion issuer is wrong."

    def _issue(self, upn: str | None, *, with_refresh: bool, base: str, scope: str) -> dict[str, Any]:
        token = "at-" + secrets.token_urlsafe(24)
        now = time.time()
        with self.lock:
            self.access_tokens[token] = AccessToken(self.client_id, upn, now + self.token_lifetime)
            self.tokens_issued += 1
        out: dict[str, Any] = {
            "token_type": "Bearer",
            "expires_in": self.token_lifetime,
            "ext_expires_in": self.token_lifetime,
            "access_token": token,
            "scope": scope or "https://graph.microsoft.com/.default",
        }
        if with_refresh and upn:
            rt = "rt-" + secrets.token_urlsafe(24)
            with self.lock:
                self.refresh_tokens[rt] = (self.client_id, upn)
            oid = "oid-" + upn.replace("@", "-at-")
            claims = {
                "aud": self.client_id,
                "iss": f"{base}/{self.tenant_guid}/v2.0",
                "iat": int(now),
                "nbf": int(now),
                "exp": int(now) + 3600,
                "oid": oid,
                "sub": oid,
                "tid": self.tenant_guid,
                "preferred_username": upn,
                "name": upn.split("@")[0],
                "ver": "2.0",
            }
            header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
            out["id_token"] = f"{header}.{_b64(json.dumps(claims).encode())}."
            out["client_info"] = _b64(json.dumps({"uid": oid, "utid": self.tenant_guid}).encode())
            out["refresh_token"] = rt
        return out

    def check_bearer(self, header: str | None) -> AccessToken | None:
        """The token behind an Authorization header, or None when missing, unknown or expired."""
        if not header or not header.startswith("Bearer "):
            return None
        with self.lock:
            tok = self.access_tokens.get(header[7:])
        if tok is None or tok.expires_at < time.time():
            return None
        return tok

    def revoke_refresh_tokens(self) -> None:
        """Every refresh token dies (90 days unused, or consent revoked)."""
        with self.lock:
            self.refresh_tokens.clear()

    def expire_access_tokens(self) -> None:
        """Every access token issued so far stops working (clients must get new ones)."""
        with self.lock:
            self.access_tokens.clear()
