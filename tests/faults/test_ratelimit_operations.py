"""The rate limiter under operational faults: the cells of the ratelimit row in docs/operations/README.md.

A fixed window of 100 requests per minute for one subject is spent by a workload of 300 requests
with a fault injected in the middle. Anything allowed beyond 100 is *over-admission*: the limiter
forgot what was spent. Figures are printed (``pytest -s``) and stated in the table.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
import redis

from redisbehaviors.ratelimit import FixedWindowLimiter, Limit
from redisbehaviors.testing import RedisServer
from redisbehaviors.testing.server import Cluster
from redisbehaviors.testing.topology import SentinelSet, manual_failover, replica_of, slot_owner

LIMIT = Limit.parse("100/minute")
REQUESTS = 300
TRANSIENT = (redis.ConnectionError, redis.TimeoutError, redis.exceptions.ClusterError, redis.ReadOnlyError)


def _workload(limiter: FixedWindowLimiter, fault: Callable[[], None]) -> tuple[int, int]:
    """300 requests, the fault started after 50; returns (allowed, failed attempts retried)."""
    allowed = failed = done = 0
    injector = threading.Thread(target=fault)
    while done < REQUESTS:
        if done == 50 and not injector.is_alive() and injector.ident is None:
            injector.start()
        try:
            allowed += limiter.hit("user-1").allowed
            done += 1
        except TRANSIENT:
            failed += 1
    injector.join()
    return allowed, failed


@pytest.mark.slow
def test_sentinel_failover_under_load(fresh_sentinel_set: SentinelSet) -> None:
    topology = fresh_sentinel_set
    client = topology.sentinel_client().master_for(topology.master_name, decode_responses=True, socket_timeout=1)
    old = topology.primary

    def fail_over() -> None:
        old.kill()
        topology.wait_failover(old)

    allowed, failed = _workload(FixedWindowLimiter(client, LIMIT, namespace="ops"), fail_over)
    print(f"ratelimit, Sentinel failover mid-run: {REQUESTS} requests, {allowed} allowed (limit 100), {failed} failed")
    assert allowed <= 102  # only increments in flight when the primary died can be forgotten
    client.close()


@pytest.mark.slow
def test_cluster_failover_under_load(stable_cluster: Cluster) -> None:
    client = stable_cluster.client()
    limiter = FixedWindowLimiter(client, LIMIT, namespace="ops")
    limiter.hit("user-1", cost=1)  # creates the key, so that its slot is known
    slot = client.keyslot(next(iter(client.scan_iter(match="ops:*"))))
    replica = replica_of(stable_cluster, slot_owner(stable_cluster, slot))
    allowed, failed = _workload(limiter, lambda: manual_failover(stable_cluster, replica))
    print(f"ratelimit, CLUSTER FAILOVER mid-run: {REQUESTS + 1} requests, {allowed + 1} allowed, {failed} failed")
    assert allowed + 1 == 100
    client.close()


def _fill(client: redis.Redis, until: Callable[[], bool], limit: int = 50_000) -> str:
    for index in range(limit):
        try:
            client.set(f"filler:{index}", "x" * 1024)
        except redis.exceptions.OutOfMemoryError:
            return "OOM"
        if until():
            return "condition"
    return "limit"


def _spent(server: RedisServer) -> tuple[redis.Redis, FixedWindowLimiter]:
    client = server.client()
    limiter = FixedWindowLimiter(client, LIMIT, namespace="ops")
    assert sum(limiter.hit("user-1").allowed for _ in range(100)) == 100
    return client, limiter


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
    server = spawn_server({"maxmemory-policy": policy})
    client, limiter = _spent(server)
    client.config_set("maxmemory", int(client.info("memory")["used_memory"]) + 2 * 1024 * 1024)
    counters = list(client.scan_iter(match="ops:*"))
    stopped = _fill(client, lambda: not client.exists(*counters))
    allowed, refused_oom = _after(limiter)
    print(f"ratelimit, {policy}: filled until {stopped}; 100 more requests: {allowed} allowed, {refused_oom} OOM")
    # noeviction: the counter is kept, so the limit itself refuses (before any write is attempted).
    assert allowed == (0 if policy == "noeviction" else 100) and refused_oom == 0
    client.close()


@pytest.mark.parametrize("persistence", ["aof-everysec", "none"])
@pytest.mark.slow
def test_restart(spawn_server: Callable[..., RedisServer], persistence: str) -> None:
    options = {"appendonly": "yes", "appendfsync": "everysec"} if persistence != "none" else {}
    server = spawn_server(options)
    client, _ = _spent(server)
    client.close()
    server.restart()  # SIGKILL, then the same options, port and directory
    client = server.client()
    allowed, _ = _after(FixedWindowLimiter(client, LIMIT, namespace="ops"))
    print(f"ratelimit, kill -9 with {persistence}: 100 spent before; 100 more requests after: {allowed} allowed")
    assert allowed == (0 if persistence != "none" else 100)
    client.close()
