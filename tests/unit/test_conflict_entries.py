"""One deadline added to a busy day rewrites only the entries whose text changed (issue 17).

A conflict flag's stored message counts and names the day's deadlines (docketd flags, agenda, digest
keep that detail); a calendar entry says only that there is a conflict. So a sixth answer due on a day
with five changes none of the five entries: the drop queues exactly the new matter's entries, counted
in the outbox and in the writes the in-memory calendar receives.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from daemon.planning.conflicts import CONFLICT_ON_ENTRY
from daemon.sources.inbox import ingest_file
from daemon.state.flags import flag_rows
from tests.memory_docket import MemoryDocket

HEADER = "matter,title,court,event,date,service,attorney,paralegal,status\n"
NOW = datetime(2026, 1, 6, 9, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
# FRCP 12(a)(1)(A)(i): an answer is due 21 days after personal service: 2026-01-05 -> Mon 2026-01-26.
SERVED = "2026-01-05"


class Harness(MemoryDocket):
    pass

    def drop(self, *matters: str) -> None:
        self.n += 1
        path = self.config.inbox / f"f{self.n}.csv"
        rows = "".join(f"{m},Case {m},federal,summons_served,{SERVED},personal,jdoe@firm.com,,open\n"
                       for m in matters)
        path.write_text(HEADER + rows, encoding="utf-8")
        ingest_file(self.docket, path, NOW)

    def sync(self) -> None:
        self.dispatcher.run_once(1e12)

    def versions(self) -> dict[str, str]:
        return {uid: e.etag for uid, e in self.cal.events.items()}


def _answers(h: Harness) -> dict[str, str]:
    """The answers' entry texts as queued for the calendar (uid -> description)."""
    return {p.uid: str(p.entry["description"]) for p in h.store.pending()
            if p.entry is not None and "Answer" in str(p.entry["summary"])}


def test_a_sixth_deadline_on_a_busy_day_writes_only_its_own_entries(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    h.drop(*[f"2026-010{i}" for i in range(1, 6)])
    answers = _answers(h)
    h.sync()
    before = h.versions()
    assert len(answers) == 5 and all(CONFLICT_ON_ENTRY in d for d in answers.values())
    assert all("5 critical deadlines" not in d for d in answers.values())

    h.drop("2026-0106")
    queued = h.store.pending()
    assert {p.key.split("|")[0] for p in queued} == {"2026-0106"}
    assert {p.op for p in queued} == {"upsert"}
    h.sync()
    after = h.versions()
    assert {uid: v for uid, v in after.items() if uid in before} == before  # no other entry was written
    assert len(after) == len(before) + len(queued)
    # The full detail stays where people read flags: six deadlines counted, five named.
    with h.store.transaction() as db:
        conflicts = [r for r in flag_rows(db) if r.kind == "conflict"]
    assert len(conflicts) == 6
    assert all("has 6 critical deadlines on 2026-01-26 (Mon)" in r.message for r in conflicts)


def test_the_second_deadline_of_a_day_rewrites_the_first_whose_own_fact_changed(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    h.drop("2026-0101")
    ((first, text),) = _answers(h).items()
    assert CONFLICT_ON_ENTRY not in text
    h.sync()
    before = h.versions()

    h.drop("2026-0102")
    queued = h.store.pending()
    updated = [p for p in queued if p.key.startswith("2026-0101|")]
    assert [p.uid for p in updated] == [first] and updated[0].op == "upsert"  # it is now in a conflict
    assert _answers(h)[first].count(CONFLICT_ON_ENTRY) == 1
    h.sync()
    assert {uid: v for uid, v in h.versions().items() if uid in before and uid != first} == \
        {uid: v for uid, v in before.items() if uid != first}
