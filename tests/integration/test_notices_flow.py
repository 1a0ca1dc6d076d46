"""Court e-mail notices end to end in process: inbox .eml -> store -> deadlines -> calendar, and the review queue.

Real parts: SQLite, the inbox pipeline, the rule packs, the in-memory calendar connector. The notices
are real CM/ECF e-mails (tests/data/nef, juriscraper's BSD-licensed test suite), re-addressed.
"""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from connectors.memory import MemoryConnector
from daemon.errors import UsageError
from daemon.sources.inbox import ingest_file
from daemon.sources.notices.decide import accept, reject
from daemon.sources.notices.review import review_items
from tests.integration.notice_mail import hearing_notice, notice
from tests.memory_docket import MemoryDocket

NOW = datetime(2023, 1, 14, 9, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
HEADER = "matter,title,court,event,date,attorney,case_number\n"
MATTER = "2023-0007,Simon v. City and County of San Francisco,cand,complaint_filed,2022-09-27,jdoe@firm.com"


class Harness(MemoryDocket):
    def __init__(self, tmp: Path) -> None:
        super().__init__(tmp, stamp="2023-01-14T09:00:00")

    def drop(self, name: str, data: bytes | str) -> str:
        self.n += 1
        path = self.config.inbox / f"{self.n}-{name}"
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
        return ingest_file(self.docket, path, NOW).status

    def sync(self) -> MemoryConnector:
        self.dispatcher.run_once(1e12)
        return self.cal

    def deadlines(self) -> list[tuple[str, str, str]]:
        return [(d["rule"], d["due"], d["title"]) for d in self.store.all_deadlines()]

    def triggers(self) -> int:
        return int(self.store.db.execute("SELECT COUNT(*) FROM triggers").fetchone()[0])


@pytest.fixture
def h(tmp_path: Path) -> Harness:
    return Harness(tmp_path)


def test_hearing_notice_for_a_linked_matter_lands_on_the_calendar(h: Harness) -> None:
    h.drop("intake.csv", HEADER + MATTER + ",4:22-cv-05541-JST\n")
    assert h.drop("notice.eml", hearing_notice()) == "processed"
    got = set(h.deadlines())
    # The hearing and the attendance-list date the court set, and FRCP 6(c) dates counted back from it.
    assert ("court.set", "2023-01-19", "Motion Hearing") in got
    assert ("court.set", "2023-01-18", "Deadline set by the court") in got
    assert ("frcp.motion-service", "2023-01-05", "Serve motion and notice of hearing") in got
    assert ("frcp.opposing-affidavits", "2023-01-12", "Opposing affidavits due") in got
    cal = h.sync()
    hearing = next(e for e in cal.entries.values() if "Motion Hearing" in e.summary)
    assert hearing.start == date(2023, 1, 19) and hearing.start_time == time(14, 0)
    assert hearing.timezone == "America/Los_Angeles"
    assert "<19886372@cand.uscourts.gov>" in hearing.description
    assert "docket entry 45" in hearing.description
    assert "CLERKS NOTICE SETTING ZOOM HEARING" in hearing.description
    assert review_items(h.store.db) == []


def test_the_same_notice_twice_and_a_forwarded_copy_count_once(h: Harness) -> None:
    h.drop("intake.csv", HEADER + MATTER + ",4:22-cv-05541\n")
    h.drop("a.eml", hearing_notice())
    before = (h.triggers(), h.deadlines())
    assert h.drop("b.eml", hearing_notice()) == "duplicate"  # a second recipient's copy
    fwd = hearing_notice(message_id="CAFwd123@mail.firm.com",
                         subject="Fwd: Activity in Case 4:22-cv-05541-JST Simon et al v. City and County")
    assert h.drop("c.eml", fwd) == "duplicate"
    assert (h.triggers(), h.deadlines()) == before
    assert sorted(p.name for p in (h.config.processed_dir).iterdir()) == ["1-intake.csv", "2-a.eml", "3-b.eml",
                                                                          "4-c.eml"]


def test_unknown_case_goes_to_review_then_link_and_accept(h: Harness) -> None:
    h.drop("intake.csv", HEADER + MATTER + ",\n")  # no case number yet
    h.drop("notice.eml", hearing_notice())
    items = review_items(h.store.db)
    assert len(items) == 1 and "No matter is linked to case 4:22-cv-05541" in items[0].reason
    assert h.deadlines() == [] or all(r != "court.set" for r, _, _ in h.deadlines())
    flag = h.store.db.execute("SELECT severity, message FROM flags WHERE kind='notice-review' AND acked_at IS NULL"
                              ).fetchone()
    assert flag is not None and "#1" in flag[1]
    with pytest.raises(UsageError, match="docketd link"):
        accept(h.docket, items[0].id, NOW, "tester")
    from daemon.sources.notices.links import link
    with h.store.transaction() as db:
        link(db, "2023-0007", "4:22-cv-05541-JST", "cand", "test", "2023-01-14T09:00:00")
    assert "docketed 3 dates" in accept(h.docket, items[0].id, NOW, "tester")
    assert ("court.set", "2023-01-19", "Motion Hearing") in set(h.deadlines())
    assert review_items(h.store.db) == []
    assert h.store.db.execute("SELECT COUNT(*) FROM flags WHERE kind='notice-review' AND acked_at IS NULL"
                              ).fetchone()[0] == 0


def test_a_sender_outside_senders_goes_to_review(h: Harness) -> None:
    h.drop("intake.csv", HEADER + MATTER + ",4:22-cv-05541\n")
    h.drop("notice.eml", hearing_notice(sender="attacker@example.com"))
    items = review_items(h.store.db)
    assert len(items) == 1 and "attacker@example.com" in items[0].reason
    assert all(r != "court.set" for r, _, _ in h.deadlines())
    assert "Rejected #1" in reject(h.docket, 1, NOW, "tester")
    assert review_items(h.store.db) == []


def test_a_reset_hearing_never_moves_the_old_date_by_itself(h: Harness) -> None:
    h.drop("intake.csv", HEADER + MATTER + ",4:22-cv-05541\n")
    h.drop("first.eml", hearing_notice())
    before = h.deadlines()
    moved = hearing_notice(message_id="19899999@cand.uscourts.gov",
                           body_from="Motion Hearing set for 1/19/2023 02:00",
                           body_to="Motion Hearing set for 2/16/2023 02:00")
    moved = moved.replace(b"45(No document", b"52(No document")
    h.drop("second.eml", moved)
    assert h.deadlines() == before  # nothing moved
    items = review_items(h.store.db)
    assert len(items) == 1 and items[0].moves
    assert any(m["old"] == "2023-01-19 14:00" and m["new"] == "2023-02-16 14:00" for m in items[0].moves)
    sev = h.store.db.execute("SELECT severity FROM flags WHERE kind='notice-review'").fetchone()[0]
    assert sev == "critical"
    accept(h.docket, items[0].id, NOW, "tester", replace_old=True)
    dues = {(r, d) for r, d, _ in h.deadlines()}
    assert ("frcp.opposing-affidavits", "2023-02-09") in dues
    assert ("frcp.opposing-affidavits", "2023-01-12") not in dues


def test_bankruptcy_notices_are_never_docketed(h: Harness) -> None:
    h.drop("intake.csv", HEADER + MATTER + ",4:22-cv-05541\n")
    assert h.drop("bk.eml", notice("bankruptcy/cob_1")) == "processed"
    items = review_items(h.store.db)
    assert len(items) == 1 and "bankruptcy" in items[0].reason.lower()
    assert all(r == "frcp.service-of-process" for r, _, _ in h.deadlines())


def test_a_file_that_is_no_email_is_rejected_not_deleted(h: Harness) -> None:
    assert h.drop("empty.eml", b"") == "rejected"
    assert (h.config.rejected_dir / "1-empty.eml").exists()


def test_case_number_column_is_checked(h: Harness) -> None:
    assert h.drop("intake.csv", HEADER + MATTER + ",=HYPERLINK(x)\n") == "rejected"


def test_bankruptcy_notices_can_be_ignored_by_config(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    h.config.sources["court-mail"] = {"kind": "imap", "bankruptcy": "ignore", "senders": ["*.uscourts.gov"]}
    assert h.drop("bk.eml", notice("bankruptcy/cob_1")) == "processed"
    assert review_items(h.store.db) == []
    assert h.store.db.execute("SELECT status FROM notices").fetchone()[0] == "ignored"


def test_a_hearing_already_typed_from_intake_is_not_docketed_twice(h: Harness) -> None:
    h.drop("intake.csv", HEADER.replace("case_number", "time,case_number") + MATTER + ",,4:22-cv-05541\n"
           + "2023-0007,,cand,motion_hearing,2023-01-19,jdoe@firm.com,14:00,\n")
    before = [d for d in h.deadlines() if d[0].startswith("frcp.opposing")]
    h.drop("notice.eml", hearing_notice())
    assert [d for d in h.deadlines() if d[0].startswith("frcp.opposing")] == before == [
        ("frcp.opposing-affidavits", "2023-01-12", "Opposing affidavits due")]
    assert ("court.set", "2023-01-19", "Motion Hearing") in set(h.deadlines())  # the setting itself is new


def test_a_hearing_under_a_generic_court_keeps_the_courts_own_time_zone(h: Harness) -> None:
    """nysd_4 (S.D.N.Y., entered "10:17 AM EDT"): a matter filed as `federal` (Los Angeles) must get
    the mediation at 11:00 New York time, not 11:00 in Los Angeles."""
    h.drop("intake.csv", HEADER + "2022-0900,In re NYC Policing,federal,complaint_filed,2020-10-26,jdoe@firm.com,"
           "1:20-cv-08924\n")
    h.drop("nysd.eml", notice("district/nysd_4", sender="NYSD_ECF_Pool@nysd.uscourts.gov"))
    cal = h.sync()
    (conf,) = [e for e in cal.entries.values() if "Mediation Conference" in e.summary]
    assert conf.start == date(2022, 9, 12) and conf.start_time == time(11, 0)
    assert conf.timezone == "America/New_York"


def test_an_appellate_motion_runs_the_frap_response_period(h: Harness) -> None:
    """ca11_1 (11th Cir., filed 08/10/2022): FRAP 27(a)(3)(A) gives 10 days, ending Saturday 8/20/2022,
    so FRAP 26(a)(1)(C) carries it to Monday 8/22/2022."""
    h.drop("intake.csv", HEADER + "2022-0311,Greene v. Raffensperger,federal,complaint_filed,2022-04-01,"
           "jdoe@firm.com,22-11299\n")
    assert h.drop("ca11.eml", notice("appellate/ca11_1")) == "processed"
    assert review_items(h.store.db) == []
    assert ("frap.motion-response", "2022-08-22", "Response to motion due") in set(h.deadlines())


def test_open_review_items_are_in_the_agenda_and_the_digest(h: Harness) -> None:
    from daemon.views.agenda import load_agenda
    from daemon.views.digest import compose

    h.drop("intake.csv", HEADER + MATTER + ",4:22-cv-05541\n")
    moved = hearing_notice(sender="someone@example.com")
    h.drop("notice.eml", moved)
    agenda = load_agenda(h.store.db, h.config)
    assert any(f.kind == "notice-review" for f in agenda.flags)
    digest = compose(agenda, "jdoe@firm.com", NOW.date())
    assert "Court notice needs review (#1" in digest.text
    reject(h.docket, 1, NOW, "tester")
    assert not any(f.kind == "notice-review" for f in load_agenda(h.store.db, h.config).flags)


def test_a_vacating_notice_shows_the_dates_it_may_touch_and_changes_none(h: Harness) -> None:
    h.drop("intake.csv", HEADER + MATTER + ",4:22-cv-05541\n")
    h.drop("first.eml", hearing_notice())
    before = h.deadlines()
    vacate = hearing_notice(message_id="19900000@cand.uscourts.gov",
                            body_from="CLERKS NOTICE SETTING ZOOM HEARING.",
                            body_to="CLERKS NOTICE: the hearing on the motions is VACATED.")
    h.drop("vacate.eml", vacate.replace(b"45(No document", b"60(No document"))
    assert h.deadlines() == before
    (item,) = review_items(h.store.db)
    assert any(m["what"] == "Motion Hearing" and m["old"] == "2023-01-19 14:00" for m in item.moves)
    assert h.store.db.execute("SELECT severity FROM flags WHERE kind='notice-review'").fetchone()[0] == "critical"
    with pytest.raises(UsageError, match="--withdraw N"):
        accept(h.docket, item.id, NOW, "tester", replace_old=True)
    n = next(i for i, m in enumerate(item.moves, 1) if m["what"] == "Motion Hearing")
    assert "withdrew 1 earlier dates" in accept(h.docket, item.id, NOW, "tester", withdraw=[n])
    assert ("court.set", "2023-01-19", "Motion Hearing") not in set(h.deadlines())
    assert ("frcp.opposing-affidavits", "2023-01-12", "Opposing affidavits due") in set(h.deadlines())


def test_the_courts_own_copy_after_a_forward_is_docketed_and_closes_the_held_item(h: Harness) -> None:
    h.drop("intake.csv", HEADER + MATTER + ",4:22-cv-05541\n")
    fwd = hearing_notice(sender="paralegal@firm.com", message_id="fw1@firm.com",
                         subject="FW: Activity in Case 4:22-cv-05541-JST Simon et al v. City and County")
    h.drop("fw.eml", fwd)
    assert len(review_items(h.store.db)) == 1 and all(r != "court.set" for r, _, _ in h.deadlines())
    h.drop("court.eml", hearing_notice())
    assert review_items(h.store.db) == []
    assert ("court.set", "2023-01-19", "Motion Hearing") in set(h.deadlines())
    assert [i.status for i in review_items(h.store.db, status=None)] == ["superseded"]
    assert h.drop("again.eml", hearing_notice()) == "duplicate"
