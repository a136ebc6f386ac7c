"""Multi-node topologies for the operations specification (Sentinel, a cluster with replicas).

Registered as its own pytest plugin (entry point ``pytest11`` ``redisbehaviors-topologies``), beside
:mod:`redisbehaviors.testing.plugin`.  Every process is a :class:`~redisbehaviors.testing.server.RedisServer`
forked from the harness's one spawner thread, so it dies with the run (``PR_SET_PDEATHSIG``).

* :class:`SentinelSet`: a primary, two replicas and three ``redis-server --sentinel`` processes with a
  down-after of a few hundred milliseconds, so a real automatic failover takes seconds, not minutes.
  The sentinels are written into each other's configuration (``sentinel myid`` / ``known-sentinel``)
  instead of discovering each other through ``__sentinel__:hello``, which takes a few seconds more.
* :func:`start_replicated_cluster`: three primaries with one replica each and a short node timeout, for
  ``CLUSTER FAILOVER`` and live slot migration.

Fixtures (session-scoped ones are shared; ``fresh_*`` ones are for scenarios that break the topology):
``ops_binary``, ``replica_pair`` (a primary and two replicas), ``fresh_replica_pair``, ``sentinel_set``,
``fresh_sentinel_set``, ``replicated_cluster``.
"""

from __future__ import annotations

import contextlib
import secrets
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from redis.sentinel import Sentinel

from redisbehaviors.testing.polling import wait_until
from redisbehaviors.testing.server import (
    _SPAWNER,
    LOOPBACK,
    Cluster,
    RedisServer,
    ReplicaSet,
    _die_with_parent,
    binary_version,
    free_port,
    stop_all,
)

MASTER_NAME = "ops-primary"
DOWN_AFTER_MS = 400
FAILOVER_TIMEOUT_MS = 3000
CLUSTER_NODE_TIMEOUT_MS = 700
TOPOLOGY_TIMEOUT = 30.0

# Replicas ping their primary every second by default; one second keeps WAIT and lag visible quickly.
FAST_REPLICATION = {"repl-diskless-sync-delay": "0", "repl-ping-replica-period": "1"}


# ---------------------------------------------------------------------------------------------- replicas


def link_is_up(replica: RedisServer) -> bool:
    with replica.client(socket_timeout=1) as client:
        return client.info("replication").get("master_link_status") == "up"


def wait_in_sync(primary: RedisServer, replicas: list[RedisServer], timeout: float = TOPOLOGY_TIMEOUT) -> None:
    """Wait until every replica has applied everything the primary has written so far."""
    with primary.client() as client:
        offset = int(client.info("replication")["master_repl_offset"])

    def caught_up() -> bool:
        for replica in replicas:
            with replica.client(socket_timeout=1) as c:
                info = c.info("replication")
            if info.get("master_link_status") != "up" or int(info.get("slave_repl_offset", -1)) < offset:
                return False
        return True

    wait_until(caught_up, timeout, what="replicas caught up with the primary")


def promote(replica: RedisServer) -> None:
    """Turn a replica into a primary by hand (what Sentinel does on failover)."""
    with replica.client() as client:
        client.execute_command("REPLICAOF", "NO", "ONE")


# ---------------------------------------------------------------------------------------------- sentinel


