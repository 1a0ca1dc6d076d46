"""PURE: docket text -> trigger events and court-set dates, by the recognition rules (YAML data).

The rules live in daemon/data/notice_rules.yaml (see its header for the format). What no rule
reads with certainty becomes a review reason, never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from daemon.errors import ConfigError
from daemon.sources.notices.nef import Notice, Trigger, us_date

_MONTHS = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?"
           r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
_MONTH_NUMBER = {m: n for n, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep",
                                             "oct", "nov", "dec"), 1)}
DATE = rf"(?P<date>\d{{1,2}}/\d{{1,2}}/\d{{2,4}}\b|{_MONTHS}\.?\s+\d{{1,2}},?\s+\d{{4}}\b)"
TIME = r"(?P<time>\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp]\.?\s?[Mm]\b\.?)?|\d{1,2}\s*(?:[AaPp]\.[Mm]\.|[AaPp][Mm]\b))"
# Dates in docket text that set nothing: when a paper was signed, filed, entered, dated or served,
# and the clerk's own "answer due" (the rule pack computes the answer date itself).
_IGNORABLE_DATES = [re.compile(p.replace("DATE", DATE), re.I) for p in (
    r"\bSigned by (?:(?!\b(?:set|due|deadlines?|cut-?off|hearing|trial|conference|continued)\b)[^;]){0,160}?"
    r" on DATE", r"\((?:Filed|Entered)(?: on)?:?\s*DATE[^)]{0,40}\)",
    r"\[Entered:\s*DATE[^\]]{0,40}\]", r"\bdated\s+DATE", r"\bService date\s+DATE",
    r"\b(?:held|issued|entered|filed|signed|modified|received|served|sent|replaced|regenerated|executed) on\s+DATE",
    r"\banswer due\s+DATE", r"\backnowledgment sent by \w+ on\s+DATE")]
_ANY_DATE = re.compile(DATE, re.I)
# Docket-entry type words that precede what the court set: not part of its name.
_CLERK_WORDS = frozenset({"NOTICE", "ORDER", "MINUTES", "MINUTE", "ENTRY", "TEXT", "ONLY", "CLERKS", "CLERK'S", "EO",
                          "EP"})
_CRIMINAL_TYPES = frozenset({"cr", "mj", "po", "pt", "sw", "gj"})
# Words that say a date is being set; text with one of these that no rule read goes to a person.
_DATED_WORDS = re.compile(r"\b(?:due|deadline|set for|scheduled|hearing|conference|trial|no later than|"
                          r"on or before|within \d+ days|days (?:of|after|from))\b|^ORDER\b", re.I)


@dataclass(frozen=True)
class Rule:
    """One recognition rule (see notice_rules.yaml)."""

    id: str
    regex: re.Pattern[str]
    event: str | None
    court_set: str | None
    date_from: str  # match | filed | entered
    review: str | None
    start: bool
    courts: str  # all | district | appellate
    examples: tuple[dict[str, Any], ...]


@lru_cache(maxsize=4)
def load_rules(path: Path | None = None) -> tuple[Rule, ...]:
    """The shipped recognition rules (or those of `path`), compiled; a bad rule is a ConfigError."""
    if path is None:
        text = resources.files("daemon").joinpath("data/notice_rules.yaml").read_text("utf-8")
        where = "daemon/data/notice_rules.yaml"
    else:
        text, where = path.read_text("utf-8"), str(path)
    raw = yaml.safe_load(text) or {}
    out = []
    for n, r in enumerate(raw.get("rules") or [], 1):
        rid = str(r.get("id") or f"#{n}")
        try:
            regex = re.compile(str(r["pattern"]).replace("DATE", DATE).replace("TIME", TIME), re.I)
        except (KeyError, re.error) as exc:
            raise ConfigError(f"{where}, rule {rid}: the pattern is missing or invalid ({exc}).") from None
        if bool(r.get("event")) == bool(r.get("court_set")) and not r.get("review"):
            raise ConfigError(f"{where}, rule {rid}: give exactly one of `event` or `court_set`.")
        date_from = str(r.get("date", "match"))
        if date_from not in ("match", "filed", "entered"):
            raise ConfigError(f"{where}, rule {rid}: date must be match, filed or entered, not {date_from!r}.")
        out.append(Rule(rid, regex, r.get("event"), r.get("court_set"), date_from, r.get("review"),
                        bool(r.get("start")), str(r.get("courts", "all")), tuple(r.get("examples") or ())))
    return tuple(out)


def read_date(s: str) -> date | None:
    """A court's written date ("1/19/2023", "January 19, 2023"); None if it is not certain."""
    s = " ".join(s.replace(",", " ").replace(".", " ").split())
    if "/" in s:
        parts = s.split("/")
        return us_date(s) if len(parts[-1]) == 4 else None  # "1/2/23": the century is a guess
    m = re.fullmatch(r"([A-Za-z]+) (\d{1,2}) (\d{4})", s)
    month = _MONTH_NUMBER.get(m.group(1)[:3].lower()) if m else None
    if m is None or month is None:
        return None
    try:
        return date(int(m.group(3)), month, int(m.group(2)))
    except ValueError:
        return None


