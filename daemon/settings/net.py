"""Network settings in the config: the feed server's address, and URLs that must not carry passwords.

`[ics] serve` must be IPv4 host:port. A feed bound beyond loopback lets anyone on the network read
every person's deadlines, so it needs `serve_public = true` as an explicit opt-in. A password in a
URL (`https://pat:secret@host/...`) would end up in logs, stored errors and `export`; it is refused
(use `password_file`), and `redact_credentials` strips userinfo from any text that might hold one.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from urllib.parse import urlsplit

from daemon.errors import redact_credentials

Problem = Callable[[str, str], None]


def check_serve(serve: str, public: bool, add: Problem) -> tuple[str, int] | None:
    """(host, port) of `[ics] serve`, or None after reporting why it cannot be used."""
    host, _, port = serve.rpartition(":")
    if host.startswith("[") or host.count(":"):
        add("ics", f"serve = {serve!r}: the feed server listens on IPv4 only; use "
                   "\"127.0.0.1:8765\" (loopback) instead of an IPv6 address.")
        return None
    if not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        add("ics", f"serve = {serve!r} must be host:port, e.g. \"127.0.0.1:8765\".")
        return None
    if not public and not _is_loopback(host):
        add("ics", f"serve = {serve!r} makes every calendar readable by anyone who can reach this machine; "
                   "use \"127.0.0.1:PORT\", or add serve_public = true under [ics] if that is what you want.")
        return None
    return host, int(port)


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name that may resolve to a public address: needs the opt-in


def check_url_credentials(where: str, key: str, url: object, add: Problem) -> None:
    """Report a URL that carries a user name or password (they belong in username / password_file)."""
    if not isinstance(url, str) or "://" not in url:
        return
    try:
        parts = urlsplit(url)
    except ValueError:
        return
    if parts.username is not None or parts.password is not None:
        add(where, f"{key} = {redact_credentials(url)!r} has a user name or password in it; docketd would show "
                   "it in logs and errors. Put the user in username = \"...\", the password in a 0600 file "
                   "named by password_file = \"...\", and remove them from the address.")


