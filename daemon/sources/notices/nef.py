"""PURE: the text of a court e-mail -> what it says (court, cases, document number, dates, docket text).

Reads the format CM/ECF uses for a Notice of Electronic Filing (district courts, "NEF") and for an
appellate Notice of Docket Activity ("NDA"), by its labels ("Case Number:", "Document Number:",
"Docket Text:", "The following transaction was entered ... and filed on ..."), not by the look of
any one court's page. Anything else is kind "other" and always goes to a person.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from daemon.sources.notices.mail import Mail


@dataclass(frozen=True)
class NoticeCase:
    """One case a notice is filed in, with its own docket and document numbers."""

    case_number: str  # "2:21-cv-00080" (no judge initials), "21-1975", "MDL No. 2967"
    case_name: str = ""
    document_number: str | None = None
    court: str | None = None  # set when the notice names another court's case ("NYE/1:21-cv-02960")


@dataclass(frozen=True)
class Trigger:
    """A dated thing the docket text says: an event for the rule packs or a court-set date."""

    event: str
    date: date
    time: str | None = None  # "14:00", in the court's time zone
    text: str = ""
    rule: str = ""  # the recognition rule that matched
    court_set: bool = False  # a date the court set (calendared as is) rather than a rule trigger
    title: str = ""  # what the court set, for court-set dates ("Responses due")


@dataclass(frozen=True)
class Notice:
    """One court e-mail as docketd reads it."""

    file: str
    kind: str  # "nef" | "nda" | "other"
    court: str | None
    cases: tuple[NoticeCase, ...]
    filed: date | None
    entered: date | None
    docket_text: str
    message_id: str
    sender: str
    subject: str
    bankruptcy: bool = False
    timezone: str | None = None  # the court's zone, from "entered on ... at 12:42 PM CDT"
    triggers: tuple[Trigger, ...] = ()
    review: str | None = None
    notes: tuple[str, ...] = field(default=())  # ids of the review rules that matched (e.g. "vacated")

    @property
    def identity(self) -> str:
        """Same docket entry -> same identity, whoever forwarded it and whatever its Message-ID."""
        cases = ",".join(sorted(f"{c.case_number}#{c.document_number or ''}" for c in self.cases))
        text = " ".join(self.docket_text.lower().split())
        parts = [self.court or "", cases, self.filed.isoformat() if self.filed else "", text]
        if not self.cases and not text:  # unreadable: only the message itself identifies it
            parts.append(self.message_id or self.subject)
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]

    def as_json(self) -> dict[str, object]:
        """The `docketd notice parse --json` shape (a contract: see DESIGN.md)."""
        return {
            "file": self.file,
            "kind": self.kind,
            "court": self.court,
            "cases": [{"case_number": c.case_number, "case_name": c.case_name,
                       "document_number": c.document_number, "court": c.court} for c in self.cases],
            "filed": self.filed.isoformat() if self.filed else None,
            "entered": self.entered.isoformat() if self.entered else None,
            "docket_text": self.docket_text,
            "triggers": [{"event": t.event, "date": t.date.isoformat(), "time": t.time, "text": t.text,
                          "rule": t.rule, "court_set": t.court_set, "title": t.title} for t in self.triggers],
            "review": self.review,
            "message_id": self.message_id,
            "sender": self.sender,
            "subject": self.subject,
            "bankruptcy": self.bankruptcy,
            "timezone": self.timezone,
        }


# A federal docket number: office:yy-type-number, then optional judge initials / defendant number.
DISTRICT_NUMBER = re.compile(r"(?:\b([A-Z]{2,4})/)?\b(\d{1,2}:\d{2}-[A-Za-z]{2,4}-\d{1,6})((?:-[A-Za-z0-9]{1,6})*)")
MDL_NUMBER = re.compile(r"\bMDL No\. ?(\d{1,5})\b")
SHORT_NUMBER = re.compile(r"(?<![\d:/-])(\d{2}-\d{1,6})(?:-[A-Za-z0-9]{1,6})*(?![\d/:])")
_DATE = r"(\d{1,2}/\d{1,2}/\d{4})"
_FILED = re.compile(r"\bfiled\s+on\s+" + _DATE, re.I)
_ENTERED = re.compile(r"\bentered\s+(?:by\s+.{0,120}?\s+)?on\s+" + _DATE, re.I)
_LABELS = ("Case Name:", "Case Number:", "Filer:", "Document Number:", "Document(s):", "Docket Text:")
_END_OF_ENTRY = re.compile(
    r"(?:(?:MDL No\. ?\d+|(?:[A-Z]{2,4}/)?\d{1,2}:\d{2}-[A-Za-z]{2,4}-\d{1,6}(?:-[A-Za-z0-9]{1,6})*)\s+)?"
    r"(?:Notice\s+(?:has|have|will)\s+(?:not\s+)?be(?:en)?\s+(?:electronically\s+mailed|delivered|sent|stored)"
    r"|Notice\s+sent\s+via|Please\s+see\s+Local\s+Rule|The\s+following\s+document\(s\)\s+(?:are|is)\s+associated"
    r"|Document:\s)", re.I)
_ECF_HOST = re.compile(r"\b(?:ecf|pacer|ecf-train)\.([a-z0-9]{2,6})\.uscourts\.gov\b", re.I)
_ACMS_HOST = re.compile(r"\b(ca\d{1,2}|cadc|cafc)-showdoc\.", re.I)
_COURT_DOMAIN = re.compile(r"@([a-z0-9]{2,6})\.(?:uscourts\.gov|fedcourts\.us)$")
_CIRCUITS = {"first": "ca1", "second": "ca2", "third": "ca3", "fourth": "ca4", "fifth": "ca5",
             "sixth": "ca6", "seventh": "ca7", "eighth": "ca8", "ninth": "ca9", "tenth": "ca10",
             "eleventh": "ca11"}
# JPML and other multi-court notices prefix another court's case: "NYE/1:21-cv-02960" (court minus "d").
_PREFIX_COURT = {"CAC": "cacd", "CAN": "cand", "CAS": "casd", "CAE": "caed"}


# CM/ECF writes the entry time in the court's own zone. "MST" is ambiguous (Arizona keeps it all
# year, Denver does not), so it maps to no zone and a set time then needs a person.
_ZONES = {"EDT": "America/New_York", "EST": "America/New_York", "CDT": "America/Chicago",
          "CST": "America/Chicago", "MDT": "America/Denver", "PDT": "America/Los_Angeles",
          "PST": "America/Los_Angeles", "AKDT": "America/Anchorage", "AKST": "America/Anchorage",
          "HST": "Pacific/Honolulu", "AST": "America/Puerto_Rico", "CHST": "Pacific/Guam",
          "EASTERN": "America/New_York", "CENTRAL": "America/Chicago", "PACIFIC": "America/Los_Angeles"}
_ENTRY_ZONE = re.compile(r"\b(?:entered|filed|received)\b[^.]{0,160}?\d{1,2}:\d{2}(?::\d{2})?\s*[AP]M\s+"
                         r"(?:([A-Z]{2,4})\b|(Eastern|Central|Pacific) (?:Daylight|Standard) Time)", re.I)


def zone_of(body: str) -> str | None:
    """The IANA zone of the notice's entry time ("... at 12:42 PM CDT"), if it names an unambiguous one."""
    m = _ENTRY_ZONE.search(body[:2000])
    if not m:
        return None
    return _ZONES.get((m.group(1) or m.group(2) or "").upper())


