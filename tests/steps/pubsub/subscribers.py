"""Raw Pub/Sub steps: subscribers on their own connections, a publisher, and introspection.

The shared vocabulary (``tests/steps/redis_commands.py``) is request/reply; a subscriber is not.
Here each subscriber named in a scenario owns one dedicated connection (Pub/Sub needs it) and
reads every frame in arrival order, with a bounded wait: replies to its own commands and pushed
messages are told apart by their first element (``message``, ``subscribe``…), so the same steps
work under RESP2 and RESP3.  The subscribers of a scenario are its typed world here: the
``subscribers`` fixture, one :class:`Subscriber` per name.

Channel names are moved into the scenario's namespace (``{<ns>}:chan1``, hash-tagged like keys) and the
prefix is stripped from what subscribers receive, so the feature text reads as plain Redis; names that start with
``__`` (keyspace notifications) are left alone.  The publisher's replies land in the shared
``raw`` helper, so ``Then the reply is 2`` works after ``When the publisher sends "PUBLISH …"``.
"""

from __future__ import annotations

import re
import shlex
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from pytest_bdd import given, parsers, step, then

from redisbehaviors.testing import wait_until
from tests.steps.redis_commands import RawCommands, assert_reply, expected, normalize, show, slot_owner_url

WAIT = 10.0  # seconds a subscriber waits for a frame before the step fails (generous: loaded CI)
PUSH_KINDS = {
    "message",
    "pmessage",
    "smessage",
    "subscribe",
    "psubscribe",
    "ssubscribe",
    "unsubscribe",
    "punsubscribe",
    "sunsubscribe",
}
NAMES = r'"[^"]*"(?:, "[^"]*")*'
# Subcommands that reply one (channel, count) pair per channel argument, in argument order.
COUNTS_PER_CHANNEL = ("NUMSUB", "SHARDNUMSUB")


def quoted(text: str) -> list[str]:
    return re.findall(r'"([^"]*)"', text)


class Subscriber:
    """One named client on its own connection, reading every frame in order."""

    def __init__(self, client: redis.Redis, ns: str) -> None:
        self.client = client
        self.ns = ns
        self.connection = client.connection_pool.get_connection()
        self.inbox: deque[Any] = deque()
        self.confirmations: list[Any] = []
        self.reply: Any = None
        self.error: redis.ResponseError | None = None
        self.pushes_before_reply = 0

    def channel(self, name: str) -> str:
        # Hash-tagged like the scenario's keys: on a cluster a shard channel then lives on the scenario's node.
        return name if name.startswith("__") else f"{{{self.ns}}}:{name}"

    def strip(self, value: Any) -> Any:
        if isinstance(value, str):
            return value.replace(f"{{{self.ns}}}:", "").replace(f"{self.ns}:", "")
        if isinstance(value, list | tuple):
            return [self.strip(v) for v in value]
        return value

    def frame(self, timeout: float = WAIT) -> Any:
        if not self.connection.can_read(timeout=timeout):
            raise AssertionError(f"nothing arrived within {timeout}s")
        try:
            return self.strip(self.connection.read_response(push_request=True))
        except redis.ResponseError as exc:
            return exc

    @staticmethod
    def is_push(frame: Any) -> bool:
        return isinstance(frame, list) and bool(frame) and frame[0] in PUSH_KINDS

    def subscribe(self, command: str, names: list[str]) -> None:
        self.connection.send_command(command, *[self.channel(n) for n in names])
        self.confirmations = [self.frame() for _ in range(max(len(names), 1))]

    def command(self, args: list[str]) -> None:
        self.connection.send_command(*args)
        self.pushes_before_reply = 0
        while True:
            frame = self.frame()
            if not self.is_push(frame):
                break
            self.inbox.append(frame)
            self.pushes_before_reply += 1
        self.error = frame if isinstance(frame, redis.ResponseError) else None
        self.reply = None if self.error else frame

    def receive(self, timeout: float = WAIT) -> Any:
        if self.inbox:
            return self.inbox.popleft()
        frame = self.frame(timeout)
        assert self.is_push(frame), f"expected a pushed message, got the reply {frame!r}"
        return frame

    def close(self) -> None:
        self.connection.disconnect()


class Subscribers(dict[str, Subscriber]):
    """The subscribers of one scenario by name; a name seen for the first time gets a new connection."""

    def __init__(self, factory: Callable[..., Any], ns: str) -> None:
        super().__init__()
        self.factory, self.ns = factory, ns

    def __missing__(self, name: str) -> Subscriber:
        subscriber = Subscriber(self.factory(), self.ns)
        self[name] = subscriber
        return subscriber


