"""`write_json_object` writes long lists piece by piece (issue 17) and the very bytes orjson.dumps gives."""

from __future__ import annotations

from datetime import date

import orjson
import pytest

from daemon.cli.main import JSON_LIST_CHUNK, write_json_object


@pytest.mark.parametrize("n", [0, 1, JSON_LIST_CHUNK - 1, JSON_LIST_CHUNK, JSON_LIST_CHUNK + 1,
                               2 * JSON_LIST_CHUNK, 2 * JSON_LIST_CHUNK + 7])
def test_same_bytes_as_one_dumps(n: int, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    items = [{"matter": f"M-{i}", "due": date(2026, 1, 1 + i % 28), "explanation": ("a", "b\u2014c"),
              "flags": [] if i % 3 else [{"kind": "x"}]} for i in range(n)]
    members = {"deadlines": items, "errors": [{"row": 2, "message": 'a "quoted" cell'}] if n % 2 else []}
    write_json_object(members)
    assert capsysbinary.readouterr().out == orjson.dumps(members) + b"\n"
    write_json_object({name: iter(values) for name, values in members.items()})  # made as they are written
    assert capsysbinary.readouterr().out == orjson.dumps(members) + b"\n"