def flat(text: str) -> str:
    """Whitespace (line wraps, non-breaking spaces) collapsed to single spaces."""
    return " ".join(text.replace("\u200b", " ").replace("\ufeff", " ").split())


def us_date(s: str) -> date | None:
    """A CM/ECF m/d/yyyy date, or None when it is no real day."""
    try:
        m, d, y = (int(x) for x in s.split("/"))
        return date(y, m, d)
    except ValueError:
        return None


def parse_notice(mail: Mail, file: str) -> Notice:
    """Read one e-mail as a court notice (never raises on odd content: kind "other" + review)."""
    text = flat(mail.text)
    court = court_of(mail, text)
    nef_at = text.find("Notice of Electronic Filing")
    nda_at = text.find("Notice of Docket Activity")
    bankruptcy = _is_bankruptcy(court, text, mail.subject)
    base = dict(file=file, court=court, message_id=mail.message_id, sender=mail.sender,
                subject=mail.subject, bankruptcy=bankruptcy)
    if nef_at < 0 and nda_at < 0:
        return Notice(kind="other", cases=(), filed=None, entered=None, docket_text="",
                      review="This e-mail is not a CM/ECF notice of filing or of docket activity; "
                             "a person must read it.", **base)  # type: ignore[arg-type]
    appellate = nda_at >= 0 and (nef_at < 0 or nda_at < nef_at)
    body = text[(nda_at if appellate else nef_at):]
    filed = _first_date(_FILED, body)
    entered = _first_date(_ENTERED, body)
    cases, docket_text = _entries(body, mail.subject, appellate)
    kind = "nda" if appellate else "nef"
    review = None
    if bankruptcy:
        kind = "other"
        review = ("A bankruptcy-court notice: docketd has no bankruptcy rules, so nothing was docketed; "
                  "a person must calendar it.")
    elif not cases:
        review = "No case number could be read from this notice; a person must match it to a matter."
    elif not docket_text:
        review = "No docket text could be read from this notice; a person must read it."
    elif filed is None and entered is None:
        review = "No filing date could be read from this notice; a person must read it."
    return Notice(kind=kind, cases=tuple(cases), filed=filed, entered=entered, timezone=zone_of(body),
                  docket_text=docket_text, review=review, **base)  # type: ignore[arg-type]


