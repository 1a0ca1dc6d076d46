"""[sources.NAME] kind = "imap": court notices read from a mailbox, each message exactly once.

TLS always: port 993 (or `tls = "tls"`) is TLS from the first byte, port 143 (or `tls = "starttls"`)
upgrades with STARTTLS before the password is sent; a server that cannot upgrade is refused. The
password comes from a systemd credential (`password_credential`) or a file of mode 0600
(`password_file`). The folder is opened read-only unless `mark_seen = true`; docketd never deletes,
expunges or moves a message.

Progress is (UIDVALIDITY, last UID) in the state's kv table, committed in the same transaction as
the notice it read: a restart re-reads nothing and misses nothing. A connection lost mid-fetch
leaves the last UID where it was, and the next poll resumes there. If the server renumbers the
folder (a new UIDVALIDITY), every message is read again and the docket entries already read are
recognised as copies (daemon/sources/notices/ingest.py), so nothing is docketed twice.
"""

from __future__ import annotations

import imaplib
import json
import logging
import re
import ssl
import stat
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from connectors.base import PermanentError, TransientError
from daemon.docket import Docket, now_iso
from daemon.errors import ConfigError
from daemon.settings.secrets import read_secret
from daemon.sources.notices.ingest import ingest_notice
from daemon.sources.notices.mail import MAX_MAIL_BYTES, NoticeError
from daemon.state import flags
from daemon.state.handle import store_operational_errors

log = logging.getLogger("docketd.imap")


