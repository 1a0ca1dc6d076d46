"""E-mail addresses as docketd accepts them, and the .ics file name of each (names that cannot collide).

One strict rule for the config (people, routing) and for intake rows: ASCII letters, digits and
`. _ % + ' -` before the @ (never starting with a spreadsheet formula character), a dotted domain
after it. Anything else (`a/b@firm.com`, fullwidth letters, invisible characters) is refused, not
rewritten, because two rewritten addresses could become one person's calendar.
"""

from __future__ import annotations

import re

EMAIL = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._%+'-]*@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_FILE_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@._-+'")


def is_email(text: str) -> bool:
    """True if `text` is an address docketd accepts (see the module docstring)."""
    return bool(EMAIL.match(text))


def file_stem(name: str) -> str:
    """A file name stem for a person's calendar: the address itself, other characters as %XX.

    Injective: '%' is never kept as is, so two different names never share a file
    (`a/b@x` -> `a%2Fb@x`, while `a_b@x` stays `a_b@x`).
    """
    if not name:
        return "_"
    out = []
    for ch in name:
        if ch in _FILE_SAFE:
            out.append(ch)
        else:
            out.extend(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass"))
    stem = "".join(out)
    return "%2E" + stem[1:] if stem.startswith(".") else stem  # never a hidden file (or "." / "..")


def legacy_file_stem(name: str) -> str:
    """The calendar file stem before issue 18 (B13): other characters as '_', which could collide."""
    return "".join(ch if ch.isalnum() or ch in "@._-+" else "_" for ch in name) or "_"
