"""The rule book: loaded packs and courts, and `compute`, which turns one trigger into deadlines.

`compute` is pure and deterministic: it reads no clock and does no I/O (holiday sets are computed
from the statutes on first use and cached in memory).
"""

from __future__ import annotations

import difflib
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from daemon.engine import counting as C
from daemon.engine.calendars import CALENDARS, DayView, Holiday
from daemon.engine.checks import check, resolve_closures
from daemon.engine.court_index import CourtCalendar
from daemon.engine.errors import EngineError, NotComputed, PackError, UnknownCourt, UnknownEvent
from daemon.engine.explain import (
    CCP_LABELS,
    FEDERAL_LABELS,
    FRAP_LABELS,
    SERVICE_WORDS,
    ambiguous_law,
    hearing_on_closed_day,
    missing_service,
    needs_fact,
    no_extension,
    not_computed,
    trigger_tail,
    uncertain_service,
)
from daemon.engine.packs import Chain, Court, Extension, Loaded, Rule, RuleVersion, read_dirs, shipped_data
from daemon.engine.records import builder
from daemon.engine.state_counting import STATE_COUNTINGS, reading_flag, second_reading, state_count
from daemon.engine.state_holidays import StateTable
from daemon.models import SERVICE_METHODS, Deadline, Flag, TriggerEvent

_ANY = frozenset(SERVICE_METHODS)
_NO_TABLE: Mapping[str, tuple[int, bool]] = {}
_NONE = (0, False)
_FED_RULE = {"frcp": "FRCP 6(a)", "frap": "FRAP 26(a)"}
_deadline = builder(Deadline)  # the dataclass __init__ was a sixth of compute() (docs/benchmarks.md)


Calendar = Callable[[int], list[Holiday]]
_STATE_RULE = {"frcp": "FRCP 6(a)(6)(C)", "frap": "FRAP 26(a)(6)(C)"}


def _cited(table: StateTable, rule: str, unsettled: str = "") -> Calendar:
    """A state table's days named with the rule that makes them legal holidays in this court; with
    `unsettled`, every day is marked ambiguous for that reason."""
    def days(year: int) -> list[Holiday]:
        out = []
        for h in table(year):
            head, sep, why = h.name.partition("; unsettled:")
            if unsettled and not h.ambiguous:
                sep, why = "; unsettled:", f" {unsettled}"
            out.append(replace(h, name=f"{head}, {rule}{sep}{why}", ambiguous=h.ambiguous or bool(unsettled)))
        return out
    return days


def _by_year(source: Calendar) -> Calendar:
    """`source`, each year's list computed once: a court's four day views and its unsettled-day index
    all read the same years, and courts in one state share its table (the lists are never changed)."""
    years: dict[int, list[Holiday]] = {}

    def days(year: int) -> list[Holiday]:
        found = years.get(year)
        if found is None:
            found = years[year] = source(year)
        return found
    return days


_CLERK_STATE = ("the state of the circuit clerk's principal office (FRAP 26(a)(6)(C)) for a FRAP period run "
                "in the district court")


