"""PURE: flags that need every matter's deadlines at once — conflicts, out of office, what's next.

Per-matter flags (missed, due soon, odd trigger dates) live in daemon/planning/flags.py and are computed
inside a matter's recompute. The flags here look across matters (one person, one day) or at a
matter as a whole, so they are computed over all deadlines and stored by daemon/cross_flags.py.
No I/O and no clock: `today` comes in as an argument.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from operator import attrgetter, itemgetter
from typing import Protocol

from daemon.engine.counting import fmt
from daemon.engine.records import builder
from daemon.models import Flag
from daemon.planning.planner import FIRM_DOCKET, MatterFacts, route
from daemon.settings.people import Person

# Kinds a per-matter recompute must leave alone (Docket._compute); daemon/cross_flags.py owns them.
CROSS_FLAG_KINDS = frozenset({"conflict", "out-of-office", "no-upcoming", "no-attorney", "no-court"})
# Matter-wide kinds that are also shown on the matter's calendar entries (the docket clerk looks there).
ENTRY_MATTER_KINDS = frozenset({"no-attorney", "no-court"})


class DeadlineLike(Protocol):
    """What the cross-matter checks read of a deadline (a Deadline, or a light row from the store)."""

    @property
    def key(self) -> str:
        """The deadline's identity key."""
        ...

    @property
    def matter(self) -> str:
        """Its matter number."""
        ...

    @property
    def title(self) -> str:
        """What is due."""
        ...

    @property
    def due(self) -> date:
        """When."""
        ...

    @property
    def kind(self) -> str:
        """deadline | followup."""
        ...

    @property
    def critical(self) -> bool:
        """Whether missing it is critical."""
        ...


@dataclass(frozen=True)
class ScopedFlag:
    """A flag with where it belongs: a deadline key, or a matter number for matter-wide flags."""

    scope: str
    matter: str
    flag: Flag


_scoped = builder(ScopedFlag)
_flag = builder(Flag)


def person_name(email: str, people: Mapping[str, Person]) -> str:
    """'Jane Doe (jdoe@firm.com)', or the e-mail alone, or 'the firm docket'."""
    if email == FIRM_DOCKET:
        return "the firm docket"
    p = people.get(email)
    return f"{p.name} ({email})" if p and p.name else email


MAX_NAMED = 5  # deadlines named in one conflict flag; the count covers the rest
# What a calendar entry says of a conflict. The stored flag (docketd flags, status, agenda, digest) names
# the day's other deadlines and counts them; the entry says only that there is a conflict, so one more
# deadline on a busy day changes no other entry's text and costs no calendar write (on Google, quota).
CONFLICT_ON_ENTRY = ("Conflict: someone responsible for this deadline has other critical deadlines on the "
                     "same day; the agenda, the daily digest and `docketd flags` list them.")


CONFLICT_ACTION = "Plan that day now: share the work out, or ask for an extension of one deadline in advance."


# A day as flags write it, `2026-04-04 (Sat)`: the engine's own memo of each date's text (strftime's %a,
# once per busy day, was 2% of a 10,000-row preview; issue 17).
_day = fmt


