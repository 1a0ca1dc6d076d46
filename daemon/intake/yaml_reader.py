"""YAML intake files: a list of row mappings, or a mapping with a `rows` (or `intake`) list.

Parsed with a SafeLoader that resolves no implicit types: every plain scalar stays text and the
shared row validation reads it. YAML 1.1 would otherwise turn matter `0142` into the octal 98,
`9:30` into the sexagesimal 570 and `no` into False, silently.
"""

from __future__ import annotations

from typing import ClassVar

import yaml

from daemon.intake.json_reader import rows_from_document
from daemon.intake.limits import MAX_YAML_ALIASES, MAX_YAML_DEPTH
from daemon.intake.result import RowError
from daemon.intake.table import Records


class TextLoader(yaml.SafeLoader):
    """yaml.SafeLoader without implicit typing: plain scalars are strings (explicit !!tags still work)."""

    yaml_implicit_resolvers: ClassVar[dict[str, list[tuple[str, object]]]] = {}  # type: ignore[misc]


def _structure_problem(text: str) -> str | None:
    depth = aliases = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                return (f"The YAML is nested more than {MAX_YAML_DEPTH} levels deep; intake rows are a flat "
                        "list of mappings.")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_YAML_ALIASES:
                return (f"The YAML uses more than {MAX_YAML_ALIASES} aliases (*name); write the values out "
                        "in each row.")
    return None


def read_yaml(data: bytes, source: str) -> Records:
    """Rows of a YAML intake file, or a file-level error naming the fix."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Records(errors=[RowError(source, None, None,
            "The file is not UTF-8 text (binary data or another encoding); save the YAML as UTF-8.")])
    try:
        problem = _structure_problem(text)
        if problem:
            return Records(errors=[RowError(source, None, None, problem)])
        document = yaml.load(text, Loader=TextLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        return Records(errors=[RowError(source, None, None,
            f"The file is not valid YAML (line {line}: {exc.problem}); fix the indentation or quoting "
            "there.")])
    except yaml.YAMLError as exc:
        return Records(errors=[RowError(source, None, None,
            f"The file is not valid YAML ({exc}); fix it or export it again.")])
    return rows_from_document(document, source, "YAML")
