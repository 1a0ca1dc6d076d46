"""Properties every deadline keeps, for every court and trigger dates 2000-2060 (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from daemon.engine import Rule, load_rulebook
from daemon.engine.errors import NotComputed
from daemon.models import SERVICE_METHODS, Deadline, TriggerEvent

BOOK = load_rulebook()
RULES: dict[str, Rule] = {r.id: r for r in BOOK.rules()}
COURTS = BOOK.court_ids()
# Days on which a rule or a service extension changed: a later trigger may legitimately give an
# earlier date across them (e.g. CCP 437c went from 75 to 81 days' notice on 2025-01-01).
CHANGES = (date(2012, 10, 1), date(2015, 12, 1), date(2016, 12, 1), date(2019, 1, 1), date(2021, 5, 1),
           date(2025, 1, 1))

# A busy CI machine can make data generation look slow; that is not a failure of the engine.
SLOW_OK = [HealthCheck.too_slow, HealthCheck.filter_too_much]

dates = st.dates(date(2000, 1, 1), date(2060, 12, 31))
services = st.sampled_from((None, *SERVICE_METHODS))
court_events = st.sampled_from(COURTS).flatmap(
    lambda c: st.tuples(st.just(c), st.sampled_from(sorted(BOOK.events_for(c)))))


def run(court: str, event: str, day: date, service: str | None) -> dict[str, Deadline]:
    t = TriggerEvent(matter="P", event=event, date=day, court=court, service=service)
    try:
        out = BOOK.compute(t)
    except NotComputed:  # a span a pack marks not computed (Fla. R. Civ. P. 1.510 before 2025): an error row
        return {}
    by_rule = {d.rule: d for d in out}
    assert len(by_rule) == len(out), "one deadline per rule and trigger"
    return by_rule


def forward(rule: Rule) -> bool:
    return rule.direction == "after" or rule.counting == "ccp"


@settings(max_examples=400, deadline=None, suppress_health_check=SLOW_OK)
@given(court_events, dates, services)
def test_due_is_a_court_day_and_respects_the_period(ce: tuple[str, str], day: date,
                                                     service: str | None) -> None:
    court, event = ce
    for d in run(court, event, day, service).values():
        if d.kind == "followup":
            rule = RULES[d.rule.split("/")[0]]
            assert d.due not in BOOK.holidays(court, d.due.year, forward=False) and d.due.weekday() < 5
            continue
        rule = RULES[d.rule]
        assert d.due.weekday() < 5, d.explanation
        assert d.due not in BOOK.holidays(court, d.due.year, forward=forward(rule)), d.explanation
        if event not in rule.triggers:  # reached through a chain: the chain only adds days
            assert d.due > day
            continue
        version = rule.version(day)
        assert version is not None
        n = rule.triggers[event] if rule.triggers[event] >= 0 else version.days
        assert n is not None
        if rule.direction == "after":
            assert d.due >= day + timedelta(days=n), d.explanation
        elif rule.roll == "2016.060":
            assert d.due < day, d.explanation  # rolls toward trial, never onto or past it
        else:
            assert d.due <= day - timedelta(days=n), d.explanation
        assert d.explanation[0].split(" ")[0] and len(d.explanation) >= 2
        assert d.citation and d.title and d.timezone == BOOK.court(court).timezone


@settings(max_examples=300, deadline=None, suppress_health_check=SLOW_OK)
@given(court_events, dates, st.integers(1, 60), services)
def test_later_trigger_never_gives_earlier_due(ce: tuple[str, str], day: date, gap: int,
                                                service: str | None) -> None:
    court, event = ce
    later = day + timedelta(days=gap)
    assume(not any(day < change <= later for change in CHANGES))
    first, second = run(court, event, day, service), run(court, event, later, service)
    for rule_id, d in first.items():
        assert second[rule_id].due >= d.due, (d.explanation, second[rule_id].explanation)


@settings(max_examples=300, deadline=None, suppress_health_check=SLOW_OK)
@given(court_events, dates, st.sampled_from(["mail", "mail-out-of-state", "mail-international"]))
def test_mail_never_earlier_than_personal_service(ce: tuple[str, str], day: date, mail: str) -> None:
    """After an event, mail service can only add time; before a hearing it can only take time away."""
    court, event = ce
    personal, mailed = run(court, event, day, "personal"), run(court, event, day, mail)
    for rule_id, d in personal.items():
        if d.kind == "followup":
            continue
        if RULES[rule_id].direction == "after":
            assert mailed[rule_id].due >= d.due, mailed[rule_id].explanation
        else:
            assert mailed[rule_id].due <= d.due, mailed[rule_id].explanation


@settings(max_examples=200, deadline=None, suppress_health_check=SLOW_OK)
@given(court_events, dates)
def test_missing_service_is_never_later_than_any_method(ce: tuple[str, str], day: date) -> None:
    court, event = ce
    unknown = run(court, event, day, None)
    for method in ("personal", "electronic", "mail", "overnight"):
        for rule_id, d in run(court, event, day, method).items():
            if d.kind == "deadline":
                assert unknown[rule_id].due <= d.due


@settings(max_examples=200, deadline=None, suppress_health_check=SLOW_OK)
@given(court_events, dates, services)
def test_compute_is_deterministic(ce: tuple[str, str], day: date, service: str | None) -> None:
    court, event = ce
    assert run(court, event, day, service) == run(court, event, day, service)
