"""PURE: an example intake file dated relative to a given day, so a first run shows upcoming work.

The fixed-date `config/examples/intake-example.csv` goes stale (on a later day every deadline in it
is "missed"); tests keep using it. This example moves with `today`: things that have happened are
dated a few days back (on court days), hearings and conferences weeks ahead, so every deadline the
rows imply falls today or later, and none is "missed" or "future-dated".
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta

from daemon.engine.calendars import DayView, ca_judicial_holidays, ca_state_holidays, federal_holidays

COLUMNS = ("matter", "title", "court", "event", "date", "time", "service", "ref", "attorney", "paralegal",
           "status", "notes")


@dataclass(frozen=True)
class ExampleRow:
    """One row of the example: an event `offset` days from today (moved onto a court day), and the rest."""

    matter: str
    title: str
    court: str
    event: str
    offset: int  # negative: it happened; positive: it is set for then
    time: str = ""
    service: str = ""
    ref: str = ""
    attorney: str = ""
    paralegal: str = ""
    notes: str = ""


# Offsets are chosen so that each row's shortest period still ends today or later even when the
# event day moves back over a long weekend (up to 4 days), and each hearing's longest "before" period
# (16 court days plus service, about four weeks) still starts today or later. Several deadlines
# fall within the next 14 days, so `docketd agenda` has something to show at once.
ROWS = (
    ExampleRow("2026-0142", "Acme v. Widget", "federal", "summons_served", -12, service="personal",
               attorney="jdoe@firm.com", paralegal="pat@firm.com", notes="Served on Widget's registered agent"),
    ExampleRow("2026-0142", "Acme v. Widget", "federal", "interrogatories_served", -3, service="mail",
               ref="ROG set one", attorney="jdoe@firm.com", paralegal="pat@firm.com"),
    ExampleRow("2026-0157", "Baker v. Coastal Freight", "cand", "scheduling_conference", 45, time="10:00",
               attorney="asmith@firm.com", paralegal="pat@firm.com", notes="Judge Chen; Courtroom 5"),
    ExampleRow("2026-0157", "Baker v. Coastal Freight", "cand", "counterclaim_served", -11, service="electronic",
               attorney="asmith@firm.com", paralegal="pat@firm.com"),
    ExampleRow("2025-0988", "In re Delgado Holdings", "federal", "judgment_entered", -4,
               attorney="jdoe@firm.com;asmith@firm.com", paralegal="lee@firm.com",
               notes="Consider post-trial motions"),
    ExampleRow("2026-0201", "Rivera v. Sunset Properties", "ca-superior", "summons_served", -20,
               service="personal", attorney="mgarcia@firm.com", paralegal="lee@firm.com"),
    ExampleRow("2026-0201", "Rivera v. Sunset Properties", "ca-superior", "interrogatories_served", -1,
               service="mail", ref="Special ROGs set one", attorney="mgarcia@firm.com", paralegal="lee@firm.com"),
    ExampleRow("2026-0233", "Orchard Bank v. Lin", "ca-superior", "motion_hearing", 42, time="08:30",
               service="electronic", ref="Demurrer", attorney="mgarcia@firm.com", paralegal="lee@firm.com",
               notes="Dept. 14"),
    ExampleRow("2026-0090", "United States v. Parcel 7", "federal-appeals", "appellee_brief_served", -3,
               service="mail", attorney="jdoe@firm.com", paralegal="pat@firm.com"),
)


# The example's rows are in federal, California federal and California superior courts: a day any of
# them may close (unsettled days included) is avoided, from the engine's own holiday calendars.
EXAMPLE_CLOSED = DayView([federal_holidays, ca_judicial_holidays, ca_state_holidays], include_ambiguous=True)


def court_day(day: date, step: int, closed: DayView = EXAMPLE_CLOSED) -> date:
    """`day` if it is a court day, else the nearest one in the direction of `step` (+1 or -1)."""
    while closed.closed(day):
        day += timedelta(days=step)
    return day


def example_rows(today: date) -> list[dict[str, str]]:
    """The example's rows dated relative to `today`: past events on or before it, hearings after it."""
    out = []
    for r in ROWS:
        raw = today + timedelta(days=r.offset)
        # Past events on the court day at or before (never after today); settings on one at or after.
        when = court_day(raw, -1 if r.offset <= 0 else 1)
        out.append({"matter": r.matter, "title": r.title, "court": r.court, "event": r.event,
                    "date": when.isoformat(), "time": r.time, "service": r.service, "ref": r.ref,
                    "attorney": r.attorney, "paralegal": r.paralegal, "status": "open", "notes": r.notes})
    return out


def example_csv(today: date) -> str:
    """The example intake file (CSV text) for `today`."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(example_rows(today))
    return buf.getvalue()
