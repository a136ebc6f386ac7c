"""The world of the operations topic: named nodes of a real topology, and steps that address them.

Every feature of ``features/operations/`` talks to several servers, so its steps name the node::

    When the primary is sent "SET greeting hello"
    And replica 1 is sent "GET greeting"
    Then the reply is "hello"

A role (``the primary``, ``replica 1``, ``the owner``, ``the other primary``, ``the server`` …) is bound
to a :class:`RedisServer` by the feature's ``Given`` steps.  Commands go through the shared vocabulary's
namespacing (``RawCommands.namespaced``), and replies land in ``raw.last`` / ``raw.error``, so the shared
``the reply is …`` checks work after every step here.  Each role keeps one connection (``ASKING`` and
``READONLY`` are per connection), opened without retries so that a dead node fails at once.
"""

from __future__ import annotations

import secrets
import shlex
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import redis
from pytest_bdd import parsers, step, then
from redis.backoff import NoBackoff
from redis.retry import Retry

from redisbehaviors.testing import RedisServer, wait_until
from redisbehaviors.testing.topology import link_is_up, promote, wait_in_sync
from tests.steps.redis_commands import LITERAL, RawCommands, assert_reply, expected, normalize

DEADLINE = 15.0  # bound for anything that must happen "soon" on a loaded two-core machine
ROLE = r"(?P<role>the [a-z' ]+?|replica \d)"
COMMAND = r'"(?P<command>[^"]+)"'


@dataclass
class Nodes:
    """Roles of one scenario's topology, their connections, and what the scenario recorded."""

    raw: RawCommands
    protocol: int
    servers: dict[str, RedisServer] = field(default_factory=dict)
    primary_role: str = "the primary"
    replica_roles: list[str] = field(default_factory=list)
    connections: dict[str, redis.Redis] = field(default_factory=dict)
    subscribers: dict[str, Any] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)
    subscriber_clients: list[redis.Redis] = field(default_factory=list)

    def bind(self, role: str, server: RedisServer) -> None:
        """Give ``role`` to ``server`` (a later connection of that role goes to the new server)."""
        previous = self.servers.get(role)
        self.servers[role] = server
        if previous is not None and previous is not server:
            self.forget(role)

    def forget(self, role: str) -> None:
        """Drop the role's connection (its server restarted, say); the next command opens a new one."""
        old = self.connections.pop(role, None)
        if old is not None:
            old.close()

    def server(self, role: str) -> RedisServer:
        assert role in self.servers, f"no node plays {role!r} in this scenario (known: {sorted(self.servers)})"
        return self.servers[role]

    def connection(self, role: str) -> redis.Redis:
        if role not in self.connections:
            client = self.server(role).client(
                protocol=self.protocol,
                single_connection_client=True,
                retry=Retry(NoBackoff(), 0),
                socket_timeout=5,
            )
            client.response_callbacks.clear()  # raw replies, as the shared vocabulary shows them
            self.connections[role] = client
        return self.connections[role]

    def send(self, role: str, command: str, *, namespaced: bool = True) -> Any:
        args = shlex.split(command)
        return self.send_args(role, self.raw.namespaced(args) if namespaced else args)

    def send_args(self, role: str, args: list[Any]) -> Any:
        try:
            self.raw.last, self.raw.error = self.raw.strip(self.connection(role).execute_command(*args)), None
        except (redis.ResponseError, redis.ConnectionError) as exc:
            self.raw.last, self.raw.error = None, exc
            if isinstance(exc, redis.ConnectionError):
                self.connections.pop(role).close()
        return self.raw.last

    def must(self, role: str, command: str) -> Any:
        reply = self.send(role, command)
        assert self.raw.error is None, f"{command!r} on {role} failed: {self.raw.error}"
        return reply

    def key(self, name: str) -> str:
        return self.raw.prefix + name

    def close(self) -> None:
        for subscriber in self.subscribers.values():
            subscriber.close()
        for client in self.subscriber_clients:
            client.close()
        for client in self.connections.values():
            client.close()


