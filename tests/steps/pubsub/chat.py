"""Pub/Sub steps: subscribers on their own connections, a publisher, and the chat component.

The shared vocabulary (``tests/steps/redis_commands.py``) is request/reply; a subscriber is not.
Here each subscriber named in a scenario owns one dedicated connection (Pub/Sub needs it) and
reads every frame in arrival order, with a bounded wait: replies to its own commands and pushed
messages are told apart by their first element (``message``, ``subscribe``…), so the same steps
work under RESP2 and RESP3.

Channel names are moved into the scenario's namespace (``<ns>:chan1``) and the prefix is stripped
from what subscribers receive, so the feature text reads as plain Redis; names that start with
``__`` (keyspace notifications) are left alone.  The publisher's replies land in the shared
``raw`` helper, so ``Then the reply is 2`` works after ``When the publisher sends "PUBLISH …"``.
"""

from __future__ import annotations

import json
import re
import shlex
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import pytest
import redis
from pytest_bdd import given, parsers, step, then, when

from redisbehaviors.chat import (
    Chat,
    ChatMessage,
    Disconnected,
    Gap,
    PresenceChanged,
    Reconnected,
    RoomFeed,
    TypingChanged,
    UnreadablePayload,
)
from redisbehaviors.errors import InvalidInput
from redisbehaviors.testing import wait_until
from tests.steps.redis_commands import RawCommands, assert_reply, expected

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
        return name if name.startswith("__") else f"{self.ns}:{name}"

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
    def __init__(self, factory: Callable[..., Any], ns: str) -> None:
        super().__init__()
        self.factory, self.ns = factory, ns

    def __missing__(self, name: str) -> Subscriber:
        subscriber = Subscriber(self.factory(), self.ns)
        self[name] = subscriber
        return subscriber


@pytest.fixture
def subscribers(client_factory: Callable[..., Any], ns: str) -> Any:
    made = Subscribers(client_factory, ns)
    yield made
    for subscriber in made.values():
        subscriber.close()


def channel_args(args: list[str], ns: str) -> list[str]:
    """Move the channel (or pattern) arguments of Pub/Sub commands into the namespace."""

    def moved(name: str) -> str:
        return name if name.startswith("__") else f"{ns}:{name}"

    name = args[0].upper()
    if name in ("PUBLISH", "SPUBLISH"):
        return [args[0], moved(args[1]), *args[2:]]
    if name == "PUBSUB" and len(args) > 1:
        sub = args[1].upper()
        if sub in ("CHANNELS", "SHARDCHANNELS"):
            return [*args[:2], moved(args[2] if len(args) > 2 else "*")]
        if sub in ("NUMSUB", "SHARDNUMSUB"):
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


@then(parsers.re(r'"(?P<command>PUBSUB [^"]+)" lists (?P<value>\[.*\])'))
def pubsub_lists(raw: RawCommands, ns: str, command: str, value: str) -> None:
    publisher_sends(raw, ns, command)
    assert raw.error is None, f"Redis replied the error {raw.error}"
    assert_reply(raw.last, value, any_order=True)


@then(
    parsers.re(
        r"within (?P<seconds>\d+) seconds the server lists (?P<count>\d+) Pub/Sub connections? "
        r"of this scenario"
    )
)
def pubsub_connections(subscribers: Subscribers, r: redis.Redis, ns: str, seconds: str, count: str) -> None:
    def mine() -> list[dict[str, Any]]:
        return [c for c in r.client_list(_type="pubsub") if c.get("name", "").startswith(ns)]

    wait_until(lambda: len(mine()) == int(count), float(seconds), what=f"{count} Pub/Sub connections")
    assert all(int(c["sub"]) + int(c["psub"]) >= 1 for c in mine()), mine()


@given(parsers.re(r'subscriber "(?P<who>[^"]+)" is named for this scenario'))
def name_subscriber(subscribers: Subscribers, ns: str, who: str) -> None:
    subscribers[who].command(["CLIENT", "SETNAME", f"{ns}-{who}"])


# ---------------------------------------------------------------------------------------------- backpressure


@given(parsers.re(r'the server setting "(?P<name>[^"]+)" is "(?P<value>[^"]*)"'))
def server_setting(server_config: Callable[[str, str], None], name: str, value: str) -> None:
    server_config(name, value)


