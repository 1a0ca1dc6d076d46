"""Talking to the digest's SMTP server step by step: connection, STARTTLS, authentication, acceptance.

Each step either reports what the server said (through an optional `say(step, sentence)` callback)
or raises `SmtpStepError` naming the step that failed and the fix. The daemon's scheduled send and
`docketd digest --send-test` open the connection with the same `open_smtp`, so a test that passes
means the scheduled send gets as far.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Callable
from email import policy as email_policy
from email.generator import BytesGenerator
from email.message import EmailMessage
from io import BytesIO
from typing import TYPE_CHECKING, Any

from daemon.errors import ConfigError, DocketdError

if TYPE_CHECKING:
    from daemon.service.digest import DigestSettings

Say = Callable[[str, str], None]

CONNECTION, STARTTLS, AUTHENTICATION, ACCEPTANCE = "Connection", "STARTTLS", "Authentication", "Acceptance"


class SmtpStepError(DocketdError):
    """One step of the SMTP conversation failed; the message names the step, what the server said and the fix."""

    exit_code = 1

    def __init__(self, step: str, message: str) -> None:
        super().__init__(f"{step}: failed — {message}")
        self.step = step


def said(code: int, reply: bytes | str) -> str:
    """A server reply as one printable line (the server is not trusted to send terminal-safe text)."""
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    clean = "".join(ch if ch.isprintable() else " " for ch in text)
    line = " ".join(f"{code} {clean}".split())
    return line if len(line) <= 200 else line[:199] + "…"


def _quiet(step: str, sentence: str) -> None:
    """The daemon's reporter: nothing to say when every step works."""


class _SMTP(smtplib.SMTP):
    """smtplib.SMTP that keeps the server's greeting (the stock class discards it)."""

    greeting: tuple[int, bytes] = (0, b"")

    def connect(self, host: str = "localhost", port: int = 0,
                source_address: Any = None) -> tuple[int, bytes]:
        """Connect and remember the greeting."""
        self.greeting = super().connect(host, port, source_address)
        return self.greeting


def _connect(s: DigestSettings) -> _SMTP:
    where = f"{s.smtp_host}:{s.smtp_port}"
    fix = "check [digest] smtp_host and smtp_port (mail submission with STARTTLS is usually port 587)"
    smtps = (" Port 465 is implicit TLS (SMTPS), which docketd does not support; use the server's "
             "STARTTLS port, usually 587." if s.smtp_port == 465 else "")
    try:
        return _SMTP(s.smtp_host, s.smtp_port, timeout=s.timeout)
    except socket.gaierror as exc:
        raise SmtpStepError(CONNECTION, f"the host name {s.smtp_host} could not be resolved ({exc.strerror}). "
                                        "Fix: check [digest] smtp_host; it must be the mail server's name "
                                        "as this machine's DNS knows it.") from exc
    except ConnectionRefusedError as exc:
        raise SmtpStepError(CONNECTION, f"{where} refused the connection (nothing listens there). Fix: {fix}, "
                                        "and that the mail server is running.") from exc
    except TimeoutError as exc:
        raise SmtpStepError(CONNECTION, f"{where} did not answer within {s.timeout:g} seconds. Fix: {fix}; "
                                        "check that a firewall lets this machine reach it, or raise "
                                        f"[digest] timeout if the server is slow.{smtps}") from exc
    except smtplib.SMTPConnectError as exc:
        raise SmtpStepError(CONNECTION, f"the server at {where} refused the session: "
                                        f"\"{said(exc.smtp_code, exc.smtp_error)}\". Fix: the reply says why; "
                                        "ask the mail administrator to let this machine connect.") from exc
    except smtplib.SMTPServerDisconnected as exc:
        raise SmtpStepError(CONNECTION, f"the server at {where} closed the connection without a greeting. "
                                        f"Fix: {fix}.{smtps}") from exc
    except OSError as exc:
        raise SmtpStepError(CONNECTION, f"could not reach {where} ({exc.strerror or exc}). Fix: {fix}, and "
                                        "that this machine's network reaches the server.") from exc