class ImapSource:
    """One mailbox folder polled for court notices."""

    def __init__(self, name: str, section: dict[str, Any], docket: Docket, base_dir: Path) -> None:
        self.name = name
        self.docket = docket
        self.host = str(section.get("host") or "")
        self.port = int(section.get("port", 993))
        self.tls = str(section.get("tls") or ("starttls" if self.port == 143 else "tls"))
        self.username = str(section.get("username") or "")
        self.folder = str(section.get("folder") or "INBOX")
        self.poll_seconds = float(section.get("poll_seconds", 60))
        self.mark_seen = bool(section.get("mark_seen", False))
        self.timeout = float(section.get("timeout_seconds", 30))
        self.batch = int(section.get("batch", 50))
        ca = section.get("ca_file")
        self.ca_file = (Path(str(ca)) if Path(str(ca)).is_absolute() else base_dir / str(ca)) if ca else None
        pw = section.get("password_file")
        self.password_file = (Path(str(pw)) if Path(str(pw)).is_absolute() else base_dir / str(pw)) if pw else None
        self.password_credential = str(section.get("password_credential") or "")
        if not self.host or not self.username:
            raise ConfigError(f"[sources.{name}] needs host and username (the docketing mailbox).")
        if self.tls not in ("tls", "starttls"):
            raise ConfigError(f"[sources.{name}] tls = {self.tls!r}: use \"tls\" (port 993) or \"starttls\" "
                              "(port 143); docketd never sends a password unencrypted.")
        if not self.password_file and not self.password_credential:
            raise ConfigError(f"[sources.{name}] needs password_file (mode 0600) or password_credential "
                              "(a systemd credential name).")

    @property
    def kv_key(self) -> str:
        """Where this source's progress is kept."""
        return f"imap:{self.name}:{self.folder}"

    def progress(self) -> tuple[int, int]:
        """(UIDVALIDITY, last UID read); (0, 0) before the first poll."""
        raw = self.docket.store.get_kv(self.kv_key)
        if not raw:
            return 0, 0
        d = json.loads(raw)
        return int(d["uidvalidity"]), int(d["last_uid"])

    def _password(self) -> str:
        if self.password_file and not self.password_credential:
            try:
                mode = self.password_file.stat().st_mode
            except OSError as exc:
                raise PermanentError(f"[sources.{self.name}] password_file {self.password_file} cannot be read "
                                     f"({exc.strerror}).") from None
            if mode & (stat.S_IRWXG | stat.S_IRWXO):
                raise PermanentError(f"[sources.{self.name}] password_file {self.password_file} can be read by "
                                     f"others (mode {stat.S_IMODE(mode):04o}); run: chmod 600 {self.password_file}")
        try:
            return read_secret(self.password_credential or "imap-password", self.password_file)
        except ConfigError as exc:
            raise PermanentError(str(exc)) from None

    def _connect(self) -> imaplib.IMAP4:
        try:
            ctx = ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)
        except (OSError, ssl.SSLError) as exc:
            raise PermanentError(f"[sources.{self.name}] ca_file {self.ca_file} cannot be used ({exc}).") from None
        try:
            if self.tls == "tls":
                conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(self.host, self.port, ssl_context=ctx, timeout=self.timeout)
            else:
                conn = imaplib.IMAP4(self.host, self.port, timeout=self.timeout)
                try:
                    conn.starttls(ctx)
                except imaplib.IMAP4.error as exc:
                    conn.shutdown()
                    raise PermanentError(f"[sources.{self.name}] {self.host}:{self.port} cannot start TLS "
                                         f"({exc}); docketd will not send the password in clear text.") from None
        except ssl.SSLCertVerificationError as exc:
            raise PermanentError(f"[sources.{self.name}] the certificate of {self.host} is not trusted "
                                 f"({exc.verify_message}); fix the server's certificate or set ca_file.") from None
        except (OSError, imaplib.IMAP4.abort) as exc:
            raise TransientError(f"[sources.{self.name}] cannot reach {self.host}:{self.port} ({exc}).") from None
        try:
            conn.login(self.username, self._password())
        except imaplib.IMAP4.error as exc:
            _close(conn)
            raise PermanentError(f"[sources.{self.name}] the server refused the login of {self.username} "
                                 f"({_text(exc)}); check username and password.") from None
        return conn

    def poll(self, now: datetime, *, force: bool = False) -> int:
        """Read every message after the last one read; returns how many were read."""
        conn = self._connect()
        try:
            return self._read_new(conn, now)
        except (OSError, imaplib.IMAP4.abort) as exc:
            raise TransientError(f"[sources.{self.name}] the connection to {self.host} was lost ({exc}); "
                                 "the next poll resumes after the last message read.") from None
        except imaplib.IMAP4.error as exc:
            raise TransientError(f"[sources.{self.name}] the server answered an error ({_text(exc)}).") from None
        finally:
            _close(conn)

    def _read_new(self, conn: imaplib.IMAP4, now: datetime) -> int:
        typ, data = conn.select(_quote(self.folder), readonly=not self.mark_seen)
        if typ != "OK":
            raise PermanentError(f"[sources.{self.name}] folder {self.folder!r} cannot be opened ({_text(data)}).")
        raw_validity = (conn.untagged_responses.get("UIDVALIDITY") or [b"0"])[0]
        validity = int(raw_validity if isinstance(raw_validity, bytes) else raw_validity[0])
        stored_validity, last = self.progress()
        if stored_validity and stored_validity != validity:
            log.warning("[sources.%s] the server renumbered %s (UIDVALIDITY %s -> %s); reading it again, copies "
                        "of notices already read are recognised and ignored", self.name, self.folder,
                        stored_validity, validity)
            last = 0
        typ, data = conn.uid("SEARCH", f"UID {last + 1}:*")
        uids = sorted(int(x) for x in (data[0] or b"").split() if int(x) > last) if typ == "OK" else []
        read = 0
        for uid in uids[: self.batch]:
            self._read_one(conn, uid, validity, now)
            read += 1
        if not uids and stored_validity != validity:
            self._save(validity, last, now)
        return read

    def _read_one(self, conn: imaplib.IMAP4, uid: int, validity: int, now: datetime) -> None:
        typ, data = conn.uid("FETCH", str(uid), "(RFC822.SIZE)")
        size = _size(data) if typ == "OK" else None
        where = f"{self.name}:{self.folder} UID {uid}"
        save = self._saver(validity, uid)
        if size is None or size > MAX_MAIL_BYTES:
            self._set_aside(where, f"it is {size or '?'} bytes, more than a court notice can be", now, save)
            return
        typ, data = conn.uid("FETCH", str(uid), "(BODY.PEEK[])")
        raw = next((part[1] for part in data if isinstance(part, tuple)), None) if typ == "OK" else None
        if raw is None:
            raise imaplib.IMAP4.abort(f"no message body for UID {uid}")
        try:
            ingest_notice(self.docket, raw, where, self.name, now, on_commit=save)
        except NoticeError as exc:
            self._set_aside(where, str(exc), now, save)
            return
        except store_operational_errors() as exc:  # the state is busy or the disk full: try this UID again
            raise TransientError(f"[sources.{self.name}] {where} could not be stored ({exc}); retrying.") from None
        except Exception as exc:  # noqa: BLE001 - one unreadable message must not block every later notice
            log.exception("%s could not be read", where)
            self._set_aside(where, f"docketd failed on it ({type(exc).__name__}: {exc})", now, save)
            return
        if self.mark_seen:
            conn.uid("STORE", str(uid), "+FLAGS.SILENT", r"(\Seen)")

    def _saver(self, validity: int, uid: int) -> Callable[[Any], None]:
        def save(db: Any) -> None:
            self.docket.store.set_kv(db, self.kv_key, json.dumps({"uidvalidity": validity, "last_uid": uid}))
        return save

    def _save(self, validity: int, last: int, now: datetime) -> None:
        with self.docket.store.transaction() as db:
            self._saver(validity, last)(db)

    def _set_aside(self, where: str, why: str, now: datetime, save: Callable[[Any], None]) -> None:
        """A message that is no readable notice: a flag for a person, and the UID is passed."""
        log.warning("%s was not read: %s", where, why)
        with self.docket.store.transaction() as db:
            flags.add(db, scope=where, kind="notice-review", severity="warning",
                      message=f"A message in the court-mail folder was not read ({where}): {why}.",
                      action="Read it in the mailbox; calendar what it sets by hand, then `docketd ack` this flag.",
                      matter=None, stamp=now_iso(now))
            save(db)


def _size(data: list[Any]) -> int | None:
    for part in data:
        text = part[0] if isinstance(part, tuple) else part
        m = re.search(rb"RFC822\.SIZE (\d+)", text or b"")
        if m:
            return int(m.group(1))
    return None


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text(x: object) -> str:
    if isinstance(x, BaseException):
        x = x.args[0] if x.args else x
    if isinstance(x, list) and x:
        x = x[0]
    return x.decode(errors="replace") if isinstance(x, bytes) else str(x)


def _close(conn: imaplib.IMAP4) -> None:
    try:
        conn.logout()
    except (TimeoutError, OSError, imaplib.IMAP4.error, imaplib.IMAP4.abort):
        try:
            conn.shutdown()
        except OSError:
            pass
