"""Steps of features/operations/cluster_operations.feature: three primaries with a replica each.

The scenario's keys all carry its hash tag, so they live in one slot; the steps name the nodes by
their relation to that slot: ``the owner``, ``the owner's replica`` and ``the other primary`` (the
importing node of a migration).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

import pytest
import redis
from pytest_bdd import given, parsers, step, then, when

from redisbehaviors.testing import wait_until
from redisbehaviors.testing.server import LOOPBACK, Cluster
from redisbehaviors.testing.topology import node_id, primaries, replica_of, slot_owner, wait_cluster_agrees
from tests.steps.operations.nodes import DEADLINE, ROLE, Nodes


@dataclass
class Sharded:
    """The cluster of one scenario and the slot its keys live in."""

    cluster: Cluster
    slot: int
    client: redis.RedisCluster | None = None

    def cluster_client(self, protocol: int) -> redis.RedisCluster:
        if self.client is None:
            self.client = self.cluster.client(protocol=protocol)
        return self.client

    def close(self) -> None:
        if self.client is not None:
            self.client.close()


@given("a cluster of three primaries with a replica each", target_fixture="sharded")
def replicated_cluster_world(nodes: Nodes, request: pytest.FixtureRequest) -> Sharded:
    cluster: Cluster = request.getfixturevalue("stable_cluster")
    with cluster.nodes[0].client() as client:
        slot = int(client.execute_command("CLUSTER", "KEYSLOT", nodes.key("any")))
    owner = slot_owner(cluster, slot)
    other = next(n for n in primaries(cluster) if n is not owner)
    nodes.bind("the owner", owner)
    nodes.bind("the other primary", other)
    nodes.bind("the owner's replica", replica_of(cluster, owner))
    nodes.primary_role, nodes.replica_roles = "the owner", ["the owner's replica"]
    sharded = Sharded(cluster, slot)
    request.addfinalizer(sharded.close)
    return sharded


@given("the slot of the scenario's keys is migrating from the owner to the other primary")
def start_migration(nodes: Nodes, sharded: Sharded) -> None:
    owner, other = nodes.server("the owner"), nodes.server("the other primary")
    # IMPORTING first, then MIGRATING: the order https://redis.io/commands/cluster-setslot/ recommends.
    with other.client() as client:
        client.execute_command("CLUSTER", "SETSLOT", sharded.slot, "IMPORTING", node_id(owner))
    with owner.client() as client:
        client.execute_command("CLUSTER", "SETSLOT", sharded.slot, "MIGRATING", node_id(other))


@step(parsers.parse('the owner has migrated "{name}" to the other primary'))
def migrate_key(nodes: Nodes, name: str) -> None:
    other = nodes.server("the other primary")
    args = ["MIGRATE", LOOPBACK, other.port, "", 0, 5000, "KEYS", nodes.key(name)]
    nodes.send_args("the owner", args)
    assert nodes.raw.error is None and nodes.raw.last == "OK", f"MIGRATE failed: {nodes.raw.error}"


@when("the slot is assigned to the other primary")
def finish_migration(nodes: Nodes, sharded: Sharded) -> None:
    target = node_id(nodes.server("the other primary"))
    # The importing node first, so that the slot is never without an owner that knows it.
    ordered = [nodes.server("the other primary"), nodes.server("the owner")]
    ordered += [p for p in primaries(sharded.cluster) if p not in ordered]
    for node in ordered:
        with node.client() as client:
            client.execute_command("CLUSTER", "SETSLOT", sharded.slot, "NODE", target)
    wait_cluster_agrees(sharded.cluster, DEADLINE)


@then(parsers.re(rf'the reply redirects with "(?P<kind>MOVED|ASK)" to {ROLE}'))
def redirects(nodes: Nodes, sharded: Sharded, kind: str, role: str) -> None:
    error = nodes.raw.error
    assert error is not None, f"expected a {kind} redirection, got the reply {nodes.raw.last!r}"
    assert getattr(error, "status_code", None) == kind, f"expected {kind}, got {nodes.raw.error_line}"
    assert isinstance(error, redis.exceptions.AskError)  # MovedError is a subclass
    assert (error.slot_id, error.port) == (sharded.slot, nodes.server(role).port), f"{kind} {error}"


def _record(nodes: Nodes, call: object) -> None:
    try:
        nodes.raw.last, nodes.raw.error = nodes.raw.strip(call()), None  # type: ignore[operator]
    except redis.RedisError as exc:
        nodes.raw.last, nodes.raw.error = None, exc


@step(parsers.parse('the cluster client reads "{name}"'))
@step(parsers.parse('the cluster client has read "{name}"'))
def cluster_reads(nodes: Nodes, sharded: Sharded, name: str) -> None:
    client = sharded.cluster_client(nodes.protocol)
    _record(nodes, lambda: client.get(nodes.key(name)))


@step(parsers.parse('the cluster client writes "{name}" = "{value}"'))
def cluster_writes(nodes: Nodes, sharded: Sharded, name: str, value: str) -> None:
    client = sharded.cluster_client(nodes.protocol)
    _record(nodes, lambda: client.set(nodes.key(name), value))


@step(parsers.parse('the cluster client sends "{command}"'))
def cluster_sends(nodes: Nodes, sharded: Sharded, command: str) -> None:
    client = sharded.cluster_client(nodes.protocol)
    args = nodes.raw.namespaced(shlex.split(command))
    _record(nodes, lambda: client.execute_command(*args))


@then(parsers.parse('the cluster client gives up with "{kind}"'))
def gives_up(nodes: Nodes, kind: str) -> None:
    assert nodes.raw.error is not None, f"expected the client to give up, it got {nodes.raw.last!r}"
    assert type(nodes.raw.error).__name__ == kind, f"expected {kind}, got {nodes.raw.error!r}"


@then("within 15 seconds the owner's replica owns the slot")
def replica_owns_slot(nodes: Nodes, sharded: Sharded) -> None:
    assert nodes.raw.error is None, f"CLUSTER FAILOVER was refused: {nodes.raw.error_line}"
    replica = nodes.server("the owner's replica")
    wait_until(lambda: slot_owner(sharded.cluster, sharded.slot) is replica, DEADLINE, what="the promotion")
    wait_cluster_agrees(sharded.cluster, DEADLINE)