def _conflict_sentences(deadlines: Sequence[DeadlineLike], facts: Mapping[str, MatterFacts], *, today: date,
                        people: Mapping[str, Person], default_people: Sequence[str], threshold: int,
                        keys: Sequence[str] | None = None) -> tuple[dict[str, str], dict[str, str]]:
    """The conflict message of each deadline on someone's busy day (the day's sentence, or the sentences of
    several people's, joined), by deadline key, and the matter of each key. `keys`, when given, are the
    deadlines' keys in the same order (a caller that has them saves building each again)."""
    # Each key is read once (a Deadline builds it on every read; 5 reads per deadline were a tenth of a
    # 10,000-row preview, issue 17). by_day keeps each key's last deadline, as a dict over the day did.
    by_day: dict[tuple[str, date], dict[str, DeadlineLike]] = {}
    routes: dict[str, Sequence[str]] = {}
    matter_of: dict[str, str] = {}
    matter = ""
    who: Sequence[str] = ()
    for i, d in enumerate(deadlines):
        due = d.due
        if d.kind != "deadline" or not d.critical or due < today:
            continue  # only a flagged key's matter is looked up: no key for the others
        key = d.key if keys is None else keys[i]
        if d.matter != matter:  # a matter's deadlines mostly come one after another
            matter = d.matter
            found_route = routes.get(matter)
            if found_route is None:
                found_route = routes[matter] = route(facts.get(matter) or MatterFacts(matter), default_people)
            who = found_route
        matter_of[key] = matter
        for person in who:
            slot = (person, due)
            group = by_day.get(slot)
            if group is None:
                by_day[slot] = {key: d}
            else:
                group[key] = d
    found: dict[str, str] = {}
    for person, day in sorted(by_day, key=itemgetter(1, 0)):
        unique = by_day[(person, day)]
        if len(unique) < threshold:
            continue
        named = [unique[key] for key in sorted(unique)[:MAX_NAMED]]
        # Name a few, count the rest: naming every deadline of a busy day in every one of its flags grew
        # with the square of the day's load (make bench: 2.2 GB peak RSS recomputing 20,000 matters).
        names = "; ".join(f"[{d.matter}] {d.title}" for d in named)
        if len(unique) > MAX_NAMED:
            names += f"; and {len(unique) - MAX_NAMED} more"
        # One sentence per (person, day), shared by every deadline of the group (built once, not per key).
        sentence = f"{person_name(person, people)} has {len(unique)} critical deadlines on {_day(day)}: {names}."
        # A key on several people's busy days (its groups come in order) gets their sentences joined.
        if found.keys() & unique.keys():
            for key in unique:
                earlier = found.get(key)
                found[key] = sentence if earlier is None else f"{earlier} {sentence}"
        else:
            found.update(dict.fromkeys(unique, sentence))
    return found, matter_of


def _conflict_flags(found: Mapping[str, str]) -> dict[str, Flag]:
    """The conflict flag of each distinct message: the deadlines of one person's busy day share one
    (issue 17); built without the frozen dataclass's __init__."""
    return {message: _flag("conflict", "warning", message, CONFLICT_ACTION) for message in set(found.values())}


def conflict_flags(deadlines: Sequence[DeadlineLike], facts: Mapping[str, MatterFacts], *, today: date,
                   people: Mapping[str, Person], default_people: Sequence[str],
                   threshold: int = 2) -> list[ScopedFlag]:
    """Several critical deadlines for one person on one day: each of them gets a flag naming the others."""
    found, matter_of = _conflict_sentences(deadlines, facts, today=today, people=people,
                                           default_people=default_people, threshold=threshold)
    flag_of = _conflict_flags(found)
    return [_scoped(key, matter_of[key], flag_of[found[key]]) for key in sorted(found)]


def on_entry(flag: Flag) -> Flag:
    """The flag as a calendar entry shows it: a conflict without the day's count and list, else as is."""
    if flag.kind != "conflict":
        return flag
    return Flag(flag.kind, flag.severity, CONFLICT_ON_ENTRY, flag.action)


def _ooo_range(person: Person, day: date) -> tuple[date, date] | None:
    for first, last in person.out_of_office:
        if first <= day <= last:
            return first, last
    return None


def absence_flags(deadlines: Sequence[DeadlineLike], facts: Mapping[str, MatterFacts], *, today: date,
                  people: Mapping[str, Person], default_people: Sequence[str],
                  busy: Mapping[str, Iterable[date]] | None = None) -> list[ScopedFlag]:
    """A deadline on a day a responsible person is out: configured out_of_office, or busy all day."""
    busy_sets = {p: set(days) for p, days in (busy or {}).items()}
    out: list[ScopedFlag] = []
    if not any(p.out_of_office for p in people.values()) and not any(busy_sets.values()):
        return out  # nobody is ever out: no deadline can be flagged
    routes: dict[str, Sequence[str]] = {}
    for d in deadlines:
        if d.kind != "deadline" or d.due < today:
            continue
        sentences = []
        who = routes.get(d.matter)
        if who is None:
            who = routes[d.matter] = route(facts.get(d.matter) or MatterFacts(d.matter), default_people)
        for email in who:
            person = people.get(email)
            span = _ooo_range(person, d.due) if person else None
            who = person_name(email, people)
            if span is not None:
                first, last = span
                sentences.append(f"{who} is out of office from {first.isoformat()} to {last.isoformat()}; "
                                 f"matter {d.matter}'s deadline “{d.title}” falls on {_day(d.due)}.")
            elif d.due in busy_sets.get(email, set()):
                sentences.append(f"The calendar of {who} shows them out or busy all day on {_day(d.due)}, "
                                 f"when matter {d.matter}'s deadline “{d.title}” falls.")
        if sentences:
            out.append(ScopedFlag(d.key, d.matter, Flag(
                "out-of-office", "warning", " ".join(sentences),
                "Arrange cover before then: make sure someone in the office owns this deadline, "
                "or file early.")))
    return out


