"""`docketd notice parse`, `docketd link` and `docketd review`: court e-mail notices at the command line."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from daemon.cli.common import find_config
from daemon.errors import UsageError
from daemon.sources.notices.mail import NoticeError, read_mail
from daemon.sources.notices.nef import parse_notice
from daemon.sources.notices.recognise import recognise
from daemon.sources.notices.senders import sender_allowed, senders_of


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `notice parse`, `link` and `review` to the docketd command line."""
    p = subparsers.add_parser("notice", help="court e-mail notices (CM/ECF NEFs, appellate notices)")
    sub = p.add_subparsers(dest="notice_command", metavar="COMMAND")
    s = sub.add_parser("parse", help="show what docketd reads from notice e-mails, storing nothing")
    s.add_argument("files", nargs="+", metavar="FILE.eml")
    s.add_argument("--json", action="store_true", help="machine-readable output (contract in DESIGN.md)")
    s.set_defaults(func=cmd_notice_parse)
    register_review(subparsers)


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


def register_review(subparsers: argparse._SubParsersAction) -> None:
    """Add `link` and `review [accept|reject]`."""
    p = subparsers.add_parser("link", help="link a court docket number to a matter, so notices find it")
    p.add_argument("matter", metavar="MATTER")
    p.add_argument("case_number", metavar="CASE_NUMBER", help="as the court writes it, e.g. 3:24-cv-01234")
    p.add_argument("--court", default="", help="the court id, when the matter's own court is generic")
    p.set_defaults(func=cmd_link)
    p = subparsers.add_parser("review", help="court notices that need a person; accept or reject them")
    p.add_argument("--json", action="store_true")
    p.add_argument("--all", action="store_true", help="resolved items too")
    p.set_defaults(func=cmd_review)
    sub = p.add_subparsers(dest="review_command", metavar="COMMAND")
    s = sub.add_parser("accept", help="docket what the notice says (or the --event/--date you give)")
    s.add_argument("id", type=int, metavar="ID")
    s.add_argument("--event", help="the trigger event to docket instead, e.g. motion_hearing")
    s.add_argument("--date", help="its date, YYYY-MM-DD")
    s.add_argument("--time", help="its time, HH:MM in the court's time zone")
    s.add_argument("--matter", help="the matter, when the notice's case is linked to none")
    s.add_argument("--replace", action="store_true", help="withdraw the earlier dates this notice moves")
    s.add_argument("--withdraw", type=int, action="append", metavar="N",
                   help="withdraw the Nth earlier date the item lists (repeatable)")
    s.set_defaults(func=cmd_review_accept)
    s = sub.add_parser("reject", help="close the item; nothing is docketed")
    s.add_argument("id", type=int, metavar="ID")
    s.set_defaults(func=cmd_review_reject)


def _docket(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from daemon.cli.common import open_docket

    config = find_config(args, required=True)
    return config, open_docket(config)


def cmd_link(args: argparse.Namespace) -> int:
    """Link a docket number to a matter (the same as the intake case_number column)."""
    from daemon.cli.common import today_for
    from daemon.sources.notices.links import link
    from daemon.state.status import reviews_waiting_for_case

    config, docket = _docket(args)
    if docket.store.matter(args.matter) is None:
        raise UsageError(f"There is no matter {args.matter!r} in the docket yet; add an intake row for it "
                         "(with the case_number column, which links it too).")
    with docket.store.transaction() as db:
        number = link(db, args.matter, args.case_number, args.court, "docketd link",
                      today_for(config).isoformat(timespec="seconds"))
        waiting = reviews_waiting_for_case(db, number)
    print(f"Linked case {number} to matter {args.matter}.")
    if waiting:
        print(f"{waiting} notices for this case wait in review: `docketd review`, then `docketd review accept ID`.")
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    """List the notices that need a person."""
    from daemon.sources.notices.review import review_items

    _config, docket = _docket(args)
    items = review_items(docket.store.db, status=None if args.all else "open")
    if args.json:
        print(json.dumps({"items": [i.as_json() for i in items]}, indent=2))
        return 0
    if not items:
        print("No court notices wait for review.")
        return 0
    for i in items:
        n = i.notice
        cases = ", ".join(c["case_number"] + (f" (ECF {c['document_number']})" if c.get("document_number") else "")
                          for c in n.get("cases", [])) or "no case number"
        print(f"#{i.id} [{i.status}] {n.get('court') or '?'} {cases}; filed {n.get('filed')}; "
              f"matters: {', '.join(i.matters) or 'none linked'}")
        print(f"  Why: {i.reason}")
        if n.get("docket_text"):
            print(f"  Docket text: {str(n['docket_text'])[:400]}")
        for t in i.proposal:
            print(f"  Proposed: {t.event} {t.date.isoformat()}" + (f" {t.time:%H:%M}" if t.time else "")
                  + (f" ({t.ref})" if t.ref else ""))
        for k, mv in enumerate(i.moves, 1):
            print(f"  Earlier date {k}: {mv['matter']} {mv['what']} {mv['old']} -> {mv['new']}")
        print(f"  Message-ID: <{n.get('message_id')}>  from {n.get('sender')}")
    return 0


def cmd_review_accept(args: argparse.Namespace) -> int:
    """Docket a review item."""
    import getpass
    from datetime import date, time

    from daemon.cli.common import today_for
    from daemon.sources.notices.decide import accept

    config, docket = _docket(args)
    try:
        day = date.fromisoformat(args.date) if args.date else None
        at = time.fromisoformat(args.time) if args.time else None
    except ValueError:
        raise UsageError(f"--date {args.date!r} / --time {args.time!r}: write YYYY-MM-DD and HH:MM.") from None
    print(accept(docket, args.id, today_for(config), getpass.getuser(), event=args.event, day=day, at=at,
                 matter=args.matter, replace_old=args.replace, withdraw=args.withdraw))
    return 0


def cmd_review_reject(args: argparse.Namespace) -> int:
    """Reject a review item."""
    import getpass

    from daemon.cli.common import today_for
    from daemon.sources.notices.decide import reject

    config, docket = _docket(args)
    print(reject(docket, args.id, today_for(config), getpass.getuser()))
    return 0
