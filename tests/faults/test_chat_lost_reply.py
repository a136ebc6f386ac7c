"""Every chat operation under lost replies: history, presence and what subscribers receive equal a fault-free run.

A chat duplicate is visible twice: in the history and live, to every subscriber.  Before operation ids a
``send`` whose reply was lost was stored and published again by redis-py's retry (38 duplicates in 4,015
sends, issue 12).  Two faults, for every row of the table in ``docs/pubsub/chat.md`` ("Exactly once under
retries"):

1. one reply lost after the server ran the command (``lossy_proxy``), the client retrying;
2. a ``CLIENT KILL`` storm every 5 ms while the calls run (subscribers are ``TYPE pubsub`` and survive it),
   more calls, up to ``MAX_FACTOR`` times as many, until at least ``MIN_RETRIED`` command was cut off in flight;
   each call retried by redis-py and, when its retries run out, by the caller with the same operation id.

Each is compared with the same calls in a twin namespace without faults: the answers, the history (senders,
bodies and the ``prev`` chain), the members online, and every payload a raw subscriber received.  Entry ids
and times differ between two runs, so ids are compared as positions in their run's history.
Figures are printed (``pytest -s``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import pytest
import redis

from redisbehaviors.chat import Chat, ChatMessage, Disconnected, Gap, Reconnected, TypingTracker
from redisbehaviors.testing import wait_until
from redisbehaviors.testing.faults import ReplyDroppingProxy
from tests.faults.support import MAX_FACTOR, MIN_RETRIED, CountingRetry, Operation, retrying, run_calls

CALLS = 600
ROOM = "lobby"


def _feed_events(chat: Chat, op: str) -> list[Any]:
    """What a feed opened from the start of the history delivers.  A kill that cuts its history read
    while it opens ends the open with ``Disconnected``; a subscriber polls on, and the poll that
    subscribes again reports ``Reconnected`` and catches up.  The messages, not those two reports,
    are what a fault-free run must match."""
    with chat.feed(ROOM, me="bob", since="0-0") as feed:
        events = feed.open()
        deadline = time.monotonic() + 10
        while not feed.connected and time.monotonic() < deadline:
            events += feed.poll(0.05)
        return [event for event in events if not isinstance(event, Disconnected | Reconnected)]


def _base(chat: Chat) -> None:
    """A message and a member: both scripts have run once (loaded), so a lost reply is the only fault."""
    chat.send(ROOM, "ana", "first")
    chat.heartbeat(ROOM, "ana")


def _members(chat: Chat, calls: int) -> None:
    for index in range(calls):
        chat.heartbeat(ROOM, f"u{index}")


OPERATIONS: list[Operation[Chat]] = [
    # made idempotent: the script records the reply under the operation id
    Operation("send", lambda c, i, op: c.send(ROOM, "ana", f"m{i}", operation_id=op)),
    # idempotent by nature
    Operation("heartbeat", lambda c, i, op: c.heartbeat(ROOM, f"u{i}")),
    Operation("leave", lambda c, i, op: c.leave(ROOM, f"u{i}"), setup=_members),
    Operation("typing", lambda c, i, op: c.typing(ROOM, f"u{i}")),
    Operation("online", lambda c, i, op: c.online(ROOM)),
    Operation("history", lambda c, i, op: c.history(ROOM)),
    Operation("last_id", lambda c, i, op: c.last_id(ROOM)),
    Operation("feed", lambda c, i, op: _feed_events(c, op)),
]
#: Opening a feed takes a subscription and two reads: fewer calls keep the storm run short.
CALLS_OF = {"feed": 150}


class Listener:
    """A raw subscriber of the room's channel: every payload, in order, duplicates included."""

    def __init__(self, client: redis.Redis, chat: Chat) -> None:
        self.pubsub = client.pubsub()
        self.pubsub.subscribe(chat.keys.channel(ROOM))
        wait_until(lambda: client.pubsub_numsub(chat.keys.channel(ROOM))[0][1] == 1, timeout=5, what="subscribed")
        self.payloads: list[dict[str, Any]] = []

    def drain(self, expected: int) -> list[dict[str, Any]]:
        """At least ``expected`` payloads (bounded wait), then whatever else comes within 0.2 s (duplicates)."""

        def read_expected() -> bool:
            while len(self.payloads) < expected and self._read(0.05):
                pass
            return len(self.payloads) >= expected

        wait_until(read_expected, timeout=15, what=f"{expected} payloads")
        while self._read(0.2):
            pass
        self.pubsub.close()
        return self.payloads

    def _read(self, timeout: float) -> bool:
        """Read one frame (the subscribe confirmation, or a payload); False when none came within ``timeout``."""
        message = self.pubsub.get_message(timeout=timeout)
        if message is not None and message["type"] == "message":
            self.payloads.append(json.loads(message["data"]))
        return message is not None