def _starttls(smtp: _SMTP, s: DigestSettings, say: Say) -> None:
    where = f"{s.smtp_host}:{s.smtp_port}"
    if not s.starttls:
        say(STARTTLS, "not used ([digest] starttls = false): the password and the digest travel unencrypted; "
                      "set starttls = true unless the server runs on this machine.")
        return
    if not smtp.has_extn("starttls"):
        raise SmtpStepError(STARTTLS, f"the server at {where} does not offer STARTTLS, and [digest] starttls = "
                                      "true requires it (docketd never sends the password or the docket "
                                      "unencrypted). Fix: point smtp_port at the server's port that offers "
                                      "STARTTLS (usually 587), or ask the mail administrator to enable it.")
    try:
        ctx = ssl.create_default_context(cafile=str(s.cafile) if s.cafile else None)
    except (OSError, ssl.SSLError) as exc:
        raise SmtpStepError(STARTTLS, f"[digest] cafile {s.cafile} cannot be used ({exc}). Fix: point cafile "
                                      "at the PEM file of the CA that signed the server's certificate.") from exc
    try:
        code, reply = smtp.starttls(context=ctx)
    except ssl.SSLCertVerificationError as exc:
        raise SmtpStepError(STARTTLS, f"the server's certificate could not be verified ({exc.verify_message}). "
                                      "Fix: if the server uses a private or self-signed certificate, set "
                                      "[digest] cafile to its CA certificate (PEM); check that smtp_host is "
                                      "the name on the certificate.") from exc
    except ssl.SSLError as exc:
        raise SmtpStepError(STARTTLS, f"the TLS handshake with {where} failed ({exc.reason or exc}). Fix: ask "
                                      "the mail administrator which TLS versions the server accepts.") from exc
    except smtplib.SMTPResponseException as exc:
        raise SmtpStepError(STARTTLS, f"the server answered STARTTLS with \"{said(exc.smtp_code, exc.smtp_error)}"
                                      "\". Fix: the reply says why; ask the mail administrator.") from exc
    version = smtp.sock.version() if isinstance(smtp.sock, ssl.SSLSocket) else "TLS"
    say(STARTTLS, f"the connection is encrypted ({version}) and the server's certificate is verified for "
                  f"{s.smtp_host}; the server said \"{said(code, reply)}\".")
    smtp.ehlo()


def _password(s: DigestSettings) -> str:
    assert s.password_file is not None
    try:
        return s.password_file.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"[digest] password_file {s.password_file} cannot be read ({exc.strerror}); "
                          "create it (mode 0600) with the SMTP password.") from None


def _login(smtp: _SMTP, s: DigestSettings, say: Say) -> None:
    if not s.username:
        say(AUTHENTICATION, "none configured ([digest] username is empty), so the server must accept mail "
                            "from this machine without a login.")
        return
    try:
        password = _password(s)
    except ConfigError as exc:
        raise SmtpStepError(AUTHENTICATION, str(exc)) from None
    try:
        code, reply = smtp.login(s.username, password)
    except smtplib.SMTPAuthenticationError as exc:
        raise SmtpStepError(AUTHENTICATION, f"the server refused the login for {s.username}: "
                                            f"\"{said(exc.smtp_code, exc.smtp_error)}\". Fix: check [digest] "
                                            f"username and the password in {s.password_file} (one line; some "
                                            "providers want an app password).") from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise SmtpStepError(AUTHENTICATION, "the server offers no login (AUTH) on this connection. Fix: if it "
                                            "needs none, remove [digest] username; if it offers AUTH only "
                                            "over TLS, set starttls = true.") from exc
    except smtplib.SMTPException as exc:
        raise SmtpStepError(AUTHENTICATION, f"the login for {s.username} failed ({exc}). Fix: check [digest] "
                                            "username and password_file.") from exc
    say(AUTHENTICATION, f"logged in as {s.username}; the server said \"{said(code, reply)}\".")


