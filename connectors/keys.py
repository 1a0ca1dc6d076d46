"""The keys each kind of [calendars.NAME] section takes: one light table, no backend imported.

The daemon checks every calendar section against it when it loads the config (at start, on SIGHUP
and in `docketd validate`), so a typo is a sentence before any calendar work; each connector reads
the same sets, so the two cannot disagree.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

# Read by the daemon for every kind: the edit policy and the free/busy look-up (daemon/sync/busy.py).
COMMON = frozenset({"kind", "on_edit", "freebusy", "freebusy_url"})

GOOGLE = COMMON | {
    "calendar_id", "auth", "credentials", "subject", "account", "client_secrets", "token_file",
    "token_uri", "oauth_redirect_port", "oauth_timeout_seconds", "reminder_method", "colors",
    "invite_attendees", "send_updates", "requests_per_minute", "batch_size", "timeout_seconds",
    "retry_budget_seconds", "retry_base_seconds", "api_endpoint", "batch_endpoint",
}
OUTLOOK = COMMON | {
    "tenant", "client_id", "auth", "client_secret_file", "client_secret_credential", "certificate_file",
    "certificate_credential", "mailbox", "account", "calendar_id", "timezone", "graph_endpoint", "authority",
    "ca_bundle", "retry_budget_seconds", "backoff_seconds", "batch_size", "concurrency", "timeout_seconds",
    "page_size",
}
CALDAV = COMMON | {
    "url", "username", "password_file", "password_credential", "calendar", "verify_tls", "timeout_seconds",
    "retry_seconds",
}
ICS = COMMON | {"path"}

# kind -> its keys; None: any key (the in-memory connector the tests use).
KEYS: dict[str, frozenset[str] | None] = {
    "google": GOOGLE, "outlook": OUTLOOK, "caldav": CALDAV, "ics": ICS, "memory": None,
}


def unknown_keys(where: str, section: Mapping[str, Any], known: frozenset[str]) -> list[str]:
    """A sentence for each key the kind does not take, with the closest known key when one is near."""
    problems = []
    for key in sorted(set(section) - known):
        near = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
        hint = f"did you mean {near[0]!r}? " if near else ""
        problems.append(f"{where} unknown key {key!r}; {hint}known keys are: {', '.join(sorted(known))}.")
    return problems
