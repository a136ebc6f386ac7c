"""The chat against a real server: what the feature file does not spell out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import redis

from redisbehaviors.chat import (
    Chat,
    ChatMessage,
    Gap,
    InvalidMessage,
    PresenceChanged,
    TypingChanged,
    UnreadablePayload,
)
from tests.support import CountingConnection


def bodies(events: list[Any]) -> list[str]:
    return [e.body for e in events if isinstance(e, ChatMessage)]


def poll_until(feed: Any, count: int, rounds: int = 50) -> list[Any]:
    events: list[Any] = []
    for _ in range(rounds):
        events += feed.poll(0.2)
        if len(bodies(events)) >= count:
            break
    return events


@pytest.fixture
def chat(r: redis.Redis, ns: str) -> Chat:
    return Chat(r, namespace=ns)


def test_send_stores_and_publishes_in_one_round_trip(redis_target: Any, ns: str) -> None:
    client = redis.Redis.from_url(redis_target.url, decode_responses=True, connection_class=CountingConnection)
    chat = Chat(client, namespace=ns)
    chat.send("lobby", "ana", "warm-up")  # loads the script (EVALSHA, NOSCRIPT, EVAL) once
    before = CountingConnection.sends
    chat.send("lobby", "ana", "counted")
    assert CountingConnection.sends - before == 1
    assert [m.body for m in chat.history("lobby")] == ["warm-up", "counted"]
    client.close()


def test_each_message_names_the_one_before_it(chat: Chat) -> None:
    first = chat.send("lobby", "ana", "one").message
    second = chat.send("lobby", "bob", "two").message
    assert first.prev == "0-0"
    assert second.prev == first.id
    assert chat.last_id("lobby") == second.id


def test_rooms_have_separate_histories_and_chains(chat: Chat) -> None:
    chat.send("lobby", "ana", "in lobby")
    other = chat.send("garden", "ana", "in garden").message
    assert other.prev == "0-0"
    assert [m.body for m in chat.history("garden")] == ["in garden"]


def test_a_message_both_in_the_catch_up_and_live_is_delivered_once(chat: Chat) -> None:
    # Subscribe first, then read history: a message sent in between is in both.
    feed = chat.feed("lobby", since="0-0")
    feed._subscribe()  # the first half of open(), to send in the window between the two halves
    chat.send("lobby", "ana", "in the window")
    events = feed._after_subscribe()
    chat.send("lobby", "ana", "after")
    events += poll_until(feed, 1)
    assert bodies(events) == ["in the window", "after"]
    assert feed.stats.duplicates == 1
    feed.close()


def test_a_long_catch_up_is_read_in_batches_and_in_order(chat: Chat) -> None:
    for i in range(7):
        chat.send("lobby", "ana", f"m{i}")
    feed = chat.feed("lobby", since="0-0", batch=3)
    assert bodies(feed.open()) == [f"m{i}" for i in range(7)]
    feed.close()


def test_a_fresh_member_starts_at_the_newest_message_after_replaying_the_backlog(chat: Chat) -> None:
    for i in range(5):
        chat.send("lobby", "ana", f"m{i}")
    with chat.feed("lobby", backlog=2) as feed:
        replay = feed.open()
        assert bodies(replay) == ["m3", "m4"]
        assert all(m.replayed for m in replay)
        chat.send("lobby", "ana", "live")
        events = poll_until(feed, 1)
    assert bodies(events) == ["live"]
    assert not [e for e in events if isinstance(e, Gap)]


def test_a_member_does_not_see_its_own_typing(chat: Chat) -> None:
    with chat.feed("lobby", me="ana") as ana, chat.feed("lobby", me="bob") as bob:
        ana.open()
        bob.open()
        chat.typing("lobby", "ana")
        chat.send("lobby", "ana", "marker")
        assert not [e for e in poll_until(ana, 1) if isinstance(e, TypingChanged)]
        assert TypingChanged("lobby", "ana", True) in poll_until(bob, 1)


def test_a_foreign_publish_on_the_room_channel_is_reported_and_the_feed_keeps_going(chat: Chat) -> None:
    with chat.feed("lobby") as feed:
        feed.open()
        chat.client.publish(chat.keys.channel("lobby"), "not json")
        chat.send("lobby", "ana", "still fine")
        events = poll_until(feed, 1)
    assert isinstance(events[0], UnreadablePayload)
    assert bodies(events) == ["still fine"]


def test_the_presence_set_expires_when_every_member_is_gone(chat: Chat, r: redis.Redis) -> None:
    chat.heartbeat("lobby", "ana")
    assert 0 < r.pttl(chat.keys.presence("lobby")) <= 2 * chat.presence_ttl_ms


@pytest.mark.parametrize(
    ("call", "says"),
    [
        (lambda c: c.send("lobby", "ana", ""), "empty"),
        (lambda c: c.send("lobby", "an a", "hi"), "sender"),
        (lambda c: c.typing("lob by", "ana"), "room"),
        (lambda c: c.heartbeat("lobby", "a{b}"), "name"),
        (lambda c: c.history("lobby", after="yesterday"), "after"),
        (lambda c: c.history("lobby", count=0), "count"),
        (lambda c: c.feed("lobby", since="5"), "since"),
        (lambda c: c.feed("lobby", backlog=-1), "backlog"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_written(
    chat: Chat, r: redis.Redis, ns: str, call: Callable[[Chat], Any], says: str
) -> None:
    with pytest.raises(InvalidMessage if says in ("empty", "after", "since") else ValueError, match=says):
        call(chat)
    assert list(r.scan_iter(match=f"{ns}:*")) == []


@pytest.mark.parametrize(
    "options", [{"history_limit": 0}, {"presence_ttl_ms": 0}, {"typing_interval": -1}, {"namespace": "a{b}"}]
)
def test_bad_chat_settings_are_refused(r: redis.Redis, options: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        Chat(r, **options)


def test_a_member_who_leaves_is_no_longer_shown_typing(chat: Chat) -> None:
    with chat.feed("lobby", me="bob") as bob:
        bob.open()
        chat.heartbeat("lobby", "ana")
        chat.typing("lobby", "ana")
        chat.leave("lobby", "ana")
        chat.send("lobby", "carl", "marker")
        events = poll_until(bob, 1)
    left = events.index(PresenceChanged("lobby", "ana", False, "leave"))
    assert events[left + 1] == TypingChanged("lobby", "ana", False)


def test_a_history_entry_the_chat_did_not_write_is_reported_and_the_catch_up_goes_on(
    chat: Chat, r: redis.Redis
) -> None:
    first = chat.send("lobby", "ana", "one").message
    r.xadd(chat.keys.history("lobby"), {"note": "written by someone else"})
    chat.send("lobby", "ana", "two")
    with chat.feed("lobby", since=first.id) as feed:
        events = feed.open()
    assert isinstance(events[0], UnreadablePayload)
    assert "lacks the field" in events[0].error
    assert bodies(events) == ["two"]


def test_the_chat_works_unchanged_on_a_real_cluster(cluster_client: redis.RedisCluster, ns: str) -> None:
    chat = Chat(cluster_client, namespace=ns)
    keys = chat.keys
    assert len({cluster_client.keyslot(k) for k in (keys.history("lobby"), keys.presence("lobby"))}) == 1
    with chat.feed("lobby", me="bob") as feed:
        feed.open()
        delivery = chat.send("lobby", "ana", "hello cluster")
        events = poll_until(feed, 1)
    assert delivery.receivers == 1
    assert bodies(events) == ["hello cluster"]
    assert chat.heartbeat("lobby", "ana") == ["ana"]
