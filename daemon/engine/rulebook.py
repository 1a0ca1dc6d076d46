"""The rule book: loaded packs and courts, and `compute`, which turns one trigger into deadlines.

`compute` is pure and deterministic: it reads no clock and does no I/O (holiday sets are computed
from the statutes on first use and cached in memory).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from daemon.engine import counting as C
from daemon.engine.calendars import CALENDARS, DayView, Holiday
from daemon.engine.checks import check, resolve_closures
from daemon.engine.court_index import CourtCalendar
from daemon.engine.errors import EngineError, PackError, UnknownCourt, UnknownEvent
from daemon.engine.explain import (
    CCP_LABELS,
    FEDERAL_LABELS,
    SERVICE_WORDS,
    ambiguous_law,
    missing_service,
    no_extension,
    trigger_line,
    uncertain_service,
)
from daemon.engine.packs import Chain, Court, Extension, Loaded, Rule, RuleVersion, read_dirs
from daemon.engine.state_counting import STATE_COUNTINGS, reading_flag, second_reading, state_count
from daemon.models import SERVICE_METHODS, Deadline, Flag, TriggerEvent

_ANY = frozenset(SERVICE_METHODS)
_NO_TABLE: Mapping[str, tuple[int, bool]] = {}
_NONE = (0, False)
_FED_RULE = {"frcp": "FRCP 6(a)", "frap": "FRAP 26(a)"}


class CourtDays:
    """The four views of one court's closed days: forward/backward counts x settled/unsettled law."""

    def __init__(self, court: Court) -> None:
        base = [CALENDARS[court.holidays]]
        fwd = base + ([CALENDARS[court.forward_holidays]] if court.forward_holidays else [])
        self.fwd = DayView(fwd, court.closures)
        self.fwd_alt = DayView(fwd, court.closures, include_ambiguous=True)
        same = not court.forward_holidays
        self.bwd = self.fwd if same else DayView(base, court.closures)
        self.bwd_alt = self.fwd_alt if same else DayView(base, court.closures, include_ambiguous=True)
        self._sources = {True: fwd, False: base}
        self._closures = [c for c in court.closures if c.ambiguous]
        self._unsettled: dict[tuple[int, bool], list[Holiday]] = {}
        self._flat: dict[bool, tuple[list[Holiday], list[date]]] = {}

    def unsettled(self, lo: date, hi: date, forward: bool) -> list[Holiday]:
        """Days between lo and hi (inclusive) whose status the law leaves open, for this direction."""
        if _SPAN[0] <= lo.year and hi.year <= _SPAN[1]:
            days, keys = self._flat.get(forward) or self._flatten(forward)
            i = bisect_left(keys, lo)
            if i == len(keys) or keys[i] > hi:
                return []  # the common case: nothing unsettled in the window
            return days[i:bisect_right(keys, hi)]
        out: list[Holiday] = []
        for year in range(lo.year, hi.year + 1):
            out += [h for h in self._year(year, forward) if lo <= h.day <= hi]
        return out

    def _year(self, year: int, forward: bool) -> list[Holiday]:
        found = self._unsettled.get((year, forward))
        if found is None:
            days = [h for src in self._sources[forward] for h in src(year) if h.ambiguous]
            days += [c for c in self._closures if c.day.year == year]
            found = self._unsettled[(year, forward)] = sorted(
                (h for h in days if h.day.weekday() < 5), key=lambda h: h.day)
        return found

    def _flatten(self, forward: bool) -> tuple[list[Holiday], list[date]]:
        days = [h for year in range(_SPAN[0], _SPAN[1] + 1) for h in self._year(year, forward)]
        self._flat[forward] = (days, [h.day for h in days])
        return self._flat[forward]


_SPAN = (1990, 2100)  # years indexed up front for a bisect look-up; others are read year by year
_YEARS = (1900, 2199)  # trigger years compute() accepts; the statutes' calendars are not meant beyond


@dataclass(frozen=True)
class _Plan:
    """One rule a trigger event fires, resolved once at load time so `compute` does no look-ups."""

    rule: Rule
    days: int  # -1: take the period from the rule's version
    chains: tuple[Chain, ...]
    ext: Extension | None
    forward: bool  # which view of unsettled days applies (FRCP 6(a)(6)(C) is forward-only)


