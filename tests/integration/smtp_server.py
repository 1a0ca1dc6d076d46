"""A real SMTP server for tests: aiosmtpd with STARTTLS (self-signed certificate) and AUTH on a free port."""

from __future__ import annotations

import ipaddress
import ssl
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.fakes.tls import VALID_FROM, VALID_UNTIL


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate and key for 127.0.0.1 / localhost; the certificate doubles as the client's CA file."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(VALID_FROM)
            .not_valid_after(VALID_UNTIL)
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@dataclass
class Received:
    """One message the server accepted, with how the session looked."""

    rcpt: list[str]
    message: EmailMessage
    tls: bool
    login: str


@dataclass
class Inbox:
    """Collects accepted messages."""

    messages: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)  # addresses answered with 550

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802
                          rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd API
        msg = message_from_bytes(envelope.content, policy=policy.default)
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else ""
        self.messages.append(Received(list(envelope.rcpt_tos), msg, session.ssl is not None, login))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


class _FreePortController(Controller):
    def _trigger_server(self) -> None:
        # Bound to port 0: learn the port the OS picked before the readiness probe connects.
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpServer:
    """aiosmtpd on 127.0.0.1 with required STARTTLS and AUTH (one user, one password).

    `starttls=False` gives a server that offers no STARTTLS at all (AUTH in clear text), as some
    misconfigured relays do.
    """

    def __init__(self, folder: Path, user: str = "docketd", password: str = "s3cret",
                 starttls: bool = True) -> None:
        self.cert, key = self_signed(folder)
        self.user, self.password = user, password
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(self.cert, key)
        self.inbox = Inbox()
        self.controller = _FreePortController(
            self.inbox, hostname="127.0.0.1", port=0, tls_context=ctx if starttls else None,
            require_starttls=starttls, auth_require_tls=starttls, authenticator=self._auth)

    def _auth(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == self.user \
            and auth_data.password.decode() == self.password
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    @property
    def port(self) -> int:
        """The port the server listens on."""
        return int(self.controller.port)

    def start(self) -> SmtpServer:
        """Start serving in a background thread."""
        self.controller.start()
        return self

    def stop(self) -> None:
        """Stop the server."""
        self.controller.stop()