@pytest.fixture
def subscribers(client_factory: Callable[..., Any], ns: str, redis_target: Any) -> Iterator[Subscribers]:
    factory = client_factory
    if redis_target.mode == "cluster":  # every subscriber on the node the publisher uses (see the raw fixture)
        url = slot_owner_url(redis_target, ns)
        options = {"decode_responses": True, "protocol": redis_target.protocol}
        factory = lambda: redis.Redis.from_url(url, **options)  # noqa: E731
    made = Subscribers(factory, ns)
    yield made
    for subscriber in made.values():
        subscriber.close()


def pubsub_clients(client: redis.Redis | redis.RedisCluster) -> list[tuple[redis.Redis, dict[str, Any]]]:
    """``CLIENT LIST TYPE pubsub`` of every node (a cluster lists each node's own connections), with the
    node's client, to ``CLIENT KILL`` one of them where it is."""
    nodes = [n.redis_connection for n in client.get_nodes()] if isinstance(client, redis.RedisCluster) else [client]
    return [(node, entry) for node in nodes for entry in node.client_list(_type="pubsub")]


def channel_args(args: list[str], ns: str) -> list[str]:
    """Move the channel (or pattern) arguments of Pub/Sub commands into the namespace."""

    def moved(name: str) -> str:
        return name if name.startswith("__") else f"{{{ns}}}:{name}"

    name = args[0].upper()
    if name in ("PUBLISH", "SPUBLISH"):
        return [args[0], moved(args[1]), *args[2:]]
    if name == "PUBSUB" and len(args) > 1:
        sub = args[1].upper()
        if sub in ("CHANNELS", "SHARDCHANNELS"):
            return [*args[:2], moved(args[2] if len(args) > 2 else "*")]
        if sub in COUNTS_PER_CHANNEL:
            return [*args[:2], *[moved(a) for a in args[2:]]]
    return args


# ------------------------------------------------------------------------------------------------ publisher


@step(parsers.re(r'the publisher (?:sends|has sent) "(?P<command>[^"]+)"'))
def publisher_sends(raw: RawCommands, ns: str, command: str) -> None:
    args = channel_args(shlex.split(command), ns)
    try:
        raw.last, raw.error = raw.strip(raw.client("publisher").execute_command(*args)), None
    except redis.ResponseError as exc:
        raw.last, raw.error = None, exc
    if isinstance(raw.last, list):
        raw.last = [v.replace(f"{ns}:", "") if isinstance(v, str) else v for v in raw.last]


@step("the publisher has sent:")
def publisher_sends_many(raw: RawCommands, ns: str, docstring: str) -> None:
    for line in docstring.splitlines():
        if line.strip():
            publisher_sends(raw, ns, line.strip())
            assert raw.error is None, f"{line!r} failed: {raw.error}"


# ------------------------------------------------------------------------------------------------ subscribers


@step(parsers.re(rf'subscriber "(?P<who>[^"]+)" subscribes to (?P<names>{NAMES})'))
def subscribe(subscribers: Subscribers, who: str, names: str) -> None:
    subscribers[who].subscribe("SUBSCRIBE", quoted(names))


@step(parsers.re(rf'subscriber "(?P<who>[^"]+)" subscribes to the patterns? (?P<names>{NAMES})'))
def psubscribe(subscribers: Subscribers, who: str, names: str) -> None:
    subscribers[who].subscribe("PSUBSCRIBE", quoted(names))


@step(parsers.re(rf'subscriber "(?P<who>[^"]+)" shard-subscribes to (?P<names>{NAMES})'))
def ssubscribe(subscribers: Subscribers, who: str, names: str) -> None:
    subscribers[who].subscribe("SSUBSCRIBE", quoted(names))


@step(parsers.re(r'subscriber "(?P<who>[^"]+)" unsubscribes from every (?P<kind>channel|pattern)'))
def unsubscribe_all(subscribers: Subscribers, who: str, kind: str) -> None:
    subscribers[who].subscribe("UNSUBSCRIBE" if kind == "channel" else "PUNSUBSCRIBE", [])


@step(parsers.re(r'subscriber "(?P<who>[^"]+)" (?:sends|has sent) "(?P<command>[^"]+)"'))
def subscriber_sends(subscribers: Subscribers, raw: RawCommands, ns: str, who: str, command: str) -> None:
    args = shlex.split(command)
    if args[0].upper() not in ("PUBLISH", "SPUBLISH", "PUBSUB"):
        args = raw.namespaced(args)  # key names, as the shared steps do
    subscribers[who].command(channel_args(args, ns))


