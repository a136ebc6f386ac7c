"""A member too slow for Pub/Sub is cut off by the server, and loses nothing thanks to the history.

The server queues every live message in each subscriber's output buffer.  A member that stops
reading passes ``client-output-buffer-limit pubsub`` (here 256 kB hard, on a server of its own)
and is disconnected, while a member that keeps reading is untouched.  When the slow member reads
again it gets what was already in its socket, then the connection ends; its feed reports the
drop, subscribes again, and fills everything else from the room's history stream.  From the
history's point of view nothing is lost: it delivers every message, once, in order, with no gap.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from redisbehaviors.chat import Chat, ChatMessage, Disconnected, Gap, Reconnected, RoomFeed
from redisbehaviors.testing import RedisServer

BODY = "x" * 4000
DEADLINE = 60.0


def bodies(events: list[Any]) -> list[str]:
    return [e.body for e in events if isinstance(e, ChatMessage)]


def read_all(feed: RoomFeed, events: list[Any], count: int) -> list[Any]:
    deadline = time.monotonic() + DEADLINE
    while len(bodies(events)) < count:
        assert time.monotonic() < deadline, f"{len(bodies(events))}/{count} messages after {DEADLINE}s"
        events += feed.poll(0.5)
    return events


def test_a_slow_member_is_disconnected_then_recovers_every_message_from_the_history(
    spawn_server: Callable[..., RedisServer],
) -> None:
    server = spawn_server({"client-output-buffer-limit": "pubsub 256kb 0 0"})
    client = server.client(socket_timeout=10, socket_connect_timeout=2)
    chat = Chat(client, namespace="fault", history_limit=100_000)
    slow = chat.feed("firehose", me="slow")
    fast = chat.feed("firehose", me="fast")
    slow.open()
    fast.open()

    sent: list[str] = []
    fast_events: list[Any] = []
    while True:  # publish until the server has dropped the slow member (PUBLISH counts 1 receiver)
        delivery = chat.send("firehose", "pub", f"{len(sent):06d} {BODY}")
        sent.append(delivery.message.body)
        fast_events += fast.poll(0)
        if delivery.receivers == 1:
            break
        assert len(sent) < 50_000, "the slow member was never disconnected"
    for _ in range(100):  # traffic goes on after the drop
        sent.append(chat.send("firehose", "pub", f"{len(sent):06d} {BODY}").message.body)
        fast_events += fast.poll(0)

    slow_events = read_all(slow, [], len(sent))
    fast_events = read_all(fast, fast_events, len(sent))

    assert bodies(slow_events) == sent, "the slow member must get every message once, in order"
    assert [e for e in slow_events if isinstance(e, Disconnected | Reconnected)], "the drop must be reported"
    assert not [e for e in slow_events if isinstance(e, Gap)]
    replayed = [e for e in slow_events if isinstance(e, ChatMessage) and e.replayed]
    assert replayed, "what the server dropped came from the history"
    assert bodies(fast_events) == sent
    assert not [e for e in fast_events if isinstance(e, Disconnected | Reconnected | Gap)]
    assert "overcoming of output buffer limits" in server.log_path.read_text(errors="replace")
    print(
        f"\nslow member dropped after {len(sent) - 100} messages of 4 kB; "
        f"{len(replayed)} of {len(sent)} recovered from the history"
    )
    slow.close()
    fast.close()
    client.close()
