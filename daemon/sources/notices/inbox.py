"""A `.eml` dropped into the inbox (a mail rule saving court notices) -> ingest_notice -> processed/.

Like every dropped file it is moved, never deleted: to processed/ once read (docketed, queued for
review, or a copy of a notice already read), to rejected/ with a report when it is no e-mail.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from daemon.docket import Docket
from daemon.intake import RowError
from daemon.sources.inbox import FileReport, display_name, move_done
from daemon.sources.notices.ingest import ingest_notice
from daemon.sources.notices.mail import MAX_MAIL_BYTES, NoticeError


def ingest_notice_file(docket: Docket, path: Path, now: datetime) -> FileReport:
    """Read one dropped notice e-mail, then move it out of the inbox."""
    name = display_name(path)
    try:
        if path.stat().st_size > MAX_MAIL_BYTES:
            raise NoticeError(f"{name}: the e-mail is larger than {MAX_MAIL_BYTES // 1_048_576} MB, more than a "
                              "court notice can be; it was not read.")
        outcome = ingest_notice(docket, path.read_bytes(), name, "inbox", now)
    except NoticeError as exc:
        report = FileReport(name, "rejected", rows=1, errors=[RowError(name, None, None, str(exc))])
        move_done(docket, path, report)
        return report
    status = "duplicate" if outcome.status == "duplicate" else "processed"
    report = FileReport(name, status, rows=1, accepted=[1])
    move_done(docket, path, report)
    return report
