"""Row validation shared by every reader and the sheet sources (parse_records)."""

from __future__ import annotations

from datetime import date, time

from daemon.intake import RowError, parse_records
from daemon.models import Provenance
from tests.unit.intake.helpers import check_event

BASE = {"matter": "2026-0142", "court": "federal", "event": "summons_served", "date": "2026-01-05"}


def rows(*changes: dict[str, object]) -> list[dict[str, object]]:
    return [{**BASE, **c} for c in changes]


def test_a_full_row_becomes_a_trigger_with_provenance() -> None:
    result = parse_records(rows({"title": "Acme v. Widget", "time": "9:30", "service": "Personal",
                                 "ref": "first", "attorney": "JDoe@firm.com", "paralegal": "pat@firm.com",
                                 "status": "OPEN", "notes": "agent"}),
                           "intake.csv", checksum="abc", check_event=check_event)
    assert result.errors == [] and result.rows == 1
    (t,) = result.triggers
    assert (t.matter, t.event, t.date, t.court, t.time, t.service) == (
        "2026-0142", "summons_served", date(2026, 1, 5), "federal", time(9, 30), "personal")
    assert (t.ref, t.title, t.attorneys, t.paralegals, t.status, t.notes) == (
        "first", "Acme v. Widget", ("jdoe@firm.com",), ("pat@firm.com",), "open", "agent")
    assert t.provenance == Provenance(source="intake.csv", row=2, checksum="abc")


def test_headers_are_matched_case_insensitively_and_through_aliases() -> None:
    records = [{"Matter #": "2026-0142", "COURT": "federal", "Trigger Event": "summons_served",
                "Date Served": "1/5/2026", "Service Method": "mail", "Responsible Attorney": "jdoe@firm.com",
                "Firm Internal Code": "X-1"}]
    result = parse_records(records, "s.csv")
    assert result.errors == []
    assert result.triggers[0].service == "mail" and result.triggers[0].date == date(2026, 1, 5)


def test_configured_aliases_win_and_bad_targets_are_reported() -> None:
    records = [{"Case": "2026-0142", "Forum": "federal", "What": "summons_served", "When": "2026-01-05"}]
    result = parse_records(records, "s.csv", header_aliases={"case": "matter", "what": "event", "WHEN": "date"})
    assert result.errors == [] and result.triggers[0].matter == "2026-0142"
    bad = parse_records(records, "s.csv", header_aliases={"Case": "matter_number"})
    assert bad.triggers == []
    assert "'matter_number', which is not an intake column" in bad.errors[0].message


def test_missing_required_column_is_one_file_error_listing_what_was_seen() -> None:
    result = parse_records([{"matter": "1", "court": "federal", "evnt": "summons_served", "date": "2026-01-05"}],
                           "s.csv")
    (error,) = result.errors
    assert error.row is None and error.column == "event"
    assert "'evnt'" in error.message and "[intake.headers]" in error.message


def test_two_headers_meaning_the_same_column_are_refused() -> None:
    result = parse_records([{**BASE, "Matter #": "2026-0999"}], "s.csv")
    assert result.triggers == []
    assert "both mean 'matter'" in result.errors[0].message


def test_every_problem_in_a_row_is_reported_with_its_column() -> None:
    result = parse_records(rows({"matter": "", "date": "31/12/2026", "time": "25:00",
                                 "service": "pigeon", "attorney": "jdoe", "status": "pending", "event": ""}),
                           "s.csv")
    assert result.triggers == []
    assert {e.column for e in result.errors} == {"matter", "event", "date", "time", "service", "attorney", "status"}
    assert all(e.row == 2 and e.file == "s.csv" for e in result.errors)
    assert all(e.message.endswith(".") for e in result.errors)


def test_good_rows_of_a_partly_bad_file_are_kept_and_rows_are_numbered_as_seen() -> None:
    records = rows({}, {"date": "tomorrow"}, {"matter": "2026-0143"})
    records.insert(1, {k: "" for k in BASE})  # a blank row: skipped, not counted, but numbered
    result = parse_records(records, "s.csv")
    assert [t.provenance.row for t in result.triggers if t.provenance] == [2, 5]
    assert [(e.row, e.column) for e in result.errors] == [(4, "date")]
    assert result.rows == 3