@then(parsers.re(r'subscriber "(?P<who>[^"]+)" got the confirmations (?P<value>\[.+\])'))
def confirmations(subscribers: Subscribers, who: str, value: str) -> None:
    assert_reply(subscribers[who].confirmations, value)


@then(parsers.re(r'subscriber "(?P<who>[^"]+)" got the reply (?P<value>.+?)(?P<first> before any message)?'))
def subscriber_reply(subscribers: Subscribers, who: str, value: str, first: str | None) -> None:
    subscriber = subscribers[who]
    assert subscriber.error is None, f"expected {value}, Redis replied the error {subscriber.error}"
    assert_reply(subscriber.reply, value)
    if first:
        assert subscriber.pushes_before_reply == 0, f"{subscriber.pushes_before_reply} message(s) came first"


@then(parsers.re(r'subscriber "(?P<who>[^"]+)" got an error saying "(?P<text>.+)"'))
def subscriber_error(subscribers: Subscribers, who: str, text: str) -> None:
    error = subscribers[who].error
    assert error is not None, f"expected an error, got the reply {subscribers[who].reply!r}"
    assert text in str(error), f"expected an error saying {text!r}, got {error}"


@then(parsers.re(r'subscriber "(?P<who>[^"]+)" receives (?P<value>\[.+\])'))
def receives(subscribers: Subscribers, who: str, value: str) -> None:
    assert_reply(subscribers[who].receive(), value)


@then(parsers.re(r'subscriber "(?P<who>[^"]+)" receives, in order:'))
def receives_in_order(subscribers: Subscribers, who: str, docstring: str) -> None:
    for line in docstring.splitlines():
        if line.strip():
            assert_reply(subscribers[who].receive(), line.strip())


# ---------------------------------------------------------------------------------------------- introspection


def _pairs(flat: list[Any]) -> list[list[Any]]:
    assert len(flat) % 2 == 0, f"expected (channel, count) pairs, got {show(flat)}"
    return [list(pair) for pair in zip(flat[::2], flat[1::2], strict=True)]


@then(parsers.re(r'"(?P<command>PUBSUB [^"]+)" lists (?P<value>\[.*\])'))
def pubsub_lists(raw: RawCommands, ns: str, command: str, value: str) -> None:
    """Channel lists come in no defined order; NUMSUB-like counts come as pairs in argument order.

    PUBSUB CHANNELS walks a dict, so its order means nothing.  PUBSUB NUMSUB and SHARDNUMSUB
    answer one (channel, count) pair per argument, in the order of the arguments, as one flat
    array under both protocols: https://redis.io/docs/latest/commands/pubsub-numsub/
    """
    publisher_sends(raw, ns, command)
    assert raw.error is None, f"Redis replied the error {raw.error}"
    if shlex.split(command)[1].upper() not in COUNTS_PER_CHANNEL:
        assert_reply(raw.last, value, any_order=True)
        return
    got, want = _pairs(normalize(raw.last)), _pairs(expected(value))
    assert got == want, f"expected the (channel, count) pairs {show(want)}, Redis replied {show(got)}"


@then(
    parsers.re(
        r"within (?P<seconds>\d+) seconds the server lists (?P<count>\d+) Pub/Sub connections? "
        r"of this scenario"
    )
)
def pubsub_connections(subscribers: Subscribers, r: redis.Redis, ns: str, seconds: str, count: str) -> None:
    def mine() -> list[dict[str, Any]]:
        return [c for _, c in pubsub_clients(r) if c.get("name", "").startswith(ns)]

    wait_until(lambda: len(mine()) == int(count), float(seconds), what=f"{count} Pub/Sub connections")
    assert all(int(c["sub"]) + int(c["psub"]) >= 1 for c in mine()), mine()


@given(parsers.re(r'subscriber "(?P<who>[^"]+)" is named for this scenario'))
def name_subscriber(subscribers: Subscribers, ns: str, who: str) -> None:
    subscribers[who].command(["CLIENT", "SETNAME", f"{ns}-{who}"])


@given(parsers.re(r'the server setting "(?P<name>[^"]+)" is "(?P<value>[^"]*)"'))
def server_setting(server_config: Callable[[str, str], None], name: str, value: str) -> None:
    server_config(name, value)
