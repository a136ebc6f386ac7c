"""Chat steps: members of rooms on :mod:`redisbehaviors.chat`, driven through one typed world.

Every scenario gets a :class:`ChatWorld` (the ``chat_world`` fixture): the chat under test, a
client-side clock the scenario advances (typing throttle and expiry), each member's feed and the
events it delivered so far.  Members wait for events with a bounded poll, never a sleep.  The raw
Pub/Sub steps (subscribers, the publisher) live in ``subscribers.py``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import redis
from pytest_bdd import given, parsers, step, then, when

from redisbehaviors.chat import (
    Chat,
    ChatMessage,
    Delivery,
    Disconnected,
    Event,
    Gap,
    PresenceChanged,
    Reconnected,
    RoomFeed,
    TypingChanged,
    UnreadablePayload,
)
from redisbehaviors.errors import InvalidInput
from redisbehaviors.testing import wait_until
from tests.steps.pubsub.subscribers import NAMES, WAIT, Subscribers, pubsub_clients, quoted
from tests.steps.redis_commands import expected


class FakeClock:
    """The client-side clock of the chat (typing throttle and expiry), advanced by the scenario."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class ChatWorld:
    """The chat of one scenario: its options, the clients' clock, and each member's feed and events."""

    factory: Callable[..., Any]
    ns: str
    clock: FakeClock = field(default_factory=FakeClock)
    options: dict[str, Any] = field(default_factory=dict)  # Chat(...) options the scenario sets first
    feeds: dict[str, RoomFeed] = field(default_factory=dict)
    events: dict[str, list[Event]] = field(default_factory=dict)
    last: Delivery | None = None  # what the last message sent did
    error: InvalidInput | None = None
    typing_results: list[bool] = field(default_factory=list)
    _chat: Chat | None = None

    @property
    def sent(self) -> Delivery:
        assert self.last is not None, "no message was sent in this scenario"
        return self.last

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

    def poll_until(self, member: str, condition: Callable[[list[Event]], bool], what: str) -> list[Event]:
        deadline = time.monotonic() + WAIT
        while not condition(self.events[member]):
            if time.monotonic() > deadline:
                raise AssertionError(f"{member} did not get {what} within {WAIT}s; events: {self.events[member]}")
            self.events[member] += self.feeds[member].poll(0.2)
        return self.events[member]

    def poll_for(self, member: str, body: str) -> tuple[list[Event], ChatMessage]:
        """Poll until ``member`` was shown the message ``body``: every event so far, and that message."""
        events = self.poll_until(member, lambda ev: any(m.body == body for m in messages(ev)), repr(body))
        return events, next(m for m in messages(events) if m.body == body)

    def close(self) -> None:
        for feed in self.feeds.values():
            feed.close()


@pytest.fixture
def chat_world(client_factory: Callable[..., Any], ns: str) -> Iterator[ChatWorld]:
    world = ChatWorld(client_factory, ns)
    yield world
    world.close()


def messages(events: list[Event]) -> list[ChatMessage]:
    return [e for e in events if isinstance(e, ChatMessage)]


@given(parsers.re(r"the chat keeps (?P<exact>exactly )?(?P<limit>\d+) messages? of history per room"))
def history_limit(chat_world: ChatWorld, exact: str | None, limit: str) -> None:
    chat_world.options["history_limit"] = int(limit)
    chat_world.options["exact_history"] = bool(exact)


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
    assert chat_world.sent.receivers == int(count), chat_world.sent


@step(parsers.re(r'(?P<member>\w+) receives "(?P<body>[^"]*)" from (?P<sender>\w+)(?P<how> live| from the history)?'))
def member_receives(chat_world: ChatWorld, member: str, body: str, sender: str, how: str | None) -> None:
    _, message = chat_world.poll_for(member, body)
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
    events, first_after = chat_world.poll_for(member, body)
    gaps = [e for e in events if isinstance(e, Gap)]
    assert len(gaps) == 1, events
    assert gaps[0].reason == reason, gaps
    assert gaps[0].until_id == first_after.prev, (gaps, first_after)
    assert events.index(gaps[0]) < events.index(first_after), "the gap must be reported before the next message"


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
    _, live = chat_world.poll_for(member, body)
    assert not live.replayed
    assert live.id in [m.id for m in chat_world.chat.history(room, after=live.prev, count=1)]


@when(parsers.re(r"the server drops the subscriber connection of (?P<member>\w+)"))
def drop_connection(chat_world: ChatWorld, r: redis.Redis, ns: str, member: str) -> None:
    victims = [(node, c) for node, c in pubsub_clients(r) if c.get("name") == f"{ns}-{member}"]
    assert len(victims) == 1, victims
    node, victim = victims[0]
    node.client_kill_filter(_id=victim["id"])


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
    events = chat_world.poll_until(member, lambda ev: any(isinstance(e, Reconnected) for e in ev), "Reconnected")
    reconnected = next(e for e in events if isinstance(e, Reconnected))
    assert reconnected.since_id == before, (reconnected, before)
    assert all(
        isinstance(e, Disconnected) for e in events[: events.index(reconnected)] if not isinstance(e, ChatMessage)
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
    sent = chat_world.sent.message
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


@step(parsers.re(r'(?P<member>\w+) sends a heartbeat in room "(?P<room>[^"]+)"(?: from (?P<where>another process))?'))
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
    wait_until(lambda: chat_world.chat.online(room) == expected(value), float(seconds), what=f"online == {value}")


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
