"""A Redis restart in the middle of a conversation: nobody hangs, and the loss is reported.

The server is killed (SIGKILL, as in a crash), stays away for 1.5 s, and is started again on the
same port, while a publisher keeps sending; it has no persistence, so the room's history starts again from zero.
The checks: every poll of the member's feed returns in bounded time while the server is away;
the feed reports the drop (:class:`Disconnected` / :class:`Reconnected`) and a :class:`Gap` with
reason ``reset`` (what was lost with the server cannot be replayed); every message sent after
the restart is delivered, in order; the publisher recovers by retrying its failed sends.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
import redis

from redisbehaviors.chat import Chat, ChatMessage, Disconnected, Gap, Reconnected
from redisbehaviors.testing import RedisServer

MESSAGES = 200
RESTART_AT = 100
DOWNTIME = 1.5  # seconds the server stays down
POLL_BOUND = 15.0  # seconds one poll(0.5) may take at worst: redis-py's own reconnect retries included


def number(message: ChatMessage) -> int:
    return int(message.body.removeprefix("m"))


class Publisher(threading.Thread):
    """Sends m0..m199, retrying a send that failed because the server was away."""

    def __init__(self, chat: Chat, restarted: threading.Event) -> None:
        super().__init__(daemon=True)
        self.chat, self.restarted = chat, restarted
        self.after_restart: list[int] = []
        self.failures = 0
        self.reached_restart_point = threading.Event()

    def run(self) -> None:
        i = 0
        while i < MESSAGES:
            started_after_restart = self.restarted.is_set()
            try:
                self.chat.send("lobby", "ana", f"m{i}")
            except (redis.ConnectionError, redis.TimeoutError):
                self.failures += 1
                time.sleep(0.05)  # the application's own retry pause
                continue
            if started_after_restart:
                self.after_restart.append(i)
            i += 1
            if i == RESTART_AT:
                self.reached_restart_point.set()
            time.sleep(0.002)


def run_conversation(server: RedisServer, restarts: int) -> dict[str, Any]:
    publisher_client = server.client(socket_timeout=5, socket_connect_timeout=1)
    member_client = server.client(socket_timeout=5, socket_connect_timeout=1)
    feed = Chat(member_client, namespace="fault").feed("lobby", me="bob")
    feed.open()
    restarted = threading.Event()
    publisher = Publisher(Chat(publisher_client, namespace="fault"), restarted)

    publisher.start()
    events: list[Any] = []
    slowest = 0.0
    down_until: float | None = None
    deadline = time.monotonic() + 90
    while publisher.is_alive() or not any(isinstance(e, ChatMessage) and number(e) == MESSAGES - 1 for e in events):
        assert time.monotonic() < deadline, f"conversation not over after 90s: {events[-5:]}"
        if publisher.reached_restart_point.is_set() and not restarted.is_set():
            if down_until is None:
                server.kill()  # the server stays away for a while, and the feed keeps polling
                down_until = time.monotonic() + DOWNTIME
            elif time.monotonic() >= down_until:
                # From this long-lived thread: a server dies with the *thread* that started it
                # (PR_SET_PDEATHSIG follows the thread, not the process).
                for _ in range(restarts):
                    server.restart()
                restarted.set()
        started = time.monotonic()
        events += feed.poll(0.5)
        slowest = max(slowest, time.monotonic() - started)
    publisher.join(10)
    feed.close()
    publisher_client.close()
    member_client.close()
    return {"events": events, "slowest": slowest, "publisher": publisher}


def check(result: dict[str, Any]) -> list[Gap]:
    events, publisher = result["events"], result["publisher"]
    assert result["slowest"] < POLL_BOUND, f"a poll took {result['slowest']:.1f}s"
    assert [e for e in events if isinstance(e, Disconnected | Reconnected)], "the drop must be reported"
    gaps = [e for e in events if isinstance(e, Gap)]
    assert gaps and all(g.reason == "reset" for g in gaps), gaps
    delivered = [number(e) for e in events if isinstance(e, ChatMessage)]
    assert delivered == sorted(delivered), "messages must arrive in order"
    missing = set(publisher.after_restart) - set(delivered)
    assert not missing, f"sent after the restart but never delivered: {sorted(missing)}"
    return gaps


def test_a_restart_during_traffic_is_survived_and_the_gap_is_reported(
    spawn_server: Callable[..., RedisServer],
) -> None:
    result = run_conversation(spawn_server(), restarts=1)
    gaps = check(result)
    assert len(gaps) == 1, gaps
    print(
        f"\nslowest poll {result['slowest']:.2f}s, publisher retried {result['publisher'].failures} sends, "
        f"gap: {gaps[0]}"
    )


@pytest.mark.slow
def test_repeated_restarts_during_traffic_never_hang_and_always_report_the_reset(
    spawn_server: Callable[..., RedisServer],
) -> None:
    for round_number in range(5):
        result = run_conversation(spawn_server(), restarts=1 + round_number % 3)
        check(result)