@dataclass
class Run:
    answers: list[Any]
    history: list[tuple[str, str, int]]  # (sender, body, position of prev)
    online: list[str]
    payloads: list[tuple[Any, ...]]
    typing_started: int


def _shape(value: Any, position: dict[str, int]) -> Any:
    """An answer with entry ids replaced by their position in the run's history (ids differ between runs)."""
    if isinstance(value, list):
        return [_shape(item, position) for item in value]
    if isinstance(value, str) and value in position:
        return ("id", position[value])
    if isinstance(value, ChatMessage):
        return ("message", position.get(value.id), position.get(value.prev), value.sender, value.body, value.replayed)
    if isinstance(value, Gap):
        return ("gap", value.reason)
    if hasattr(value, "message") and hasattr(value, "receivers"):  # a Delivery
        return ("delivery", _shape(value.message, position), value.receivers)
    return value


def _payload_shape(payload: dict[str, Any], position: dict[str, int]) -> tuple[Any, ...]:
    if payload["type"] == "message":
        return ("message", position.get(payload["id"]), position.get(payload["prev"]), payload["body"])
    if payload["type"] == "presence":
        return ("presence", payload["name"], payload["reason"])
    return (payload["type"], payload.get("sender"))


def _observe(r: redis.Redis, chat: Chat, answers: list[Any], listener: Listener, expected_payloads: int) -> Run:
    entries = r.xrange(chat.keys.history(ROOM))
    position = {"0-0": -1} | {entry_id: index for index, (entry_id, _) in enumerate(entries)}
    history = [(fields["sender"], fields["body"], position.get(fields["prev"], -2)) for _, fields in entries]
    payloads = listener.drain(expected_payloads)
    tracker = TypingTracker(ttl=3600)
    started = sum(tracker.seen(p["sender"], 0.0) for p in payloads if p["type"] == "typing")
    return Run(
        [_shape(answer, position) for answer in answers],
        history,
        sorted(r.zrange(chat.keys.presence(ROOM), 0, -1)),
        [_payload_shape(p, position) for p in payloads],
        started,
    )


def _fault_free(r: redis.Redis, ns: str, operation: Operation[Chat], calls: int, setup: int = 1) -> Run:
    chat = Chat(r, namespace=f"{ns}-twin", typing_interval=0, history_limit=100_000)
    _base(chat)
    operation.setup(chat, setup)
    listener = Listener(r, chat)
    answers, _ = run_calls(partial(operation.call, chat), calls)
    return _observe(r, chat, answers, listener, expected_payloads=0)


def _without_typing_repeats(run: Run) -> list[tuple[Any, ...]]:
    """Payloads with repeated typing notices collapsed: a repeat only refreshes "is typing" (by nature)."""
    seen: set[tuple[Any, ...]] = set()
    kept = []
    for payload in run.payloads:
        if payload[0] == "typing" and payload in seen:
            continue
        seen.add(payload)
        kept.append(payload)
    return kept


def _assert_equal_runs(run: Run, expected: Run) -> None:
    assert run.answers == expected.answers
    assert run.history == expected.history
    assert [prev for _, _, prev in run.history] == list(range(-1, len(run.history) - 1))  # an unbroken chain
    assert run.online == expected.online
    assert _without_typing_repeats(run) == expected.payloads
    assert run.typing_started == expected.typing_started