@when(
    parsers.re(
        r'the publisher floods "(?P<channel>[^"]+)" with (?P<kb>\d+) kB messages, '
        r'while subscriber "(?P<fast>[^"]+)" keeps reading, '
        r"until only (?P<left>\d+) subscribers? receives? them"
    )
)
def flood(
    raw: RawCommands,
    subscribers: Subscribers,
    ctx: dict[str, Any],
    ns: str,
    channel: str,
    kb: str,
    fast: str,
    left: str,
) -> None:
    """Publish big messages until PUBLISH counts ``left`` receivers (bounded: 4000 publishes)."""
    reader = subscribers[fast]
    payload = "x" * (int(kb) * 1024)
    published = received = 0
    client = raw.client("publisher")

    def drain() -> int:
        count = 0
        while reader.connection.can_read(timeout=0):
            frame = reader.frame()
            assert frame[0] == "message", frame
            count += 1
        return count

    for _ in range(4000):
        receivers = client.execute_command("PUBLISH", f"{ns}:{channel}", payload)
        published += 1
        received += drain()
        if receivers == int(left):
            break
    else:
        raise AssertionError(
            f"after {published} publishes PUBLISH still counted more than {left} receiver(s)"
        )
    deadline = time.monotonic() + WAIT
    while received < published and time.monotonic() < deadline:
        if reader.connection.can_read(timeout=0.5):
            received += drain()
    ctx["flood"] = {"published": published, "received": received}


@then(parsers.re(r'subscriber "(?P<who>[^"]+)" is disconnected by the server'))
def disconnected(subscribers: Subscribers, who: str) -> None:
    """What was buffered can still be read; then the connection ends (EOF)."""
    subscriber = subscribers[who]
    deadline = time.monotonic() + WAIT
    with pytest.raises(redis.ConnectionError):
        while time.monotonic() < deadline:
            if subscriber.connection.can_read(timeout=0.5):
                subscriber.connection.read_response(push_request=True)
        raise AssertionError(f"subscriber {who} was still connected after {WAIT}s")


@then(parsers.re(r'subscriber "(?P<who>[^"]+)" received every flood message'))
def fast_got_all(ctx: dict[str, Any], who: str) -> None:
    flood = ctx["flood"]
    assert flood["received"] == flood["published"], flood


@then(parsers.re(r'the server log says "(?P<text>[^"]+)"'))
def server_log(redis_target: Any, text: str) -> None:
    server = redis_target.server
    if server is None:
        pytest.skip("the server's log is only readable when the suite started it")
    wait_until(lambda: text in server.log_path.read_text(errors="replace"), 5, what=f"{text!r} in the log")


# ------------------------------------------------------------------------------------------------ the chat