def test_unknown_event_and_court_come_from_the_rulebook_check() -> None:
    result = parse_records(rows({"event": "Summons Served"}, {"event": "summons_servd"}, {"court": "mars"}),
                           "s.csv", check_event=check_event)
    assert [t.event for t in result.triggers] == ["summons_served"]
    assert [(e.row, e.column) for e in result.errors] == [(3, "event"), (4, "event")]
    assert "no rule for the event 'summons_servd'" in result.errors[0].message
    assert "court 'mars' is not configured" in result.errors[1].message


def test_court_is_carried_from_an_earlier_row_of_the_same_matter_only() -> None:
    result = parse_records(rows({}, {"court": "", "event": "trial", "date": "2027-03-05"},
                                {"matter": "2026-0200", "court": ""}), "s.csv", check_event=check_event)
    # Without an earlier row the court stays None: the pipeline takes it from the stored matter
    # (or reports the row), so a follow-up file need not repeat a known matter's court.
    assert [t.court for t in result.triggers] == ["federal", "federal", None]
    assert result.errors == []


def test_a_file_without_a_court_column_is_allowed() -> None:
    result = parse_records([{"matter": "2026-0142", "event": "trial", "date": "2027-03-05"}], "s.csv")
    assert result.errors == [] and result.triggers[0].court is None


def test_day_first_file_makes_every_small_slashed_date_an_error() -> None:
    result = parse_records(rows({"date": "13/01/2026"}, {"event": "trial", "date": "05/01/2026"},
                                {"event": "judgment_entered", "date": "2026-05-01"}), "s.csv")
    assert [t.event for t in result.triggers] == ["judgment_entered"]
    assert [e.row for e in result.errors] == [2, 3]
    assert "ambiguous" in result.errors[1].message


def test_repeated_identical_rows_count_once_and_conflicting_ones_are_refused() -> None:
    same = parse_records(rows({}, {}), "s.csv")
    assert len(same.triggers) == 1 and same.errors == []
    conflict = parse_records(rows({}, {"date": "2026-01-06"}, {"event": "trial", "date": "2027-03-05"}), "s.csv")
    assert [t.event for t in conflict.triggers] == ["trial"]
    assert [e.row for e in conflict.errors] == [2, 3]
    assert "different ref" in conflict.errors[0].message and "Row(s) 3" in conflict.errors[0].message
    refs = parse_records(rows({"ref": "set one"}, {"ref": "set two", "date": "2026-01-06"}), "s.csv")
    assert len(refs.triggers) == 2


def test_identity_separator_and_control_characters_are_refused() -> None:
    result = parse_records(rows({"matter": "2026|0142"}, {"ref": "a|b"}, {"matter": "x\x07"}), "s.csv")
    assert result.triggers == []
    assert [e.column for e in result.errors] == ["matter", "ref", "matter"]


def test_spreadsheet_error_values_long_cells_and_nested_values() -> None:
    result = parse_records(rows({"date": "#REF!"}, {"notes": "x" * 20_000}, {"title": ["a", "b"]}), "s.csv")
    assert result.triggers == []
    messages = [e.message for e in result.errors]
    assert "spreadsheet error #REF!" in messages[0]
    assert "20,000 characters" in messages[1]
    assert "list or nested object" in messages[2]


def test_typed_values_from_spreadsheets_and_yaml() -> None:
    result = parse_records([{**BASE, "matter": 20260142.0, "date": date(2026, 1, 5),
                             "attorney": ["jdoe@firm.com"]}], "s.xlsx")
    assert result.errors == []
    assert result.triggers[0].matter == "20260142"


def test_closed_status() -> None:
    result = parse_records(rows({"status": "Closed"}), "s.csv")
    assert result.triggers[0].status == "closed"


def test_row_error_renders_as_a_sentence_and_a_dict() -> None:
    error = RowError("s.csv", 3, "date", "Bad.")
    assert str(error) == "s.csv, row 3, column date: Bad."
    assert error.as_dict() == {"file": "s.csv", "row": 3, "column": "date", "message": "Bad."}


def test_too_many_rows_is_refused_with_a_size_message() -> None:
    many = ({**BASE, "matter": str(i)} for i in range(100_002))
    result = parse_records(many, "big.csv")
    assert result.triggers == []
    assert "more than 100,000" in result.errors[0].message
