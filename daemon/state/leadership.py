"""The leadership lease of several instances on one PostgreSQL docket (docs/several-instances-design.md).

One row, `leadership`, whose `term` goes up by one at each change of leader: the fencing token. Expiry
is compared with the database's now(), so no two machines' clocks are ever compared. Acquire, renew and
release are each one short autocommit statement (run them on a store's `db` outside a transaction);
`confirm` runs first inside a calendar-work transaction and locks the row FOR SHARE, so a takeover waits
for that transaction and no claim or result of an old term commits after a new term began.

PostgreSQL only: SQLite keeps today's single instance, which leads by definition. The daemon's side is
daemon/service/leadership.py; `instances` holds every running instance's heartbeat for `docketd status`.
"""

from __future__ import annotations

from dataclasses import dataclass

from daemon.state.handle import Db

LEASE_SECONDS = 15.0  # `expires - now()` at each renewal (the design's timings table)


@dataclass(frozen=True)
class Lease:
    """Who leads (holder '' = nobody yet), in which term, since when, and whether the lease ran out."""

    term: int
    holder: str
    since: str
    expired: bool


def acquire(db: Db, me: str, seconds: float = LEASE_SECONDS) -> int | None:
    """Take an expired or released lease; the new term when this instance now leads, else None."""
    row = db.execute("UPDATE leadership SET term = term + 1, holder = ?, since = now(), "
                     "expires = now() + make_interval(secs => ?) WHERE id = 1 AND expires < now() RETURNING term",
                     (me, seconds)).fetchone()
    return int(row[0]) if row else None


def renew(db: Db, me: str, term: int, seconds: float = LEASE_SECONDS) -> bool:
    """Extend this instance's lease of `term`; False when it lost it (stop leader work now)."""
    row = db.execute("UPDATE leadership SET expires = now() + make_interval(secs => ?) "
                     "WHERE id = 1 AND holder = ? AND term = ? RETURNING term", (seconds, me, term)).fetchone()
    return row is not None


def release(db: Db, me: str, term: int) -> None:
    """Hand over at once (a clean stop) instead of after the lease runs out."""
    db.execute("UPDATE leadership SET expires = '-infinity' WHERE id = 1 AND holder = ? AND term = ?", (me, term))


def confirm(db: Db, me: str, term: int) -> bool:
    """Inside a calendar-work transaction, first: True while this instance still leads in `term`.

    The row stays locked FOR SHARE until the transaction ends, so a takeover waits for it.
    """
    row = db.execute("SELECT term FROM leadership WHERE id = 1 AND holder = ? AND term = ? AND expires > now() "
                     "FOR SHARE", (me, term)).fetchone()
    return row is not None


def holds(db: Db, me: str, term: int) -> bool:
    """A plain read, no lock: does this instance lead in `term` right now (before a calendar call)?"""
    row = db.execute("SELECT term FROM leadership WHERE id = 1 AND holder = ? AND term = ? AND expires > now()",
                     (me, term)).fetchone()
    return row is not None


def current(db: Db) -> Lease:
    """The lease as it stands (for `docketd status`)."""
    row = db.execute("SELECT term, holder, to_char(since AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), "
                     "expires < now() FROM leadership WHERE id = 1").fetchone()
    return Lease(int(row[0]), str(row[1]), str(row[2]), bool(row[3]))


@dataclass(frozen=True)
class Instance:
    """One instance's last heartbeat: who, where, since when, how long ago, and its last problem."""

    instance: str
    host: str
    pid: int
    version: str
    started: str
    seen_seconds_ago: float
    problem: str | None


def heartbeat(db: Db, me: str, host: str, pid: int, version: str, problem: str | None) -> None:
    """Record that this instance is alive now (its start on the first beat), with its problem or None."""
    db.execute("INSERT INTO instances (instance, host, pid, version, started, last_seen, problem) "
               "VALUES (?, ?, ?, ?, now(), now(), ?) ON CONFLICT (instance) DO UPDATE SET last_seen = now(), "
               "problem = excluded.problem", (me, host, pid, version, problem))


def leave(db: Db, me: str) -> None:
    """A clean stop: this instance is gone, not silent."""
    db.execute("DELETE FROM instances WHERE instance = ?", (me,))


def forget_silent(db: Db, seconds: float) -> None:
    """Drop heartbeats older than `seconds` (instances killed long ago: their id never comes back)."""
    db.execute("DELETE FROM instances WHERE last_seen < now() - make_interval(secs => ?)", (seconds,))


def instances(db: Db) -> list[Instance]:
    """Every instance's last heartbeat, most recently started first."""
    rows = db.execute("SELECT instance, host, pid, version, to_char(started AT TIME ZONE 'UTC', "
                      "'YYYY-MM-DD HH24:MI:SS'), EXTRACT(EPOCH FROM now() - last_seen), problem FROM instances "
                      "ORDER BY started DESC, instance").fetchall()
    return [Instance(str(r[0]), str(r[1]), int(r[2]), str(r[3]), str(r[4]), float(r[5]), r[6]) for r in rows]
