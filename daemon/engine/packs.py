"""Rule packs and courts as data: load rules/*.yaml and courts/*.yaml into records.

The shipped packs and courts are package data in daemon/engine/data/{rules,courts}/, read through
importlib.resources (`shipped_data`), so an installed wheel finds them; a firm's own folders
(`[rules] dirs`) are read the same way after them.

Loading never stops at the first problem: every problem is collected as a sentence naming the file
and the rule (or court), so `docketd rules check` can show them all at once. See docs/rules.md for
the schema.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, time
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from daemon.engine.calendars import Holiday
from daemon.engine.state_holidays import StateTable, read_table
from daemon.models import SERVICE_METHODS

COUNTINGS = ("frcp", "frap", "ccp", "trcp", "trap", "gcl", "fla", "ilcs")  # state ones: state_counting.py
STYLES = ("after-roll", "ccp", "ccp-before")


@dataclass(frozen=True)
class ExtVersion:
    """One effective-dated table of service extensions: method -> (days, counted in court days)."""

    start: date | None
    end: date | None
    add: Mapping[str, tuple[int, bool]]


@dataclass(frozen=True)
class Extension:
    """A service-method extension rule (FRCP 6(d), FRAP 26(c), CCP 1013 / 1010.6, CCP 1005(b))."""

    name: str
    style: str  # after-roll | ccp | ccp-before
    cite: str
    versions: tuple[ExtVersion, ...]
    file: str
    cites: Mapping[str, str] = field(default_factory=dict)
    uncertain: frozenset[str] = frozenset()  # methods whose extension the law leaves open

    def cite_for(self, method: str | None) -> str:
        """The citation for one service method's extension (e.g. CCP 1013(a) for mail)."""
        return self.cites.get(method or "", self.cite)

    def table(self, on: date) -> Mapping[str, tuple[int, bool]]:
        """The extension table in force on `on` (empty when none is)."""
        for v in self.versions:
            if (v.start is None or v.start <= on) and (v.end is None or on <= v.end):
                return v.add
        return {}


@dataclass(frozen=True)
class RuleVersion:
    """What changes in a rule over time: the period and, optionally, its citation."""

    start: date | None
    end: date | None
    days: int | None = None
    citation: str | None = None
    cite_short: str | None = None
    not_computed: str | None = None  # why the period cannot be counted from the trigger in this span


_ALWAYS = RuleVersion(None, None)


@dataclass(frozen=True)
class Followup:
    """A task a pack attaches to a rule: `days` from the deadline (anchor "due") or the trigger."""

    id: str
    title: str
    days: int
    anchor: str = "due"


@dataclass(frozen=True)
class Rule:
    """One rule of a pack: which events trigger it, how its period counts, and how to cite it."""

    id: str
    title: str
    pack: str
    file: str
    triggers: Mapping[str, int]  # event -> days
    unit: str  # calendar | court
    direction: str  # after | before | at (the event itself: its own day and time, nothing counted)
    roll: str  # standard | 2016.060
    counting: str  # frcp | frap | ccp
    service: str | None
    citation: str
    cite_short: str
    reminders: tuple[str, ...]
    critical: bool = True
    versions: tuple[RuleVersion, ...] = ()
    followups: tuple[Followup, ...] = ()
    notes: str = ""
    due_time: time | None = None  # a time of day the act is due by (TRCP 99(b): 10:00 a.m.)
    caveats: Mapping[str, str] = field(default_factory=dict)  # event -> a fact to check (flag `needs-fact`)

    def version(self, on: date) -> RuleVersion | None:
        """The version in force on `on`; None when the rule has versions and none covers the date."""
        if not self.versions:
            return _ALWAYS
        for v in self.versions:
            if (v.start is None or v.start <= on) and (v.end is None or on <= v.end):
                return v
        return None


