"""`state_store`: a fresh state store on each backend (issue 16), so the state-layer tests hold for both.

The PostgreSQL case uses a fresh database on the session's throwaway server (tests/conftest.py); without
PostgreSQL installed it fails under CI=true, naming `make system-deps` (tests/integration/pg_server.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from daemon.state.store import Store


@pytest.fixture(params=["sqlite", "postgresql"])
def state_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty state store: the SQLite file, or a fresh PostgreSQL database."""
    url = request.getfixturevalue("pg_database") if request.param == "postgresql" else None
    store = Store(tmp_path / "state.db", url=url)
    try:
        yield store
    finally:
        store.close()
