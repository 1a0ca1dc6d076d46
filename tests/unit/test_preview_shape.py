"""A preview's deadline dicts, built with shared parts (issue 17), equal `Deadline.as_preview` item by item
once written as JSON (the preview keeps dates and traces as the date and tuple they are)."""

from __future__ import annotations

from datetime import date, time

import orjson

from daemon.engine import load_rulebook
from daemon.models import Flag, Provenance, TriggerEvent
from daemon.planning.flags import Flagger, all_flags
from daemon.planning.trigger_cache import CachedRules
from daemon.sources.inbox import _PreviewShape

BOOK = load_rulebook()
TODAY = date(2026, 12, 3)


def _triggers() -> list[TriggerEvent]:
    out = []
    for i, (court, event, day, at, service, ref) in enumerate([
        ("federal", "summons_served", date(2026, 11, 27), None, "mail", None),
        ("federal", "summons_served", date(2026, 11, 27), None, "mail", "second"),  # a cache repeat, own ref
        ("cand", "motion_hearing", date(2027, 2, 4), time(9, 30), None, None),
        ("ca-superior", "trial", date(2027, 5, 10), None, None, "A"),
        ("federal", "interrogatories_served", date(2024, 1, 5), None, "electronic", None),  # far past: flags
        ("federal", "summons_served", date(2026, 12, 20), None, "personal", None),  # future trigger
        ("federal", "summons_served", date(2026, 11, 13), None, "personal", None),  # answer due soon
        ("cand", "summons_served", date(2026, 11, 13), None, "personal", None),
    ]):
        out.append(TriggerEvent(f"M-{i % 3}", event, day, court=court, time=at, service=service, ref=ref,
                                provenance=Provenance("x.csv", i + 2, "", TODAY)))
    return out


def test_items_equal_as_preview_and_flags_equal_all_flags() -> None:
    shape = _PreviewShape()
    rules = CachedRules(BOOK)
    flagger = Flagger(TODAY, courts=BOOK)
    seen = 0
    for t in _triggers() * 2:
        deadlines = rules.compute(t)
        expected = all_flags(deadlines, TODAY, courts=BOOK)
        for d in deadlines:
            flags = flagger.flags(d)
            assert flags == expected[d.key]
            assert orjson.loads(orjson.dumps(shape.item(d, flags))) == d.as_preview([f.as_dict() for f in flags])
            seen += 1
    assert seen > 10
    kinds = {f.kind for t in _triggers() for d in rules.compute(t) for f in flagger.flags(d)}
    assert {"missed", "due-soon", "future-trigger", "far-past-trigger"} <= kinds


def test_equal_flags_share_one_dict() -> None:
    shape = _PreviewShape()
    a = Flag("conflict", "warning", "busy", "plan")
    b = Flag("conflict", "warning", "busy", "plan")
    c = Flag("conflict", "warning", "busy", "plan", date(2026, 1, 5))
    assert shape.flag(a) is shape.flag(b) is shape.flag(a)
    assert shape.flag(c) == c.as_dict() and shape.flag(c) is not shape.flag(a)


def test_items_key_flags_as_all_flags_and_cross_flags_do() -> None:
    """A key twice in one row shows that row's last deadline's own flags on each; a key's cross-matter flags
    go to its last deadline only (what the per-key dicts of all_flags and cross_flags give)."""
    from dataclasses import replace

    from daemon.sources.inbox import _items

    rules = CachedRules(BOOK)
    rows = [rules.compute(t) for t in _triggers()]
    # One row with a rule twice (its second deadline due on another day, so its own flags differ) and a
    # later row that repeats the first row's deadlines (the same file dropped twice in one preview).
    doubled = rows[6] + [replace(rows[6][0], due=date(2026, 11, 1))]
    rows = [rows[0], doubled, *rows[1:6], rows[0]]
    every = [d for row in rows for d in row]
    ends = [sum(len(r) for r in rows[:i + 1]) for i in range(len(rows))]
    keys = [d.key for d in every]
    conflict = Flag("conflict", "warning", "busy", "plan")
    crossed = {keys[0]: [conflict], doubled[0].key: [conflict]}
    got = list(_items(every, keys, ends, crossed, Flagger(TODAY, courts=BOOK)))
    start = 0
    for row, end in zip(rows, ends, strict=True):
        own = all_flags(row, TODAY, courts=BOOK)  # by key: the row's last deadline with the key
        for i, d in enumerate(row, start=start):
            more = crossed.get(d.key, []) if max(j for j, k in enumerate(keys) if k == d.key) == i else []
            want = d.as_preview([f.as_dict() for f in [*own[d.key], *more]])
            assert orjson.loads(orjson.dumps(got[i])) == want, i
        start = end
    assert got[0]["flags"] == [] and got[-len(rows[0])]["flags"] != []  # the repeat holds the conflict
    assert got[len(rows[0])]["flags"] == got[len(rows[0]) + len(doubled) - 1]["flags"]