@pytest.fixture
def nodes(raw: RawCommands, redis_target: Any) -> Iterator[Nodes]:
    world = Nodes(raw, redis_target.protocol)
    yield world
    world.close()


def error_code(error: BaseException | None) -> str:
    """The error's code (``OOM``, ``MOVED`` …): redis-py strips it from the message of errors it classifies."""
    assert error is not None, "expected an error, Redis replied without one"
    code = getattr(error, "status_code", None)
    return str(code) if code else str(error).split(" ", 1)[0]


# ------------------------------------------------------------------------------------------------ sending


@step(parsers.re(rf"{ROLE} (?:is|was|has been) sent {COMMAND}"))
def send_to(nodes: Nodes, role: str, command: str) -> None:
    nodes.send(role, command)


@step(parsers.re(rf"{ROLE} is sent {COMMAND} with the keys as written"))
def send_verbatim(nodes: Nodes, role: str, command: str) -> None:
    """Without the scenario's hash tag, so that keys fall in the slots their names give them."""
    nodes.send(role, command, namespaced=False)


@step(parsers.re(rf"{ROLE} (?:is|has been) sent {COMMAND} (?P<times>\d+) times"))
def send_repeatedly(nodes: Nodes, role: str, command: str, times: str) -> None:
    for _ in range(int(times)):
        nodes.must(role, command)


@step("the replicas have caught up")
def replicas_caught_up(nodes: Nodes) -> None:
    replicas = [nodes.server(r) for r in nodes.replica_roles if nodes.server(r).is_running()]
    wait_in_sync(nodes.server(nodes.primary_role), replicas, DEADLINE)


@step(parsers.re(rf"{ROLE} is killed"))
def kill(nodes: Nodes, role: str) -> None:
    nodes.server(role).kill()


# ------------------------------------------------------------------------------------------------ checking


@then(parsers.re(rf"{COMMAND} on {ROLE} replies {LITERAL}"))
def replies_on(nodes: Nodes, command: str, role: str, value: str) -> None:
    nodes.must(role, command)
    assert_reply(nodes.raw.last, value)


@then(parsers.re(rf"{COMMAND} on {ROLE} replies a number from (?P<low>-?\d+) to (?P<high>-?\d+)"))
def replies_number_on(nodes: Nodes, command: str, role: str, low: str, high: str) -> None:
    reply = nodes.must(role, command)
    assert int(low) <= int(reply) <= int(high), f"expected {low}..{high}, {role} replied {reply!r}"


@step(parsers.re(rf"within (?P<seconds>[\d.]+) seconds {COMMAND} on {ROLE} replies {LITERAL}"))
def eventually_replies_on(nodes: Nodes, seconds: str, command: str, role: str, value: str) -> None:
    def matches() -> bool:
        nodes.send(role, command)
        return nodes.raw.error is None and normalize(nodes.raw.last) == expected(value)

    try:
        wait_until(matches, float(seconds), what=f"{command} on {role}")
    except TimeoutError:
        assert_reply(nodes.raw.last, value)  # fails with what the node replied last
        raise


@then("the connection fails")
def connection_fails(nodes: Nodes) -> None:
    assert isinstance(nodes.raw.error, redis.ConnectionError), f"expected a connection error, got {nodes.raw.error!r}"


# ------------------------------------------------------------------------------------------------ topologies


def bind_replica_set(nodes: Nodes, primary: RedisServer, replicas: list[RedisServer]) -> None:
    nodes.bind("the primary", primary)
    nodes.primary_role = "the primary"
    nodes.replica_roles = []
    for number, replica in enumerate(replicas, start=1):
        nodes.bind(f"replica {number}", replica)
        nodes.replica_roles.append(f"replica {number}")


