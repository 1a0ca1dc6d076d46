"""PURE: one person's daily digest — the next days' deadlines, what is new or changed, open flags.

`compose` takes the agenda, the snapshot remembered at the previous digest and `today`; it returns
the subject, plain text and HTML (daemon/data/templates/digest.html.j2, autoescaped). No clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from daemon.state.flags import FlagRow
from daemon.views.agenda import Agenda, AgendaItem, person_flags
from daemon.views.flag_groups import group_flags
from daemon.views.html import render

# What the digest remembers per deadline to tell "new" and "changed" next time.
Snapshot = dict[str, dict[str, str]]


@dataclass
class Digest:
    """One person's digest, ready to send."""

    person: str
    subject: str
    text: str
    html: str
    upcoming: list[AgendaItem] = field(default_factory=list)
    new: list[AgendaItem] = field(default_factory=list)
    changed: list[tuple[AgendaItem, str]] = field(default_factory=list)  # (item, previous due)
    withdrawn: list[dict[str, str]] = field(default_factory=list)
    flags: list[FlagRow] = field(default_factory=list)
    snapshot: Snapshot = field(default_factory=dict)


def snapshot_of(items: Sequence[AgendaItem]) -> Snapshot:
    """What to remember about a person's deadlines after a digest."""
    return {i.deadline.key: {"due": i.deadline.due.isoformat(), "title": i.deadline.title,
                             "matter": i.deadline.matter} for i in items}


def _ids(ids: Sequence[int]) -> str:
    return " ".join(f"#{i}" for i in ids)


def _line(i: AgendaItem) -> str:
    d = i.deadline
    at = f" at {d.time:%H:%M}" if d.time else ""
    rule = f" ({d.label})" if d.kind == "deadline" else ""
    task = "Task: " if d.kind != "deadline" else ""
    mark = {"critical": "  !! FLAGGED", "warning": "  ⚑ flagged"}.get(i.worst, "")
    return f"{d.due:%a} {d.due.isoformat()}{at}  [{d.matter}] {task}{d.title}{rule}{mark}"


def compose(agenda: Agenda, person: str, today: date, *, days: int = 14, previous: Snapshot | None = None,
            name: str = "") -> Digest:
    """Build one person's digest; `previous` is the snapshot of their last digest (None: the first one)."""
    who = person.lower()
    mine = [i for i in agenda.items if who in i.people]
    end = today + timedelta(days=days)
    soon = [i for i in mine if today <= i.deadline.due <= end]
    before = previous or {}
    new = [i for i in mine if i.deadline.key not in before] if previous is not None else []
    changed = [(i, before[i.deadline.key]["due"]) for i in mine
               if i.deadline.key in before and before[i.deadline.key]["due"] != i.deadline.due.isoformat()]
    keys = {i.deadline.key for i in mine}
    withdrawn = [dict(v, key=k) for k, v in sorted(before.items()) if k not in keys]
    flags = person_flags(agenda, who)
    critical = sum(1 for f in flags if f.severity == "critical")
    subject = f"Docket digest {today.isoformat()}: {len(soon)} due in {days} days"
    if new or changed:
        subject += f", {len(new)} new, {len(changed)} changed"
    subject += f", {len(flags)} open flags" + (f" ({critical} critical)" if critical else "")
    d = Digest(who, subject, "", "", soon, new, changed, withdrawn, flags, snapshot_of(mine))
    d.text = _text(d, today, days, name or who)
    d.html = _html(d, today, days, name or who)
    return d


def _text(d: Digest, today: date, days: int, name: str) -> str:
    out = [f"Docket digest for {name} — {today:%A} {today.isoformat()}", ""]
    out.append(f"OPEN FLAGS ({len(d.flags)})")
    out += [f"  {_ids(ids)} [{f.severity}] {f.message}" + (f"\n      Action: {f.action}" if f.action else "")
            for f, ids in group_flags(d.flags)] or ["  None."]
    out += ["", f"DUE IN THE NEXT {days} DAYS ({len(d.upcoming)})"]
    out += [f"  {_line(i)}" for i in d.upcoming] or ["  Nothing due."]
    out += ["", f"NEW SINCE THE LAST DIGEST ({len(d.new)})"]
    out += [f"  {_line(i)}" for i in d.new] or ["  None."]
    out += ["", f"CHANGED SINCE THE LAST DIGEST ({len(d.changed)})"]
    out += [f"  {_line(i)}  (was {was})" for i, was in d.changed] or ["  None."]
    if d.withdrawn:
        out += ["", f"WITHDRAWN ({len(d.withdrawn)})"]
        out += [f"  [{w['matter']}] {w['title']} (was due {w['due']})" for w in d.withdrawn]
    out += ["", "Acknowledge a flag once handled: docketd ack ID.",
            f"Your full agenda: docketd agenda --person {d.person}", "— docketd"]
    return "\n".join(out) + "\n"


_FLAG_COLOURS = {"critical": "#fbd9d7", "warning": "#fff1c9"}
_ROW_COLOURS = {sev: f"background:{colour}" for sev, colour in _FLAG_COLOURS.items()}


def _html(d: Digest, today: date, days: int, name: str) -> str:
    return render("digest.html.j2", d=d, today=today, days=days, name=name, grouped=group_flags(d.flags),
                  changed=[i for i, _ in d.changed], was={i.deadline.key: was for i, was in d.changed},
                  flag_colours=_FLAG_COLOURS, row_colours=_ROW_COLOURS)


TEST_MARK = "[docketd test]"


def as_test(d: Digest, note: str = "") -> Digest:
    """PURE: the digest marked, in subject and body, as a test message that is not the day's digest."""
    banner = ("TEST MESSAGE from `docketd digest --send-test`: it checks the SMTP settings and shows how the "
              "digest looks. It is not the daily digest and does not count as one; that goes out as "
              "scheduled." + (f" {note}" if note else ""))
    html = render("digest_test_banner.html.j2", mark=TEST_MARK, banner=banner)
    start = d.html.find("<body")
    at = d.html.index(">", start) + 1 if start >= 0 else 0  # just inside <body ...>, else at the top
    marked = d.html[:at] + "\n" + html + d.html[at:]
    return Digest(d.person, f"{TEST_MARK} {d.subject}", f"{TEST_MARK} {banner}\n\n{d.text}", marked,
                  d.upcoming, d.new, d.changed, d.withdrawn, d.flags, d.snapshot)