class CourtDays:
    """The four views of one court's closed days: forward/backward counts x settled/unsettled law.

    `extra` names more forward-count calendars (FRAP 26(a)(6)(C): the state of the district court
    whose judgment is appealed)."""

    def __init__(self, court: Court, tables: Mapping[str, StateTable] | None = None,
                 counting: str = "frcp", extra: Sequence[str] = (), unsettled_extra: bool = False,
                 sources: dict[tuple[str, str, str], Calendar] | None = None) -> None:
        tables = tables or {}
        known = {} if sources is None else sources  # shared by a rule book's courts (RuleBook._sources)

        def resolve(name: str, unsettled: str = "") -> Calendar:
            rule = _STATE_RULE.get(counting, "FRCP 6(a)(6)(C)") if name in tables else ""
            found = known.get((name, rule, unsettled))
            if found is None:
                raw = _cited(tables[name], rule, unsettled) if name in tables else CALENDARS[name]
                found = known[(name, rule, unsettled)] = _by_year(raw)
            return found

        base = [resolve(court.holidays)]
        own = [court.forward_holidays] if court.forward_holidays and court.forward_holidays != court.holidays else []
        more = [n for n in dict.fromkeys(extra) if n not in own and n != court.holidays]
        fwd = base + [resolve(n) for n in own]
        fwd += [resolve(n, _CLERK_STATE if unsettled_extra else "") for n in more]
        self.fwd = DayView(fwd, court.closures)
        self.fwd_alt = DayView(fwd, court.closures, include_ambiguous=True)
        same = len(fwd) == len(base)
        self.bwd = self.fwd if same else DayView(base, court.closures)
        self.bwd_alt = self.fwd_alt if same else DayView(base, court.closures, include_ambiguous=True)
        self._sources = {True: fwd, False: base}
        self._closures = [c for c in court.closures if c.ambiguous]
        self._unsettled: dict[tuple[int, bool], list[Holiday]] = {}
        # by direction (False, True), then decade
        self._flat: tuple[dict[int, tuple[list[Holiday], list[date]]], ...] = ({}, {})

    def unsettled(self, lo: date, hi: date, forward: bool) -> list[Holiday]:
        """Days between lo and hi (inclusive) whose status the law leaves open, for this direction."""
        decade = lo.year // 10
        if decade == hi.year // 10:  # indexed a decade at a time, on first use, for a bisect look-up
            days, keys = self._flat[forward].get(decade) or self._flatten(forward, decade)
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

    def _flatten(self, forward: bool, decade: int) -> tuple[list[Holiday], list[date]]:
        days = [h for year in range(decade * 10, decade * 10 + 10) for h in self._year(year, forward)]
        found = self._flat[forward][decade] = (days, [h.day for h in days])
        return found


_YEARS = (1900, 2199)  # trigger years compute() accepts; the statutes' calendars are not meant beyond


@dataclass(frozen=True)
class _Plan:
    """One rule a trigger event fires, resolved once at load time so `compute` does no look-ups."""

    rule: Rule
    days: int  # -1: take the period from the rule's version
    chains: tuple[Chain, ...]
    ext: Extension | None
    forward: bool  # which view of unsettled days applies (FRCP 6(a)(6)(C) is forward-only)
    caveat: str | None = None  # a fact to check for this trigger event (never for a chained event)
    state: bool = False  # the rule counts under a state method that itself reads two ways


