"""Issue 18 B12: look-alike matter numbers must be one matter, or refused — never a second matter.

`2026-0142` typed with a U+2011 non-breaking hyphen or fullwidth digits is the same matter after
NFKC normalisation (Unicode UAX #15) and dash folding; a zero-width space or a bidi override cannot be
seen on screen, so a row holding one is refused with an error naming the column and the character.
"""

from __future__ import annotations

import pytest

from daemon.intake import parse_records


def _row(matter: str, ref: str, **extra: str) -> dict[str, object]:
    return {"matter": matter, "court": "federal", "event": "summons_served", "date": "2026-01-05", "ref": ref,
            **extra}


def test_lookalike_matter_numbers_are_one_matter_or_refused() -> None:
    fullwidth = "\uff12\uff10\uff12\uff16-\uff10\uff11\uff14\uff12"
    rows = [_row("2026-0142", "a"), _row("2026\u20110142", "b"), _row(fullwidth, "c"), _row("2026\u22120142", "d"),
            _row("2026-01\u200b42", "e"), _row("\u202e2026-0142", "f")]
    result = parse_records(rows, "x.csv")
    assert {t.matter for t in result.triggers} == {"2026-0142"}
    assert sorted(t.ref for t in result.triggers if t.ref) == ["a", "b", "c", "d"]
    by_row = {e.row: e for e in result.errors}
    assert sorted(by_row) == [6, 7]
    assert by_row[6].column == "matter" and "U+200B ZERO WIDTH SPACE" in by_row[6].message
    assert by_row[7].column == "matter" and "U+202E RIGHT-TO-LEFT OVERRIDE" in by_row[7].message


@pytest.mark.parametrize("column", ["ref", "attorney", "title", "notes", "court", "event"])
def test_invisible_characters_are_refused_in_any_column(column: str) -> None:
    values = {"ref": "r\u200b1", "attorney": "jdoe@firm.com\u2060", "title": "Acme \u202ev. Widget",
              "notes": "call \u2066back\u2069", "court": "fed\u200deral", "event": "summons\u200c_served"}
    result = parse_records([_row("2026-0142", "") | {column: values[column]}], "x.csv")
    assert not result.triggers
    assert [e.column for e in result.errors] == [column]
    assert "U+" in result.errors[0].message


def test_joiners_in_titles_and_notes_are_kept() -> None:
    # ZWJ/ZWNJ are part of ordinary writing in several scripts (and emoji): allowed in free text only.
    result = parse_records([_row("2026-0142", "", title="\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645")],
                           "x.csv")
    assert [t.title for t in result.triggers] == ["\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"]