@dataclass(frozen=True)
class Chain:
    """A computed date that is itself a trigger: `source` + `days` (no roll) -> `event`."""

    id: str
    pack: str
    file: str
    source: str
    event: str
    days: int
    title: str
    citation: str
    cite_short: str


@dataclass
class Pack:
    """One body of rules loaded from one YAML file."""

    id: str
    title: str
    file: str
    counting: str
    events: dict[str, str] = field(default_factory=dict)
    rules: list[Rule] = field(default_factory=list)
    chains: list[Chain] = field(default_factory=list)
    extensions: dict[str, Extension] = field(default_factory=dict)


@dataclass(frozen=True)
class Court:
    """A court: its packs, time zone and which days it is closed."""

    id: str
    name: str
    timezone: str
    packs: tuple[str, ...]
    holidays: str
    forward_holidays: str | None
    closures: tuple[Holiday, ...]
    file: str
    state: str = ""  # postal code of the state or territory where the court sits (FRCP 6(a)(6)(C))
    circuit: str = ""  # a district court's court of appeals (FRAP 26(a)(6)(C) for FRAP periods run here)

    @property
    def pack(self) -> str:
        """The court's main rule pack."""
        return self.packs[0] if self.packs else ""


@dataclass
class Loaded:
    """Everything read from the config folders, plus the problems found while reading."""

    packs: dict[str, Pack] = field(default_factory=dict)
    courts: dict[str, Court] = field(default_factory=dict)
    closure_sets: dict[str, tuple[Holiday, ...]] = field(default_factory=dict)
    tables: dict[str, StateTable] = field(default_factory=dict)  # state holiday tables by calendar id
    problems: list[str] = field(default_factory=list)


def _date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def shipped_data() -> Traversable:
    """The folder of the shipped packs (rules/) and courts (courts/), inside the installed package."""
    return files("daemon.engine") / "data"

# libyaml's parser with PyYAML's safe constructor: the same data as yaml.safe_load, ten times faster.
# Reading the 177 shipped packs and tables with the pure-Python parser was most of every command's
# start-up (make bench, issue 17); tests/unit/test_pack_loader.py proves both read every file alike.
SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _yaml_files(directory: Traversable) -> list[Traversable]:
    found = [p for p in directory.iterdir() if p.is_file()]
    return (sorted((p for p in found if p.name.endswith(".yaml")), key=lambda p: p.name)
            + sorted((p for p in found if p.name.endswith(".yml")), key=lambda p: p.name))


def read_dirs(dirs: Iterable[Traversable]) -> Loaded:
    """Read every pack, court and closure set in `dirs` (later dirs override courts by id)."""
    out = Loaded()
    for d in dirs:
        if not d.is_dir():
            out.problems.append(f"{d}: the rules folder does not exist; create it or fix `[rules] dirs` "
                                f"in the config.")
            continue
        found: list[Traversable] = []
        for sub in (d / "holidays", d / "rules", d / "courts", d):
            if sub.is_dir():
                found += _yaml_files(sub)
        for path in found:
            _read_file(path, out)
    return out


def _read_file(path: Traversable, out: Loaded) -> None:
    name = str(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)  # noqa: S506 - a safe loader
    except (OSError, yaml.YAMLError) as exc:
        out.problems.append(f"{name}: cannot be read as YAML ({exc}); fix the syntax.")
        return
    if not isinstance(data, dict):
        out.problems.append(f"{name}: expected a mapping with `pack:` or `court:` at the top; fix the file.")
        return
    try:
        if "pack" in data:
            _read_pack(name, data, out)
        elif "court" in data:
            _read_court(name, data, out)
        elif "holiday_table" in data:
            table = read_table(name, data, out.problems)
            if table is not None and not data.get("builtin"):
                out.tables[table.id] = table
        elif "closure_set" in data:
            out.closure_sets[str(data["closure_set"])] = tuple(_closures(name, data.get("closures"), out))
        else:
            out.problems.append(f"{name}: has neither `pack:` nor `court:` at the top; add one.")
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        out.problems.append(f"{name}: malformed entry ({exc}); compare with docs/rules.md.")


