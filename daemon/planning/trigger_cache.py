"""PURE: the rule book's deadlines for a trigger, computed once per distinct set of trigger inputs.

Intake files repeat court, event, date and service method across matters (the bench's 10,000 rows
do in about half of them). The engine reads of a trigger only the fields in `inputs` (the matter
number only for error messages), so two triggers that agree on them get the same deadlines but for
`matter` and `trigger`, which are set to the second trigger's. Meant for one computation (a preview
run): the cache lives as long as the object.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import fields
from operator import attrgetter

from daemon.engine.records import builder
from daemon.models import Deadline, TriggerEvent
from daemon.planning.planner import RuleBookLike

_deadline = builder(Deadline)
_NAMES = tuple(f.name for f in fields(Deadline))
_M, _T = _NAMES.index("matter"), _NAMES.index("trigger")
assert _M < _T  # the split in _parts() keeps the fields in their declared order
# A deadline without its matter and trigger, as the three runs of fields around them.
_Parts = tuple[tuple[object, ...], tuple[object, ...], tuple[object, ...]]


_values = attrgetter(*_NAMES)


def _parts(d: Deadline) -> _Parts | None:
    if type(d) is not Deadline:  # a subclass may carry more than its fields: not kept
        return None
    v = _values(d)
    return v[:_M], v[_M + 1:_T], v[_T + 1:]


def inputs(t: TriggerEvent) -> Hashable:
    """What the rule book reads of a trigger to count its deadlines."""
    return (t.court, t.event, t.date, t.time, t.service, t.lower_court, t.timezone)


class CachedRules:
    """A RuleBookLike that remembers each distinct trigger's deadlines (see the module docstring)."""

    def __init__(self, rules: RuleBookLike) -> None:
        self._rules = rules
        self._first: dict[Hashable, tuple[Deadline, ...]] = {}  # first answers, split into parts on the first repeat
        self._parts: dict[Hashable, list[_Parts]] = {}

    def compute(self, trigger: TriggerEvent) -> list[Deadline]:
        """Every deadline the trigger implies: the rule book's, or its earlier answer re-addressed."""
        key = inputs(trigger)
        found = self._parts.get(key)
        if found is None:
            first = self._first.get(key)
            if first is None:
                # Errors (NotComputed, unknown events) are not kept: they name the matter and are raised anew.
                out = self._rules.compute(trigger)
                for d in out:
                    if d.trigger is not trigger or d.matter != trigger.matter:
                        break
                else:  # kept as a tuple: the caller's list is its own to change
                    self._first[key] = tuple(out)
                return out
            parts = [p for d in first if (p := _parts(d)) is not None]
            if len(parts) != len(first):
                return self._rules.compute(trigger)
            found = self._parts[key] = parts
        matter = trigger.matter
        return [_deadline(*a, matter, *b, trigger, *c) for a, b, c in found]
