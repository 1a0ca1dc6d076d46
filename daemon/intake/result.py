"""What reading an intake source produces: good trigger rows and sentences about the bad ones."""

from __future__ import annotations

from dataclasses import dataclass, field

from daemon.errors import DocketdError
from daemon.models import TriggerEvent


@dataclass(frozen=True)
class RowError:
    """One problem in an intake source; `message` says what is wrong and how to fix it.

    `row` is None for problems with the whole file; `column` is the intake column's name
    (`date`, `event`, ...) or None when the problem is not about one cell.
    """

    file: str
    row: int | None
    column: str | None
    message: str

    def as_dict(self) -> dict[str, object]:
        """The error as JSON-ready data (the `errors` items of `docketd preview --json`)."""
        return {"file": self.file, "row": self.row, "column": self.column, "message": self.message}

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


@dataclass
class IntakeResult:
    """Good rows as trigger events, problems as RowErrors, and how many data rows were seen."""

    triggers: list[TriggerEvent] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0

    @property
    def rejected_rows(self) -> list[int]:
        """Row numbers with at least one error, in order."""
        return sorted({e.row for e in self.errors if e.row is not None})

    @property
    def file_errors(self) -> list[RowError]:
        """Problems with the whole source (no row), e.g. an unreadable file or a missing column."""
        return [e for e in self.errors if e.row is None]


class IntakeError(DocketdError):
    """An intake source could not be read at all for a reason outside its content (I/O, permissions).

    Bad content never raises: it is reported as RowErrors in the IntakeResult.
    """
