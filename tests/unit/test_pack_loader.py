"""The rule packs, courts and holiday tables read through libyaml give exactly what yaml.safe_load gives.

daemon/engine/packs.py reads them with PyYAML's CSafeLoader (libyaml's parser, the same safe
constructor and resolvers): the pure-Python parser was most of every command's start-up. Every
shipped file and the notice rules are compared, so a parser difference could not change a rule.
"""

from __future__ import annotations

from importlib.resources import files

import yaml

from daemon.engine.packs import SAFE_LOADER


def _shipped() -> list[str]:
    root = files("daemon")
    found = []
    for top in (root / "engine" / "data", root / "data"):
        stack = [top]
        while stack:
            d = stack.pop()
            for p in d.iterdir():
                if p.is_dir():
                    stack.append(p)
                elif p.name.endswith((".yaml", ".yml")):
                    found.append(p.read_text(encoding="utf-8"))
    return found


def test_libyaml_is_what_reads_the_packs() -> None:
    assert yaml.__with_libyaml__ and SAFE_LOADER is yaml.CSafeLoader


def test_every_shipped_file_reads_the_same_with_both_parsers() -> None:
    texts = _shipped()
    assert len(texts) > 150
    for text in texts:
        assert yaml.load(text, Loader=SAFE_LOADER) == yaml.safe_load(text)  # noqa: S506 - a safe loader


def test_a_syntax_error_still_names_the_line() -> None:
    try:
        yaml.load("pack: x\nrules:\n  - id: a\n   bad: [\n", Loader=SAFE_LOADER)  # noqa: S506
    except yaml.YAMLError as exc:
        assert "line" in str(exc)
    else:
        raise AssertionError("a broken pack was read")
