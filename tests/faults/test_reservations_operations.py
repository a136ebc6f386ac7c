"""Stock reservations under operational faults: the cells of the reservations row in
docs/operations/README.md.

A workload reserves and confirms 300 one-unit orders of a SKU stocked with 1,000 units, retrying a
step that failed with a connection error (both steps are idempotent: ``already_held``,
``already_confirmed``). After the fault the stock counters are read back: a confirmation the client
was given but the counters no longer show is a *lost sale* (its unit can be sold again). Figures are
printed (``pytest -s``) and stated in the table.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
import redis

from redisbehaviors.reservations import Outcome, Reservations, UnknownSku
from redisbehaviors.testing import RedisServer
from redisbehaviors.testing.server import Cluster
from redisbehaviors.testing.topology import SentinelSet, failover_of_slot
from tests.faults.support import TRANSIENT, evicted, fill, limit_memory

ORDERS = 300
STOCK = 1000
HOLD_MS = 60_000


def _retrying(call: Callable[[], Any], failures: list[int]) -> Any:
    while True:
        try:
            return call()
        except TRANSIENT:
            failures[0] += 1


def _sell(service: Reservations, orders: range, fault: Callable[[], None] | None = None) -> tuple[int, int]:
    """Reserve and confirm each order; returns (confirmations the client was given, failed attempts)."""
    confirmed, failures = 0, [0]
    injector = threading.Thread(target=fault) if fault else None
    for index in orders:
        if injector is not None and index == orders.start + len(orders) // 2:
            injector.start()
        order = f"order-{index}"
        _retrying(lambda o=order: service.reserve(o, {"sku-1": 1}, HOLD_MS), failures)
        outcome = _retrying(lambda o=order: service.confirm(o), failures)
        confirmed += outcome in (Outcome.CONFIRMED, Outcome.ALREADY_CONFIRMED)
    if injector is not None:
        injector.join()
    return confirmed, failures[0]


def _failover_cell(service: Reservations, fault: Callable[[], None], cell: str) -> int:
    service.set_stock("sku-1", STOCK)
    confirmed, failed = _sell(service, range(ORDERS), fault)
    level = service.stock("sku-1")
    lost = confirmed - level.sold
    print(f"reservations, {cell}: {confirmed} confirmed, {level.sold} sold in Redis ({lost} lost), {failed} failed")
    assert level.available + level.reserved + level.sold == level.total == STOCK
    return lost


@pytest.mark.slow
def test_sentinel_failover_under_load(fresh_sentinel_set: SentinelSet) -> None:
    topology = fresh_sentinel_set
    client = topology.primary_client()

    lost = _failover_cell(Reservations(client, namespace="ops"), topology.kill_primary, "Sentinel failover mid-run")
    assert lost <= 1  # only a confirmation in flight when the primary died can be lost
    client.close()


@pytest.mark.slow
def test_cluster_failover_under_load(stable_cluster: Cluster) -> None:
    client = stable_cluster.client()
    service = Reservations(client, namespace="ops")
    fault = failover_of_slot(stable_cluster, client.keyslot(service.keys.all[0]))
    lost = _failover_cell(service, fault, "CLUSTER FAILOVER mid-run")
    assert lost == 0
    client.close()


def _describe(service: Reservations) -> str:
    try:
        level = service.stock("sku-1")
    except UnknownSku:
        return "SKU unknown"
    return f"available {level.available}, sold {level.sold}"


@pytest.mark.parametrize("policy", ["noeviction", "allkeys-lru"])
@pytest.mark.slow
def test_eviction(spawn_server: Callable[..., RedisServer], policy: str) -> None:
    client = spawn_server({"maxmemory-policy": policy}).client()
    service = Reservations(client, namespace="ops")
    service.set_stock("sku-1", STOCK)
    _sell(service, range(200))
    limit_memory(client)
    fill(client, evicted(client), limit=50_000)  # noeviction: until OOM; allkeys-lru: until all is evicted
    after = _describe(service)
    try:
        service.reserve("order-late", {"sku-1": 1}, HOLD_MS)
        late = "reserved"
    except redis.exceptions.OutOfMemoryError:
        late = "refused with OOM"
    except UnknownSku:
        late = "refused: SKU unknown"
    print(f"reservations, {policy}: 200 sold before; after filling: {after}; a new order {late}")
    if policy == "noeviction":
        assert (after, late) == ("available 800, sold 200", "refused with OOM")
    else:
        assert after == "SKU unknown"
    client.close()


@pytest.mark.parametrize("persistence", ["aof-everysec", "none"])
@pytest.mark.slow
def test_restart(spawn_server: Callable[..., RedisServer], persistence: str) -> None:
    options = {"appendonly": "yes", "appendfsync": "everysec"} if persistence != "none" else {}
    server = spawn_server(options)
    with server.client() as client:
        service = Reservations(client, namespace="ops")
        service.set_stock("sku-1", STOCK)
        _sell(service, range(200))
    server.restart()  # SIGKILL, then the same options, port and directory
    with server.client() as client:
        after = _describe(Reservations(client, namespace="ops"))
    print(f"reservations, kill -9 with {persistence}: 200 sold before; after restart: {after}")
    assert after == ("available 800, sold 200" if persistence != "none" else "SKU unknown")
