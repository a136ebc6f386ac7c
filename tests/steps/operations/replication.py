"""Steps of features/operations/replication.feature: a primary with two replicas."""

from __future__ import annotations

import pytest
from pytest_bdd import given, parsers, step, then, when

from redisbehaviors.testing import wait_until
from tests.steps.operations.nodes import DEADLINE, ROLE, Nodes, bind_replica_set


@given("a primary with two replicas")
def shared_pair(nodes: Nodes, request: pytest.FixtureRequest) -> None:
    pair = request.getfixturevalue("healthy_replica_pair")
    bind_replica_set(nodes, pair.primary, pair.replicas)


@given("a primary with two replicas started for this scenario")
def own_pair(nodes: Nodes, request: pytest.FixtureRequest) -> None:
    pair = request.getfixturevalue("fresh_replica_pair")
    bind_replica_set(nodes, pair.primary, pair.replicas)


def _info(nodes: Nodes, role: str, section: str) -> dict[str, object]:
    with nodes.server(role).client() as client:
        return client.info(section)


@then(parsers.parse("the primary reports {count:d} connected replicas"))
def connected_replicas(nodes: Nodes, count: int) -> None:
    assert int(_info(nodes, "the primary", "replication")["connected_slaves"]) == count  # type: ignore[call-overload]


@when("the primary drops its replicas' connections")
def drop_replica_links(nodes: Nodes) -> None:
    stats = _info(nodes, "the primary", "stats")
    nodes.counters.update(partial=int(stats["sync_partial_ok"]), full=int(stats["sync_full"]))  # type: ignore[call-overload]
    with nodes.server("the primary").client() as primary:
        primary.execute_command("CLIENT", "KILL", "TYPE", "replica")


@then("both replicas resumed with a partial resync")
def resumed_partially(nodes: Nodes) -> None:
    def resynced() -> dict[str, object] | None:
        stats = _info(nodes, "the primary", "stats")
        return stats if int(stats["sync_partial_ok"]) - nodes.counters["partial"] == 2 else None  # type: ignore[call-overload]

    stats = wait_until(resynced, DEADLINE, what="two partial resyncs")
    assert int(stats["sync_full"]) == nodes.counters["full"], "a replica needed a full resync"  # type: ignore[index]


@step("the primary has finished rewriting its append-only file")
def aof_rewritten(nodes: Nodes) -> None:
    def done() -> bool:
        info = _info(nodes, "the primary", "persistence")
        return info["aof_enabled"] == 1 and info["aof_rewrite_in_progress"] == 0 and info["aof_rewrite_scheduled"] == 0

    wait_until(done, DEADLINE, what="the AOF rewrite that CONFIG SET appendonly yes starts")


@when(parsers.re(rf"{ROLE} loads the function library:"))
def load_library(nodes: Nodes, role: str, docstring: str) -> None:
    nodes.send_args(role, ["FUNCTION", "LOAD", docstring])
