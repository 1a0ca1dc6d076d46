"""Real court notices from tests/data/nef, re-addressed for tests (the headers only; the body is the court's)."""

from __future__ import annotations

import re
from pathlib import Path

NEF = Path(__file__).resolve().parents[1] / "data" / "nef"


def notice(name: str, *, sender: str | None = None, message_id: str | None = None, subject: str | None = None,
           body_from: str | None = None, body_to: str | None = None) -> bytes:
    """The bytes of tests/data/nef/NAME.eml with From / Message-Id / Subject replaced, and optionally one
    docket-text phrase rewritten (to make a second, different docket entry from a real one)."""
    raw = (NEF / f"{name}.eml").read_bytes()
    if sender:
        raw = re.sub(rb"(?mi)^From:.*$", b"From: " + sender.encode(), raw, count=1)
    if message_id:
        raw = re.sub(rb"(?mi)^Message-Id:.*$", b"Message-Id: <" + message_id.encode() + b">", raw, count=1)
    if subject:
        raw = re.sub(rb"(?mi)^Subject:.*$", b"Subject: " + subject.encode(), raw, count=1)
    if body_from and body_to:
        assert body_from.encode() in raw, body_from
        raw = raw.replace(body_from.encode(), body_to.encode())
    return raw


def hearing_notice(**kw: str) -> bytes:
    """cand_1: "Motion Hearing set for 1/19/2023 02:00 PM" in 4:22-cv-05541 (N.D. Cal.), ECF 45."""
    return notice("district/cand_1", sender=kw.pop("sender", "ECF-CAND@cand.uscourts.gov"), **kw)