class RuleBook:
    """Loaded rule packs and courts; computes deadlines for trigger events."""

    def __init__(self, loaded: Loaded) -> None:
        self._loaded = loaded
        self._courts = dict(loaded.courts)
        self._sources: dict[tuple[str, str, str], Calendar] = {}  # holiday calendars by year, for CourtDays
        self._days = {cid: CourtDays(c, loaded.tables, self._counting(c), sources=self._sources)
                      for cid, c in self._courts.items()}
        self._lower_days: dict[tuple[str, str], CourtDays] = {}
        self._frap_days: dict[str, CourtDays] = {}  # FRAP periods run in a district court
        self._notes: dict[tuple[str, str], str] = {}  # FRAP 26(a)(6)(C) trace line per (court, lower court)
        self._by_code = {t.code: t for t in loaded.tables.values()}
        self._own_note = {cid: self._appeal_note(c, None) for cid, c in self._courts.items()}
        self._calendars: dict[str, CourtCalendar] = {}
        self._ext: dict[str, Extension] = {}
        self._labels: dict[str, dict[str, str]] = {}
        self._events: dict[str, frozenset[str]] = {}  # events_for, asked once per intake row
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
                          r.direction == "after" or r.counting == "ccp",
                          None if chain else r.caveats.get(event), r.counting in STATE_COUNTINGS)
                    for r in pack.rules if event in r.triggers]
            for c in pack.chains:
                if c.source == event:
                    out += self._plan(court, c.event, chain + (c,), depth + 1)
        return out

    def _counting(self, court: Court) -> str:
        pack = self._loaded.packs.get(court.pack)
        return pack.counting if pack else "frcp"

    # -- look-ups -------------------------------------------------------------------------------
    def tables(self) -> Mapping[str, StateTable]:
        """The loaded state holiday tables, by calendar id."""
        return self._loaded.tables

    def table_for_state(self, code: str) -> StateTable | None:
        """The holiday table of a state or territory (postal code), if one is loaded."""
        return self._by_code.get(code.upper())

    def _days_for(self, court: Court, lower: str | None) -> tuple[CourtDays, str | None]:
        """The court's day views, widened by the lower court's state holidays (FRAP 26(a)(6)(C))."""
        if not lower:
            return self._days[court.id], None
        low = self.court(lower)
        cal = low.forward_holidays
        if not cal or cal == court.forward_holidays:
            return self._days[court.id], low.id
        key = (court.id, cal)
        if key not in self._lower_days:
            self._lower_days[key] = CourtDays(court, self._loaded.tables, self._counting(court), (cal,),
                                              sources=self._sources)
        return self._lower_days[key], low.id

    def court_ids(self) -> list[str]:
        """Every court id, sorted."""
        return sorted(self._courts)

    def court(self, court_id: str) -> Court:
        """The court with this id, or UnknownCourt."""
        try:
            return self._courts[court_id]
        except KeyError:
            close = difflib.get_close_matches(court_id, self.court_ids(), n=3, cutoff=0.6)
            hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
            raise UnknownCourt(
                f"Unknown court {court_id!r}{hint}; use a court id that `docketd courts` lists, or add "
                f"courts/{court_id}.yaml to the firm's rules folder."
            ) from None

    def events_for(self, court_id: str) -> frozenset[str]:
        """The trigger events the court's packs know."""
        self.court(court_id)
        found = self._events.get(court_id)
        if found is None:
            found = self._events[court_id] = frozenset(self._labels[court_id])
        return found

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
        court = self._courts.get(trigger.court) or self.court(trigger.court)
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
        label = self._labels[court.id][trigger.event]
        head = f"{label} {C.fmt(trigger.date)}{trigger_tail(label, trigger.service, at)}"  # what, when, how served
        if trigger.lower_court:
            days, lower = self._lower(trigger, court)
            key = (court.id, lower.id)
            note = self._notes.get(key)
            if note is None:
                note = self._notes[key] = self._appeal_note(court, lower)
        else:
            days, note = self._days[court.id], self._own_note[court.id]
        # a hearing, trial, conference or argument the court holds ("... set for")
        sit = self._sitting(label, trigger.date, court, days) if label.endswith(" set for") else None
        refused: list[str] = []
        for plan in plans:
            plan_days = days
            if plan.rule.counting == "frap" and court.circuit:
                plan_days = self._frap_days.get(court.id) or self._frap_district(court)
            try:
                self._one(plan, trigger, court, plan_days, head, out, note if plan.forward else "", sit)
            except NotComputed as exc:  # the trigger's other rules still count
                refused.append(str(exc))
        if refused:
            raise NotComputed(" ".join(refused), out)
        return out

    def _frap_district(self, court: Court) -> CourtDays:
        """Day views for FRAP periods run in a district court (FRAP 4): FRAP 26(a)(6)(C) counts the
        district court's state and the state of the circuit clerk's principal office. Whether the
        clerk's state reaches a period run in the district court is treated as unsettled."""
        circuit = self._courts.get(court.circuit)
        extra = (circuit.forward_holidays,) if circuit and circuit.forward_holidays else ()
        days = self._frap_days[court.id] = CourtDays(court, self._loaded.tables, "frap", extra, True,
                                                     sources=self._sources)
        return days

    def _sitting(self, label: str, day: date, court: Court, days: CourtDays) -> tuple[str, Flag] | None:
        """The line and flag when a trigger is set for a weekend or a holiday of its court (its own
        days: state holidays added only to forward counts, FRCP 6(a)(6)(C), do not close the court)."""
        if days.bwd.closed(day):
            why, unsettled = days.bwd.name(day), False
        elif days.bwd_alt.closed(day):
            why, unsettled = days.bwd_alt.name(day), True
        else:
            return None
        return hearing_on_closed_day(label[: -len(" set for")], day, why, court.id, unsettled)

    def _lower(self, trigger: TriggerEvent, court: Court) -> tuple[CourtDays, Court]:
        """The day views for a trigger that names a district court: widened by that court's state."""
        assert trigger.lower_court
        if self._counting(court) != "frap":
            raise EngineError(f"Matter {trigger.matter}: lower_court {trigger.lower_court!r} is given for "
                              f"{court.id}, which is not a court of appeals; clear the lower_court column.")
        if trigger.lower_court not in self._courts or self._counting(self._courts[trigger.lower_court]) != "frcp":
            raise EngineError(f"Matter {trigger.matter}: lower_court {trigger.lower_court!r} is not a district "
                              f"court id; give the CM/ECF id of the court whose judgment is appealed (e.g. "
                              f"nysd), see `docketd courts`.")
        days, _ = self._days_for(court, trigger.lower_court)
        return days, self._courts[trigger.lower_court]

    def _appeal_note(self, court: Court, lower: Court | None) -> str:
        """FRAP 26(a)(6)(C): which states' holidays a court of appeals' forward count used."""
        if self._counting(court) != "frap" or not court.state:
            return ""
        clerk = self._state_name(court.state)
        if lower is None:
            return (f"No district court named (lower_court): counted the legal holidays of {clerk}, where the "
                    f"clerk's principal office is, only [FRAP 26(a)(6)(C)].")
        if lower.state == court.state or not lower.state:
            return (f"Legal holidays of {clerk} counted (clerk's office and district court {lower.id}) "
                    f"[FRAP 26(a)(6)(C)].")
        return (f"Legal holidays of {clerk} (clerk's principal office) and {self._state_name(lower.state)} "
                f"(district court {lower.id}) counted [FRAP 26(a)(6)(C)].")

    def _state_name(self, code: str) -> str:
        t = self.table_for_state(code)
        return t.jurisdiction if t else ("California" if code == "CA" else code)

    def _one(self, plan: _Plan, trigger: TriggerEvent, court: Court, days: CourtDays, head: str,
             out: list[Deadline], note: str = "", sit: tuple[str, Flag] | None = None) -> None:
        """Append the deadline (and follow-ups) of one plan for one trigger to `out`."""
        rule = plan.rule
        start = trigger.date
        lines = [head]
        for c in plan.chains:
            start, line = C.plain_offset(start, c.days, c.title, c.cite_short)
            lines.append(line)
        version = rule.version(start)
        if version is None or version.not_computed:  # never skipped silently: the row gets an error
            raise NotComputed(not_computed(trigger.matter, rule, trigger.event, start, version, bool(plan.chains)))
        if version.cite_short and version.cite_short != rule.cite_short:  # the trace cites the version in force
            rule = replace(rule, cite_short=version.cite_short)
        if rule.direction == "at":
            self._at(plan, trigger, court, start, version, lines, out)
            return
        n = plan.days if plan.days >= 0 else version.days
        if n is None or n < 0:
            return
        flags: list[Flag] = [sit[1]] if sit else []
        notes: list[str] = []  # why a reading was chosen; kept when the ambiguous-law count replaces steps
        caveat = plan.caveat
        if caveat:
            line, flag = needs_fact(rule.title, caveat)
            notes.append(line)
            flags.append(flag)
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
                line, flag = uncertain_service(service, ext.cite_for(service), due, alt, rule.counting == "frap")
                notes.append(line)
                flags.append(flag)
            service = None
        else:
            due, steps = self._count(rule, n, start, service, ext, table, days, False)
        if plan.state:  # a counting rule that itself reads two ways
            k, in_court = table.get(service or "", _NONE)
            doubt = second_reading(rule, n, start, k, due, days.fwd, in_court)
            if doubt:
                line, flag = reading_flag(doubt[1], due, doubt[0])
                notes.append(line)
                flags.append(flag)
        lo, hi = (start, due) if due >= start else (due, start)
        unsettled = days.unsettled(lo, hi, plan.forward)
        if unsettled:
            alt, alt_steps = self._count(rule, n, start, service, ext, table, days, True)
            if alt != due:
                earlier, later = min(due, alt), max(due, alt)
                if earlier != due:
                    due, steps = alt, alt_steps
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
        if note:
            lines.append(note)
        if sit:
            lines.insert(1, sit[0])
        # positional, in field order (matter ... timezone): a keyword call cost a tenth of the record
        main = _deadline(trigger.matter, rule.id, rule.title, due, court.id, citation, trigger, tuple(lines),
                         cite_short, rule.due_time, tuple(flags), rule.reminders, "deadline", rule.critical,
                         court.timezone)
        out.append(main)
        if rule.followups:
            self._followups(rule, main, start, days, out, (sit[1],) if sit else ())

    def _at(self, plan: _Plan, trigger: TriggerEvent, court: Court, start: date, version: RuleVersion,
            lines: list[str], out: list[Deadline]) -> None:
        """The event itself (a hearing as set): its own day, never rolled, and its time when it has one."""
        rule = plan.rule
        # Only the trigger's own moment keeps its time; a chained event is a computed day, not a setting.
        at = trigger.time if not plan.chains else None
        cite_short = version.cite_short or rule.cite_short
        lines.append(f"{rule.title}: the event itself, as set -> {C.fmt(start)}"
                     + (f" at {at:%H:%M}" if at else "") + f" [{cite_short}].")
        out.append(_deadline(
            matter=trigger.matter, rule=rule.id, title=rule.title, due=start, court=court.id,
            citation=version.citation or rule.citation, trigger=trigger, explanation=tuple(lines),
            cite_short=cite_short, time=at, reminders=rule.reminders, critical=rule.critical,
            timezone=court.timezone,
        ))

    def _followups(self, rule: Rule, main: Deadline, start: date, days: CourtDays,
                   out: list[Deadline], flags: tuple[Flag, ...] = ()) -> None:
        for f in rule.followups:
            anchor = main.due if f.anchor == "due" else start
            raw = anchor + C.DAYS[f.days]
            when = C.roll_backward(raw, days.bwd) if f.days < 0 else C.roll_forward(raw, days.fwd)
            word = "before" if f.days < 0 else "after"
            what = f"{rule.title} {C.fmt(main.due)}" if f.anchor == "due" else main.explanation[0].rstrip(".")
            lines = (f"{what}.", f"{f.title}: {abs(f.days)} days {word} -> {C.fmt(when)} (firm practice).")
            out.append(_deadline(main.matter, f"{rule.id}/{f.id}", f.title, when, main.court, main.citation,
                                 main.trigger, lines, main.cite_short, None, flags, ("1d",), "followup", False,
                                 main.timezone))

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
                    labels = FRAP_LABELS if rule.counting == "frap" else FEDERAL_LABELS
                    due, line = C.federal_service_days(due, k, labels.get(service or "", "Service"),
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


def read_all(extra_dirs: Sequence[Path] = (), closures: Mapping[str, Sequence[date]] = {}) -> Loaded:
    """Read shipped and firm packs/courts, apply extra closures; problems are collected, not raised."""
    loaded = read_dirs([shipped_data(), *(Path(d) for d in extra_dirs)])
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