def _closures(name: str, items: Any, out: Loaded) -> list[Holiday]:
    res: list[Holiday] = []
    for item in items or []:
        try:
            day = _date(item["date"])
        except (ValueError, KeyError, TypeError):
            out.problems.append(f"{name}: closure {item!r} needs `date: YYYY-MM-DD`; fix it.")
            continue
        assert day is not None
        res.append(Holiday(day, str(item.get("reason", "court closed")), bool(item.get("uncertain", False))))
    return res


def _read_court(name: str, data: dict[str, Any], out: Loaded) -> None:
    cid = str(data["court"])
    where = f"{name}: court {cid}"
    tz = str(data.get("timezone", ""))
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        out.problems.append(f"{where}: time zone {tz!r} is not an IANA zone; use e.g. America/Los_Angeles.")
    hol = str(data.get("holidays", "federal"))
    fwd = data.get("forward_holidays")  # calendar names are checked once every file is read (checks.py)
    closures = _closures(name, data.get("closures"), out)
    for set_name in data.get("closure_sets", []) or []:
        closures.append(Holiday(date.min, f"@{set_name}"))  # resolved after all files are read
    packs = tuple(str(p) for p in data.get("packs", []) or [])
    if not packs:
        out.problems.append(f"{where}: lists no rule packs; add `packs: [frcp]` or similar.")
    out.courts[cid] = Court(cid, str(data.get("name", cid)), tz, packs, hol, str(fwd) if fwd else None,
                            tuple(closures), name, str(data.get("state") or "").upper(),
                            str(data.get("circuit") or ""))


def _ext_value(value: Any) -> tuple[int, bool]:
    if isinstance(value, int):
        return value, False
    text = str(value).split()
    return int(text[0]), len(text) > 1 and text[1].startswith("court")


def _read_pack(name: str, data: dict[str, Any], out: Loaded) -> None:
    pid = str(data["pack"])
    counting = str(data.get("counting", ""))
    if counting not in COUNTINGS:
        out.problems.append(f"{name}: pack {pid} has counting {counting!r}; use one of {list(COUNTINGS)}.")
    pack = Pack(pid, str(data.get("title", pid)), name, counting)
    pack.events = {str(k): str(v) for k, v in (data.get("events") or {}).items()}
    reminders = tuple(str(r) for r in data.get("reminders", ("14d", "7d", "1d")))
    for ename, e in (data.get("extensions") or {}).items():
        versions = []
        for v in e.get("versions", []):
            add = {}
            for method, val in (v.get("add") or {}).items():
                if method not in SERVICE_METHODS:
                    out.problems.append(f"{name}: extension {ename}: unknown service method {method!r}; "
                                        f"use one of {list(SERVICE_METHODS)}.")
                add[str(method)] = _ext_value(val)
            versions.append(ExtVersion(_date(v.get("from")), _date(v.get("until")), add))
        style = str(e.get("style", "after-roll"))
        if style not in STYLES:
            out.problems.append(f"{name}: extension {ename}: style {style!r}; use one of {list(STYLES)}.")
        cites = {str(k): str(v) for k, v in (e.get("cites") or {}).items()}
        uncertain = frozenset(str(m) for m in e.get("uncertain") or ())
        for method in sorted(uncertain - set(SERVICE_METHODS)):
            out.problems.append(f"{name}: extension {ename}: unknown service method {method!r} under "
                                f"`uncertain:`; use one of {list(SERVICE_METHODS)}.")
        pack.extensions[str(ename)] = Extension(str(ename), style, str(e.get("cite", ename)),
                                                tuple(versions), name, cites, uncertain)
    for c in data.get("chains") or []:
        pack.chains.append(Chain(str(c["id"]), pid, name, str(c["from"]), str(c["event"]), int(c["days"]),
                                 str(c.get("title", c["event"])), str(c.get("citation", "")),
                                 str(c.get("cite_short", c.get("citation", "")))))
    for r in data.get("rules") or []:
        rule = _read_rule(name, pid, counting, reminders, r, out)
        if rule is not None:
            pack.rules.append(rule)
    if pid in out.packs:
        out.problems.append(f"{name}: pack {pid} is also defined in {out.packs[pid].file}; rename one.")
    out.packs[pid] = pack


