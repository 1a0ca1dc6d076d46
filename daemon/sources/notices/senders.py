"""Who may send court notices: `senders` of the court-mail source(s), as shell-style patterns."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

DEFAULT_SENDERS = ("*.uscourts.gov", "*.fedcourts.us")


def senders_of(config: Any) -> tuple[str, ...]:
    """The sender patterns of every `kind = "imap"` or "court-mail" source, else the defaults."""
    found: list[str] = []
    for section in getattr(config, "sources", {}).values():
        if section.get("kind") in ("imap", "court-mail") and section.get("senders"):
            found.extend(str(s).lower() for s in section["senders"])
    return tuple(found) or DEFAULT_SENDERS


def ignores_bankruptcy(config: Any) -> bool:
    """True when a court-mail source says `bankruptcy = "ignore"` (default: bankruptcy notices go to review)."""
    return any(section.get("kind") in ("imap", "court-mail") and section.get("bankruptcy") == "ignore"
               for section in getattr(config, "sources", {}).values())


def sender_allowed(sender: str, patterns: tuple[str, ...]) -> bool:
    """True when the address (or its domain) matches a pattern: "*.uscourts.gov", "nef@cand.uscourts.gov"."""
    sender = sender.lower().strip()
    if "@" not in sender:
        return False
    domain = sender.rsplit("@", 1)[1]
    for p in patterns:
        p = p.lower().lstrip("@")
        if "@" in p:
            if fnmatchcase(sender, p):
                return True
        elif fnmatchcase(domain, p) or (p.startswith("*.") and domain == p[2:]):
            return True
    return False
