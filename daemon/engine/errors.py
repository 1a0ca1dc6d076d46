"""Errors of the deadline engine; each message is a sentence a user can act on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from daemon.models import Deadline

from daemon.errors import DocketdError


class EngineError(DocketdError):
    """Something about the rules, courts or a trigger the engine cannot work with."""

    exit_code = 2  # a rule pack, court or trigger to fix: a config error for the CLI


class UnknownCourt(EngineError):
    """The court id is not in any loaded courts/*.yaml."""


class UnknownEvent(EngineError):
    """The trigger event is not known to the court's rule packs."""


class NotComputed(EngineError):
    """A rule that a trigger fires has no period for the trigger's date (no version in force, or a version
    the pack marks `not_computed`): the deadline exists in law but cannot be counted from this row.

    `deadlines` holds what the trigger's other rules did compute: one rule that cannot be counted must
    not take the others' deadlines off the calendar with it."""

    def __init__(self, message: str, deadlines: Sequence[Deadline] = ()) -> None:
        super().__init__(message)
        self.deadlines = list(deadlines)


class PackError(EngineError):
    """One or more rule packs or courts are invalid; `problems` names file and rule for each."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        head = f"{len(self.problems)} problem(s) in the rule packs; fix them and run `docketd rules check`:"
        super().__init__("\n".join([head, *("  " + p for p in self.problems)]))
