"""The session store under operational faults: the cells of the sessions row in docs/operations/README.md.

A workload creates sessions; after the fault every token it was given is looked up again. A token
that no longer resolves is a *lost* session (its user is logged out). Figures are printed
(``pytest -s``) and stated in the table.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
import redis

from redisbehaviors.sessions import SessionStore
from redisbehaviors.testing import RedisServer
from redisbehaviors.testing.server import Cluster
from redisbehaviors.testing.topology import SentinelSet, manual_failover, primaries, replica_of
from tests.faults.support import TRANSIENT, limit_memory

SESSIONS = 300


def _create_all(store: SessionStore, fault: Callable[[], None]) -> tuple[list[str], int]:
    tokens: list[str] = []
    failed = 0
    injector = threading.Thread(target=fault)
    while len(tokens) < SESSIONS:
        if len(tokens) == SESSIONS // 2 and injector.ident is None:
            injector.start()
        try:
            tokens.append(store.create(f"user-{len(tokens)}", {"cart": "3"}))
        except TRANSIENT:
            failed += 1
    injector.join()
    return tokens, failed


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


def _created(server: RedisServer, count: int = 200) -> tuple[redis.Redis, SessionStore, list[str]]:
    client = server.client()
    store = SessionStore(client, namespace="ops")
    return client, store, [store.create(f"user-{i}", {"cart": "3"}) for i in range(count)]


@pytest.mark.parametrize("policy", ["noeviction", "allkeys-lru"])
@pytest.mark.slow
def test_eviction(spawn_server: Callable[..., RedisServer], policy: str) -> None:
    client, store, tokens = _created(spawn_server({"maxmemory-policy": policy}))
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
    try:
        store.create("late-user")
        new_session = "created"
    except redis.exceptions.OutOfMemoryError:
        new_session = "refused with OOM"
    print(
        f"sessions, {policy}: {len(tokens)} sessions, {filled} kB of other data, {lost} lost; a new one {new_session}"
    )
    if policy == "noeviction":
        assert (lost, new_session) == (0, "refused with OOM")
    else:
        assert lost > 0 and new_session == "created"
    client.close()


@pytest.mark.parametrize("persistence", ["aof-everysec", "none"])
@pytest.mark.slow
def test_restart(spawn_server: Callable[..., RedisServer], persistence: str) -> None:
    options = {"appendonly": "yes", "appendfsync": "everysec"} if persistence != "none" else {}
    server = spawn_server(options)
    client, _, tokens = _created(server)
    client.close()
    server.restart()  # SIGKILL, then the same options, port and directory
    client = server.client()
    lost = _lost(SessionStore(client, namespace="ops"), tokens)
    print(f"sessions, kill -9 with {persistence}: {len(tokens)} sessions, {lost} lost")
    assert lost == (0 if persistence != "none" else len(tokens))
    client.close()
