"""A real Dovecot IMAP server for tests: a throwaway instance in a temp folder, on loopback ports.

Debian's dovecot-imapd (installed by `make system-deps`) is started with its own config file, base
and state folders, a passwd-file with one user and Maildir storage, TLS on the IMAPS port (993-style)
and STARTTLS on the IMAP port (143-style), both with a certificate from a throwaway CA. Messages are
delivered by writing Maildir files directly (what a local delivery agent does). When run as root,
mail is stored as `nobody` (Dovecot refuses mail access as uid 0); otherwise as the current user.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fakes.tls import make_certificates

DOVECOT = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)
USER, PASSWORD = "docketing@firm.test", "s3cret-imap"


def require_dovecot() -> str:
    """The dovecot binary; missing fails under CI=true (make system-deps installs it) and skips elsewhere."""
    if DOVECOT is None:
        message = "Dovecot is not installed: run `make system-deps` (Debian's dovecot-imapd)."
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return DOVECOT


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Dovecot:
    """A running throwaway Dovecot: ports, CA file, and its Maildir for delivering messages."""

    root: Path
    imaps_port: int
    imap_port: int
    ca_file: Path
    maildir: Path
    uid: int
    gid: int
    n: int = 0

    def deliver(self, raw: bytes, folder: str = "INBOX") -> None:
        """Put one message into a folder, as a local delivery agent does (tmp/ then rename to new/)."""
        self.n += 1
        base = self.maildir if folder == "INBOX" else self.maildir / f".{folder}"
        for sub in ("tmp", "new", "cur"):
            (base / sub).mkdir(parents=True, exist_ok=True)
            os.chown(base / sub, self.uid, self.gid)
        name = f"{time.time_ns()}.M{self.n}P{os.getpid()}.test"
        tmp = base / "tmp" / name
        tmp.write_bytes(raw)
        os.chown(tmp, self.uid, self.gid)
        os.rename(tmp, base / "new" / name)


def _config(root: Path, imaps: int, imap: int, certs_dir: Path, mail_user: str, mail_uid: int, mail_gid: int,
            me: str, my_group: str) -> str:
    certs = make_certificates(certs_dir)
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    return f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{certs.cert_file}
ssl_key = <{certs.key_file}
auth_mechanisms = plain
disable_plaintext_auth = yes
first_valid_uid = 1
default_internal_user = {me}
default_internal_group = {my_group}
default_login_user = {me}
mail_location = maildir:{root}/mail/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={root}/mail
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {imap}
  }}
  inet_listener imaps {{
    port = {imaps}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


@contextmanager
def dovecot(tmp: Path) -> Iterator[Dovecot]:
    """Start a throwaway Dovecot; stop it (and only it) afterwards."""
    binary = require_dovecot()
    # Dovecot's unprivileged processes must traverse to the passwd file and the Maildir, and pytest's
    # tmp folders are mode 0700: use an own folder of mode 0755 (removed afterwards).
    root = Path(tempfile.mkdtemp(prefix="docketd-dovecot-"))
    root.chmod(0o755)
    (root / "run").mkdir(parents=True)
    (root / "state").mkdir()
    me = pwd.getpwuid(os.getuid()).pw_name
    my_group = grp.getgrgid(os.getgid()).gr_name
    if os.getuid() == 0:
        nobody = pwd.getpwnam("nobody")
        mail_uid, mail_gid, mail_user = nobody.pw_uid, nobody.pw_gid, "nobody"
        me, my_group = "dovenull", grp.getgrgid(pwd.getpwnam("dovenull").pw_gid).gr_name
    else:
        mail_uid, mail_gid, mail_user = os.getuid(), os.getgid(), me
    maildir = root / "mail" / "Maildir"
    for sub in ("tmp", "new", "cur"):
        (maildir / sub).mkdir(parents=True)
    for p in (root / "mail", maildir, *(maildir / s for s in ("tmp", "new", "cur"))):
        os.chown(p, mail_uid, mail_gid)
    imaps, imap = _free_port(), _free_port()
    conf = root / "dovecot.conf"
    conf.write_text(_config(root, imaps, imap, tmp / "certs", mail_user, mail_uid, mail_gid, me, my_group))
    (root / "passwd").chmod(0o644)
    proc = subprocess.Popen([binary, "-F", "-c", str(conf)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        _wait_for(imaps, proc, root)
        yield Dovecot(root, imaps, imap, tmp / "certs" / "ca.pem", maildir, mail_uid, mail_gid)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        shutil.rmtree(root, ignore_errors=True)


def _wait_for(port: int, proc: subprocess.Popen[bytes], root: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            log = (root / "dovecot.log").read_text(errors="replace") if (root / "dovecot.log").exists() else ""
            raise RuntimeError(f"Dovecot exited ({proc.returncode}): {out}\n{log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("Dovecot did not start listening within 20 s")
