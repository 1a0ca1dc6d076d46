"""PURE: render the HTML views (agenda page, digest mail) from Jinja2 templates with autoescaping on.

The templates are package data in daemon/data/templates/. Every value a template prints is escaped
unless it is marked safe, so intake text (matter titles, notes, names) can never become markup.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jinja2 import Environment


def _ids(ids: Iterable[int]) -> str:
    return " ".join(f"#{i}" for i in ids)


@cache
def environment() -> Environment:
    """The one template environment: autoescape on, undefined names fail loudly."""
    # Imported on first render: the daemon's start-up footprint does not carry Jinja2 until a page is made.
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(loader=PackageLoader("daemon", "data/templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False)
    env.filters["ids"] = _ids
    return env


def render(template: str, **context: Any) -> str:
    """Render one template from daemon/data/templates with `context`."""
    return environment().get_template(template).render(**context)
