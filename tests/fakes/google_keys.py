"""Throwaway Google credentials for tests: service-account keys and OAuth client secrets aimed at a fake."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

_KEYS: list[rsa.RSAPrivateKey] = []


def _private_key(fresh: bool) -> rsa.RSAPrivateKey:
    """One RSA key per test process (generating 2048-bit keys is the slow part), or a new one."""
    if fresh:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if not _KEYS:
        _KEYS.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    return _KEYS[0]


def make_service_account_key(path: Path, token_uri: str,
                             client_email: str = "docketd@firm-docket.iam.gserviceaccount.com",
                             fresh: bool = False) -> bytes:
    """Write a service-account key JSON (mode 0600) whose token_uri is `token_uri`; return the public PEM.

    The key pair is shared within the test process unless `fresh` asks for a new one (e.g. to show
    that a wrong key is refused).
    """
    key = _private_key(fresh)
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()).decode("ascii")
    info = {
        "type": "service_account",
        "project_id": "firm-docket",
        "private_key_id": "0123456789abcdef0123456789abcdef01234567",
        "private_key": private_pem,
        "client_email": client_email,
        "client_id": "100000000000000000001",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
    }
    path.write_text(json.dumps(info), encoding="utf-8")
    os.chmod(path, 0o600)
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


def make_client_secrets(path: Path, auth_uri: str, token_uri: str) -> Path:
    """Write an installed-app OAuth client JSON (as downloaded from the Cloud console) aimed at the fake."""
    info = {
        "installed": {
            "client_id": "1234567890-fake.apps.googleusercontent.com",
            "project_id": "firm-docket",
            "auth_uri": auth_uri,
            "token_uri": token_uri,
            "client_secret": "GOCSPX-fake-secret",
            "redirect_uris": ["http://localhost"],
        }
    }
    path.write_text(json.dumps(info), encoding="utf-8")
    os.chmod(path, 0o600)
    return path


SA_EMAIL = "docketd@firm-docket.iam.gserviceaccount.com"


def service_account_section(fake: Any, tmp_path: Path, subject: str = "jdoe@firm.com",
                            **overrides: Any) -> dict[str, Any]:
    """A [calendars.NAME] section for a service account aimed at `fake` (a FakeGoogle), fast retries.

    The key is written to tmp_path/sa.json and registered with the fake, which then verifies
    every JWT assertion's signature.
    """
    key = tmp_path / "sa.json"
    if not key.exists():
        fake.add_service_account(SA_EMAIL, make_service_account_key(key, fake.token_uri, SA_EMAIL))
    section: dict[str, Any] = {
        "kind": "google", "auth": "service-account", "credentials": str(key), "subject": subject,
        "calendar_id": "primary", "api_endpoint": fake.url, "requests_per_minute": 100_000,
        "retry_base_seconds": 0.01, "retry_budget_seconds": 20, "timeout_seconds": 5,
    }
    section.update(overrides)
    return section
