"""The fencing lock under operational faults: the cells of the locks row in docs/operations/README.md.

Each test runs a workload of acquisitions (acquire, note the fencing token, release), injects one
fault, and checks the history: a fencing token issued twice, or lower than one issued before it, is a
token the fence can no longer tell apart, so it is counted as *reissued*. The figures are printed
(``pytest -s``) and stated in the table.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import redis

from redisbehaviors.locks import FencedLock, Lease
from redisbehaviors.testing import RedisServer, wait_until
from redisbehaviors.testing.server import Cluster
from redisbehaviors.testing.topology import SentinelSet, failover_of_slot
from tests.faults.support import TRANSIENT, Midway, fill, killed_and_restarted, limit_memory

ACQUISITIONS = 300  # before and after the fault together
LEASE_MS = 10_000


@dataclass
class History:
    fences: list[int] = field(default_factory=list)
    times: list[float] = field(default_factory=list)  # when each acquisition succeeded (monotonic)
    errors: int = 0  # attempts that failed with a connection or cluster error and were retried

    @property
    def reissued(self) -> int:
        highest, count = 0, 0
        for fence in self.fences:
            if fence <= highest:
                count += 1
            highest = max(highest, fence)
        return count

    @property
    def longest_gap(self) -> float:
        return max((b - a for a, b in zip(self.times, self.times[1:], strict=False)), default=0.0)

    def report(self, cell: str) -> str:
        text = (
            f"locks, {cell}: {len(self.fences)} acquisitions, {self.reissued} fences reissued, "
            f"{self.errors} attempts failed, longest gap {self.longest_gap:.2f} s"
        )
        print(text)
        return text


def run(lock: FencedLock, history: History, count: int, fault_at: int, fault: Callable[[], None]) -> None:
    """``count`` acquisitions; ``fault`` runs in another thread once ``fault_at`` have been made."""
    with Midway(fault, at=fault_at) as midway:
        while len(history.fences) < count:
            midway.reached(len(history.fences))
            try:
                lease = lock.try_acquire(LEASE_MS)
            except TRANSIENT:
                history.errors += 1
                continue
            assert lease is not None, "one worker: the lock is always free when it asks"
            history.fences.append(lease.fence)
            history.times.append(time.monotonic())
            _release(lease, history)


def _release(lease: Any, history: History) -> None:
    while True:
        try:
            lease.release()
            return
        except TRANSIENT:
            history.errors += 1
        except Exception:  # the lease was lost with the failover: the lock is free anyway
            return


@pytest.mark.slow
def test_sentinel_failover_under_load(fresh_sentinel_set: SentinelSet) -> None:
    topology = fresh_sentinel_set
    client = topology.primary_client()
    lock, history = FencedLock(client, "report", namespace="ops"), History()

    run(lock, history, ACQUISITIONS, ACQUISITIONS // 2, topology.kill_primary)
    history.report("Sentinel failover mid-run")
    assert len(history.fences) == ACQUISITIONS and history.errors > 0
    # Asynchronous replication: only the increments in flight when the primary died can be lost.
    assert history.reissued <= 2
    client.close()


@pytest.mark.slow
def test_cluster_failover_under_load(stable_cluster: Cluster) -> None:
    client = stable_cluster.client()
    lock, history = FencedLock(client, "report", namespace="ops"), History()
    slot = client.keyslot(lock.keys.fence)
    fault = failover_of_slot(stable_cluster, slot)
    run(lock, history, ACQUISITIONS, ACQUISITIONS // 2, fault)
    history.report("CLUSTER FAILOVER mid-run")
    # A manual failover waits until the replica has the primary's whole stream before switching.
    assert history.reissued == 0 and len(set(history.fences)) == ACQUISITIONS
    client.close()


def _acquire_many(lock: FencedLock, count: int) -> int:
    for _ in range(count):
        lease = lock.try_acquire(LEASE_MS)
        assert lease is not None
        lease.release()
    return lock.last_fence()


def _held_when_full(
    spawn_server: Callable[..., RedisServer], policy: str
) -> tuple[redis.Redis, FencedLock, int, Lease]:
    """A server with ``maxmemory`` just above what it uses: 100 fences issued, then the lock held."""
    client = spawn_server({"maxmemory-policy": policy}).client()
    limit_memory(client)
    lock = FencedLock(client, "report", namespace="ops")
    before = _acquire_many(lock, 100)
    held = lock.try_acquire(LEASE_MS)
    assert held is not None
    return client, lock, before, held


@pytest.mark.slow
def test_eviction_under_the_recommended_policy(spawn_server: Callable[..., RedisServer]) -> None:
    client, lock, before, held = _held_when_full(spawn_server, "noeviction")
    stopped = fill(client, lambda: False, limit=50_000)
    try:  # a second client: refused either way, never granted
        refusal = "lock held" if lock.try_acquire(LEASE_MS) is None else "granted"
    except redis.exceptions.OutOfMemoryError:
        refusal = "OOM"
    print(f"locks, noeviction: filled until {stopped}; second acquirer: {refusal}; fence {lock.last_fence()}")
    assert stopped == "OOM" and refusal != "granted" and held.is_held() and lock.last_fence() == before + 1
    client.close()


@pytest.mark.slow
def test_eviction_under_a_wrong_policy(spawn_server: Callable[..., RedisServer]) -> None:
    client, lock, before, _ = _held_when_full(spawn_server, "allkeys-lru")
    stopped = fill(client, lambda: not client.exists(lock.keys.lock, lock.keys.fence), limit=50_000)
    second = lock.try_acquire(LEASE_MS)
    print(
        f"locks, allkeys-lru: filled until {stopped}; second holder fence {second and second.fence}, was {before + 1}"
    )
    assert stopped == "condition" and second is not None and second.fence == 1  # two holders, fence back to 1
    client.close()


def _restart_cell(spawn_server: Callable[..., RedisServer], options: dict[str, str]) -> tuple[int, bool, int]:
    def before(client: redis.Redis) -> int:
        lock = FencedLock(client, "report", namespace="ops")
        issued = _acquire_many(lock, 200)
        assert lock.try_acquire(LEASE_MS) is not None
        return issued

    def after(client: redis.Redis, issued: int) -> tuple[int, bool, int]:
        lock = FencedLock(client, "report", namespace="ops")
        wait_until(lambda: client.ping(), 10)
        return issued + 1, lock.is_locked(), lock.last_fence()

    return killed_and_restarted(spawn_server(options), before, after)


@pytest.mark.slow
def test_restart_with_aof_everysec(spawn_server: Callable[..., RedisServer]) -> None:
    issued, locked, fence = _restart_cell(spawn_server, {"appendonly": "yes", "appendfsync": "everysec"})
    print(f"locks, AOF everysec, kill -9: {issued} fences issued, after restart last fence {fence}, held {locked}")
    assert (locked, fence) == (True, issued)


@pytest.mark.slow
def test_restart_without_persistence(spawn_server: Callable[..., RedisServer]) -> None:
    issued, locked, fence = _restart_cell(spawn_server, {"appendonly": "no", "save": ""})
    print(f"locks, no persistence, kill -9: {issued} fences issued, after restart last fence {fence}, held {locked}")
    assert (locked, fence) == (False, 0)  # the next holder gets fence 1 again: every token reissued