@step(parsers.re(r"(?P<which>both replicas|replica \d) (?:is|are) cut off from the primary"))
def cut_off(nodes: Nodes, which: str) -> None:
    """Break replication deterministically, as a partition would.

    The primary starts requiring a password and drops its replicas' links; a replica that is not cut
    is given the password and reconnects (partial resync), a cut one cannot.  Connections already open
    to the primary stay authenticated, so the scenario keeps talking to it.
    """
    cut = set(nodes.replica_roles) if which == "both replicas" else {which}
    keep = [r for r in nodes.replica_roles if r not in cut]
    password = secrets.token_hex(8)
    nodes.connection(nodes.primary_role).execute_command("PING")  # opened before the password exists
    for role in keep:
        with nodes.server(role).client() as replica:
            replica.config_set("masterauth", password)
    with nodes.server(nodes.primary_role).client() as primary:
        primary.config_set("requirepass", password)
        primary.execute_command("CLIENT", "KILL", "TYPE", "replica")

    def links() -> bool:
        return all(link_is_up(nodes.server(r)) == (r in keep) for r in nodes.replica_roles)

    wait_until(links, DEADLINE, what=f"{sorted(cut)} cut off, {keep} reconnected")


@step(parsers.re(rf"{ROLE} is promoted to primary"))
def promote_by_hand(nodes: Nodes, role: str) -> None:
    promote(nodes.server(role))


# ------------------------------------------------------------------------------------------------ pub/sub


def _subscribe(nodes: Nodes, role: str, channels: list[str]) -> None:
    client = nodes.server(role).client(protocol=nodes.protocol)
    subscriber = client.pubsub()
    subscriber.subscribe(*channels)
    for _ in channels:  # the confirmations, so that a later message cannot race the subscription
        confirmation = subscriber.get_message(timeout=DEADLINE)
        assert confirmation and confirmation["type"] == "subscribe", f"no subscription confirmed: {confirmation}"
    nodes.subscribers[role] = subscriber
    nodes.subscriber_clients.append(client)  # the PubSub's connection belongs to this client's pool


def keyspace_channel(nodes: Nodes, name: str) -> str:
    return f"__keyspace@0__:{nodes.key(name)}"


@step(parsers.re(rf'a subscriber on {ROLE} to the channel "(?P<channel>[^"]+)"'))
def subscriber_to_channel(nodes: Nodes, role: str, channel: str) -> None:
    _subscribe(nodes, role, [channel])


KEYSPACE_AND_MARKER = r'the keyspace events of "(?P<name>[^"]+)" and the channel "(?P<channel>[^"]+)"'


@step(parsers.re(rf"a subscriber on {ROLE} to {KEYSPACE_AND_MARKER}"))
def subscriber_to_keyspace(nodes: Nodes, role: str, name: str, channel: str) -> None:
    _subscribe(nodes, role, [keyspace_channel(nodes, name), channel])


def _next_message(nodes: Nodes, role: str) -> tuple[str, str]:
    subscriber = nodes.subscribers[role]
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        message = subscriber.get_message(timeout=0.2)
        if message and message["type"] == "message":
            return str(message["channel"]), str(message["data"])
    raise AssertionError(f"the subscriber on {role} received no message within {DEADLINE}s")


@then(parsers.re(rf'the subscriber on {ROLE} receives "(?P<data>[^"]+)" on "(?P<channel>[^"]+)"(?: first)?'))
def receives(nodes: Nodes, role: str, data: str, channel: str) -> None:
    """The *next* message: a message that should not have come would arrive before this one."""
    assert _next_message(nodes, role) == (channel, data)


@then(parsers.re(rf'the subscriber on {ROLE} receives "(?P<data>[^"]+)" on the keyspace channel of "(?P<name>[^"]+)"'))
def receives_keyspace(nodes: Nodes, role: str, data: str, name: str) -> None:
    assert _next_message(nodes, role) == (keyspace_channel(nodes, name), data)