def _summary(run: Run, expected: Run) -> str:
    messages = sum(1 for p in run.payloads if p[0] == "message")
    repeats = len(run.payloads) - len(_without_typing_repeats(run))
    return (
        f"history {len(run.history)} (fault-free {len(expected.history)}), online {len(run.online)}, "
        f"{len(run.payloads)} payloads received ({messages} messages; fault-free {len(expected.payloads)}), "
        f"{repeats} repeated typing notices"
    )


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: o.name)
def test_a_lost_reply_changes_nothing_but_what_one_call_does(
    operation: Operation[Chat], lossy_proxy: ReplyDroppingProxy, redis_target: Any, r: redis.Redis, ns: str
) -> None:
    expected = _fault_free(r, ns, operation, 1)
    direct = Chat(r, namespace=ns, typing_interval=0, history_limit=100_000)
    _base(direct)
    operation.setup(direct, 1)
    listener = Listener(r, direct)
    retry = CountingRetry(3)
    lossy = retrying(lossy_proxy.url, redis_target, retry=retry)
    chat = Chat(lossy, namespace=ns, typing_interval=0, history_limit=100_000)
    lossy_proxy.lose_reply_to(ns.encode())  # the next command naming the room's keys or channel
    answers, _ = run_calls(partial(operation.call, chat), 1)
    run = _observe(r, direct, answers, listener, len(expected.payloads))
    print(
        f"\nchat.{operation.name}, lost reply: {lossy_proxy.lost} lost, {retry.failures} retried; "
        f"answer {run.answers[0]!r:.120}; {_summary(run, expected)}"
    )
    assert lossy_proxy.lost == 1
    _assert_equal_runs(run, expected)
    lossy.close()


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: o.name)
def test_a_kill_storm_changes_nothing_but_what_the_calls_do(
    operation: Operation[Chat], kill_storm: Callable[..., Any], redis_target: Any, r: redis.Redis, ns: str
) -> None:
    least = CALLS_OF.get(operation.name, CALLS)
    direct = Chat(r, namespace=ns, typing_interval=0, history_limit=100_000)
    _base(direct)
    operation.setup(direct, MAX_FACTOR * least)
    listener = Listener(r, direct)
    retry = CountingRetry(10)
    client = redis_target.client(retry=retry)
    chat = Chat(client, namespace=ns, typing_interval=0, history_limit=100_000)
    with kill_storm(interval=0.005) as storm:
        answers, resent = run_calls(partial(operation.call, chat), least, more=lambda: retry.failures < MIN_RETRIED)
    calls = len(answers)
    expected = _fault_free(r, ns, operation, calls, setup=MAX_FACTOR * least)
    run = _observe(r, direct, answers, listener, len(expected.payloads))
    wrong = sum(1 for got, want in zip(run.answers, expected.answers, strict=True) if got != want)
    print(
        f"\nchat.{operation.name}, kill storm: {calls} calls, {storm.kills} kills, {retry.failures} retried by "
        f"redis-py, {resent} resent with their operation id; {wrong} answers differ; {_summary(run, expected)}"
    )
    assert storm.kills > 0
    assert retry.failures >= MIN_RETRIED
    _assert_equal_runs(run, expected)
    client.close()


def test_a_send_whose_reply_was_lost_is_stored_and_published_once(
    lossy_proxy: ReplyDroppingProxy, lossy_client: redis.Redis, r: redis.Redis, ns: str
) -> None:
    direct = Chat(r, namespace=ns)
    first = direct.send(ROOM, "ana", "first").message
    listener = Listener(r, direct)
    lossy_proxy.lose_reply_to(b"hello")
    delivery = Chat(lossy_client, namespace=ns).send(ROOM, "ana", "hello")
    assert lossy_proxy.lost == 1
    assert (delivery.message.prev, delivery.message.body, delivery.receivers) == (first.id, "hello", 1)
    assert [m.body for m in direct.history(ROOM)] == ["first", "hello"]
    assert [p["body"] for p in listener.drain(1)] == ["hello"]


def test_a_caller_resending_with_its_operation_id_gets_the_first_delivery(r: redis.Redis, ns: str) -> None:
    chat = Chat(r, namespace=ns)
    once = chat.send(ROOM, "ana", "hi", operation_id="client-msg-7")
    again = chat.send(ROOM, "ana", "hi", operation_id="client-msg-7")
    assert again == once
    assert [m.body for m in chat.history(ROOM)] == ["hi"]
    assert 0 < r.pttl(chat.keys.operation(ROOM, "client-msg-7")) <= chat.operation_ttl_ms