def court_of(mail: Mail, text: str) -> str | None:
    """The court's CM/ECF id: from the notice's own ECF links, else the sender's court domain."""
    hosts = Counter(m.group(1).lower() for link in mail.links for m in [_ECF_HOST.search(link)] if m)
    hosts.update(m.group(1).lower() for m in _ECF_HOST.finditer(text))
    if hosts:
        return hosts.most_common(1)[0][0]
    acms = Counter(m.group(1).lower() for link in mail.links for m in [_ACMS_HOST.search(link)] if m)
    if acms:
        return acms.most_common(1)[0][0]
    m = _COURT_DOMAIN.search(mail.sender)
    if m:
        return m.group(1)
    # A forwarded copy keeps the court's own From line in its body.
    m = re.search(r"From: [^@\s]{1,64}@([a-z0-9]{2,6})\.(?:uscourts\.gov|fedcourts\.us)\b", text, re.I)
    if m:
        return m.group(1).lower()
    m = re.search(r"Court of Appeals,? (?:for the )?(\w+) Circuit", text, re.I)
    if m:
        word = m.group(1).lower()
        if word in _CIRCUITS:
            return _CIRCUITS[word]
        digits = re.match(r"(\d{1,2})(?:st|nd|rd|th)$", word)
        if digits:
            return f"ca{int(digits.group(1))}"
    return None


def _is_bankruptcy(court: str | None, text: str, subject: str) -> bool:
    header = text[:3000]
    return bool((court and re.fullmatch(r"[a-z]{2,3}b", court) and court != "cadc")
                or re.search(r"Bankruptcy Court|Notice of Electronic Claims Filing", header, re.I)
                or re.search(r"\d-(?:bk|ap)-\d", subject + " " + header))


def _first_date(pattern: re.Pattern[str], body: str) -> date | None:
    m = pattern.search(body[:2000])
    return us_date(m.group(1)) if m else None


def _field(block: str, label: str) -> str | None:
    at = block.find(label)
    if at < 0:
        return None
    start = at + len(label)
    ends = [i for lab in _LABELS if (i := block.find(lab, start)) >= 0]
    return block[start:min(ends)].strip() if ends else block[start:].strip()


def _docket_text(block: str) -> str:
    at = block.find("Docket Text:")
    if at < 0:
        return ""
    rest = block[at + len("Docket Text:"):]
    nxt = rest.find("Case Name:")
    if nxt >= 0:
        rest = rest[:nxt]
    m = _END_OF_ENTRY.search(rest)
    if m:
        rest = rest[:m.start()]
    # Plain-text notices carry the court's markup literally ("STATUS REPORT <i></i> by USA").
    rest = re.sub(r"</?[a-zA-Z]{1,10}\s*/?>", "", rest)
    return " ".join(rest.split())[:20_000]


def _case_number(s: str) -> tuple[str, str | None] | None:
    m = MDL_NUMBER.search(s)
    if m:
        return f"MDL No. {m.group(1)}", None
    m = DISTRICT_NUMBER.search(s)
    if m:
        prefix = m.group(1)
        other = None
        if prefix:
            other = _PREFIX_COURT.get(prefix, prefix.lower() + "d")
        return m.group(2).lower(), other
    m = SHORT_NUMBER.search(s)
    if m:
        return m.group(1), None
    return None


def _document_number(s: str | None) -> str | None:
    if not s:
        return None
    m = re.match(r"(\d{1,7})\b", s.strip())
    return m.group(1) if m else None


def _entries(body: str, subject: str, appellate: bool) -> tuple[list[NoticeCase], str]:
    """Each case block's number, name and document number, and the docket text (the first block's)."""
    blocks = body.split("Case Name:")[1:]
    cases: list[NoticeCase] = []
    texts: list[str] = []
    for raw in blocks:
        block = "Case Name:" + raw
        name = (_field(block, "Case Name:") or "")[:500]
        number_text = _field(block, "Case Number:") or ""
        found = _case_number(number_text)
        doc = _document_number(_field(block, "Document Number:"))
        if appellate:
            found = found or _appellate_number(subject)
            if doc is None and found and f"{found[0]} - " in subject:
                doc = _acms_document_number(subject)
        texts.append(_docket_text(block))
        if found is None:
            continue
        number, other = found
        if any(c.case_number == number and c.court == other for c in cases):
            continue
        cases.append(NoticeCase(number, name, doc, other))
    return cases, next((t for t in texts if t), "")


def _appellate_number(subject: str) -> tuple[str, str | None] | None:
    s = re.sub(r"^(?:(?:Fwd?|FW|Re)\s*:\s*)+", "", subject, flags=re.I)
    m = re.match(r"(\d{2}-\d{1,6})\b", s)
    if m:
        return m.group(1), None
    m = re.search(r"(?<![\d:/-])(\d{2}-\d{1,6}) - \d{1,7} - ", s)  # ACMS: "<caption> 24-621 - 125 - <what>"
    return (m.group(1), None) if m else None


def _acms_document_number(subject: str) -> str | None:
    m = re.search(r"(?<![\d:/-])\d{2}-\d{1,6} - (\d{1,7}) - ", subject)
    return m.group(1) if m else None