def _read_rule(name: str, pid: str, counting: str, reminders: tuple[str, ...], r: dict[str, Any],
               out: Loaded) -> Rule | None:
    rid = str(r.get("id", ""))
    where = f"{name}: rule {rid or '(no id)'}"
    if not rid:
        out.problems.append(f"{where}: has no `id:`; give it a unique id like {pid}.answer.")
        return None
    days = r.get("days")
    direction = str(r.get("direction", "after"))
    if direction == "at":  # the event itself: no period to count
        if days not in (None, 0) or r.get("service") not in (None, "none"):
            out.problems.append(f"{where}: direction: at is the event's own day and time; drop `days:` "
                                "and `service:` (or use after/before for a period).")
        days = 0
    trig = r.get("trigger", r.get("triggers"))
    triggers: dict[str, int] = {}
    if isinstance(trig, str):
        triggers[trig] = int(days) if days is not None else -1
    elif isinstance(trig, list):
        triggers = {str(t): int(days) if days is not None else -1 for t in trig}
    elif isinstance(trig, dict):
        triggers = {str(k): int(v) for k, v in trig.items()}
    if not triggers:
        out.problems.append(f"{where}: has no `trigger:`; name the event that starts the period.")
    versions = tuple(
        RuleVersion(_date(v.get("from")), _date(v.get("until")),
                    int(v["days"]) if "days" in v else None, v.get("citation"), v.get("cite_short"),
                    str(v["not_computed"]) if v.get("not_computed") else None)
        for v in r.get("versions", []) or []
    )
    for v in versions:
        if v.not_computed and v.days is not None:
            out.problems.append(f"{where}: a version has both `days:` and `not_computed:`; keep one.")
    if any(d < 0 for d in triggers.values()) and not (
            versions and all(v.days is not None or v.not_computed for v in versions)):
        out.problems.append(f"{where}: has no `days:`; give the length of the period.")
    unit = str(r.get("unit", "calendar"))
    if unit not in ("calendar", "court"):
        out.problems.append(f"{where}: unit {unit!r}; use calendar or court.")
    if direction not in ("after", "before", "at"):
        out.problems.append(f"{where}: direction {direction!r}; use after, before or at.")
    citation = str(r.get("citation") or "")
    if not citation.strip():
        out.problems.append(f"{where}: has no citation; add `citation:` with the full cite (e.g. "
                            f"Fed. R. Civ. P. 12(a)(1)(A)(i)).")
    service = r.get("service")
    followups = tuple(
        Followup(str(f["id"]), str(f["title"]), int(f["days"]), str(f.get("from", "due")))
        for f in r.get("followups", []) or []
    )
    return Rule(
        id=rid, title=str(r.get("title", rid)), pack=pid, file=name, triggers=triggers, unit=unit,
        direction=direction, roll=str(r.get("roll", "standard")), counting=str(r.get("counting", counting)),
        service=str(service) if service and service != "none" else None, citation=citation,
        cite_short=str(r.get("cite_short", citation)),
        reminders=tuple(str(x) for x in r.get("reminders", reminders)),
        critical=bool(r.get("critical", True)), versions=versions, followups=followups,
        notes=str(r.get("notes", "")), due_time=_time(where, r.get("time"), out),
        caveats={str(k): str(v) for k, v in (r.get("caveats") or {}).items()},
    )


def _time(where: str, value: Any, out: Loaded) -> time | None:
    if value is None:
        return None
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        out.problems.append(f"{where}: time {value!r} is not HH:MM; write it like 10:00.")
        return None