class FakeClock:
    """The client-side clock of the chat (typing throttle and expiry), advanced by the scenario."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class ChatWorld:
    def __init__(self, factory: Callable[..., Any], ns: str) -> None:
        self.factory, self.ns = factory, ns
        self.clock = FakeClock()
        self.options: dict[str, Any] = {}
        self._chat: Chat | None = None
        self.feeds: dict[str, RoomFeed] = {}
        self.events: dict[str, list[Any]] = {}
        self.last: Any = None
        self.error: Exception | None = None
        self.typing_results: list[bool] = []

    @property
    def chat(self) -> Chat:
        if self._chat is None:
            self._chat = self.new_chat()
        return self._chat

    def new_chat(self, **client_options: Any) -> Chat:
        return Chat(self.factory(**client_options), namespace=self.ns, clock=self.clock, **self.options)

    def join(self, member: str, room: str, **options: Any) -> None:
        chat = self.new_chat(client_name=f"{self.ns}-{member}")
        feed = chat.feed(room, me=member, clock=self.clock, **options)
        self.feeds[member] = feed
        self.events.setdefault(member, []).extend(feed.open())  # a rejoin keeps what came before

    def poll_until(self, member: str, condition: Callable[[list[Any]], bool], what: str) -> list[Any]:
        deadline = time.monotonic() + WAIT
        while not condition(self.events[member]):
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{member} did not get {what} within {WAIT}s; events: {self.events[member]}"
                )
            self.events[member] += self.feeds[member].poll(0.2)
        return self.events[member]

    def close(self) -> None:
        for feed in self.feeds.values():
            feed.close()


@pytest.fixture
def chat_world(client_factory: Callable[..., Any], ns: str) -> Any:
    world = ChatWorld(client_factory, ns)
    yield world
    world.close()


def messages(events: list[Any]) -> list[ChatMessage]:
    return [e for e in events if isinstance(e, ChatMessage)]


@given(parsers.re(r"the chat keeps (?P<limit>\d+) messages? of history per room"))
def history_limit(chat_world: ChatWorld, limit: str) -> None:
    chat_world.options["history_limit"] = int(limit)


@given(parsers.re(r"the chat throttles typing notices to one every (?P<seconds>[\d.]+) seconds?"))
def typing_interval(chat_world: ChatWorld, seconds: str) -> None:
    chat_world.options["typing_interval"] = float(seconds)


@given(parsers.re(r"the chat keeps a member online for (?P<ms>\d+) ms after a heartbeat"))
def presence_ttl(chat_world: ChatWorld, ms: str) -> None:
    chat_world.options["presence_ttl_ms"] = int(ms)


@step(
    parsers.re(
        r'(?P<member>\w+) (?:joins|has joined|rejoins) room "(?P<room>[^"]+)"(?P<since> from the last id '
        r"(?:she|he|they) saw)?"
    )
)
def join(chat_world: ChatWorld, member: str, room: str, since: str | None) -> None:
    options = {"since": chat_world.feeds[member].last_id} if since else {}
    if since:
        chat_world.feeds[member].close()
    chat_world.join(member, room, **options)


@step(parsers.re(r'(?P<member>\w+) leaves room "(?P<room>[^"]+)" without a word'))
def leave_silently(chat_world: ChatWorld, member: str, room: str) -> None:
    chat_world.feeds[member].close()


@step(parsers.re(r'(?P<member>\w+) (?:says|said|has said) "(?P<body>[^"]*)" in room "(?P<room>[^"]+)"'))
def say(chat_world: ChatWorld, member: str, body: str, room: str) -> None:
    chat_world.last = chat_world.chat.send(room, member, body)


@step(
    parsers.re(
        r'(?P<member>\w+) has said (?P<count>\d+) messages "(?P<prefix>[^"]+)1" to "(?P=prefix)(?P=count)" '
        r'in room "(?P<room>[^"]+)"'
    )
)
def say_many(chat_world: ChatWorld, member: str, count: str, prefix: str, room: str) -> None:
    for i in range(1, int(count) + 1):
        chat_world.last = chat_world.chat.send(room, member, f"{prefix}{i}")


@when(parsers.re(r'(?P<member>\w+) tries to say "(?P<body>[^"]*)" in room "(?P<room>[^"]+)"'))
def try_say(chat_world: ChatWorld, member: str, body: str, room: str) -> None:
    try:
        chat_world.chat.send(room, member, body)
    except InvalidInput as exc:
        chat_world.error = exc


@then(parsers.re(r"the message was published to (?P<count>\d+) subscribers?"))
def published_to(chat_world: ChatWorld, count: str) -> None:
    assert chat_world.last.receivers == int(count), chat_world.last


@step(
    parsers.re(
        r'(?P<member>\w+) receives "(?P<body>[^"]*)" from (?P<sender>\w+)(?P<how> live| from the history)?'
    )
)
def member_receives(chat_world: ChatWorld, member: str, body: str, sender: str, how: str | None) -> None:
    events = chat_world.poll_until(member, lambda ev: any(m.body == body for m in messages(ev)), repr(body))
    message = next(m for m in messages(events) if m.body == body)
    assert message.sender == sender, message
    if how:
        assert message.replayed == (how == " from the history"), message


@then(parsers.re(rf"(?P<member>\w+) has received exactly (?P<bodies>{NAMES}) in that order"))
def received_exactly(chat_world: ChatWorld, member: str, bodies: str) -> None:
    want = quoted(bodies)
    chat_world.poll_until(member, lambda ev: len(messages(ev)) >= len(want), f"{len(want)} messages")
    chat_world.events[member] += chat_world.feeds[member].poll(0.1)
    assert [m.body for m in messages(chat_world.events[member])] == want, chat_world.events[member]


@then(
    parsers.re(
        r"(?P<member>\w+) is told that messages after the last id (?:she|he|they) saw are lost, "
        r'up to the one before "(?P<body>[^"]+)", because they were (?P<reason>trimmed|reset)'
    )
)
def told_gap(chat_world: ChatWorld, member: str, body: str, reason: str) -> None:
    events = chat_world.poll_until(member, lambda ev: any(m.body == body for m in messages(ev)), repr(body))
    gaps = [e for e in events if isinstance(e, Gap)]
    assert len(gaps) == 1, events
    first_after = next(m for m in messages(events) if m.body == body)
    assert gaps[0].reason == reason, gaps
    assert gaps[0].until_id == first_after.prev, (gaps, first_after)
    assert events.index(gaps[0]) < events.index(first_after), (
        "the gap must be reported before the next message"
    )


@then(parsers.re(r"(?P<member>\w+) is told of no gap"))
def no_gap(chat_world: ChatWorld, member: str) -> None:
    assert not [e for e in chat_world.events[member] if isinstance(e, Gap)], chat_world.events[member]


@then(parsers.re(rf'the history of room "(?P<room>[^"]+)" holds (?P<bodies>{NAMES})'))
def history_holds(chat_world: ChatWorld, room: str, bodies: str) -> None:
    assert [m.body for m in chat_world.chat.history(room, count=1000)] == quoted(bodies)


@then(
    parsers.re(
        r'the history of room "(?P<room>[^"]+)" already holds "(?P<body>[^"]+)" when (?P<member>\w+) '
        r"receives it live"
    )
)
def stored_before_live(chat_world: ChatWorld, room: str, body: str, member: str) -> None:
    events = chat_world.poll_until(member, lambda ev: any(m.body == body for m in messages(ev)), repr(body))
    live = next(m for m in messages(events) if m.body == body)
    assert not live.replayed
    assert live.id in [m.id for m in chat_world.chat.history(room, after=live.prev, count=1)]


@when(parsers.re(r"the server drops the subscriber connection of (?P<member>\w+)"))
def drop_connection(chat_world: ChatWorld, r: redis.Redis, ns: str, member: str) -> None:
    victims = [c for c in r.client_list(_type="pubsub") if c.get("name") == f"{ns}-{member}"]
    assert len(victims) == 1, victims
    r.client_kill_filter(_id=victims[0]["id"])


@when(parsers.re(r'room "(?P<room>[^"]+)" loses its history, as after a restart without persistence'))
def lose_history(chat_world: ChatWorld, room: str) -> None:
    chat_world.chat.client.delete(chat_world.chat.keys.history(room))


@then(
    parsers.re(
        r"(?P<member>\w+) is told (?:she|he|they) may have missed messages since the last id "
        r"(?:she|he|they) saw"
    )
)
def told_reconnected(chat_world: ChatWorld, member: str) -> None:
    before = chat_world.feeds[member].last_id
    events = chat_world.poll_until(
        member, lambda ev: any(isinstance(e, Reconnected) for e in ev), "Reconnected"
    )
    reconnected = next(e for e in events if isinstance(e, Reconnected))
    assert reconnected.since_id == before, (reconnected, before)
    assert all(
        isinstance(e, Disconnected)
        for e in events[: events.index(reconnected)]
        if not isinstance(e, ChatMessage)
    ), events


# -- the payload format


@given(parsers.re(r'a raw subscriber listens on the channel of room "(?P<room>[^"]+)"'))
def raw_listener(chat_world: ChatWorld, subscribers: Subscribers, room: str) -> None:
    listener = subscribers["raw"]
    channel = chat_world.chat.keys.channel(room)
    listener.connection.send_command("SUBSCRIBE", channel)
    listener.confirmations = [listener.connection.read_response(push_request=True)]


@then(parsers.re(r"the raw subscriber reads a JSON payload (?P<value>\{.+\}) plus the fields (?P<names>.+)"))
def raw_payload(chat_world: ChatWorld, subscribers: Subscribers, value: str, names: str) -> None:
    frame = subscribers["raw"].connection.read_response(push_request=True)
    payload = json.loads(frame[2])
    want = json.loads(value)
    assert {k: payload[k] for k in want} == want, payload
    assert set(payload) == set(want) | set(quoted(names)), sorted(payload)
    sent = chat_world.last.message
    assert (payload["id"], payload["prev"], payload["time"]) == (sent.id, sent.prev, sent.time), payload
    assert payload["time"] == int(sent.id.split("-")[0]), "time is the server clock of the id"


@when(parsers.re(r'someone publishes "(?P<raw_text>[^"]+)" on the channel of room "(?P<room>[^"]+)"'))
def publish_garbage(chat_world: ChatWorld, raw_text: str, room: str) -> None:
    chat_world.chat.client.publish(chat_world.chat.keys.channel(room), raw_text.replace("'", '"'))


@then(parsers.re(r'(?P<member>\w+) is told of an unreadable payload saying "(?P<text>[^"]+)"'))
def told_unreadable(chat_world: ChatWorld, member: str, text: str) -> None:
    events = chat_world.poll_until(member, lambda ev: any(isinstance(e, UnreadablePayload) for e in ev), "it")
    bad = next(e for e in events if isinstance(e, UnreadablePayload))
    assert text in bad.error, bad


# -- typing


@when(
    parsers.re(
        r'(?P<member>\w+) types in room "(?P<room>[^"]+)" (?P<times>\d+) times within '
        r"(?P<seconds>[\d.]+) seconds?"
    )
)
def types(chat_world: ChatWorld, member: str, room: str, times: str, seconds: str) -> None:
    step_size = float(seconds) / int(times)
    for _ in range(int(times)):
        chat_world.typing_results.append(chat_world.chat.typing(room, member))
        chat_world.clock.now += step_size


@step(parsers.re(r'(?P<member>\w+) (?:types|is typing) in room "(?P<room>[^"]+)"'))
def typing(chat_world: ChatWorld, member: str, room: str) -> None:
    chat_world.typing_results.append(chat_world.chat.typing(room, member))


@then(parsers.re(r"only the first of those typing notices was published"))
def only_first(chat_world: ChatWorld) -> None:
    assert chat_world.typing_results == [True] + [False] * (len(chat_world.typing_results) - 1)


@then(parsers.re(r"the last typing notice was published"))
def last_published(chat_world: ChatWorld) -> None:
    assert chat_world.typing_results[-1] is True, chat_world.typing_results


@when(parsers.re(r"(?P<seconds>[\d.]+) seconds pass on the clients' clocks"))
def time_passes(chat_world: ChatWorld, seconds: str) -> None:
    chat_world.clock.now += float(seconds)


@step(parsers.re(r"(?P<member>\w+) sees (?P<sender>\w+) (?P<state>typing|stop typing)"))
def sees_typing(chat_world: ChatWorld, member: str, sender: str, state: str) -> None:
    wanted = TypingChanged(chat_world.feeds[member].room, sender, state == "typing")
    chat_world.poll_until(member, lambda ev: wanted in ev, str(wanted))
    chat_world.events[member].clear()


@then(parsers.re(r"(?P<member>\w+) still sees (?P<sender>\w+) typing"))
def still_typing(chat_world: ChatWorld, member: str, sender: str) -> None:
    chat_world.events[member] += chat_world.feeds[member].poll(0)
    assert TypingChanged(chat_world.feeds[member].room, sender, False) not in chat_world.events[member]
    assert chat_world.feeds[member].typing.typing(chat_world.clock()) == [sender]


# -- presence


@step(
    parsers.re(
        r'(?P<member>\w+) sends a heartbeat in room "(?P<room>[^"]+)"(?: from (?P<where>another process))?'
    )
)
def heartbeat(chat_world: ChatWorld, member: str, room: str, where: str | None) -> None:
    chat = chat_world.new_chat() if where else chat_world.chat
    chat.heartbeat(room, member)


@when(parsers.re(r'(?P<member>\w+) leaves room "(?P<room>[^"]+)"$'))
def leave(chat_world: ChatWorld, member: str, room: str) -> None:
    chat_world.chat.leave(room, member)


@then(parsers.re(r'the members online in room "(?P<room>[^"]+)" are (?P<value>\[.*\])'))
def online(chat_world: ChatWorld, room: str, value: str) -> None:
    assert chat_world.chat.online(room) == expected(value)


@then(
    parsers.re(
        r'within (?P<seconds>\d+) seconds the members online in room "(?P<room>[^"]+)" are '
        r"(?P<value>\[.*\])"
    )
)
def online_eventually(chat_world: ChatWorld, seconds: str, room: str, value: str) -> None:
    wait_until(
        lambda: chat_world.chat.online(room) == expected(value), float(seconds), what=f"online == {value}"
    )


@then(parsers.re(r"(?P<member>\w+) is told that (?P<name>\w+) (?P<what>joined|left|timed out)"))
def told_presence(chat_world: ChatWorld, member: str, name: str, what: str) -> None:
    reason = {"joined": "join", "left": "leave", "timed out": "timeout"}[what]
    wanted = PresenceChanged(chat_world.feeds[member].room, name, what == "joined", reason)
    chat_world.poll_until(member, lambda ev: wanted in ev, str(wanted))


# -- bad input


@then(parsers.re(r'the chat refused it with an error naming "(?P<text>[^"]+)"'))
def refused(chat_world: ChatWorld, text: str) -> None:
    assert chat_world.error is not None, "the call was accepted"
    assert text in str(chat_world.error), str(chat_world.error)


@then("nothing was written for the chat")
def nothing_written(r: redis.Redis, ns: str) -> None:
    assert list(r.scan_iter(match=f"{ns}:*")) == []

