"""A fingerprint of everything that decides a date: the engine's code and data, a firm's rules, closures.

When it differs from the one stored with the deadlines (an upgrade of docketd, a firm's edit to its
rules folder, a restart with a changed `[closures]`), every matter is recomputed at once rather than at
the next day's recompute, so a moved deadline is calendared and flagged `rule-change` the same day.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

KV_KEY = "rules_fingerprint"


def _walk(root: Traversable, prefix: str) -> Iterable[tuple[str, Traversable]]:
    for child in sorted(root.iterdir(), key=lambda c: c.name):
        name = f"{prefix}/{child.name}"
        if child.is_dir():
            if child.name != "__pycache__":
                yield from _walk(child, name)
        elif child.name.endswith((".py", ".yaml", ".yml", ".csv", ".json", ".toml")):
            yield name, child


def rules_fingerprint(extra_dirs: Sequence[Path], closures: Mapping[str, Sequence[date]]) -> str:
    """A digest of the engine package (code and shipped tables), the firm's rules folders and closures."""
    h = hashlib.sha256()
    sources: list[tuple[str, Traversable]] = list(_walk(files("daemon.engine"), "engine"))
    for i, folder in enumerate(extra_dirs):
        if Path(folder).is_dir():
            sources += _walk(Path(folder), f"firm{i}")
    for name, item in sources:
        h.update(name.encode("utf-8") + b"\0" + item.read_bytes() + b"\0")
    for court in sorted(closures):
        h.update(f"closures {court} {sorted(d.isoformat() for d in closures[court])}\n".encode())
    return h.hexdigest()
