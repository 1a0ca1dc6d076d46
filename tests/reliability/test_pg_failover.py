"""Several `docketd run` on one PostgreSQL docket and one shared inbox (issue 16): one leads, the rest stand by.

The leader is killed with SIGKILL again and again while intake files are dropped into the inbox all three
watch; a standby takes over each time and finishes the dead leader's calendar work. At the end the Google
fake's calendar holds exactly what one uninterrupted `sync --once` of the same files (SQLite) produces in a
second calendar: same ids, same content, each once; the outbox is empty and every file was committed once.

At the issue's scale, 10 leader kills and 10 x 100 = 1,000 deadlines plus 5 corrections, in about 70 s:
a 3 s lease (`[state] lease_seconds`) instead of the default 15 s makes each takeover take seconds.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import psycopg

from daemon.engine import load_rulebook
from daemon.service.leadership import Leadership
from daemon.settings.config import load_config
from daemon.sources.inbox import ingest_file
from daemon.state.store import Store
from daemon.sync.dispatcher import ConnectorPool, Dispatcher, NotLeading
from tests.clock import pinned_day
from tests.e2e.daemon_proc import DaemonProcess, wait_until
from tests.fakes.google_calendar import FakeGoogle
from tests.integration.tcp_cut_proxy import cut_proxy
from tests.reliability.google_env import docketd_key, drop_file, google_config, live_events, reference_events, shape
from tests.reliability.helpers import HEADER, clean_stop, daemon, intake_row, spawn, spread_day

SHARED_CAL = "shared-docket@group.calendar.google.com"
REFERENCE_CAL = "reference-one@group.calendar.google.com"
FAST_SYNC = "batch_size = 5\nmax_backoff_seconds = 1\n"
LEASE = 3
FILES = 10
MATTERS = 100
KILLS = 10


def _files() -> list[tuple[str, str]]:
    out = []
    for k in range(FILES):
        rows = [intake_row(f"2026-{n:04d}", spread_day(n)) for n in range(k * MATTERS, (k + 1) * MATTERS)]
        out.append((f"intake-{k:02d}.csv", HEADER + "".join(rows)))
    # A correction of five served dates: updates of entries a killed leader may have had in flight.
    out.append(("corrections.csv", HEADER + "".join(intake_row(f"2026-{m:04d}", spread_day(m + 1))
                                                     for m in range(5))))
    return out


def _sql(dsn: str, sql: str) -> list[tuple[object, ...]]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        cur = conn.execute(sql)
        return list(cur.fetchall()) if cur.description else []


def _leader_pid(dsn: str) -> int | None:
    try:
        rows = _sql(dsn, "SELECT holder FROM leadership WHERE id = 1 AND expires > now()")
    except psycopg.errors.UndefinedTable:  # no instance has made the schema yet
        return None
    if not rows or not rows[0][0]:
        return None
    return int(str(rows[0][0]).split(":")[-2])


def _shared_config(tmp: Path, fake: FakeGoogle, calendar: str, dsn: str | None, name: str = "docketd.toml") -> Path:
    state = f'\n[state]\nurl = "{dsn}"\nlease_seconds = {LEASE}\n' if dsn else ""
    cfg = google_config(tmp, fake, calendar, sync=FAST_SYNC, extra=state)
    if name != cfg.name:
        cfg = cfg.rename(cfg.with_name(name))
    return cfg


def _instance(cfg: Path, n: int) -> DaemonProcess:
    d = daemon(cfg)
    d.log_path = cfg.parent / f"daemon-{n}.log"
    return d


def test_kill_9_the_leader_again_and_again_nothing_lost_or_duplicated(tmp_path: Path, pg_database: str) -> None:
    files = _files()
    shared, ref = tmp_path / "shared", tmp_path / "reference"
    shared.mkdir()
    ref.mkdir()
    with FakeGoogle(rate_limit_per_minute=10**9, latency_ms=5, answer_latency_ms=25) as fake:
        cfg = _shared_config(shared, fake, SHARED_CAL, pg_database)
        inbox = shared / "var" / "inbox"
        procs: list[DaemonProcess] = []
        kills: list[dict[str, object]] = []
        try:
            for _ in range(3):
                procs.append(_instance(cfg, len(procs)))
                spawn(procs[-1])
            wait_until(lambda: _leader_pid(pg_database) is not None, timeout=60, what="a leader")
            for k, (name, text) in enumerate(files):
                drop_file(inbox, name, text, k)
                if k >= KILLS:
                    continue
                # Aim: kill the leader just after the fake applied a batch, before it recorded the results.
                before = len(live_events(fake, SHARED_CAL))
                wait_until(lambda: len(live_events(fake, SHARED_CAL)) > before, timeout=60,  # noqa: B023
                           interval=0.002, what="a batch applied")
                pid = _leader_pid(pg_database)
                killed_at = time.monotonic()
                leader = next((p for p in procs if p.proc is not None and p.proc.pid == pid), None)
                assert leader is not None, (pid, [p.proc.pid for p in procs if p.proc])
                leader.kill()
                outbox = _sql(pg_database, "SELECT COUNT(*) FROM outbox")[0][0]
                wait_until(lambda: _leader_pid(pg_database) not in (None, pid), timeout=60,  # noqa: B023
                           interval=0.1, what="a standby taking over")
                kills.append({"killed": pid, "outbox": outbox, "takeover_s": round(time.monotonic() - killed_at, 1)})
                procs.append(_instance(cfg, len(procs)))  # the machine comes back: a new instance, a standby
                spawn(procs[-1])
            wait_until(lambda: _sql(pg_database, "SELECT COUNT(*) FROM outbox")[0][0] == 0
                       and not list(inbox.glob("*.csv")), timeout=120, interval=0.2,
                       what="the outbox drained and the inbox empty")
            status = [p for p in procs if p.proc is not None and p.proc.poll() is None]
            leading = [p for p in status if p.proc is not None and p.proc.pid == _leader_pid(pg_database)]
            assert len(status) == 3 and len(leading) == 1
            for p in status:
                clean_stop(p)
        finally:
            for p in procs:
                p.close()

        got, want = live_events(fake, SHARED_CAL), reference_events(ref, fake, REFERENCE_CAL, files, FAST_SYNC)

    assert len(kills) == KILLS and any(k["outbox"] for k in kills), kills  # kills landed with work in flight
    assert len(want) >= FILES * MATTERS
    assert set(got) == set(want), (sorted(set(got) ^ set(want)), kills)  # 0 lost, 0 extra
    assert {i: shape(e) for i, e in got.items()} == {i: shape(e) for i, e in want.items()}
    keys = [docketd_key(e) for e in got.values()]
    assert len(keys) == len(set(keys))  # 0 duplicated
    assert _sql(pg_database, "SELECT COUNT(*) FROM outbox") == [(0,)]
    assert sorted(p.name for p in (shared / "var" / "processed").iterdir()) == sorted(n for n, _ in files)
    assert not list((shared / "var" / "rejected").iterdir())
    assert _sql(pg_database, "SELECT COUNT(*), COUNT(DISTINCT checksum) FROM files WHERE status = 'processed'") \
        == [(len(files), len(files))]
    logs = "".join(p.log for p in procs)
    for name, _ in files:  # committed by exactly one instance (a kill before the log line may hide it)
        assert logs.count(f"{name}: processed,") <= 1, name
    assert _sql(pg_database, "SELECT COUNT(*) FROM triggers") == [(FILES * MATTERS,)]
    assert "Traceback" not in logs, logs[-6000:]
    print({"kills": kills, "events": len(got)})


def test_a_file_in_the_shared_inbox_is_committed_once_whoever_sees_it(tmp_path: Path, pg_database: str) -> None:
    """Two instances' ingests of one file race to the write lock: the second finds the claim and only moves."""
    cfg_path = tmp_path / "docketd.toml"
    cfg_path.write_text(f'[daemon]\ninbox = "var/inbox"\nstate = "var/state.db"\n\n[state]\nurl = "{pg_database}"\n'
                        '\n[people."jdoe@firm.com"]\nname = "Jane Doe"\n', encoding="utf-8")
    config = load_config(cfg_path, tmp_path)
    for folder in (config.inbox, config.processed_dir, config.rejected_dir):
        folder.mkdir(parents=True, exist_ok=True)
    from datetime import datetime
    from datetime import time as dtime
    from zoneinfo import ZoneInfo

    from daemon.docket import Docket

    rules = load_rulebook(config.rule_dirs, config.closures)
    a, b, holder = (Store(config.state, url=pg_database) for _ in range(3))
    drop = config.inbox / "intake.csv"
    drop.write_text(HEADER + "".join(intake_row(f"2026-{n:04d}", spread_day(n)) for n in range(3)), encoding="utf-8")
    now = datetime.combine(pinned_day(), dtime(9), ZoneInfo("America/Los_Angeles"))
    import threading

    reports: list[str] = []
    with holder.transaction():  # both instances read the file and parse it, then wait for the write lock
        threads = [threading.Thread(target=lambda s=s: reports.append(  # type: ignore[misc]
            ingest_file(Docket(config, s, rules), drop, now, quiet_seconds=0).status)) for s in (a, b)]
        for t in threads:
            t.start()
        wait_until(lambda: _sql(pg_database, "SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = "
                                             "'Lock' AND datname = current_database()") == [(2,)],
                   what="both ingests waiting on the write lock")
    for t in threads:
        t.join()
    assert sorted(reports) == ["duplicate", "processed"]
    assert _sql(pg_database, "SELECT status, rows FROM files") == [("processed", 3)]
    assert [p.name for p in config.processed_dir.iterdir()] == ["intake.csv"]
    assert not drop.exists()
    for s in (a, b, holder):
        s.close()


