"""The session store under operational faults: the cells of the sessions row in docs/operations/README.md.

A workload creates sessions; after the fault every token it was given is looked up again. A token
that no longer resolves is a *lost* session (its user is logged out). Figures are printed
(``pytest -s``) and stated in the table.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import redis

from redisbehaviors.sessions import SessionStore
from redisbehaviors.testing import RedisServer
from redisbehaviors.testing.server import Cluster
from redisbehaviors.testing.topology import SentinelSet, manual_failover, primaries, replica_of
from tests.faults.support import PERSISTENCE, Midway, Retries, killed_and_restarted, limit_memory, write_after

SESSIONS = 300


def _create_all(store: SessionStore, fault: Callable[[], None]) -> tuple[list[str], int]:
    tokens: list[str] = []
    retries = Retries()
    with Midway(fault, at=SESSIONS // 2) as midway:
        for index in range(SESSIONS):
            midway.reached(index)
            tokens.append(retries(lambda i=index: store.create(f"user-{i}", {"cart": "3"})))
    return tokens, retries.failed


def _lost(store: SessionStore, tokens: list[str]) -> int:
    return sum(1 for token in tokens if store.get(token) is None)


@pytest.mark.slow
def test_sentinel_failover_under_load(fresh_sentinel_set: SentinelSet) -> None:
    topology = fresh_sentinel_set
    client = topology.primary_client()
    store = SessionStore(client, namespace="ops")
    tokens, failed = _create_all(store, topology.kill_primary)
    lost = _lost(store, tokens)
    print(f"sessions, Sentinel failover mid-run: {len(tokens)} created, {lost} lost, {failed} attempts failed")
    assert lost <= 1  # only a create in flight when the primary died can be lost
    client.close()


@pytest.mark.slow
def test_cluster_failover_under_load(stable_cluster: Cluster) -> None:
    client = stable_cluster.client()
    store = SessionStore(client, namespace="ops")
    replica = replica_of(stable_cluster, primaries(stable_cluster)[0])  # sessions spread over every slot
    tokens, failed = _create_all(store, lambda: manual_failover(stable_cluster, replica))
    lost = _lost(store, tokens)
    print(f"sessions, CLUSTER FAILOVER mid-run: {len(tokens)} created, {lost} lost, {failed} attempts failed")
    assert lost == 0
    client.close()


def _created(client: redis.Redis, count: int = 200) -> tuple[SessionStore, list[str]]:
    store = SessionStore(client, namespace="ops")
    return store, [store.create(f"user-{i}", {"cart": "3"}) for i in range(count)]


@pytest.mark.parametrize("policy", ["noeviction", "allkeys-lru"])
@pytest.mark.slow
def test_eviction(spawn_server: Callable[..., RedisServer], policy: str) -> None:
    client = spawn_server({"maxmemory-policy": policy}).client()
    store, tokens = _created(client)
    limit_memory(client)
    filled, refused = 0, 0
    for index in range(8192):  # 8 MB of other data: four times the headroom
        try:
            client.set(f"filler:{index}", "x" * 1024)
            filled += 1
        except redis.exceptions.OutOfMemoryError:
            refused += 1
            break
    lost = _lost(store, tokens)
    new_session = write_after(lambda: store.create("late-user"), "created")
    print(
        f"sessions, {policy}: {len(tokens)} sessions, {filled} kB of other data, {lost} lost; a new one {new_session}"
    )
    if policy == "noeviction":
        assert (lost, new_session) == (0, "refused with OOM")
    else:
        assert lost > 0 and new_session == "created"
    client.close()


@pytest.mark.parametrize("persistence", PERSISTENCE)
@pytest.mark.slow
def test_restart(spawn_server: Callable[..., RedisServer], persistence: str) -> None:
    def after(client: redis.Redis, created: tuple[SessionStore, list[str]]) -> tuple[int, int]:
        tokens = created[1]
        return len(tokens), _lost(SessionStore(client, namespace="ops"), tokens)

    sessions, lost = killed_and_restarted(spawn_server(PERSISTENCE[persistence]), _created, after)
    print(f"sessions, kill -9 with {persistence}: {sessions} sessions, {lost} lost")
    assert lost == (0 if persistence != "none" else sessions)
