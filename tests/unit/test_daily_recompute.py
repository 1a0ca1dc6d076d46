"""The new-day recompute runs in chunks, one per loop turn, and marks the day done only at the end."""

from __future__ import annotations

from pathlib import Path

from daemon.service.main import DAY_CHUNK, Service


def test_new_day_recompute_goes_in_chunks_and_finishes(tmp_path: Path) -> None:
    cfg = tmp_path / "docketd.toml"
    cfg.write_text('[daemon]\ninbox = "in"\nstate = "s.db"\n', encoding="utf-8")
    svc = Service(cfg, tmp_path)
    n = DAY_CHUNK * 2 + 7
    rows = "".join(f"M-{i},federal,summons_served,2026-01-05,personal\n" for i in range(n))
    (tmp_path / "in" / "a.csv").write_text("matter,court,event,date,service\n" + rows, encoding="utf-8")
    svc.handle_file(tmp_path / "in" / "a.csv")
    with svc.store.transaction() as db:
        svc.store.set_kv(db, "last_recompute_day", "2000-01-01")
        db.execute("UPDATE deadlines SET updated_at='stale'")
    svc.last_day = None
    turns = 0
    while True:
        svc.recompute_if_new_day()
        turns += 1
        done = svc.store.get_kv("last_recompute_day") == svc.now().date().isoformat()
        stale = svc.store.db.execute("SELECT COUNT(DISTINCT matter) FROM deadlines WHERE updated_at='stale'")
        if done:
            break
        # Not done yet: some matters still wait for their chunk, and the day is not marked.
        assert stale.fetchone()[0] > 0
        assert turns < 10
    assert turns == 3
    assert svc.store.db.execute("SELECT COUNT(*) FROM deadlines WHERE updated_at='stale'").fetchone()[0] == 0
    svc.recompute_if_new_day()  # the same day again: nothing to do
    svc.store.close()