def test_a_deposed_leaders_late_calendar_write_is_refused_and_harmless(tmp_path: Path, pg_database: str) -> None:
    """The zombie: it still believes it leads (its own deadline is far), the database gave the lease away.

    Its calendar call goes out (nothing stops a call on the wire), but the result transaction's term check
    refuses it; the new leader sends the same ops again, and the calendar holds each entry once.
    """
    from datetime import datetime
    from datetime import time as dtime
    from zoneinfo import ZoneInfo

    from daemon.docket import Docket, now_iso

    with FakeGoogle(rate_limit_per_minute=10**9) as fake:
        cfg_path = google_config(tmp_path, fake, SHARED_CAL, extra=f'\n[state]\nurl = "{pg_database}"\n')
        config = load_config(cfg_path, tmp_path)
        for folder in (config.inbox, config.processed_dir, config.rejected_dir):
            folder.mkdir(parents=True, exist_ok=True)
        zombie, new = Leadership(config.state, pg_database, 60.0), Leadership(config.state, pg_database, 60.0)
        zombie.tick()
        assert zombie.term() == 1
        store = Store(config.state, url=pg_database)
        now = datetime.combine(pinned_day(), dtime(9), ZoneInfo("America/Los_Angeles"))
        drop = config.inbox / "intake.csv"
        drop.write_text(HEADER + "".join(intake_row(f"2026-{n:04d}", spread_day(n)) for n in range(4)),
                        encoding="utf-8")
        assert ingest_file(Docket(config, store, load_rulebook(config.rule_dirs, config.closures)), drop, now,
                           quiet_seconds=0).status == "processed"
        queued = _sql(pg_database, "SELECT COUNT(*) FROM outbox")[0][0]
        assert isinstance(queued, int) and queued >= 4
        # The zombie is paused past its lease (a stopped VM): the database hands the lease to another.
        _sql(pg_database, "UPDATE leadership SET expires = now() - interval '1 s'")
        new.tick()
        assert new.term() == 2 and zombie.term() == 1  # the zombie has not noticed

        def stamp() -> str:
            return now_iso(now)

        pool = ConnectorPool(config)
        late = Dispatcher(config, store, pool, stamp, may_call=zombie.may_call, fence=zombie.fence)
        try:
            late.run_once(time.time())
            raise AssertionError("the zombie's dispatcher ran")
        except NotLeading:
            pass
        assert live_events(fake, SHARED_CAL) == {}  # it checked the lease before calling: nothing sent
        # Worse: its check passed just before the takeover, so its calls go out late. The result is refused.
        on_the_wire = Dispatcher(config, store, pool, stamp, fence=zombie.fence)
        try:
            on_the_wire.run_once(time.time())
            raise AssertionError("the zombie recorded a result")
        except NotLeading:
            pass
        assert len(live_events(fake, SHARED_CAL)) > 0  # its write landed in the calendar ...
        assert _sql(pg_database, "SELECT COUNT(*) FROM outbox")[0][0] == queued  # ... but nothing was recorded
        assert _sql(pg_database, "SELECT COUNT(*) FROM sync") == [(0,)]
        leader = Dispatcher(config, store, pool, stamp, may_call=new.may_call, fence=new.fence)
        while _sql(pg_database, "SELECT COUNT(*) FROM outbox")[0][0]:
            leader.run_once(time.time() + 3600)
        events = live_events(fake, SHARED_CAL)
        keys = [docketd_key(e) for e in events.values()]
        assert len(events) == queued and len(keys) == len(set(keys))  # each entry once
        assert {r[0] for r in _sql(pg_database, "SELECT uid FROM sync")} == set(events)
        pool.close()
        store.close()
        zombie.stop()
        new.stop()


