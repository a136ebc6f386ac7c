"""Stock reservations under operational faults: the cells of the reservations row in
docs/operations/README.md.

A workload reserves and confirms 300 one-unit orders of a SKU stocked with 1,000 units, retrying a
step that failed with a connection error (both steps are idempotent: ``already_held``,
``already_confirmed``). After the fault the stock counters are read back: a confirmation the client
was given but the counters no longer show is a *lost sale* (its unit can be sold again). Figures are
printed (``pytest -s``) and stated in the table.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import redis

from redisbehaviors.reservations import Outcome, Reservations, UnknownSku
from redisbehaviors.testing import RedisServer
from redisbehaviors.testing.server import Cluster
from redisbehaviors.testing.topology import SentinelSet, failover_of_slot
from tests.faults.support import PERSISTENCE, Midway, Retries, fill_up, killed_and_restarted, write_after

ORDERS = 300
STOCK = 1000
HOLD_MS = 60_000


def _sell(service: Reservations, orders: range, fault: Callable[[], None] | None = None) -> tuple[int, int]:
    """Reserve and confirm each order; returns (confirmations the client was given, failed attempts)."""
    confirmed, retries = 0, Retries()
    with Midway(fault, at=orders.start + len(orders) // 2) as midway:
        for index in orders:
            midway.reached(index)
            order = f"order-{index}"
            retries(lambda o=order: service.reserve(o, {"sku-1": 1}, HOLD_MS))
            outcome = retries(lambda o=order: service.confirm(o))
            confirmed += outcome in (Outcome.CONFIRMED, Outcome.ALREADY_CONFIRMED)
    return confirmed, retries.failed


def _sold(client: redis.Redis) -> Reservations:
    """sku-1 stocked with STOCK units, 200 of them sold."""
    service = Reservations(client, namespace="ops")
    service.set_stock("sku-1", STOCK)
    _sell(service, range(200))
    return service


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
    service = _sold(client)
    fill_up(client)
    after = _describe(service)
    late = write_after(
        lambda: service.reserve("order-late", {"sku-1": 1}, HOLD_MS), "reserved", {UnknownSku: "refused: SKU unknown"}
    )
    print(f"reservations, {policy}: 200 sold before; after filling: {after}; a new order {late}")
    if policy == "noeviction":
        assert (after, late) == ("available 800, sold 200", "refused with OOM")
    else:
        assert after == "SKU unknown"
    client.close()


@pytest.mark.parametrize("persistence", PERSISTENCE)
@pytest.mark.slow
def test_restart(spawn_server: Callable[..., RedisServer], persistence: str) -> None:
    server = spawn_server(PERSISTENCE[persistence])
    after = killed_and_restarted(server, _sold, lambda client, _: _describe(Reservations(client, namespace="ops")))
    print(f"reservations, kill -9 with {persistence}: 200 sold before; after restart: {after}")
    assert after == ("available 800, sold 200" if persistence != "none" else "SKU unknown")
