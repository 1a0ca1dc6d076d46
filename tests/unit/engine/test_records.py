"""`records.builder` makes records that cannot be told apart from the dataclass constructor's."""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field, fields, replace
from datetime import date, time

import pytest

from daemon.engine.records import builder
from daemon.models import Deadline, Flag, Provenance, TriggerEvent

TRIGGER = TriggerEvent("2026-0142", "summons_served", date(2026, 1, 5), court="cand", service="mail",
                       provenance=Provenance("intake.csv", 2, "abc"))
FLAG = Flag("ambiguous-law", "warning", "The law reads two ways.", "Decide.", date(2026, 2, 2))


def _items(record: object) -> list[tuple[str, object]]:
    if hasattr(record, "__dict__"):
        return list(vars(record).items())
    return [(f.name, getattr(record, f.name)) for f in fields(record)]  # type: ignore[arg-type]


def _same(a: object, b: object) -> None:
    assert a == b
    assert hash(a) == hash(b)
    assert repr(a) == repr(b)
    assert _items(a) == _items(b)  # field order too (as_dict-style readers)
    assert hasattr(a, "__dict__") == hasattr(b, "__dict__")  # a slots record stays one (no dict of its own)
    assert type(a) is type(b)
    assert pickle.loads(pickle.dumps(a)) == b


def test_deadline_all_fields_and_defaults() -> None:
    build = builder(Deadline)
    assert build is not Deadline
    full = dict(matter="2026-0142", rule="frcp.answer", title="Answer", due=date(2026, 1, 26), court="cand",
                citation="Fed. R. Civ. P. 12(a)(1)(A)(i)", trigger=TRIGGER, explanation=("a.", "b."),
                cite_short="FRCP 12(a)", time=time(10, 0), flags=(FLAG,), reminders=("1d",), kind="followup",
                critical=False, timezone="America/New_York")
    _same(build(**full), Deadline(**full))
    least = {f.name: full[f.name] for f in fields(Deadline) if f.name in ("matter", "rule", "title", "due", "court",
                                                                          "citation", "trigger", "explanation")}
    _same(build(**least), Deadline(**least))
    _same(build(*full.values()), Deadline(*full.values()))  # positional, in field order


def test_other_records() -> None:
    _same(builder(Flag)("conflict", "warning", "m"), Flag("conflict", "warning", "m"))
    _same(builder(TriggerEvent)(matter="m", event="e", date=date(2026, 1, 5), attorneys=("a@x.com",)),
          TriggerEvent(matter="m", event="e", date=date(2026, 1, 5), attorneys=("a@x.com",)))
    _same(builder(Provenance)("f.csv", 3), Provenance("f.csv", 3))


def test_record_stays_frozen_and_replaceable() -> None:
    built = builder(Flag)("conflict", "warning", "m")
    with pytest.raises(AttributeError):
        built.kind = "other"  # type: ignore[misc]
    assert replace(built, kind="other") == Flag("other", "warning", "m")


def test_bad_calls_fail_as_the_constructor_does() -> None:
    build = builder(Flag)
    with pytest.raises(TypeError):
        build("conflict")  # missing fields
    with pytest.raises(TypeError):
        build("conflict", "warning", "m", colour="red")  # no such field


def test_classes_a_field_copy_would_get_wrong_keep_their_constructor() -> None:
    @dataclass(frozen=True)
    class WithFactory:
        items: list[int] = field(default_factory=list)

    @dataclass(frozen=True)
    class WithPost:
        n: int

        def __post_init__(self) -> None:
            object.__setattr__(self, "n", self.n * 2)

    @dataclass
    class NotFrozen:
        n: int

    for cls in (WithFactory, WithPost, NotFrozen):
        assert builder(cls) is cls


def test_a_slots_record_is_built_through_its_twin_and_is_the_constructors_record() -> None:
    build = builder(Deadline)
    made = build("m", "r", "t", date(2026, 1, 5), "cand", "c", TRIGGER, ("a.",))
    assert type(made) is Deadline and not hasattr(made, "__dict__")
    with pytest.raises(AttributeError):
        made.due = date(2026, 1, 6)  # type: ignore[misc]
    assert replace(made, due=date(2026, 1, 6)).due == date(2026, 1, 6)


def test_slots_layouts_a_twin_would_not_match_keep_their_constructor() -> None:
    @dataclass(frozen=True, slots=True)
    class Base:
        n: int

    @dataclass(frozen=True, slots=True)
    class Derived(Base):
        m: int

    assert builder(Base) is not Base
    assert builder(Derived) is Derived
    made = builder(Base)(3)
    assert made == Base(3) and type(made) is Base and repr(made) == repr(Base(3))


def test_the_engine_builds_deadlines_positionally_in_this_field_order() -> None:
    # daemon/engine/rulebook.py builds each Deadline with positional arguments (a keyword call cost a tenth
    # of the record): reordering Deadline's fields would silently swap values there. Change both together.
    assert [f.name for f in fields(Deadline)] == [
        "matter", "rule", "title", "due", "court", "citation", "trigger", "explanation", "cite_short", "time",
        "flags", "reminders", "kind", "critical", "timezone"]
