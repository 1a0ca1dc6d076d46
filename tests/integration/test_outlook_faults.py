"""Under 30% failing Graph requests (throttling, 5xx, resets), every deadline ends up present exactly once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from connectors.base import Op, OpResult, TransientError
from connectors.outlook.calendar import OutlookConnector
from connectors.outlook.mapping import KEY_PROP
from daemon.models import CalendarEntry, RemoteRef
from tests.contract.connector_contract import make_entry
from tests.fakes.graph import FakeGraph
from tests.fakes.graph_setup import app_connector

MAILBOX = "jdoe@firm.com"


@pytest.fixture
def graph(tmp_path: Path) -> Iterator[FakeGraph]:
    with FakeGraph(tmp_path / "graph") as fake:
        yield fake


def drain(conn: OutlookConnector, ops: list[Op], refs: dict[str, RemoteRef]) -> int:
    """What the outbox does: re-run every op that failed transiently until none is left."""
    rounds = 0
    while ops:
        rounds += 1
        assert rounds < 60, f"{len(ops)} ops never succeeded"
        results: list[OpResult] = conn.apply(ops)
        retry = []
        for r in results:
            if r.error is None:
                if r.ref is not None:
                    refs[r.op.uid] = r.ref
                else:
                    refs.pop(r.op.uid, None)
            else:
                assert isinstance(r.error, TransientError), f"{r.op.kind} {r.op.uid}: {r.error!r}"
                retry.append(r.op if r.op.kind != "update" else Op("update", r.op.uid, r.op.entry, refs[r.op.uid]))
        ops = retry
    return rounds


def by_key(graph: FakeGraph) -> dict[str, list[dict[str, object]]]:
    found: dict[str, list[dict[str, object]]] = {}
    for ev in graph.events(MAILBOX):
        key = next(p["value"] for p in ev["singleValueExtendedProperties"] if p["id"] == KEY_PROP)
        found.setdefault(key, []).append(ev)
    return found


@pytest.mark.parametrize("seed", [1, 2])
def test_thirty_percent_failures_end_with_each_event_exactly_once(graph: FakeGraph, tmp_path: Path, seed: int) -> None:
    # A small in-call budget so most failures reach the outbox-style retry loop too.
    conn = app_connector(graph, MAILBOX, tmp_path, retry_budget_seconds=0.05, backoff_seconds=0.005)
    entries = [make_entry(key=f"2026-{i:04d}|frcp.answer|summons_served|", day=1 + i % 28) for i in range(45)]
    graph.fail(0.3, seed=seed)
    refs: dict[str, RemoteRef] = {}
    drain(conn, [Op("create", e.uid, e) for e in entries], refs)

    moved: list[CalendarEntry] = [make_entry(key=e.key, day=28) for e in entries[:20]]
    gone = entries[20:30]
    ops = [Op("update", e.uid, e, refs[e.uid]) for e in moved] + [Op("delete", e.uid, None, refs[e.uid]) for e in gone]
    drain(conn, ops, refs)
    graph.fail(0.0)

    assert sum(graph.counters[k] for k in graph.counters if k.startswith("fault-")) > 20
    found = by_key(graph)
    expected = {e.uid: e for e in entries[30:]} | {e.uid: e for e in moved}
    assert sorted(found) == sorted(expected)
    assert all(len(events) == 1 for events in found.values()), "a deadline was written twice"
    live = {e.uid: e.start for e in conn.list_managed()}
    assert live == {uid: e.start for uid, e in expected.items()}
    assert all(live[e.uid] == date(2026, 1, 28) for e in moved)
    assert graph.counters["concurrency-exceeded"] == 0
    conn.close()


def test_batches_hold_at_most_twenty_and_four_run_at_once(graph: FakeGraph, tmp_path: Path) -> None:
    conn = app_connector(graph, MAILBOX, tmp_path)
    entries = [make_entry(key=f"B-{i}|frcp.answer|summons_served|", day=1 + i % 28) for i in range(130)]
    results = conn.apply([Op("create", e.uid, e) for e in entries])
    assert all(r.error is None for r in results)
    # 130 reads + 130 writes in batches of 20: 7 + 7 batches; the fake refuses batches over 20.
    assert graph.counters["batches"] == 14
    assert graph.max_inflight[MAILBOX] <= 4
    assert graph.counters["concurrency-exceeded"] == 0
    assert len(graph.events(MAILBOX)) == 130
    conn.close()


def test_throttling_honours_retry_after_then_hands_back_to_the_outbox(graph: FakeGraph, tmp_path: Path) -> None:
    graph.retry_after = 7
    conn = app_connector(graph, MAILBOX, tmp_path, retry_budget_seconds=1)
    graph.fail(1.0, kinds=("429",))
    (result,) = conn.apply([Op("create", make_entry().uid, make_entry())])
    assert isinstance(result.error, TransientError)
    assert result.error.retry_after == 7  # the service's own word, for the outbox's next attempt
    assert graph.counters["fault-429"] == 1  # a 7 s wait does not fit a 1 s budget: no hammering
    graph.fail(0.0)
    graph.retry_after = 0
    (result,) = conn.apply([Op("create", make_entry().uid, make_entry())])
    assert result.error is None and len(graph.events(MAILBOX)) == 1
    conn.close()


def test_transient_failures_are_retried_inside_the_call(graph: FakeGraph, tmp_path: Path) -> None:
    conn = app_connector(graph, MAILBOX, tmp_path, retry_budget_seconds=20, backoff_seconds=0.001)
    graph.fail(0.3, seed=7, kinds=("429", "503", "504", "500"))
    entries = [make_entry(key=f"R-{i}|frcp.answer|summons_served|") for i in range(25)]
    results = conn.apply([Op("create", e.uid, e) for e in entries])
    assert all(r.error is None for r in results)
    graph.fail(0.0)
    assert len(graph.events(MAILBOX)) == 25
    conn.close()


def test_lost_answers_never_make_copies_or_false_conflicts(graph: FakeGraph, tmp_path: Path) -> None:
    # No in-call retries here: every lost answer goes back to the caller, as it would to the outbox.
    conn = app_connector(graph, MAILBOX, tmp_path, retry_budget_seconds=0.001, backoff_seconds=0.01)
    entry = make_entry()
    graph.script(None, "reset-after")  # the lookup answers; the POST is done but its answer is lost
    (result,) = conn.apply([Op("create", entry.uid, entry)])
    assert isinstance(result.error, TransientError)
    ref = conn.create(entry)  # the outbox tries again: same transactionId, found by its key
    assert len(graph.events(MAILBOX)) == 1 and graph.counters["resets"] == 1

    moved = make_entry(day=28)
    graph.script(None, "reset-after")  # the PATCH is done, its answer (the new changeKey) is lost
    (result,) = conn.apply([Op("update", entry.uid, moved, ref)])
    assert isinstance(result.error, TransientError)
    (result,) = conn.apply([Op("update", entry.uid, moved, ref)])  # old ref: the event already shows it
    assert result.error is None and result.ref is not None and result.ref.etag != ref.etag

    graph.script(None, "reset-after")  # the DELETE is done, its answer is lost
    (result,) = conn.apply([Op("delete", entry.uid, None, result.ref)])
    assert isinstance(result.error, TransientError)
    (result,) = conn.apply([Op("delete", entry.uid, None, ref)])
    assert result.error is None
    assert graph.events(MAILBOX) == [] and graph.counters["resets"] == 3
    conn.close()


def test_a_retried_post_is_deduplicated_by_its_transaction_id(graph: FakeGraph, tmp_path: Path) -> None:
    conn = app_connector(graph, MAILBOX, tmp_path, retry_budget_seconds=5, backoff_seconds=0.001)
    graph.script(None, "reset-after")  # lookup fine; the POST lands but the answer is lost; retried at once
    ref = conn.create(make_entry())
    assert graph.counters["POST events"] == 2
    (ev,) = graph.events(MAILBOX)
    assert ev["id"] == ref.remote_id
    conn.close()


def test_requests_that_are_not_idempotent_are_never_retried(graph: FakeGraph, tmp_path: Path) -> None:
    from connectors.outlook.http import Request

    conn = app_connector(graph, MAILBOX, tmp_path, retry_budget_seconds=5, backoff_seconds=0.001)
    body = {
        "subject": "x",
        "start": {"dateTime": "2026-01-01T09:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2026-01-01T10:00:00", "timeZone": "UTC"},
    }
    graph.script("503")
    (resp,) = conn.http.send([Request("POST", conn.settings.events_url, body, idempotent=False)])
    assert resp.status == 503 and graph.counters["POST events"] == 0
    graph.script("503")
    (resp,) = conn.http.send([Request("POST", conn.settings.events_url, body, idempotent=True)])
    assert resp.status == 201 and len(graph.events(MAILBOX)) == 1
    conn.close()
