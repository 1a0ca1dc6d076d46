"""The deadline engine: rule packs as data, counting methods as cited code, holiday calendars.

Public API: `load_rulebook()` -> `RuleBook`; `RuleBook.compute(trigger)` -> deadlines.
"""

from daemon.engine.errors import EngineError, PackError, UnknownCourt, UnknownEvent
from daemon.engine.packs import Court, Rule
from daemon.engine.rulebook import RuleBook, load_rulebook

__all__ = [
    "Court",
    "EngineError",
    "PackError",
    "Rule",
    "RuleBook",
    "UnknownCourt",
    "UnknownEvent",
    "load_rulebook",
]