def start_sentinel(binary: str, config: str, port: int, startup_timeout: float = 10.0) -> RedisServer:
    """One ``redis-server <config> --sentinel`` process.

    :meth:`RedisServer.start` passes options on the command line only, but Sentinel insists on a
    writable configuration file (it rewrites it on every state change), so the file is written here and
    the process is forked from the same spawner thread.
    """
    directory = Path(tempfile.mkdtemp(prefix=f"redisbehaviors-sentinel-{port}-"))
    conf = directory / "sentinel.conf"
    conf.write_text(f"port {port}\nbind {LOOPBACK}\ndir {directory}\nlogfile {directory / 'redis.log'}\n{config}")
    process = _SPAWNER.submit(
        subprocess.Popen,
        [binary, str(conf), "--sentinel"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=_die_with_parent,
        start_new_session=True,
    ).result()
    server = RedisServer(binary, port, directory, binary_version(binary), process, {"sentinel": "yes"}, True)
    try:
        server.wait_ready(startup_timeout)
    except Exception:
        server.stop()
        raise
    return server


def _sentinel_config(primary: RedisServer, replicas: list[RedisServer], ids: dict[int, str], me: int) -> str:
    lines = [
        f"sentinel myid {ids[me]}",
        f"sentinel monitor {MASTER_NAME} {LOOPBACK} {primary.port} 2",
        f"sentinel down-after-milliseconds {MASTER_NAME} {DOWN_AFTER_MS}",
        f"sentinel failover-timeout {MASTER_NAME} {FAILOVER_TIMEOUT_MS}",
        f"sentinel parallel-syncs {MASTER_NAME} 2",
    ]
    lines += [f"sentinel known-replica {MASTER_NAME} {LOOPBACK} {r.port}" for r in replicas]
    lines += [f"sentinel known-sentinel {MASTER_NAME} {LOOPBACK} {p} {i}" for p, i in ids.items() if p != me]
    return "\n".join(lines) + "\n"


@dataclass
class SentinelSet:
    """A primary, its replicas and the sentinels watching them; roles change as failovers happen."""

    servers: list[RedisServer]  # the data nodes, whatever their current role
    sentinels: list[RedisServer]
    master_name: str = MASTER_NAME

    @classmethod
    def start(cls, binary: str, replicas: int = 2, sentinels: int = 3) -> SentinelSet:
        data = ReplicaSet.start(binary, replicas=replicas, options=FAST_REPLICATION)
        started: list[RedisServer] = []
        try:
            ids = {free_port(): secrets.token_hex(20) for _ in range(sentinels)}
            for port in ids:
                started.append(start_sentinel(binary, _sentinel_config(data.primary, data.replicas, ids, port), port))
            topology = cls([data.primary, *data.replicas], started)
            topology.wait_settled(data.primary, TOPOLOGY_TIMEOUT)
            return topology
        except Exception:
            stop_all([*started, data])
            raise

    def sentinel_client(self, **kwargs: object) -> Sentinel:
        """redis-py's :class:`Sentinel`, asking every sentinel of the set."""
        kwargs.setdefault("decode_responses", True)
        kwargs.setdefault("socket_timeout", 1.0)
        return Sentinel([(LOOPBACK, s.port) for s in self.sentinels], **kwargs)  # type: ignore[arg-type]

    def primary_client(self, **kwargs: object) -> redis.Redis:
        """A client of whichever server the sentinels name primary now (it follows a failover)."""
        kwargs.setdefault("decode_responses", True)
        kwargs.setdefault("socket_timeout", 1.0)
        return self.sentinel_client().master_for(self.master_name, **kwargs)  # type: ignore[arg-type]

    def kill_primary(self) -> RedisServer:
        """SIGKILL the primary and wait for the automatic failover; returns the new primary."""
        old = self.primary
        old.kill()
        return self.wait_failover(old)

    def reported_primary_port(self, sentinel: RedisServer | None = None) -> int | None:
        """The primary's port as one sentinel reports it (``SENTINEL GET-MASTER-ADDR-BY-NAME``)."""
        with (sentinel or self.sentinels[0]).client(socket_timeout=1) as client:
            address = client.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", self.master_name)
        return int(address[1]) if address else None

    def server_on(self, port: int) -> RedisServer:
        return next(s for s in self.servers if s.port == port)

    @property
    def primary(self) -> RedisServer:
        port = self.reported_primary_port()
        assert port is not None, "sentinel reports no primary"
        return self.server_on(port)

    @property
    def replicas(self) -> list[RedisServer]:
        primary = self.primary
        return [s for s in self.servers if s is not primary and s.is_running()]

    def wait_settled(self, primary: RedisServer, timeout: float) -> None:
        """Every sentinel names ``primary`` and sees every running replica of it attached and up."""
        expected = {s.port for s in self.servers if s is not primary and s.is_running()}

        def settled() -> bool:
            for sentinel in self.sentinels:
                if self.reported_primary_port(sentinel) != primary.port:
                    return False
                with sentinel.client(socket_timeout=1) as client:
                    seen = client.execute_command("SENTINEL", "REPLICAS", self.master_name)
                up = {int(_field(r, "port")) for r in seen if "s_down" not in _field(r, "flags")}
                if not expected <= up:
                    return False
            return all(link_is_up(s) for s in self.servers if s.port in expected)

        wait_until(settled, timeout, interval=0.05, what=f"sentinels agreeing on primary {primary.port}")

    def wait_failover(self, old: RedisServer, timeout: float = TOPOLOGY_TIMEOUT) -> RedisServer:
        """Wait until every sentinel names a primary other than ``old``, and return it."""

        def moved() -> bool:
            ports = {self.reported_primary_port(s) for s in self.sentinels}
            return len(ports) == 1 and old.port not in ports

        wait_until(moved, timeout, interval=0.05, what=f"sentinels failing over away from {old.port}")
        new = self.primary
        wait_until(lambda: _role(new) == "master", timeout, what="the promoted replica to act as primary")
        return new

    def stop(self) -> None:
        stop_all([*self.sentinels, *self.servers])


def _field(entry: object, name: str) -> str:
    """One field of a ``SENTINEL REPLICAS`` entry: a flat list under RESP2, a map under RESP3."""
    if isinstance(entry, dict):
        return str(entry[name])
    items = list(entry)  # type: ignore[call-overload]
    return str(dict(zip(items[::2], items[1::2], strict=True))[name])


def _role(server: RedisServer) -> str:
    with server.client(socket_timeout=1) as client:
        return str(client.execute_command("ROLE")[0])


# ---------------------------------------------------------------------------------------------- cluster


def start_replicated_cluster(binary: str, masters: int = 3) -> Cluster:
    """A cluster of ``masters`` primaries with one replica each, every replica in sync."""
    cluster = Cluster.start(
        binary,
        masters=masters,
        replicas_per_master=1,
        options={**FAST_REPLICATION, "cluster-node-timeout": str(CLUSTER_NODE_TIMEOUT_MS)},
        timeout=TOPOLOGY_TIMEOUT,
    )
    try:
        wait_until(lambda: all(link_is_up(n) for n in cluster.nodes[masters:]), TOPOLOGY_TIMEOUT, what="links up")
        wait_cluster_agrees(cluster)
    except Exception:
        cluster.stop()
        raise
    return cluster


def cluster_view(node: RedisServer) -> dict[str, dict[str, str]]:
    """``CLUSTER NODES`` as seen by ``node``: node id -> port, flags, primary id, slots."""
    with node.client(socket_timeout=1) as client:
        text = client.execute_command("CLUSTER", "NODES")
    view: dict[str, dict[str, str]] = {}
    for line in text.splitlines():
        parts = line.split()
        address = parts[1].split("@")[0]
        view[parts[0]] = {
            "port": address.rsplit(":", 1)[1],
            "flags": parts[2].replace("myself,", ""),
            "primary": parts[3],
            "slots": " ".join(parts[8:]),
        }
    return view


def node_id(node: RedisServer) -> str:
    with node.client() as client:
        return str(client.execute_command("CLUSTER", "MYID"))


def slot_owner(cluster: Cluster, slot: int) -> RedisServer:
    """The primary that owns ``slot`` now (asked of a node that agrees with its peers)."""
    with cluster.nodes[0].client() as client:
        for low, high, primary, *_ in client.execute_command("CLUSTER", "SLOTS"):
            if int(low) <= slot <= int(high):
                return node_on(cluster, int(primary[1]))
    raise LookupError(f"no node owns slot {slot}")


def node_on(cluster: Cluster, port: int) -> RedisServer:
    return next(n for n in cluster.nodes if n.port == port)


def primaries(cluster: Cluster) -> list[RedisServer]:
    return [n for n in cluster.nodes if _role(n) == "master"]


def replica_of(cluster: Cluster, primary: RedisServer) -> RedisServer:
    wanted = node_id(primary)
    for node in cluster.nodes:
        if node is not primary and cluster_view(node)[node_id(node)]["primary"] == wanted:
            return node
    raise LookupError(f"no replica of {primary.port}")


def wait_cluster_agrees(cluster: Cluster, timeout: float = TOPOLOGY_TIMEOUT) -> None:
    """Every node is ``cluster_state:ok`` and all report the same owner for every slot range."""

    def agree() -> bool:
        maps = []
        for node in cluster.nodes:
            with node.client(socket_timeout=1) as client:
                if client.cluster("info")["cluster_state"] != "ok":
                    return False
                slots = client.execute_command("CLUSTER", "SLOTS")
            maps.append(sorted((int(s[0]), int(s[1]), int(s[2][1])) for s in slots))
        return all(m == maps[0] for m in maps)

    wait_until(agree, timeout, interval=0.05, what="every cluster node agreeing on the slot map")


def manual_failover(cluster: Cluster, replica: RedisServer, timeout: float = TOPOLOGY_TIMEOUT) -> None:
    """``CLUSTER FAILOVER`` on ``replica`` and wait until the whole cluster routes to it."""
    with replica.client() as client:
        client.execute_command("CLUSTER", "FAILOVER")
    wait_until(lambda: _role(replica) == "master", timeout, what="the replica to be promoted")
    wait_cluster_agrees(cluster, timeout)


def failover_of_slot(cluster: Cluster, slot: int) -> Callable[[], None]:
    """The fault "``CLUSTER FAILOVER`` of the shard serving ``slot``", its replica chosen now."""
    replica = replica_of(cluster, slot_owner(cluster, slot))
    return lambda: manual_failover(cluster, replica)


def reset_migrations(cluster: Cluster) -> None:
    """Clear any MIGRATING / IMPORTING state a scenario left (``CLUSTER SETSLOT <slot> STABLE``)."""
    for node in primaries(cluster):
        for entry in cluster_view(node).values():
            for token in entry["slots"].split():
                if token.startswith("["):
                    slot = token.strip("[]").split("-")[0]
                    with node.client() as client:
                        client.execute_command("CLUSTER", "SETSLOT", slot, "STABLE")


# ---------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def ops_binary(request: pytest.FixtureRequest) -> str:
    """The ``redis-server`` the run uses (system, ``--redis-server-bin`` or embedded); skips without one."""
    target = request.getfixturevalue("redis_target")
    if target.binary is None:
        pytest.skip("needs a redis-server binary to start a multi-node topology")
    return str(target.binary)


@pytest.fixture(scope="session")
def replica_pair(ops_binary: str) -> Iterator[ReplicaSet]:
    """A primary with two replicas, shared by the scenarios that leave it healthy (flushed between them)."""
    pair = ReplicaSet.start(ops_binary, replicas=2, options=FAST_REPLICATION)
    yield pair
    pair.stop()


@pytest.fixture
def healthy_replica_pair(replica_pair: ReplicaSet) -> Iterator[ReplicaSet]:
    """The shared pair, empty and in sync before the scenario, and emptied again after it."""
    _reset_pair(replica_pair)
    yield replica_pair
    _reset_pair(replica_pair)


def _reset_pair(pair: ReplicaSet) -> None:
    with pair.primary.client() as client:
        client.flushall()
        client.script_flush()
        if pair.primary.version >= (7, 0, 0):
            client.function_flush()
        with contextlib.suppress(redis.ResponseError):  # DEBUG is refused where it is not enabled
            client.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")
        client.config_set("notify-keyspace-events", "")
    for replica in pair.replicas:
        with replica.client() as client:
            client.config_set("notify-keyspace-events", "")
            client.script_flush()
    wait_in_sync(pair.primary, pair.replicas)


@pytest.fixture
def fresh_replica_pair(ops_binary: str) -> Iterator[ReplicaSet]:
    """A primary with two replicas of the scenario's own, for scenarios that kill or stall a node."""
    pair = ReplicaSet.start(ops_binary, replicas=2, options=FAST_REPLICATION)
    yield pair
    for server in pair.replicas:
        _resume(server)
    pair.stop()


def _resume(server: RedisServer) -> None:
    """Undo a SIGSTOP, so that the process can be stopped normally."""
    if server.is_running():
        server.process.send_signal(signal.SIGCONT)


@pytest.fixture(scope="session")
def sentinel_set(ops_binary: str) -> Iterator[SentinelSet]:
    """A Sentinel-watched primary with two replicas, shared by scenarios that do not fail it over."""
    topology = SentinelSet.start(ops_binary)
    yield topology
    topology.stop()


@pytest.fixture
def fresh_sentinel_set(ops_binary: str) -> Iterator[SentinelSet]:
    """A Sentinel topology of the scenario's own, for failovers."""
    topology = SentinelSet.start(ops_binary)
    yield topology
    for server in topology.servers:
        _resume(server)
    topology.stop()


@pytest.fixture(scope="session")
def replicated_cluster(ops_binary: str) -> Iterator[Cluster]:
    """Three primaries with a replica each, shared; scenarios compute roles and slot owners as they go."""
    cluster = start_replicated_cluster(ops_binary)
    yield cluster
    cluster.stop()


@pytest.fixture
def stable_cluster(replicated_cluster: Cluster) -> Iterator[Cluster]:
    """The shared replicated cluster, agreeing on its slot map, every replica linked (a former primary
    resyncs after a failover), with no migration left over; flushed after."""
    wait_cluster_agrees(replicated_cluster)
    replicas = [n for n in replicated_cluster.nodes if _role(n) != "master"]
    wait_until(lambda: all(link_is_up(n) for n in replicas), TOPOLOGY_TIMEOUT, what="cluster replicas linked")
    before = {n.port for n in primaries(replicated_cluster)}
    yield replicated_cluster
    if {n.port for n in primaries(replicated_cluster)} != before:
        # A primary does not vote for a replica of the same shard again within twice the node timeout
        # (cluster spec, "Masters reply to replica vote request"): the next CLUSTER FAILOVER would fail.
        cooled = time.monotonic() + 2 * CLUSTER_NODE_TIMEOUT_MS / 1000 + 0.3
        wait_until(lambda: time.monotonic() >= cooled, TOPOLOGY_TIMEOUT, what="the vote cool-down")
    reset_migrations(replicated_cluster)
    for node in replicated_cluster.nodes:
        with node.client() as client:
            if _role(node) == "master":
                client.flushall()
            client.config_set("notify-keyspace-events", "")
    wait_cluster_agrees(replicated_cluster)
