"""Properties of the four state trial courts for trigger dates 2000-2060 (hypothesis, per court).

- A period counted after an event never ends on a Saturday, Sunday or (settled) holiday of its court,
  and never before the period itself has run (TRCP 4, GCL 25-a, Fla. 2.514(a), 5 ILCS 70/1.11).
- A period counted before a hearing never moves later than its raw last day (notice is never short).
- A later trigger never gives an earlier date, except across a rule change.
- A flagged alternative (unsettled law) is always later than the calendared date.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from daemon.engine import Rule, load_rulebook
from daemon.engine.errors import NotComputed
from daemon.models import SERVICE_METHODS, Deadline, TriggerEvent

BOOK = load_rulebook()
RULES: dict[str, Rule] = {r.id: r for r in BOOK.rules()}
COURTS = ("tx-district", "ny-supreme", "fl-circuit", "il-circuit")
# Fla. 2.514 changed on 2019-01-01 (e-mail lost its 5 days; counting starts on the next court day);
# Fla. R. Civ. P. 1.510's response: 5 days before the hearing from 2012-10-01 (2.514 replaced 1.090),
# 20 days from 2021-05-01, 40 days after service for motions from 2025-01-01.
CHANGES = (date(2012, 10, 1), date(2019, 1, 1), date(2021, 5, 1), date(2025, 1, 1))
SLOW_OK = [HealthCheck.too_slow, HealthCheck.filter_too_much]
dates = st.dates(date(2000, 1, 1), date(2060, 12, 31))
services = st.sampled_from((None, *SERVICE_METHODS))


def run(court: str, event: str, day: date, service: str | None) -> dict[str, Deadline]:
    try:
        out = BOOK.compute(TriggerEvent(matter="P", event=event, date=day, court=court, service=service))
    except NotComputed:  # a span a pack marks not computed (Fla. R. Civ. P. 1.510 before 2025): an error row
        return {}
    by_rule = {d.rule: d for d in out}
    assert len(by_rule) == len(out)
    return by_rule


def events(court: str) -> st.SearchStrategy[str]:
    return st.sampled_from(sorted(BOOK.events_for(court)))


@pytest.mark.parametrize("court", COURTS)
def test_due_dates_are_court_days_and_never_short(court: str) -> None:
    @settings(max_examples=150, deadline=None, suppress_health_check=SLOW_OK)
    @given(events(court), dates, services)
    def check(event: str, day: date, service: str | None) -> None:
        for d in run(court, event, day, service).values():
            rule = RULES[d.rule.split("/")[0]]
            closed = BOOK.holidays(court, d.due.year, forward=rule.direction == "after")
            assert d.due.weekday() < 5 and d.due not in closed, d.explanation
            for f in d.flags:
                if f.alternative is not None:
                    assert f.alternative > d.due, (d.explanation, f)
            if d.kind == "followup" or event not in rule.triggers:
                continue
            n = rule.triggers[event] if rule.triggers[event] >= 0 else rule.version(day).days  # type: ignore[union-attr]
            assert n is not None
            if rule.direction == "after":
                assert d.due >= day + timedelta(days=n), d.explanation
            else:  # backward counts never move later than the raw last day
                assert d.due <= day - timedelta(days=n), d.explanation

    check()


@pytest.mark.parametrize("court", COURTS)
def test_later_trigger_never_gives_earlier_due(court: str) -> None:
    @settings(max_examples=100, deadline=None, suppress_health_check=SLOW_OK)
    @given(events(court), dates, st.integers(1, 40), services)
    def check(event: str, day: date, gap: int, service: str | None) -> None:
        later = day + timedelta(days=gap)
        assume(not any(day < change <= later for change in CHANGES))
        first, second = run(court, event, day, service), run(court, event, later, service)
        for rule_id, d in first.items():
            assert second[rule_id].due >= d.due, (d.explanation, second[rule_id].explanation)

    check()


@pytest.mark.parametrize("court", COURTS)
def test_mail_never_shortens_a_response_nor_lengthens_notice(court: str) -> None:
    @settings(max_examples=80, deadline=None, suppress_health_check=SLOW_OK)
    @given(events(court), dates)
    def check(event: str, day: date) -> None:
        personal, mailed = run(court, event, day, "personal"), run(court, event, day, "mail")
        for rule_id, d in personal.items():
            if d.kind == "followup":
                continue
            if RULES[rule_id].direction == "after":
                assert mailed[rule_id].due >= d.due, mailed[rule_id].explanation
            else:
                assert mailed[rule_id].due <= d.due, mailed[rule_id].explanation

    check()
