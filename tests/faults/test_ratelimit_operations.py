"""The rate limiter under operational faults: the cells of the ratelimit row in docs/operations/README.md.

A fixed window of 100 requests per minute for one subject is spent by a workload of 300 requests
with a fault injected in the middle. Anything allowed beyond 100 is *over-admission*: the limiter
forgot what was spent. Figures are printed (``pytest -s``) and stated in the table.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import redis

from redisbehaviors.ratelimit import FixedWindowLimiter, Limit
from redisbehaviors.testing import RedisServer
from redisbehaviors.testing.server import Cluster
from redisbehaviors.testing.topology import SentinelSet, failover_of_slot
from tests.faults.support import PERSISTENCE, Midway, Retries, fill_up, killed_and_restarted

LIMIT = Limit.parse("100/minute")
REQUESTS = 300


def _workload(limiter: FixedWindowLimiter, fault: Callable[[], None]) -> tuple[int, int]:
    """300 requests, the fault started after 50; returns (allowed, failed attempts retried)."""
    allowed, retries = 0, Retries()
    with Midway(fault, at=50) as midway:
        for done in range(REQUESTS):
            midway.reached(done)
            allowed += retries(lambda: limiter.hit("user-1")).allowed
    return allowed, retries.failed


@pytest.mark.slow
def test_sentinel_failover_under_load(fresh_sentinel_set: SentinelSet) -> None:
    topology = fresh_sentinel_set
    client = topology.primary_client()

    allowed, failed = _workload(FixedWindowLimiter(client, LIMIT, namespace="ops"), topology.kill_primary)
    print(f"ratelimit, Sentinel failover mid-run: {REQUESTS} requests, {allowed} allowed (limit 100), {failed} failed")
    assert allowed <= 102  # only increments in flight when the primary died can be forgotten
    client.close()


@pytest.mark.slow
def test_cluster_failover_under_load(stable_cluster: Cluster) -> None:
    client = stable_cluster.client()
    limiter = FixedWindowLimiter(client, LIMIT, namespace="ops")
    limiter.hit("user-1", cost=1)  # creates the key, so that its slot is known
    slot = client.keyslot(next(iter(client.scan_iter(match="ops:*"))))
    fault = failover_of_slot(stable_cluster, slot)
    allowed, failed = _workload(limiter, fault)
    print(f"ratelimit, CLUSTER FAILOVER mid-run: {REQUESTS + 1} requests, {allowed + 1} allowed, {failed} failed")
    assert allowed + 1 == 100
    client.close()


def _spent(client: redis.Redis) -> FixedWindowLimiter:
    limiter = FixedWindowLimiter(client, LIMIT, namespace="ops")
    assert sum(limiter.hit("user-1").allowed for _ in range(100)) == 100
    return limiter


def _after(limiter: FixedWindowLimiter) -> tuple[int, int]:
    allowed = refused_oom = 0
    for _ in range(100):
        try:
            allowed += limiter.hit("user-1").allowed
        except redis.exceptions.OutOfMemoryError:
            refused_oom += 1
    return allowed, refused_oom


@pytest.mark.parametrize("policy", ["noeviction", "allkeys-lru"])
@pytest.mark.slow
def test_eviction(spawn_server: Callable[..., RedisServer], policy: str) -> None:
    client = spawn_server({"maxmemory-policy": policy}).client()
    limiter = _spent(client)
    stopped = fill_up(client)
    allowed, refused_oom = _after(limiter)
    print(f"ratelimit, {policy}: filled until {stopped}; 100 more requests: {allowed} allowed, {refused_oom} OOM")
    # noeviction: the counter is kept, so the limit itself refuses (before any write is attempted).
    assert allowed == (0 if policy == "noeviction" else 100) and refused_oom == 0
    client.close()


@pytest.mark.parametrize("persistence", PERSISTENCE)
@pytest.mark.slow
def test_restart(spawn_server: Callable[..., RedisServer], persistence: str) -> None:
    server = spawn_server(PERSISTENCE[persistence])
    allowed, _ = killed_and_restarted(
        server, _spent, lambda client, _: _after(FixedWindowLimiter(client, LIMIT, namespace="ops"))
    )
    print(f"ratelimit, kill -9 with {persistence}: 100 spent before; 100 more requests after: {allowed} allowed")
    assert allowed == (0 if persistence != "none" else 100)