def _step(step: str, s: DigestSettings, run: Callable[[], object]) -> None:
    """Run one step; a dropped connection or an unexpected reply becomes that step's sentence."""
    try:
        run()
    except smtplib.SMTPServerDisconnected as exc:
        raise SmtpStepError(step, f"the server closed the connection ({exc}). Fix: try again; if it persists, "
                                  "the server's log says why.") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise SmtpStepError(step, f"talking to {s.smtp_host}:{s.smtp_port} failed ({exc}). Fix: check [digest] "
                                  "smtp_host and smtp_port.") from exc


def open_smtp(s: DigestSettings, say: Say = _quiet) -> smtplib.SMTP:
    """Connect, STARTTLS (verifying the certificate) and log in, as configured; SmtpStepError names a failed step."""
    smtp = _connect(s)
    try:
        say(CONNECTION, f"connected to {s.smtp_host}:{s.smtp_port}; the server said \"{said(*smtp.greeting)}\".")
        _step(CONNECTION, s, smtp.ehlo)
        _step(STARTTLS, s, lambda: _starttls(smtp, s, say))
        try:
            _login(smtp, s, say)
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            raise SmtpStepError(AUTHENTICATION, f"the server closed the connection during the login ({exc}). "
                                                "Fix: check [digest] username and password_file.") from exc
    except BaseException:
        smtp.close()
        raise
    return smtp


def deliver(smtp: smtplib.SMTP, msg: EmailMessage, sender: str, to: str, say: Say = _quiet) -> None:
    """MAIL, RCPT and DATA one by one, reporting each reply (send_message would hide the final one)."""
    international = not (sender + to).isascii()
    options: tuple[str, ...] = ()
    if international:
        if not smtp.has_extn("smtputf8"):
            raise SmtpStepError(ACCEPTANCE, f"{sender} or {to} is not a plain ASCII address and the server does "
                                            "not accept such addresses (no SMTPUTF8). Fix: use an ASCII address.")
        options = ("SMTPUTF8", "BODY=8BITMIME")
    out = BytesIO()
    # As smtplib's send_message flattens it (the scheduled send's path), so the test sends the same bytes.
    policy = email_policy.default.clone(utf8=True) if international else msg.policy
    BytesGenerator(out, policy=policy).flatten(msg, linesep="\r\n")
    try:
        code, reply = smtp.mail(sender, options)
        if code != 250:
            raise SmtpStepError(ACCEPTANCE, f"the server refused the sender {sender}: \"{said(code, reply)}\". "
                                            "Fix: check [digest] from; many servers let an account send only "
                                            "as its own address.")
        code, reply = smtp.rcpt(to)
        if code not in (250, 251):
            raise SmtpStepError(ACCEPTANCE, f"the server refused the recipient {to}: \"{said(code, reply)}\". "
                                            "Fix: check the address, and the server's relay rules for this "
                                            "account.")
        code, reply = smtp.data(out.getvalue())
    except smtplib.SMTPDataError as exc:
        raise SmtpStepError(ACCEPTANCE, f"the server refused the message: \"{said(exc.smtp_code, exc.smtp_error)}"
                                        "\". Fix: the reply says why (a size limit, a content filter).") from exc
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        raise SmtpStepError(ACCEPTANCE, f"the server closed the connection while taking the message ({exc}). "
                                        "Fix: try again; if it persists, the server's log says why.") from exc
    if code != 250:
        raise SmtpStepError(ACCEPTANCE, f"the server refused the message: \"{said(code, reply)}\". Fix: the "
                                        "reply says why (a size limit, a content filter).")
    say(ACCEPTANCE, f"the server accepted the message for {to}; it said \"{said(code, reply)}\".")
