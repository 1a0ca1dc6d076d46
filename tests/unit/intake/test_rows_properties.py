"""Invariants of row validation over generated files: every row is accounted for exactly once,
and no two accepted rows claim the same trigger instance (which would be a silent overwrite)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from daemon.intake import parse_records
from daemon.intake.values import as_text
from tests.unit.intake.helpers import check_event

CELLS = {
    "matter": st.sampled_from(["2026-0142", "2026-0143", "", "2026|01", " 2026-0144 "]),
    "court": st.sampled_from(["federal", "cand", "", "mars", "FEDERAL"]),
    "event": st.sampled_from(["summons_served", "trial", "Summons Served", "", "nonsense"]),
    "date": st.sampled_from(["2026-01-05", "1/5/2026", "13/01/2026", "05/01/2026", "1/5/26", "", "x",
                             "January 5, 2026"]),
    "service": st.sampled_from(["", "personal", "mail", "pigeon"]),
    "ref": st.sampled_from(["", "one", "two"]),
    "status": st.sampled_from(["", "open", "closed", "maybe"]),
}
ROW = st.fixed_dictionaries({k: v for k, v in CELLS.items()})


@settings(max_examples=300, deadline=None)
@given(st.lists(ROW, max_size=25))
def test_every_row_is_accepted_refused_or_a_repeat_exactly_once(records: list[dict[str, str]]) -> None:
    result = parse_records(records, "gen.csv", check_event=check_event)
    nonblank = {n for n, r in enumerate(records, start=2) if any(as_text(v) for v in r.values())}
    accepted = [t.provenance.row for t in result.triggers if t.provenance]
    refused = {e.row for e in result.errors}
    assert None not in refused  # the header is fine, so every problem belongs to a row
    assert len(accepted) == len(set(accepted))
    assert not set(accepted) & refused
    assert set(accepted) | refused <= nonblank
    assert result.rows == len(nonblank)
    instances = [t.instance for t in result.triggers]
    assert len(instances) == len(set(instances))
    # A row neither accepted nor refused must be an exact repeat of an accepted one.
    for number in nonblank - set(accepted) - refused:
        row = records[number - 2]
        assert any(records[a - 2]["matter"].strip() == row["matter"].strip() for a in accepted)
