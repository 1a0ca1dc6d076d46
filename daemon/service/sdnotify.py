"""systemd's notify protocol (sd_notify): READY, STATUS, WATCHDOG, STOPPING over $NOTIFY_SOCKET."""

from __future__ import annotations

import os
import socket


class Notifier:
    """Sends notify messages when run under systemd (Type=notify); does nothing otherwise."""

    def __init__(self, address: str | None = None) -> None:
        addr = address if address is not None else os.environ.get("NOTIFY_SOCKET", "")
        self.address = "\0" + addr[1:] if addr.startswith("@") else addr
        usec = os.environ.get("WATCHDOG_USEC", "")
        pid = os.environ.get("WATCHDOG_PID", "")
        self.watchdog_seconds = int(usec) / 1e6 if usec.isdigit() and (not pid or pid == str(os.getpid())) else None

    @property
    def enabled(self) -> bool:
        """True when a notify socket is configured."""
        return bool(self.address)

    def send(self, **fields: str) -> None:
        """Send KEY=value lines, e.g. send(READY="1", STATUS="Watching /srv/inbox")."""
        if not self.address:
            return
        message = "\n".join(f"{k}={v}" for k, v in fields.items()).encode("utf-8")
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            try:
                # Never block: a notify socket nobody drains must not stall the main loop.
                sock.sendto(message, socket.MSG_DONTWAIT, self.address)
            except OSError:
                pass  # systemd went away, never listened, or its queue is full; the work matters more

    def ready(self, status: str) -> None:
        """Tell systemd start-up is done."""
        self.send(READY="1", STATUS=status)

    def status(self, text: str) -> None:
        """Update the one-line status `systemctl status` shows."""
        self.send(STATUS=text)

    def watchdog(self) -> None:
        """Ping the watchdog (WatchdogSec=)."""
        self.send(WATCHDOG="1")

    def stopping(self) -> None:
        """Tell systemd a clean stop has begun."""
        self.send(STOPPING="1", STATUS="Stopping: finishing in-flight work")
