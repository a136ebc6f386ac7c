"""The multi-node topologies of the operations topic (src/redisbehaviors/testing/topology.py)."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import textwrap

import pytest

from redisbehaviors.testing import wait_until
from redisbehaviors.testing.server import Cluster, RedisServer
from redisbehaviors.testing.topology import (
    MASTER_NAME,
    _field,
    _sentinel_config,
    cluster_view,
    node_id,
    primaries,
    replica_of,
)


def _binary(redis_target: object) -> str:
    binary = getattr(redis_target, "binary", None)
    if binary is None:
        pytest.skip("needs a redis-server binary")
    return str(binary)


def test_a_sentinel_entry_is_read_the_same_under_resp2_and_resp3() -> None:
    assert _field(["name", "r1", "port", "7001"], "port") == "7001"
    assert _field({"name": "r1", "port": "7001"}, "port") == "7001"


def test_each_sentinel_knows_the_others_but_not_itself(tmp_path: object) -> None:
    primary = RedisServer.__new__(RedisServer)
    primary.port = 7000
    replica = RedisServer.__new__(RedisServer)
    replica.port = 7001
    ids = {26379: "a" * 40, 26380: "b" * 40, 26381: "c" * 40}
    config = _sentinel_config(primary, [replica], ids, 26380)
    assert f"sentinel myid {'b' * 40}" in config
    assert f"sentinel monitor {MASTER_NAME} 127.0.0.1 7000 2" in config
    assert f"sentinel known-replica {MASTER_NAME} 127.0.0.1 7001" in config
    assert config.count("known-sentinel") == 2 and "26380" not in config.split("known-sentinel", 1)[1]


def test_every_process_of_a_sentinel_topology_dies_with_the_process_that_started_it(redis_target: object) -> None:
    binary = _binary(redis_target)
    child = textwrap.dedent(f"""
        import sys
        from redisbehaviors.testing.topology import SentinelSet
        topology = SentinelSet.start({binary!r})
        print(" ".join(str(s.port) for s in [*topology.servers, *topology.sentinels]), flush=True)
        sys.stdin.read()
    """)
    process = subprocess.Popen([sys.executable, "-c", child], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        ports = [int(p) for p in process.stdout.readline().split()]
        assert len(ports) == 6 and all(_answers(p) for p in ports)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    # Connections refused rather than ports bindable: closed replication links leave TIME_WAIT behind.
    wait_until(lambda: not any(_answers(p) for p in ports), 10, what="every process of the killed run gone")


def _answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


def test_the_replicated_cluster_has_one_replica_per_primary_and_covers_every_slot(replicated_cluster: Cluster) -> None:
    owners = primaries(replicated_cluster)
    assert len(owners) == 3
    assert {replica_of(replicated_cluster, p).port for p in owners} == {
        n.port for n in replicated_cluster.nodes if n not in owners
    }
    view = cluster_view(owners[0])
    assert node_id(owners[0]) in view
    ranges = [r for entry in view.values() for r in entry["slots"].split() if not r.startswith("[")]
    covered = sum(int(r.split("-")[-1]) - int(r.split("-")[0]) + 1 for r in ranges)
    assert covered == 16384
