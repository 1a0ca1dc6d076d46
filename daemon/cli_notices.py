"""`docketd notice parse`, `docketd link` and `docketd review`: court e-mail notices at the command line."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from daemon.cli import find_config
from daemon.errors import UsageError
from daemon.notices.mail import NoticeError, read_mail
from daemon.notices.nef import parse_notice
from daemon.notices.recognise import recognise
from daemon.notices.senders import sender_allowed, senders_of


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `notice parse`, `link` and `review` to the docketd command line."""
    p = subparsers.add_parser("notice", help="court e-mail notices (CM/ECF NEFs, appellate notices)")
    sub = p.add_subparsers(dest="notice_command", metavar="COMMAND")
    s = sub.add_parser("parse", help="show what docketd reads from notice e-mails, storing nothing")
    s.add_argument("files", nargs="+", metavar="FILE.eml")
    s.add_argument("--json", action="store_true", help="machine-readable output (contract in DESIGN.md)")
    s.set_defaults(func=cmd_notice_parse)


def cmd_notice_parse(args: argparse.Namespace) -> int:
    """Parse notice e-mails and print what docketd reads from each (court, cases, dates, triggers)."""
    config = find_config(args, required=False)
    allowed = senders_of(config)
    missing = [f for f in args.files if not Path(f).is_file()]
    if missing:
        raise UsageError(f"No such file: {', '.join(missing)}.")
    notices: list[dict[str, object]] = []
    failed = 0
    for f in args.files:
        try:
            notice = recognise(parse_notice(read_mail(Path(f).read_bytes(), f), f))
        except NoticeError as exc:
            failed += 1
            notices.append({"file": f, "kind": "other", "court": None, "cases": [], "filed": None,
                            "entered": None, "docket_text": "", "triggers": [], "review": str(exc)})
            continue
        data = notice.as_json()
        if not sender_allowed(notice.sender, allowed):
            why = (f"The sender {notice.sender or '(none)'} is not one of the court senders "
                   f"({', '.join(allowed)}); a person must confirm the notice is genuine.")
            data["review"] = f"{why} {data['review']}" if data["review"] else why
        notices.append(data)
    if args.json:
        print(json.dumps({"notices": notices}, indent=2))
        return 1 if failed else 0
    for n in notices:
        cases = ", ".join(f"{c['case_number']}" + (f" (doc {c['document_number']})" if c["document_number"] else "")
                          for c in n["cases"])  # type: ignore[attr-defined]
        print(f"{n['file']}: {n['kind']} {n['court'] or '?'} {cases or 'no case number'}; filed {n['filed']}")
        if n["docket_text"]:
            print(f"  {str(n['docket_text'])[:300]}")
        for t in n["triggers"]:  # type: ignore[attr-defined]
            what = t["title"] if t["court_set"] else t["event"]
            print(f"  -> {what} {t['date']}" + (f" {t['time']}" if t["time"] else ""))
        if n["review"]:
            print(f"  REVIEW: {n['review']}")
    return 1 if failed else 0