def test_the_leader_cut_off_from_postgresql_stands_down_and_another_takes_over(tmp_path: Path,
                                                                              pg_database: str) -> None:
    port = int(str(pg_database).split("@127.0.0.1:")[1].split("/")[0])
    with FakeGoogle(rate_limit_per_minute=10**9) as fake, cut_proxy(port) as relay:
        via_relay = pg_database.replace(f"127.0.0.1:{port}/", f"127.0.0.1:{relay.port}/")
        cfg_a = _shared_config(tmp_path, fake, SHARED_CAL, via_relay, "a.toml")
        cfg_b = _shared_config(tmp_path, fake, SHARED_CAL, pg_database, "b.toml")
        a, b = _instance(cfg_a, 0), _instance(cfg_b, 1)
        try:
            a.start()
            wait_until(lambda: _leader_pid(pg_database) == a.proc.pid if a.proc else False, what="a leading")
            b.start()
            b.wait_notify("standby (leader:")
            relay.cut_all()
            wait_until(lambda: b.proc is not None and _leader_pid(pg_database) == b.proc.pid, timeout=60,
                       what="b taking over")
            a.wait_notify("cannot reach the database", timeout=60)
            drop_file(tmp_path / "var" / "inbox", "intake.csv", HEADER + "".join(
                intake_row(f"2026-{n:04d}", spread_day(n)) for n in range(3)), 0)
            wait_until(lambda: len(live_events(fake, SHARED_CAL)) >= 3 and not _sql(
                pg_database, "SELECT 1 FROM outbox"), timeout=60, what="b sending the new file's entries")
            assert "a.toml" not in b.log
            relay.up = True  # the network is back: a rejoins as a standby
            a.wait_notify("standby (leader:", timeout=60)
            assert _leader_pid(pg_database) == (b.proc.pid if b.proc else None)
            for p in (a, b):
                assert p.stop(signal.SIGTERM) == 0, p.log[-4000:]
        finally:
            a.close()
            b.close()
    assert "This instance" in a.log and "no longer leads" in a.log, a.log[-4000:]
    assert os.path.exists(tmp_path / "var" / "processed" / "intake.csv")


