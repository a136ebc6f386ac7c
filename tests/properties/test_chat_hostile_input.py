"""Hostile input to every public entry point of the chat: refused, nothing written, nothing published.

The same hostile values as the catalog's property test (integers beyond 64 bits, ``inf``/``nan``, bools,
wrong types, empty, overlong, unicode, control-character, brace and colon strings), for ``Chat``, its key
schema, ``send``/``history``/``last_id``/``typing``/``heartbeat``/``leave``/``online``, a feed's options
and its ``poll``, and ``TypingTracker``: each must raise :class:`InvalidInput` (``InvalidMessage`` is one)
and leave the server's keys as they were and its channels silent.  ``decode_payload``, which reads what
others published, raises :class:`PayloadError` instead (its documented error) for anything it cannot read.
Issue 12 found ``Chat(presence_ttl_ms=10**17).heartbeat`` leaving a member without TTL, publishing "join"
and then failing; that setting is refused now, and the largest accepted one works (a unit test below).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from hypothesis import given
from hypothesis import strategies as st

from redisbehaviors.chat import Chat, ChatKeys, PayloadError, RoomFeed, TypingTracker, decode_payload
from redisbehaviors.chat.chat import MAX_PAGE, MAX_PRESENCE_TTL_MS
from redisbehaviors.chat.validation import MAX_BODY_BYTES
from redisbehaviors.errors import InvalidInput
from redisbehaviors.idempotency import MAX_OPERATION_TTL_MS
from tests.properties.support import bad_flags
from tests.properties.test_catalog_hostile_input import (
    FORBIDDEN,
    HUGE,
    NOT_NUMBERS,
    hostile_ids,
    hostile_ints,
    hostile_optional_ids,
    one_hostile,
    wrong_types,
)

ROOM = "lobby"
hostile_bodies = st.one_of(
    st.sampled_from(["", " ", "\n\t ", "x" * (MAX_BODY_BYTES + 1), "é" * (MAX_BODY_BYTES // 2 + 1)]),
    st.builds(lambda a, b: a + "\ud800" + b, st.text(max_size=4), st.text(max_size=4)),
    wrong_types,
)
hostile_seconds = st.one_of(
    st.sampled_from([float("inf"), float("-inf"), float("nan"), -1, -0.001, *HUGE, True, None, "1", b"1"]),
    st.floats(max_value=-1e-9),
)
hostile_stream_ids = st.one_of(
    st.sampled_from(["", "$", ">", "-", "+", "1", "1-", "-1", "1-x", "0-0 ", "1-1-1", "١-١", "1-1\n"]),
    st.builds(lambda a, bad: a + bad, st.sampled_from(["1-1", "0-0"]), st.sampled_from(FORBIDDEN)),
    wrong_types.filter(lambda v: v is not None),
)
hostile_clocks = st.sampled_from([None, 1.0, "time.monotonic", [1], *NOT_NUMBERS[:3]])


def state(r: redis.Redis) -> tuple[int, dict[str, bytes]]:
    with redis.Redis(connection_pool=r.connection_pool) as plain:
        names = sorted(plain.scan_iter(count=1000))
        return plain.dbsize(), {name: plain.dump(name) for name in names}


@pytest.fixture
def chat(r: redis.Redis, ns: str) -> Chat:
    room = Chat(r, namespace=ns)
    room.send(ROOM, "ana", "hello")
    room.heartbeat(ROOM, "ana")
    return room


@pytest.fixture
def refused(r: redis.Redis, chat: Chat) -> Iterator[Callable[[Callable[[], Any]], None]]:
    """``refused(call)``: InvalidInput, the same keys with the same values, and no publication on any channel."""
    listener = r.pubsub()
    listener.psubscribe("*")
    assert listener.get_message(timeout=5)["type"] == "psubscribe"

    def check(call: Callable[[], Any]) -> None:
        before = state(r)
        with pytest.raises(InvalidInput):
            call()
        assert state(r) == before
        assert listener.get_message(timeout=0.001) is None

    yield check
    listener.close()


# ---------------------------------------------------------------------------------------------- construction

CONSTRUCTOR = {
    "namespace": st.one_of(
        hostile_ids.filter(lambda v: not (isinstance(v, str) and 0 < len(v) <= 64)),
        st.sampled_from(["", "a:", ":a", "a::b", "{x}", "a b", "x" * 65]),
    ),
    "history_limit": hostile_ints(1, 10_000_000),
    "exact_history": bad_flags(),
    "typing_interval": hostile_seconds,
    "presence_ttl_ms": hostile_ints(1, MAX_PRESENCE_TTL_MS),
    "clock": hostile_clocks,
    "operation_ttl_ms": hostile_ints(1, MAX_OPERATION_TTL_MS),
}


@given(kwargs=one_hostile({"namespace": "chat"}, CONSTRUCTOR))
def test_the_chat_refuses_hostile_settings(refused: Callable[..., None], r: redis.Redis, kwargs: dict) -> None:
    refused(lambda: Chat(r, **kwargs))


@given(namespace=CONSTRUCTOR["namespace"])
def test_the_key_schema_refuses_a_hostile_namespace(refused: Callable[..., None], namespace: Any) -> None:
    refused(lambda: ChatKeys(namespace))


@pytest.mark.parametrize("part", ["history", "presence", "channel"])
@given(room=hostile_ids)
def test_the_key_schema_refuses_a_hostile_room(refused: Callable[..., None], part: str, room: Any) -> None:
    refused(lambda: getattr(ChatKeys("chat"), part)(room))


@given(kwargs=one_hostile({"room": ROOM, "operation_id": "op1"}, {"room": hostile_ids, "operation_id": hostile_ids}))
def test_the_operation_key_refuses_hostile_parts(refused: Callable[..., None], kwargs: dict) -> None:
    refused(lambda: ChatKeys("chat").operation(**kwargs))


@pytest.mark.parametrize("client", ["bytes", "not a client"])
def test_a_client_without_decode_responses_is_refused_at_construction(
    refused: Callable[..., None], redis_target: Any, client: str
) -> None:
    given_client = redis_target.client(decode_responses=False) if client == "bytes" else object()
    refused(lambda: Chat(given_client))  # type: ignore[arg-type]


@given(ttl=hostile_seconds)
def test_a_typing_tracker_refuses_a_hostile_ttl(refused: Callable[..., None], ttl: Any) -> None:
    refused(lambda: TypingTracker(ttl))


# ---------------------------------------------------------------------------------------------- calls


@given(
    kwargs=one_hostile(
        {"room": ROOM, "sender": "ana", "body": "hi", "operation_id": None},
        {"room": hostile_ids, "sender": hostile_ids, "body": hostile_bodies, "operation_id": hostile_optional_ids},
    )
)
def test_send_refuses_hostile_input(refused: Callable[..., None], chat: Chat, kwargs: dict) -> None:
    refused(lambda: chat.send(**kwargs))


@given(
    kwargs=one_hostile(
        {"room": ROOM, "after": None, "count": 10},
        {"room": hostile_ids, "after": hostile_stream_ids, "count": hostile_ints(1, MAX_PAGE)},
    )
)
def test_history_refuses_hostile_input(refused: Callable[..., None], chat: Chat, kwargs: dict) -> None:
    refused(lambda: chat.history(**kwargs))


@pytest.mark.parametrize("method", ["last_id", "online"])
@given(room=hostile_ids)
def test_room_reads_refuse_a_hostile_room(refused: Callable[..., None], chat: Chat, method: str, room: Any) -> None:
    refused(lambda: getattr(chat, method)(room))


@pytest.mark.parametrize("method", ["typing", "heartbeat", "leave"])
@given(kwargs=one_hostile({"room": ROOM, "name": "bob"}, {"room": hostile_ids, "name": hostile_ids}))
def test_member_calls_refuse_hostile_input(refused: Callable[..., None], chat: Chat, method: str, kwargs: dict) -> None:
    refused(lambda: getattr(chat, method)(kwargs["room"], kwargs["name"]))


FEED_OPTIONS = {
    "room": hostile_ids,
    "me": hostile_optional_ids,
    "since": hostile_stream_ids,
    "backlog": hostile_ints(0, 10_000),
    "typing_ttl": hostile_seconds,
    "subscribe_timeout": hostile_seconds,
    "reconnect_delay": hostile_seconds,
    "max_reconnect_delay": hostile_seconds,
    "batch": hostile_ints(1, 100_000),
    "clock": hostile_clocks,
}


@given(kwargs=one_hostile({"room": ROOM}, FEED_OPTIONS))
def test_a_feed_refuses_hostile_options_before_it_subscribes(
    refused: Callable[..., None], chat: Chat, r: redis.Redis, kwargs: dict
) -> None:
    room = kwargs.pop("room")
    refused(lambda: chat.feed(room, **kwargs))
    assert r.pubsub_numsub(chat.keys.channel(ROOM)) == [(chat.keys.channel(ROOM), 0)]


@pytest.fixture
def feed(chat: Chat) -> Iterator[RoomFeed]:
    with chat.feed(ROOM, me="bob") as room_feed:
        room_feed.open()
        yield room_feed


@given(timeout=hostile_seconds)
def test_poll_refuses_a_hostile_timeout(refused: Callable[..., None], feed: RoomFeed, timeout: Any) -> None:
    refused(lambda: feed.poll(timeout))
    refused(lambda: next(feed.events(timeout)))


# ---------------------------------------------------------------------------------------------- payloads

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=8,
)
message_like = st.fixed_dictionaries(
    {"v": st.sampled_from([1, "1", 2, None, True, 1.0]), "type": st.sampled_from(["message", "typing", "presence", 1])},
    optional={name: json_values for name in ("id", "prev", "room", "sender", "time", "body", "name", "online")},
)


@given(
    raw=st.one_of(
        st.text(max_size=40),
        st.binary(max_size=40),
        wrong_types,
        json_values.map(json.dumps),
        message_like.map(json.dumps),
        st.just('{"v":1,"type":"message","time":1' + "0" * 5000 + "}"),
    )
)
def test_decode_payload_raises_payload_error_for_anything_it_cannot_read(raw: Any) -> None:
    try:
        decode_payload(raw)
    except PayloadError:
        return
    payload = json.loads(raw)  # what it did accept is a complete version-1 payload
    assert payload["v"] == 1 and payload["type"] in ("message", "typing", "presence")


# ---------------------------------------------------------------------------------------------- the largest settings


def test_the_longest_presence_ttl_arms_the_presence_set_and_writes_nothing_partial(r: redis.Redis, ns: str) -> None:
    chat = Chat(r, namespace=ns, presence_ttl_ms=MAX_PRESENCE_TTL_MS)
    assert chat.heartbeat(ROOM, "ana") == ["ana"]
    assert 2 * MAX_PRESENCE_TTL_MS - 60_000 < r.pttl(chat.keys.presence(ROOM)) <= 2 * MAX_PRESENCE_TTL_MS


def test_a_presence_ttl_of_ten_to_the_seventeen_is_refused(r: redis.Redis, ns: str) -> None:
    with pytest.raises(InvalidInput, match="presence_ttl_ms must be at least 1 and at most 86400000"):
        Chat(r, namespace=ns, presence_ttl_ms=10**17)
