"""Docket numbers as firms type them and as courts print them match the same matter."""

from __future__ import annotations

import sqlite3

import pytest

from daemon.sources.notices.links import link, matters_for, normalize_case_number


@pytest.mark.parametrize(("raw", "want"), [
    ("3:24-cv-01234", "3:24-cv-01234"), ("3:24-CV-01234-JST", "3:24-cv-01234"),
    (" 1:17-cr-00201-ABJ-2 ", "1:17-cr-00201"),
    ("01:20-cv-08924", "1:20-cv-08924"), ("NYS/1:20-cv-01296", "1:20-cv-01296"), ("MDL No. 2967", "MDL No. 2967"),
    ("mdl 2967", "MDL No. 2967"), ("21-1975", "21-1975"), ("22-11299-W", "22-11299"),
])
def test_normalize(raw: str, want: str) -> None:
    assert normalize_case_number(raw) == want


def test_a_link_to_another_cmecf_court_does_not_match() -> None:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE case_links (case_number TEXT NOT NULL, matter TEXT NOT NULL, court TEXT NOT NULL "
               "DEFAULT '', source TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (case_number, matter))")
    link(db, "A", "1:20-cv-01296", "nysd", "t", "s")
    link(db, "B", "1:20-cv-01296", "federal", "t", "s")
    assert matters_for(db, "1:20-cv-01296-CM", "nysd") == ["A", "B"]
    assert matters_for(db, "1:20-cv-01296", "nyed") == ["B"]  # the same number in E.D.N.Y. is another case