class RuleBook:
    """Loaded rule packs and courts; computes deadlines for trigger events."""

    def __init__(self, loaded: Loaded) -> None:
        self._loaded = loaded
        self._courts = dict(loaded.courts)
        self._days = {cid: CourtDays(c) for cid, c in self._courts.items()}
        self._calendars: dict[str, CourtCalendar] = {}
        self._ext: dict[str, Extension] = {}
        self._labels: dict[str, dict[str, str]] = {}
        self._plans: dict[tuple[str, str], list[_Plan]] = {}
        for pack in loaded.packs.values():
            self._ext.update(pack.extensions)
        for cid, court in self._courts.items():
            labels: dict[str, str] = {}
            for pid in court.packs:
                pack = loaded.packs[pid]
                labels.update(pack.events)
                labels.update({c.event: c.title for c in pack.chains})
            self._labels[cid] = labels
            for event in labels:
                self._plans[(cid, event)] = self._plan(court, event, (), 0)

    def _plan(self, court: Court, event: str, chain: tuple[Chain, ...], depth: int) -> list[_Plan]:
        out: list[_Plan] = []
        if depth > 8:  # `check` rejects cycles; this only bounds a pathological pack
            return out
        for pid in court.packs:
            pack = self._loaded.packs[pid]
            out += [_Plan(r, r.triggers[event], chain, self._ext.get(r.service) if r.service else None,
                          r.direction == "after" or r.counting == "ccp")
                    for r in pack.rules if event in r.triggers]
            for c in pack.chains:
                if c.source == event:
                    out += self._plan(court, c.event, chain + (c,), depth + 1)
        return out

    # -- look-ups -------------------------------------------------------------------------------
    def court_ids(self) -> list[str]:
        """Every court id, sorted."""
        return sorted(self._courts)

    def court(self, court_id: str) -> Court:
        """The court with this id, or UnknownCourt."""
        try:
            return self._courts[court_id]
        except KeyError:
            raise UnknownCourt(
                f"Unknown court {court_id!r}; use one of {', '.join(self.court_ids())} or add "
                f"courts/{court_id}.yaml to the firm's rules folder."
            ) from None

    def events_for(self, court_id: str) -> frozenset[str]:
        """The trigger events the court's packs know."""
        self.court(court_id)
        return frozenset(self._labels[court_id])

    def rules(self) -> list[Rule]:
        """Every rule of every loaded pack, sorted by id."""
        return sorted((r for p in self._loaded.packs.values() for r in p.rules), key=lambda r: r.id)

    def check(self) -> list[str]:
        """Problems in the loaded packs and courts (empty when all is well)."""
        return check(self._loaded)

    def holidays(self, court_id: str, year: int, forward: bool = True) -> list[date]:
        """The weekdays the court is closed in `year` (settled law), for forward or backward counts."""
        days = self._days[self.court(court_id).id]
        return (days.fwd if forward else days.bwd).holidays(year)

    def court_calendar(self, court_id: str) -> CourtCalendar:
        """The court's court days for "how soon" counts (flags), indexed for O(log n) look-ups.

        Every day the court may be closed counts as closed: forward-only holidays (FRCP 6(a)(6)(C))
        and days the law leaves unsettled too, so a count never exceeds the court days really left and
        a "due soon" warning comes a day early, never late.
        """
        cid = self.court(court_id).id
        found = self._calendars.get(cid)
        if found is None:
            found = self._calendars[cid] = CourtCalendar(self._days[cid].fwd_alt)
        return found

    # -- computing ------------------------------------------------------------------------------
    def compute(self, trigger: TriggerEvent) -> list[Deadline]:
        """Every deadline (and follow-up) the trigger's court rules imply, with explanations."""
        if not trigger.court:
            raise EngineError(f"Matter {trigger.matter}: the {trigger.event} row names no court; add the "
                              f"court column (e.g. federal, cand, ca-superior).")
        court = self.court(trigger.court)
        if not _YEARS[0] <= trigger.date.year <= _YEARS[1]:
            raise EngineError(f"Matter {trigger.matter}: {trigger.event} on {trigger.date.isoformat()} is "
                              f"outside the years the court calendars cover ({_YEARS[0]}-{_YEARS[1]}); "
                              f"check the date.")
        plans = self._plans.get((court.id, trigger.event))
        if plans is None:
            known = ", ".join(sorted(self._labels[court.id]))
            raise UnknownEvent(f"Matter {trigger.matter}: event {trigger.event!r} is not a trigger in court "
                               f"{court.id}; use one of: {known}.")
        out: list[Deadline] = []
        at = trigger.time.strftime("%H:%M") if trigger.time else None
        head = trigger_line(self._labels[court.id][trigger.event], trigger.date, trigger.service, at)
        days = self._days[court.id]
        for plan in plans:
            self._one(plan, trigger, court, days, head, out)
        return out

    def _one(self, plan: _Plan, trigger: TriggerEvent, court: Court, days: CourtDays, head: str,
             out: list[Deadline]) -> None:
        """Append the deadline (and follow-ups) of one plan for one trigger to `out`."""
        rule = plan.rule
        start = trigger.date
        lines = [head]
        for c in plan.chains:
            start, line = C.plain_offset(start, c.days, c.title, c.cite_short)
            lines.append(line)
        version = rule.version(start)
        if version is None:
            return
        if rule.direction == "at":
            self._at(plan, trigger, court, start, version, lines, out)
            return
        n = plan.days if plan.days >= 0 else version.days
        if n is None or n < 0:
            return
        flags: list[Flag] = []
        notes: list[str] = []  # why a reading was chosen; kept when the ambiguous-law count replaces steps
        service = trigger.service if not plan.chains else None
        ext = plan.ext
        table = ext.table(start) if ext else _NO_TABLE
        if table and (service is None or service not in _ANY):
            by_value: dict[tuple[int, bool], str] = {}
            for m in ("personal", *sorted(table)):  # one count per distinct extension
                by_value.setdefault(table.get(m, (0, False)), m)
            candidates = list(by_value.values())
            results = [(self._count(rule, n, start, m, ext, table, days, False), m) for m in candidates]
            (due, steps), method = min(results, key=lambda r: r[0][0])
            later = max(r[0][0] for r in results)
            if later != due:
                line, flag = missing_service(method, later)
                notes.append(line)
                flags.append(flag)
            service = method
        elif ext and service in ext.uncertain and table.get(service, _NONE)[0]:
            due, steps = self._count(rule, n, start, None, ext, table, days, False)
            alt, _ = self._count(rule, n, start, service, ext, table, days, False)
            if alt != due:
                line, flag = uncertain_service(service, ext.cite_for(service), due, alt)
                notes.append(line)
                flags.append(flag)
            service = None
        else:
            due, steps = self._count(rule, n, start, service, ext, table, days, False)
        if rule.counting in STATE_COUNTINGS:  # a counting rule that itself reads two ways
            k = table.get(service or "", _NONE)[0]
            doubt = second_reading(rule, n, start, k, due, days.fwd)
            if doubt:
                line, flag = reading_flag(doubt[1], due, doubt[0])
                notes.append(line)
                flags.append(flag)
        lo, hi = (start, due) if due >= start else (due, start)
        unsettled = days.unsettled(lo, hi, plan.forward)
        if unsettled:
            alt, _ = self._count(rule, n, start, service, ext, table, days, True)
            if alt != due:
                earlier, later = min(due, alt), max(due, alt)
                if earlier != due:
                    due, steps = self._count(rule, n, start, service, ext, table, days, True)
                named = [h for h in unsettled if earlier <= h.day <= later] or unsettled
                line, flag = ambiguous_law(named, earlier, later)
                notes.append(line)
                flags.append(flag)
        citation = version.citation or rule.citation
        cite_short = version.cite_short or rule.cite_short
        if ext is None and not plan.chains and trigger.service and trigger.service != "personal":
            notes.insert(0, no_extension(trigger.service, cite_short, rule.notes))
        lines += steps
        lines += notes
        main = Deadline(
            matter=trigger.matter, rule=rule.id, title=rule.title, due=due, court=court.id,
            citation=citation, trigger=trigger, explanation=tuple(lines), cite_short=cite_short,
            flags=tuple(flags), reminders=rule.reminders, critical=rule.critical, timezone=court.timezone,
            time=rule.due_time,
        )
        out.append(main)
        if rule.followups:
            self._followups(rule, main, start, days, out)

    def _at(self, plan: _Plan, trigger: TriggerEvent, court: Court, start: date, version: RuleVersion,
            lines: list[str], out: list[Deadline]) -> None:
        """The event itself (a hearing as set): its own day, never rolled, and its time when it has one."""
        rule = plan.rule
        # Only the trigger's own moment keeps its time; a chained event is a computed day, not a setting.
        at = trigger.time if not plan.chains else None
        cite_short = version.cite_short or rule.cite_short
        lines.append(f"{rule.title}: the event itself, as set -> {C.fmt(start)}"
                     + (f" at {at:%H:%M}" if at else "") + f" [{cite_short}].")
        out.append(Deadline(
            matter=trigger.matter, rule=rule.id, title=rule.title, due=start, court=court.id,
            citation=version.citation or rule.citation, trigger=trigger, explanation=tuple(lines),
            cite_short=cite_short, time=at, reminders=rule.reminders, critical=rule.critical,
            timezone=court.timezone,
        ))

    def _followups(self, rule: Rule, main: Deadline, start: date, days: CourtDays,
                   out: list[Deadline]) -> None:
        for f in rule.followups:
            anchor = main.due if f.anchor == "due" else start
            raw = anchor + timedelta(days=f.days)
            when = C.roll_backward(raw, days.bwd) if f.days < 0 else C.roll_forward(raw, days.fwd)
            word = "before" if f.days < 0 else "after"
            what = f"{rule.title} {C.fmt(main.due)}" if f.anchor == "due" else main.explanation[0].rstrip(".")
            lines = (f"{what}.", f"{f.title}: {abs(f.days)} days {word} -> {C.fmt(when)} (firm practice).")
            out.append(Deadline(
                matter=main.matter, rule=f"{rule.id}/{f.id}", title=f.title, due=when, court=main.court,
                citation=main.citation, trigger=main.trigger, explanation=lines, cite_short=main.cite_short,
                reminders=("1d",), kind="followup", critical=False, timezone=main.timezone,
            ))

    def _count(self, rule: Rule, n: int, start: date, service: str | None, ext: Extension | None,
               table: Mapping[str, tuple[int, bool]], days: CourtDays, alt: bool) -> tuple[date, list[str]]:
        """Count one rule's period under one reading of the law; returns (due, explanation steps)."""
        k, in_court = table.get(service or "", (0, False))
        if rule.counting in STATE_COUNTINGS:  # Texas, New York, Florida, Illinois: state_counting.py
            view = (days.fwd_alt if alt else days.fwd) if rule.direction == "after" else (
                days.bwd_alt if alt else days.bwd)
            words = SERVICE_WORDS.get(service or "", "service")
            return state_count(rule, n, start, k, in_court, f"Service by {words}",
                               ext.cite_for(service) if ext else "", view)
        if rule.counting in _FED_RULE:
            name = _FED_RULE[rule.counting]
            if rule.direction == "after":
                view = days.fwd_alt if alt else days.fwd
                if rule.unit == "court":
                    due = C.count_court_days(start, n, view, True)
                    line = f"{n} court days after -> {C.fmt(due)}{C.court_days_line(start, due, view)} [{name}]."
                else:
                    due, line = C.federal_forward(start, n, view, name)
                steps = [line]
                if k and ext:
                    due, line = C.federal_service_days(due, k, FEDERAL_LABELS.get(service or "", "Service"),
                                                       view, name, ext.cite_for(service))
                    steps.append(line)
                return due, steps
            view = days.bwd_alt if alt else days.bwd
            if rule.unit == "court":
                due = C.count_court_days(start, n, view, False)
                return due, [f"{n} court days before -> {C.fmt(due)}{C.court_days_line(start, due, view)} "
                             f"[{name}(5)]."]
            due, line = C.federal_backward(start, n, view, name)
            return due, [line]
        # California: CCP 12, 12a, 12c, 1005(b), 1010.6, 1013, 2016.060
        view = days.fwd_alt if alt else days.fwd
        label = CCP_LABELS.get(service or "", "service")
        cite = ext.cite_for(service) if ext else ""
        if rule.direction == "after":
            if k and not in_court:
                due, _end, line = C.ccp_forward(start, n, rule.unit, k, label, cite, view)
                return due, [line]
            due, end, line = C.ccp_forward(start, n, rule.unit, 0, label, cite, view, roll=not k)
            if k:
                due, line2 = C.ccp_court_day_extension(end, k, label, cite, view, True)
                return due, [line, line2]
            return due, [line]
        if rule.roll == "2016.060":
            due, line = C.ccp_2016_060(start, n, view, rule.cite_short)
            return due, [line]
        end, line = C.ccp_backward(start, n, rule.unit, view, rule.cite_short)
        steps = [line]
        if k:
            cap = label[:1].upper() + label[1:]
            if in_court:
                end, line = C.ccp_court_day_extension(end, k, cap, cite, view, False)
            else:
                end, line = C.ccp_backward_extension(end, k, cap, cite)
            steps.append(line)
        due, line = C.ccp_backward_roll(end, view)
        if line:
            steps.append(line)
        return due, steps


def shipped_config() -> Path:
    """<repo>/config, where the shipped packs and courts live."""
    import daemon

    return Path(daemon.__file__).resolve().parent.parent / "config"


def read_all(extra_dirs: Sequence[Path] = (), closures: Mapping[str, Sequence[date]] = {}) -> Loaded:
    """Read shipped and firm packs/courts, apply extra closures; problems are collected, not raised."""
    loaded = read_dirs([shipped_config(), *(Path(d) for d in extra_dirs)])
    resolve_closures(loaded)
    for cid, extra in closures.items():
        if cid not in loaded.courts:
            loaded.problems.append(f"closures: court {cid!r} is not defined; fix the court id in the config.")
            continue
        court = loaded.courts[cid]
        added = tuple(Holiday(d, "court closure (configured)") for d in extra)
        loaded.courts[cid] = replace(court, closures=court.closures + added)
    return loaded


def load_rulebook(extra_dirs: Sequence[Path] = (), closures: Mapping[str, Sequence[date]] = {}) -> RuleBook:
    """The shipped packs and courts plus a firm's; raises PackError naming file and rule if invalid."""
    loaded = read_all(extra_dirs, closures)
    problems = check(loaded)
    if problems:
        raise PackError(problems)
    return RuleBook(loaded)