def test_a_paused_leader_resumes_as_a_zombie_and_changes_nothing(tmp_path: Path, pg_database: str) -> None:
    """SIGSTOP the leader with a batch in flight (a frozen VM), a standby takes over and drains, SIGCONT: the
    old leader learns it lost the lease, stands by, and the calendar equals a one-instance reference."""
    shared, ref = tmp_path / "shared", tmp_path / "reference"
    shared.mkdir()
    ref.mkdir()
    files = _files()[:3]
    with FakeGoogle(rate_limit_per_minute=10**9, latency_ms=5, answer_latency_ms=25) as fake:
        cfg = _shared_config(shared, fake, SHARED_CAL, pg_database)
        inbox = shared / "var" / "inbox"
        a, b = _instance(cfg, 0), _instance(cfg, 1)
        try:
            a.start()
            wait_until(lambda: _leader_pid(pg_database) == (a.proc.pid if a.proc else 0), what="a leading")
            b.start()
            drop_file(inbox, *files[0], 0)
            wait_until(lambda: len(live_events(fake, SHARED_CAL)) > 0, interval=0.002, what="a batch applied")
            assert a.proc is not None and b.proc is not None
            a.proc.send_signal(signal.SIGSTOP)
            wait_until(lambda: _leader_pid(pg_database) == b.proc.pid if b.proc else False, timeout=60,  # noqa: B023
                       what="b taking over")
            drop_file(inbox, *files[1], 1)
            wait_until(lambda: _sql(pg_database, "SELECT COUNT(*) FROM outbox")[0][0] == 0
                       and not list(inbox.glob("*.csv")), timeout=60, what="b draining")
            a.proc.send_signal(signal.SIGCONT)
            wait_until(lambda: "no longer leads" in a.log, timeout=60, what="the zombie standing down")
            a.wait_notify("standby (leader:", timeout=60)
            drop_file(inbox, *files[2], 2)
            wait_until(lambda: _sql(pg_database, "SELECT COUNT(*) FROM outbox")[0][0] == 0
                       and not list(inbox.glob("*.csv")), timeout=60, what="the last file sent")
            assert _leader_pid(pg_database) == b.proc.pid
            for p in (a, b):
                clean_stop(p)
        finally:
            a.close()
            b.close()
        got, want = live_events(fake, SHARED_CAL), reference_events(ref, fake, REFERENCE_CAL, files, FAST_SYNC)
    assert set(got) == set(want) and {i: shape(e) for i, e in got.items()} == {i: shape(e) for i, e in want.items()}
    keys = [docketd_key(e) for e in got.values()]
    assert len(keys) == len(set(keys))
    assert {r[0] for r in _sql(pg_database, "SELECT uid FROM sync")} == set(got)
    assert "Traceback" not in a.log + b.log, (a.log + b.log)[-6000:]
