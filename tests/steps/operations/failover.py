"""Steps of features/operations/failover.feature: a primary, two replicas and three sentinels."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
import redis
from pytest_bdd import given, parsers, step, then, when
from redis.sentinel import Sentinel

from redisbehaviors.testing import RedisServer, wait_until
from redisbehaviors.testing.topology import SentinelSet, link_is_up
from tests.steps.operations.nodes import DEADLINE, Nodes, bind_replica_set

FAILOVER_DEADLINE = 30.0  # Sentinel: down-after 400 ms, then agreement, election and promotion


@dataclass
class Watched:
    """The Sentinel topology of one scenario, and the primary it started with."""

    topology: SentinelSet
    first_primary: RedisServer
    first_replicas: list[RedisServer]
    client: Sentinel | None = None
    opened: list[redis.Redis] = field(default_factory=list)

    def sentinel(self) -> Sentinel:
        if self.client is None:
            self.client = self.topology.sentinel_client()
        return self.client

    def master(self) -> redis.Redis:
        client = self.sentinel().master_for(self.topology.master_name, decode_responses=True, socket_timeout=2)
        self.opened.append(client)
        return client

    def replica(self) -> redis.Redis:
        client = self.sentinel().slave_for(self.topology.master_name, decode_responses=True, socket_timeout=2)
        self.opened.append(client)
        return client

    def close(self) -> None:
        for client in self.opened:
            client.close()
        if self.client is not None:
            for sentinel in self.client.sentinels:
                sentinel.close()


def _watch(nodes: Nodes, topology: SentinelSet, request: pytest.FixtureRequest) -> Watched:
    primary = topology.primary
    replicas = [s for s in topology.servers if s is not primary]
    bind_replica_set(nodes, primary, replicas)
    nodes.bind("the first sentinel", topology.sentinels[0])
    watched = Watched(topology, primary, replicas)
    request.addfinalizer(watched.close)
    return watched


@given("a primary watched by three sentinels", target_fixture="watched")
def shared_sentinels(nodes: Nodes, request: pytest.FixtureRequest) -> Watched:
    return _watch(nodes, request.getfixturevalue("sentinel_set"), request)


@given("a primary watched by three sentinels, for this scenario", target_fixture="watched")
def own_sentinels(nodes: Nodes, request: pytest.FixtureRequest) -> Watched:
    return _watch(nodes, request.getfixturevalue("fresh_sentinel_set"), request)


@then("every sentinel names the primary's address")
def sentinels_name_primary(watched: Watched) -> None:
    ports = [watched.topology.reported_primary_port(s) for s in watched.topology.sentinels]
    assert ports == [watched.first_primary.port] * 3, f"sentinels name {ports}, primary is {watched.first_primary.port}"


@then(parsers.parse("the first sentinel lists {replicas:d} replicas and {others:d} other sentinels"))
def sentinel_lists(watched: Watched, replicas: int, others: int) -> None:
    name = watched.topology.master_name
    with watched.topology.sentinels[0].client() as sentinel:
        assert len(sentinel.execute_command("SENTINEL", "REPLICAS", name)) == replicas
        assert len(sentinel.execute_command("SENTINEL", "SENTINELS", name)) == others


@step(parsers.parse('the Sentinel client writes "{name}" = "{value}" to the primary'))
@step(parsers.parse('the Sentinel client has written "{name}" = "{value}" to the primary'))
def sentinel_writes(watched: Watched, nodes: Nodes, name: str, value: str) -> None:
    assert watched.master().set(nodes.key(name), value) is True


@then(parsers.parse('the Sentinel client reads "{value}" for "{name}" from {where}'))
def sentinel_reads(watched: Watched, nodes: Nodes, value: str, name: str, where: str) -> None:
    client = watched.replica() if where == "a replica" else watched.master()
    assert client.get(nodes.key(name)) == value


@step("Sentinel has failed over")
def failed_over(watched: Watched, nodes: Nodes) -> None:
    new = watched.topology.wait_failover(watched.first_primary, FAILOVER_DEADLINE)
    nodes.bind("the new primary", new)
    nodes.bind("the old primary", watched.first_primary)


@then("within 30 seconds every sentinel names one of the replicas as the primary")
def names_a_replica(watched: Watched, nodes: Nodes) -> None:
    failed_over(watched, nodes)
    assert nodes.server("the new primary") in watched.first_replicas


def _replicates_from(server: RedisServer, primary: RedisServer) -> bool:
    with server.client(socket_timeout=1) as client:
        info = client.info("replication")
    return info.get("role") == "slave" and int(info.get("master_port", 0)) == primary.port and link_is_up(server)


@then("the remaining replica replicates from the new primary")
def remaining_follows(watched: Watched, nodes: Nodes) -> None:
    new = nodes.server("the new primary")
    (remaining,) = [r for r in watched.first_replicas if r is not new]
    wait_until(lambda: _replicates_from(remaining, new), DEADLINE, what="the other replica to follow")


@step(
    parsers.re(
        r"(?:within (?P<seconds>\d+) seconds )?the old primary (?:has become|becomes) a replica of the new primary"
    )
)
def old_primary_demoted(nodes: Nodes, seconds: str | None) -> None:
    old, new = nodes.server("the old primary"), nodes.server("the new primary")
    wait_until(lambda: _replicates_from(old, new), float(seconds or DEADLINE), what="the old primary demoted")


@when("the old primary is started again")
def restart_old(nodes: Nodes) -> None:
    old = nodes.server("the old primary")
    old.restart()
    nodes.forget("the old primary")  # a new process: the connection to the dead one is gone


@given("the primary has an open client connection")
def open_connection(nodes: Nodes) -> None:
    nodes.must("the primary", "PING")
    nodes.connections["the old primary"] = nodes.connections["the primary"]  # the same connection, by its later name
