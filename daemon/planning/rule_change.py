"""PURE: `rule-change` flags — a stored deadline moved, vanished or appeared while its trigger did not change.

When the facts of a trigger row are the same as when its deadlines were stored (provenance aside), any
difference in the deadlines came from the rules: an upgraded rule pack or holiday table, or a firm's own
edit to its rules folder or `[closures]`. Such a move is never silent (issue 13, item 6). A change
caused by a new intake row (a correction) changes the trigger's facts and is not a rule change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from daemon.models import Deadline, Flag, TriggerEvent
from daemon.serial import trigger_to_dict

RULE_CHANGE = "rule-change"
ACTION = "Confirm the new date against the rule, then `docketd ack ID`."
PROVENANCE_FIELDS = ("source", "row", "checksum", "received")


def same_trigger(stored: Mapping[str, Any], t: TriggerEvent, new: Mapping[str, Any] | None = None) -> bool:
    """True when a stored trigger payload says exactly what `t` says (provenance aside; `new`: t's dict)."""
    if new is None:
        new = trigger_to_dict(t)
    keys = (set(stored) | set(new)) - set(PROVENANCE_FIELDS)
    # A field an upgrade added (absent from the stored payload) is the same fact when it is still empty.
    return all(stored.get(k) == new.get(k) or (not stored.get(k) and not new.get(k)) for k in keys)


def _day(iso: str, time: str | None = None) -> str:
    d = date.fromisoformat(iso)
    return f"{d.isoformat()} ({d:%a})" + (f" at {time}" if time else "")


def _why(old: Sequence[str], new: Sequence[str]) -> str:
    """The first explanation line that is gone and the first that is new, in a clerk's words."""
    gone = next((x.rstrip(".") for x in old if x not in new), None)
    came = next((x.rstrip(".") for x in new if x not in old), None)
    parts = []
    if gone:
        parts.append(f"before, “{gone}”")
    if came:
        parts.append(f"now, “{came}”")
    return "; ".join(parts) if parts else "the rule's explanation is unchanged, so check the rule pack"


def _intro(matter: str, title: str) -> str:
    return f"Matter {matter}: the deadline “{title}”"


def rule_change_flags(stored: Iterable[Mapping[str, Any]], deadlines: Sequence[Deadline],
                      triggers: Sequence[TriggerEvent]) -> dict[str, Flag]:
    """Flags by deadline key for deadlines moved, gone or new while their trigger's facts stayed the same.

    `stored` are the matter's deadline payloads from the last recompute (serial.deadline_to_dict),
    `deadlines` the ones just computed, `triggers` the matter's current triggers (court filled in).
    """
    # Follow-up tasks (a draft date, a reminder to confirm service) move with their deadline, whose own
    # flag says why: one change, one flag.
    old = {p["key"]: p for p in stored if p.get("kind", "deadline") == "deadline"}
    deadlines = [d for d in deadlines if d.kind == "deadline"]
    out: dict[str, Flag] = {}
    new_keys = {d.key for d in deadlines}
    as_dict: dict[int, dict[str, Any]] = {}  # trigger_to_dict once per trigger, not once per deadline

    def same(stored: Mapping[str, Any], t: TriggerEvent) -> bool:
        new = as_dict.get(id(t))
        if new is None:
            new = as_dict[id(t)] = trigger_to_dict(t)
        return same_trigger(stored, t, new)
    by_instance: dict[tuple[str, str, str], list[Mapping[str, Any]]] = {}
    for p in old.values():
        t = p.get("trigger_full") or {}
        by_instance.setdefault((t.get("matter", ""), t.get("event", ""), t.get("ref") or ""), []).append(p)
    for d in deadlines:
        was = old.get(d.key)
        if was is None:
            # New for an unchanged trigger that had deadlines stored before: a rule now computes it.
            earlier = by_instance.get(d.trigger.instance, [])
            if earlier and all(same(p["trigger_full"], d.trigger) for p in earlier):
                text = (f"{_intro(d.matter, d.title)} is newly computed, due {_day(d.due.isoformat())}, because "
                        f"the court rules docketd applies changed: rule {d.rule} ({d.citation}) now applies to "
                        f"this row. Check it against the rule before relying on it.")
                out[d.key] = Flag(RULE_CHANGE, "critical", text,
                                  "Calendar the new deadline if it is right, then `docketd ack ID`.")
            continue
        if not same(was["trigger_full"], d.trigger):
            continue  # a corrected intake row moved it: that is the row's doing, not the rules'
        t_old, t_new = was.get("time"), (d.time.strftime("%H:%M") if d.time else None)
        if was["due"] == d.due.isoformat() and t_old == t_new:
            continue
        out[d.key] = Flag(RULE_CHANGE, "critical",
                          f"{_intro(d.matter, d.title)} moved from {_day(was['due'], t_old)} to "
                          f"{_day(d.due.isoformat(), t_new)} because the court rules or holidays docketd "
                          f"applies changed: {_why(was.get('explanation', ()), d.explanation)}. Check the new "
                          f"date against the rule before relying on it.", ACTION)
    current = {t.instance: t for t in triggers}
    for key, was in old.items():
        if key in new_keys:
            continue
        t_was = was.get("trigger_full") or {}
        now = current.get((t_was.get("matter", ""), t_was.get("event", ""), t_was.get("ref") or ""))
        if now is None or not same(t_was, now):
            continue  # the row was withdrawn or corrected
        out[key] = Flag(RULE_CHANGE, "critical",
                        f"{_intro(was['matter'], was['title'])}, due {_day(was['due'], was.get('time'))}, is no "
                        f"longer computed, because the court rules docketd applies changed: rule {was['rule']} "
                        f"({was.get('citation', '')}) no longer applies to this row. Its calendar entry is removed.",
                        "Check whether the deadline still applies and calendar it by hand if it does, then "
                        "`docketd ack ID`.")
    return out
