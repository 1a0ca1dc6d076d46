"""A PostgreSQL state store outlives its server's restart and crash (issue 16): the unit of work the
outage hit fails as store trouble (store_operational_errors(), retried by its caller), nothing of it is
committed, and the next one runs on a new connection. On a private server: this test stops and kills it."""

from __future__ import annotations

from pathlib import Path

import pytest

from daemon.state import kv
from daemon.state.handle import store_operational_errors
from daemon.state.store import Store
from daemon.state.trouble import storage_trouble
from tests.integration.pg_server import running_postgres


@pytest.mark.parametrize("outage", ["restart", "crash"])
def test_the_store_reconnects_after_the_server_comes_back(tmp_path: Path, outage: str) -> None:
    with running_postgres() as pg:
        store = Store(tmp_path / "state.db", url=pg.new_database())
        with store.transaction() as db:
            kv.put(db, "before", "1")
        if outage == "restart":
            pg.stop()
        else:
            pg.kill()
        pg.start()
        with pytest.raises(store_operational_errors()) as err, store.transaction() as db:
            kv.put(db, "during", "1")
        assert storage_trouble(err.value) is not None
        with store.transaction() as db:  # the next unit of work: a new connection
            kv.put(db, "after", "1")
        assert (store.get_kv("before"), store.get_kv("during"), store.get_kv("after")) == ("1", None, "1")
        store.close()
