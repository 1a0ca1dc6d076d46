"""PURE: stored flags grouped as people read them (one line per distinct flag)."""

from __future__ import annotations

from collections.abc import Sequence

from daemon.state.flags import FlagRow


def group_flags(rows: Sequence[FlagRow]) -> list[tuple[FlagRow, list[int]]]:
    """One entry per distinct (kind, message), with all its ids (a trigger flag sits on each deadline)."""
    groups: dict[tuple[str, str], tuple[FlagRow, list[int]]] = {}
    for r in rows:
        groups.setdefault((r.kind, r.message), (r, []))[1].append(r.id)
    return list(groups.values())