def matter_flags(deadlines: Sequence[DeadlineLike], facts: Mapping[str, MatterFacts], *, today: date,
                 default_people: Sequence[str], known_courts: Iterable[str] | None = None,
                 upcoming: Iterable[str] | None = None) -> list[ScopedFlag]:
    """Matter-wide flags for open matters: no attorney, no (known) court, nothing upcoming.

    `upcoming`, when given, names the matters with a deadline on or after today (else read off `deadlines`).
    """
    has_next: set[str] = (set(upcoming) if upcoming is not None
                          else {d.matter for d in deadlines if d.due >= today})
    courts = set(known_courts) if known_courts is not None else None
    out = []
    for matter, f in sorted(facts.items()):
        if f.status == "closed":
            continue
        if not f.attorneys:
            routed = route(f, default_people)
            where = "the firm docket calendar" if routed == (FIRM_DOCKET,) else ", ".join(routed)
            out.append(ScopedFlag(matter, matter, Flag(
                "no-attorney", "warning",
                f"Matter {matter} has no responsible attorney; its deadlines go to {where}.",
                f"Drop an intake row for matter {matter} with the attorney column filled in.")))
        if not f.court or (courts is not None and f.court not in courts):
            what = "names no court" if not f.court else f"names court {f.court!r}, which is not configured"
            out.append(ScopedFlag(matter, matter, Flag(
                "no-court", "critical",
                f"Matter {matter} {what}, so no rules could be applied to it.",
                f"Drop an intake row for matter {matter} with the court column filled in "
                "(e.g. federal, cand).")))
        if matter not in has_next:
            out.append(ScopedFlag(matter, matter, Flag(
                "no-upcoming", "info",
                f"Open matter {matter}" + (f" ({f.title})" if f.title else "")
                + " has no upcoming deadline on the docket.",
                "Docket the next event (a hearing, a served motion, a discovery request), or close the "
                "matter with status = closed.")))
    return out


def deadline_cross_flags(deadlines: Sequence[DeadlineLike], facts: Mapping[str, MatterFacts], *, today: date,
                         people: Mapping[str, Person], default_people: Sequence[str],
                         busy: Mapping[str, Iterable[date]] | None = None, conflict_threshold: int = 2,
                         keys: Sequence[str] | None = None) -> dict[str, list[Flag]]:
    """The flags `cross_flags` gives deadlines, by deadline key, each key's in its order (conflict, then out of
    office); the matter-wide ones are left out (their scope is a matter number, which holds no '|' and so
    is never a deadline key). What `docketd preview` shows, without sorting 16,000 scoped flags (issue 17).
    `keys`: the deadlines' keys in their order, if the caller has them. The lists are read-only: keys with
    the same flags share one (one person's busy day: hundreds of keys, one conflict flag).
    """
    found, _ = _conflict_sentences(deadlines, facts, today=today, people=people, default_people=default_people,
                                   threshold=conflict_threshold, keys=keys)
    listed_of = {message: [flag] for message, flag in _conflict_flags(found).items()}
    out = dict(zip(found, map(listed_of.__getitem__, found.values()), strict=True))
    for s in absence_flags(deadlines, facts, today=today, people=people, default_people=default_people,
                           busy=busy):
        listed = out.get(s.scope)
        out[s.scope] = [s.flag] if listed is None else [*listed, s.flag]  # a new list: lists are shared
    return out


def cross_flags(deadlines: Sequence[DeadlineLike], facts: Mapping[str, MatterFacts], *, today: date,
                people: Mapping[str, Person], default_people: Sequence[str],
                busy: Mapping[str, Iterable[date]] | None = None, conflict_threshold: int = 2,
                known_courts: Iterable[str] | None = None) -> list[ScopedFlag]:
    """Every cross-matter and matter-wide flag, ordered by scope then kind."""
    flags = [
        *conflict_flags(deadlines, facts, today=today, people=people, default_people=default_people,
                        threshold=conflict_threshold),
        *absence_flags(deadlines, facts, today=today, people=people, default_people=default_people,
                       busy=busy),
        *matter_flags(deadlines, facts, today=today, default_people=default_people,
                      known_courts=known_courts),
    ]
    return sorted(flags, key=attrgetter("scope", "flag.kind"))