def read_time(s: str | None) -> str | None:
    """"02:00 PM" / "2:00 p.m." / "14:00" -> "14:00"; None when absent or impossible."""
    if not s:
        return None
    m = re.match(r"(\d{1,2})(?::(\d{2}))?(?::\d{2})?\s*([AaPp])?", s)
    if not m:
        return None
    h, mi = int(m.group(1)), int(m.group(2) or 0)
    if not m.group(3) and 1 <= h <= 12:
        return None  # "09:00" with no AM/PM: CM/ECF writes "09:00 AM"; a bare 12-hour time is not guessed
    if m.group(3):
        if not 1 <= h <= 12:
            return None
        h = h % 12 + (12 if m.group(3).lower() == "p" else 0)
    if h > 23 or mi > 59:
        return None
    return f"{h:02d}:{mi:02d}"


def recognise(notice: Notice, rules: tuple[Rule, ...] | None = None) -> Notice:
    """The notice with the triggers its docket text gives and, if a person must look, why."""
    rules = load_rules() if rules is None else rules
    text = notice.docket_text
    if notice.kind not in ("nef", "nda") or not text:
        return notice
    triggers: list[Trigger] = []
    reasons: list[str] = []
    read: list[tuple[int, int]] = []  # spans of the text a rule matched
    fired: list[str] = []  # review rules that matched
    for rule in rules:
        if rule.courts == "appellate" and notice.kind != "nda" or rule.courts == "district" and notice.kind != "nef":
            continue
        matches = [m for m in [rule.regex.match(text)] if m] if rule.start else list(rule.regex.finditer(text))
        for m in matches:
            read.append(m.span())
            if rule.review and rule.id not in fired:
                fired.append(rule.id)
            if rule.review and rule.review not in reasons:
                reasons.append(" ".join(rule.review.split()))
            if not (rule.event or rule.court_set):
                continue
            t, problem = _trigger(rule, m, notice)
            if problem:
                reasons.append(problem)
            if t and not any(_same(t, o) for o in triggers):
                triggers.append(t)
    criminal = sorted({c.case_number for c in notice.cases if c.case_number.split("-")[1:2] and
                       c.case_number.split("-")[1].lower() in _CRIMINAL_TYPES})
    if criminal:
        reasons.append(f"Case {', '.join(criminal)} is a criminal case; docketd's rule packs are civil (a criminal "
                       "appeal runs under FRAP 4(b)), so a person must calendar it.")
    unread = _unread_dates(text, read)
    if unread:
        reasons.append(f"The docket text has dates no rule read ({', '.join(unread[:5])}); a person must check "
                       "what they set.")
    if not triggers and not reasons and _DATED_WORDS.search(text):
        reasons.append("The docket text looks like it sets or changes a date, but no recognition rule read "
                       "it; a person must read it and calendar what it sets.")
    review = " ".join([notice.review] if notice.review else []) or None
    if reasons:
        review = " ".join(([review] if review else []) + reasons)
    return replace(notice, triggers=tuple(triggers), review=review, notes=tuple(fired))


def _unread_dates(text: str, read: list[tuple[int, int]]) -> list[str]:
    """Dates in the text that no rule matched and that are not plainly a filing or signing date."""
    spans = read + [m.span() for p in _IGNORABLE_DATES for m in p.finditer(text)]
    out = []
    for m in _ANY_DATE.finditer(text):
        a, b = m.span()
        if not any(s <= a and b <= e for s, e in spans):
            out.append(m.group(0))
    return out


def _same(a: Trigger, b: Trigger) -> bool:
    if a.court_set and b.court_set:
        return a.date == b.date and a.time == b.time
    return a.event == b.event and a.date == b.date and a.court_set == b.court_set


def _trigger(rule: Rule, m: re.Match[str], notice: Notice) -> tuple[Trigger | None, str | None]:
    groups = m.groupdict()
    snippet = m.group(0)[:300]
    if rule.date_from == "match":
        day = read_date(groups.get("date") or "")
        if day is None:
            return None, f"The date in “{snippet}” cannot be read with certainty; a person must enter it."
    else:
        day = notice.filed if rule.date_from == "filed" else notice.entered
        day = day or notice.entered or notice.filed
        if day is None:
            return None, f"The notice has no {rule.date_from} date for “{snippet}”; a person must enter it."
    raw_time = groups.get("time")
    at = read_time(raw_time)
    if raw_time and at is None:
        return None, f"The time in “{snippet}” cannot be read; a person must enter it."
    if rule.court_set:
        words = (groups.get("what") or "").split()
        while words and words[0].rstrip(":") in _CLERK_WORDS:  # "NOTICE Scheduling Conference" -> "Scheduling ..."
            words.pop(0)
        what = " ".join(words).strip(" ,;:-")
        title = rule.court_set.replace("{what}", what).strip() if what or "{what}" not in rule.court_set else ""
        title = " ".join(title.split()) or "Deadline set by the court"
        return Trigger("court_set", day, at, snippet, rule.id, court_set=True, title=title), None
    return Trigger(str(rule.event), day, at, snippet, rule.id), None
