"""Synthetic intake for the benchmarks: matters whose rows yield exactly 10 deadlines each.

Service dates lie in the three weeks before `today` and hearings in the year after it, so every
deadline is still ahead (none missed at intake); matters are routed round-robin to the attorneys.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

HEADER = ["matter", "title", "court", "event", "date", "service", "attorney", "status"]

# Event mixes per court that yield 10 deadlines (deadlines and follow-up tasks) per matter under the
# shipped rule packs; `deadlines_per_matter()` checks this against the real rule book.
_MIX: dict[str, tuple[str, ...]] = {
    "federal": ("summons_served", "interrogatories_served", "motion_hearing", "trial",
                "production_requests_served"),
    "ca-superior": ("summons_served", "motion_hearing", "msj_hearing", "trial"),
}
_COURTS = ("federal", "cand", "ca-superior", "cacd", "federal", "ca-superior")
_SERVICE = ("personal", "electronic", "mail", "overnight")
PER_MATTER = 10


@dataclass(frozen=True)
class Row:
    """One intake row."""

    matter: str
    title: str
    court: str
    event: str
    day: date
    service: str
    attorney: str

    def cells(self) -> list[str]:
        """The row as CSV cells in HEADER order."""
        return [self.matter, self.title, self.court, self.event, self.day.isoformat(), self.service,
                self.attorney, "open"]


def people(n: int) -> list[str]:
    """n attorney e-mail addresses."""
    return [f"atty{i:02d}@firm.com" for i in range(n)]


def matter_rows(index: int, today: date, attorneys: Sequence[str], rnd: random.Random,
                prefix: str = "B") -> list[Row]:
    """The rows of one matter (4-5 events yielding 10 deadlines)."""
    court = _COURTS[index % len(_COURTS)]
    mix = _MIX["ca-superior" if court == "ca-superior" else "federal"]
    matter = f"{prefix}-{index:06d}"
    title = f"Plaintiff {index} v. Defendant Co."
    attorney = attorneys[index % len(attorneys)] if attorneys else ""
    rows = []
    for event in mix:
        # Papers were served in the last week or three (in the past: no "future trigger" flag, and the
        # responses are still ahead); hearings and trials are set months out so backward counts are ahead.
        if event in ("motion_hearing", "msj_hearing", "trial"):
            offset = rnd.randrange(60, 365)
        elif event == "summons_served":
            offset = -rnd.randrange(0, 8)
        else:
            offset = -rnd.randrange(0, 21)
        rows.append(Row(matter, title, court, event, today + timedelta(days=offset), rnd.choice(_SERVICE),
                        attorney))
    return rows


def rows_for(matters: int, today: date, attorneys: Sequence[str], start: int = 0, seed: int = 11,
             prefix: str = "B") -> list[Row]:
    """Rows for matters start .. start+matters-1."""
    rnd = random.Random(seed + start)
    out: list[Row] = []
    for i in range(start, start + matters):
        out.extend(matter_rows(i, today, attorneys, rnd, prefix))
    return out


def csv_text(rows: Sequence[Row]) -> str:
    """Rows as intake CSV text with a header."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    for r in rows:
        w.writerow(r.cells())
    return buf.getvalue()


def write_csv(path: Path, rows: Sequence[Row]) -> Path:
    """Write rows to an intake CSV (written elsewhere first, then renamed in: a complete drop)."""
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_text(csv_text(rows), encoding="utf-8")
    tmp.replace(path)
    return path


def deadlines_per_matter(today: date) -> dict[str, int]:
    """How many deadlines each court's mix yields under the shipped rule book (should be 10)."""
    from daemon.engine import load_rulebook
    from daemon.models import TriggerEvent

    book = load_rulebook()
    out: dict[str, int] = {}
    for court in ("federal", "ca-superior"):
        rows = matter_rows(0 if court == "federal" else 2, today, ["a@firm.com"], random.Random(1))
        out[court] = sum(len(book.compute(TriggerEvent(r.matter, r.event, r.day, court=court, service=r.service)))
                         for r in rows)
    return out
