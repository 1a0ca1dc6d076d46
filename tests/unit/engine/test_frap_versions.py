"""FRAP 26(c) wording and FRAP 40's renumbering, hand-worked from the rule texts.

FRAP 26(c) (as amended 2016-12-01): "When a party may or must act within a specified time after being
served, 3 days are added after the period would otherwise expire under Rule 26(a), unless the paper is
delivered on the date of service stated in the proof of service. For purposes of this Rule 26(c), a
paper that is served electronically is treated as delivered on the date of service stated in the proof
of service." Unlike FRCP 6(d) (which reaches service "under Rule 5(b)(2)(C) (mail), (D) (leaving with
the clerk), or (F) (other means consented to)"), FRAP 26(c) turns on delivery, not on consent to the
method: a commercial carrier's next-day delivery is not delivery on the date of service (+3 days); a fax
usually arrives that day, a fact docketd lacks (flagged, earlier date).

FRAP 40 (amended 2024-12-01): the 14-day rehearing period moved from Rule 40(a)(1) ("a petition for
panel rehearing may be filed within 14 days after entry of judgment") to Rule 40(d)(1) ("any petition
for rehearing must be filed within 14 days after judgment is entered"). The version in force on the
judgment date is cited.
"""

from __future__ import annotations

from datetime import date

from daemon.engine import RuleBook
from daemon.models import TriggerEvent


def _one(book: RuleBook, court: str, event: str, on: date, rule: str, service: str | None = None):  # type: ignore[no-untyped-def]
    return [d for d in book.compute(TriggerEvent("M", event, on, court=court, service=service)) if d.rule == rule][0]


def test_overnight_adds_three_days_without_consent(book: RuleBook) -> None:
    """FRAP 27(a)(3)(A): 10 days after Fri 2027-03-05 = Mon 2027-03-15; overnight delivery is not
    delivery on the date of service: +3 -> Thu 2027-03-18 (FRAP 26(c)). No flag."""
    d = _one(book, "federal-appeals", "motion_served", date(2027, 3, 5), "frap.motion-response", "overnight")
    assert d.due == date(2027, 3, 18) and not d.flags
    text = " ".join(d.explanation)
    assert "consent" not in text and "not delivered on the date of service" in text


def test_fax_is_flagged_on_delivery_not_consent(book: RuleBook) -> None:
    """Same count by fax: delivered that day -> no extension, Mon 2027-03-15; if not, +3 -> Thu 03-18."""
    d = _one(book, "federal-appeals", "motion_served", date(2027, 3, 5), "frap.motion-response", "fax")
    assert d.due == date(2027, 3, 15)
    assert [(f.kind, f.alternative) for f in d.flags] == [("ambiguous-law", date(2027, 3, 18))]
    text = " ".join(d.explanation) + d.flags[0].message
    assert "delivered on the date of service" in text and "consent" not in text


def test_mail_adds_three_days_in_frap(book: RuleBook) -> None:
    """FRAP 31(a)(1): 21 days after Mon 2026-06-01 = Mon 06-22; mail +3 -> Thu 06-25."""
    d = _one(book, "federal-appeals", "appellee_brief_served", date(2026, 6, 1), "frap.reply-brief", "mail")
    assert d.due == date(2026, 6, 25) and "consent" not in " ".join(d.explanation)


def test_frcp_keeps_its_consent_wording(book: RuleBook) -> None:
    """FRCP 6(d) does turn on consent (FRCP 5(b)(2)(F)): unchanged."""
    d = _one(book, "federal", "interrogatories_served", date(2026, 3, 2), "frcp.interrogatory-responses", "overnight")
    assert d.flags and "consent" in d.flags[0].message


def test_rehearing_cites_the_rule_as_it_read(book: RuleBook) -> None:
    """2023-06-01 + 14 = Thu 2023-06-15, under FRAP 40(a)(1); 2025-01-15 + 14 = Wed 2025-01-29, 40(d)(1);
    2024-11-29 (before the amendment) + 14 = Fri 2024-12-13, cited as 40(a)(1)."""
    old = _one(book, "federal-appeals", "appellate_judgment_entered", date(2023, 6, 1), "frap.rehearing-petition")
    assert old.due == date(2023, 6, 15) and old.citation == "Fed. R. App. P. 40(a)(1)"
    assert old.cite_short == "FRAP 40(a)(1)"
    new = _one(book, "federal-appeals", "appellate_judgment_entered", date(2025, 1, 15), "frap.rehearing-petition")
    assert new.due == date(2025, 1, 29) and new.citation == "Fed. R. App. P. 40(d)(1)"
    edge = _one(book, "federal-appeals", "appellate_judgment_entered", date(2024, 11, 29), "frap.rehearing-petition")
    assert edge.due == date(2024, 12, 13) and edge.cite_short == "FRAP 40(a)(1)"
