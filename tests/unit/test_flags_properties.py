"""Property tests: the flag functions over random dockets keep their promises, whatever the input order."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from daemon.engine import load_rulebook
from daemon.models import Deadline, Provenance, TriggerEvent
from daemon.planning.conflicts import cross_flags
from daemon.planning.flags import deadline_flags
from daemon.planning.planner import MatterFacts, route
from daemon.settings.config import Person

TODAY = date(2026, 3, 2)
BOOK = load_rulebook()
PEOPLE = ("a@firm.com", "b@firm.com", "c@firm.com")
MATTERS = tuple(f"2026-{i:04d}" for i in range(6))


@st.composite
def dockets(draw: st.DrawFn) -> tuple[list[Deadline], dict[str, MatterFacts]]:
    facts = {}
    for m in MATTERS:
        attorneys = tuple(draw(st.lists(st.sampled_from(PEOPLE), max_size=2, unique=True)))
        facts[m] = MatterFacts(m, court=draw(st.sampled_from(["federal", None])), attorneys=attorneys,
                               status=draw(st.sampled_from(["open", "open", "closed"])))
    deadlines = []
    for i in range(draw(st.integers(0, 14))):
        m = draw(st.sampled_from(MATTERS))
        due = TODAY + timedelta(days=draw(st.integers(-5, 12)))
        trig = TriggerEvent(m, "summons_served", TODAY, court="federal", ref=str(i))
        deadlines.append(Deadline(m, f"rule{i}", f"Rule {i}", due, "federal", "cite", trig, ("s",),
                                  kind=draw(st.sampled_from(["deadline", "deadline", "followup"])),
                                  critical=draw(st.booleans())))
    return deadlines, facts


OOO = {"b@firm.com": Person("b@firm.com", "B", out_of_office=((TODAY + timedelta(days=3),
                                                              TODAY + timedelta(days=5)),))}


@settings(max_examples=150, deadline=None)
@given(dockets(), st.integers(2, 3), st.randoms(use_true_random=False))
def test_cross_flags_keep_their_promises(docket: tuple[list[Deadline], dict[str, MatterFacts]],
                                         threshold: int, rnd: object) -> None:
    deadlines, facts = docket
    flags = cross_flags(deadlines, facts, today=TODAY, people=OOO, default_people=(),
                        conflict_threshold=threshold)
    shuffled = list(deadlines)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert cross_flags(shuffled, facts, today=TODAY, people=OOO, default_people=(),
                       conflict_threshold=threshold) == flags
    by_key = {d.key: d for d in deadlines}
    groups: dict[tuple[str, date], set[str]] = {}
    for d in deadlines:
        if d.kind == "deadline" and d.critical and d.due >= TODAY:
            for p in route(facts[d.matter], ()):
                groups.setdefault((p, d.due), set()).add(d.key)
    expected = {k for keys in groups.values() if len(keys) >= threshold for k in keys}
    assert {s.scope for s in flags if s.flag.kind == "conflict"} == expected
    for s in flags:
        if s.flag.kind == "out-of-office":
            d = by_key[s.scope]
            assert d.kind == "deadline" and "b@firm.com" in route(facts[d.matter], ())
            assert TODAY + timedelta(days=3) <= d.due <= TODAY + timedelta(days=5)
        if s.flag.kind in ("no-attorney", "no-court", "no-upcoming"):
            assert s.scope == s.matter and facts[s.matter].status == "open"
        assert s.flag.message.endswith((".", "?")) and s.flag.action


@settings(max_examples=200, deadline=None)
@given(st.integers(-40, 40), st.integers(-40, 0), st.integers(0, 10))
def test_missed_and_due_soon_are_exclusive_and_exact(due_in: int, received_ago: int, soon: int) -> None:
    due = TODAY + timedelta(days=due_in)
    received = TODAY + timedelta(days=received_ago)
    trig = TriggerEvent("M", "summons_served", received, court="federal",
                        provenance=Provenance("f.csv", 2, "", received))
    d = Deadline("M", "r", "Answer due", due, "federal", "cite", trig, ("s",))
    kinds = [f.kind for f in deadline_flags(d, TODAY, soon, courts=BOOK)]
    assert ("missed" in kinds) == (due < received)
    assert ("due-soon" in kinds) == (due >= received and due >= TODAY
                                     and BOOK.court_calendar("federal").between(TODAY, due) <= soon)
    assert not ("missed" in kinds and "due-soon" in kinds)
