"""The catalog under operational faults: the cells of the catalog row in docs/operations/README.md.

A workload makes 300 users like one product (``like`` is idempotent, so a step that failed with a
connection error is simply retried). After the fault the likers are read back: a like the client was
told about but Redis no longer has is *lost*. Figures are printed (``pytest -s``) and stated in the table.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import redis

from redisbehaviors.catalog import Catalog, ProductCard
from redisbehaviors.errors import UnknownEntity
from redisbehaviors.testing import RedisServer
from redisbehaviors.testing.server import Cluster
from redisbehaviors.testing.topology import SentinelSet, failover_of_slot
from tests.faults.support import PERSISTENCE, Midway, Retries, fill_up, killed_and_restarted, write_after

USERS = 300


def _likes(catalog: Catalog, users: range, fault: Callable[[], None] | None = None) -> tuple[int, int]:
    """Each user likes product p1; returns (likes acknowledged, failed attempts retried)."""
    acknowledged, retries = 0, Retries()
    with Midway(fault, at=users.start + len(users) // 2) as midway:
        for index in users:
            midway.reached(index)
            retries(lambda i=index: catalog.like(f"user-{i}", "p1"))
            acknowledged += 1
    return acknowledged, retries.failed


def _liked(client: redis.Redis) -> Catalog:
    """Product p1, liked by 200 users."""
    catalog = Catalog(client, namespace="ops")
    catalog.put_product("p1", {"name": "Lamp", "price": 10})
    _likes(catalog, range(200))
    return catalog


def _state(catalog: Catalog) -> str:
    try:
        return f"{len(catalog.likers('p1'))} likers, counter {catalog.product('p1').get('likes')}"
    except UnknownEntity:
        return "product unknown"


def _failover_cell(catalog: Catalog, fault: Callable[[], None], cell: str) -> str:
    catalog.put_product("p1", {"name": "Lamp", "price": 10})
    acknowledged, failed = _likes(catalog, range(USERS), fault)
    after = _state(catalog)
    print(f"catalog, {cell}: {acknowledged} likes acknowledged; after: {after}; {failed} failed attempts")
    return after


@pytest.mark.slow
def test_sentinel_failover_under_load(fresh_sentinel_set: SentinelSet) -> None:
    topology = fresh_sentinel_set
    client = topology.primary_client()

    after = _failover_cell(Catalog(client, namespace="ops"), topology.kill_primary, "Sentinel failover mid-run")
    assert after in (f"{USERS} likers, counter {USERS}", f"{USERS - 1} likers, counter {USERS - 1}")
    client.close()


@pytest.mark.slow
def test_cluster_failover_under_load(stable_cluster: Cluster) -> None:
    client = stable_cluster.client()
    catalog = Catalog(client, namespace="ops")
    fault = failover_of_slot(stable_cluster, client.keyslot(catalog.keys.product("p1")))
    after = _failover_cell(catalog, fault, "CLUSTER FAILOVER mid-run")
    assert after == f"{USERS} likers, counter {USERS}"
    client.close()


@pytest.mark.parametrize("policy", ["noeviction", "allkeys-lru"])
@pytest.mark.slow
def test_eviction(spawn_server: Callable[..., RedisServer], policy: str) -> None:
    client = spawn_server({"maxmemory-policy": policy}).client()
    catalog = _liked(client)
    fill_up(client)
    after = _state(catalog)
    late = write_after(lambda: catalog.like("late-user", "p1"), "accepted", {UnknownEntity: "refused: product unknown"})
    print(f"catalog, {policy}: 200 likes before; after filling: {after}; a new like {late}")
    if policy == "noeviction":
        assert (after, late) == ("200 likers, counter 200", "refused with OOM")
        # cards.lua only reads, and a script without a shebang is refused OOM only when it calls a write
        # command ("Script flags", https://redis.io/docs/latest/develop/programmability/eval-intro/)
        assert catalog.cards(["p1"], "user-0") == [ProductCard("p1", "Lamp", 10.0, 0, 200, True)]
    else:
        assert after == "product unknown"
    client.close()


@pytest.mark.parametrize("persistence", PERSISTENCE)
@pytest.mark.slow
def test_restart(spawn_server: Callable[..., RedisServer], persistence: str) -> None:
    server = spawn_server(PERSISTENCE[persistence])
    after = killed_and_restarted(server, _liked, lambda client, _: _state(Catalog(client, namespace="ops")))
    print(f"catalog, kill -9 with {persistence}: 200 likes before; after restart: {after}")
    assert after == ("200 likers, counter 200" if persistence != "none" else "product unknown")
