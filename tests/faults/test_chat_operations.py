"""The chat under operational faults: the cells of the chat row in docs/operations/README.md.

A publisher sends 300 messages to one room, each under its own operation id, retrying a send that failed
with a connection error (the retry is recorded once: a send whose reply was lost is not stored twice).
A member follows the room through a :class:`~redisbehaviors.chat.feed.RoomFeed` in another thread.
After the fault the room's history is read back: a message the publisher was told about but the history
no longer has is *lost*; a message stored twice is *duplicated*; the member's count says what it was
shown (live or caught up from the history) and which gaps it was told about. Figures are printed
(``pytest -s``) and stated in the table.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import redis

from redisbehaviors.chat import Chat, ChatMessage, Disconnected, Gap
from redisbehaviors.testing import RedisServer
from redisbehaviors.testing.server import Cluster
from redisbehaviors.testing.topology import SentinelSet, failover_of_slot
from tests.faults.support import PERSISTENCE, Midway, Retries, fill_up, killed_and_restarted, write_after

MESSAGES = 300
ROOM = "lobby"
MEMBER_BOUND = 60.0  # seconds the member may take to see the last message


@dataclass(eq=False)  # a Thread must stay hashable
class Member(threading.Thread):
    """Polls a feed until it has shown the last message: what it was shown, and what it was told."""

    chat: Chat
    last: str
    shown: list[str] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    disconnects: int = 0

    def __post_init__(self) -> None:
        super().__init__(daemon=True)
        self.feed = self.chat.feed(ROOM, me="bob")
        self.feed.open()

    def run(self) -> None:
        deadline = time.monotonic() + MEMBER_BOUND
        while self.last not in self.shown and time.monotonic() < deadline:
            for event in self.feed.poll(0.2):
                if isinstance(event, ChatMessage):
                    self.shown.append(event.body)
                elif isinstance(event, Gap):
                    self.gaps.append(event)
                elif isinstance(event, Disconnected):
                    self.disconnects += 1
        self.feed.close()

    def summary(self) -> str:
        duplicates = len(self.shown) - len(set(self.shown))
        return (
            f"member shown {len(set(self.shown))} ({duplicates} twice, {self.feed.stats.replayed} caught up from "
            f"the history), {len(self.gaps)} gaps reported, {self.disconnects} disconnects"
        )


def _send_all(chat: Chat, bodies: list[str], fault: Callable[[], None] | None = None) -> tuple[list[str], int]:
    """Send every body (retried under its operation id); returns (acknowledged bodies, failed attempts)."""
    acknowledged: list[str] = []
    retries = Retries()
    with Midway(fault, at=len(bodies) // 2) as midway:
        for index, body in enumerate(bodies):
            midway.reached(index)
            retries(lambda b=body: chat.send(ROOM, "ana", b, operation_id=f"send-{b}"))
            acknowledged.append(body)
    return acknowledged, retries.failed


def _sent(client: redis.Redis) -> tuple[list[str], str]:
    """200 messages sent: their bodies, and the id of the last one."""
    chat = Chat(client, namespace="ops")
    acknowledged, _ = _send_all(chat, [f"m{i}" for i in range(200)])
    return acknowledged, chat.last_id(ROOM)


def _history_check(chat: Chat, acknowledged: list[str]) -> dict[str, int]:
    """Lost and duplicated messages, and breaks of the prev chain, in the room's history."""
    stored = chat.history(ROOM, count=10 * MESSAGES)
    counts = Counter(message.body for message in stored)
    breaks = sum(1 for a, b in itertools.pairwise(stored) if b.prev != a.id)
    return {
        "stored": len(stored),
        "lost": sum(1 for body in acknowledged if body not in counts),
        "duplicated": sum(1 for n in counts.values() if n > 1),
        "chain breaks": breaks,
    }


def _failover_cell(publisher: Any, member: Any, fault: Callable[[], None], cell: str) -> dict[str, int]:
    chat = Chat(publisher, namespace="ops")
    bodies = [f"m{i}" for i in range(MESSAGES)]
    follower = Member(Chat(member, namespace="ops"), bodies[-1])
    follower.start()
    acknowledged, failed = _send_all(chat, bodies, fault)
    follower.join(MEMBER_BOUND + 5)
    figures = _history_check(chat, acknowledged)
    stored = {message.body for message in chat.history(ROOM, count=10 * MESSAGES)}
    missed = len(stored - set(follower.shown))  # in the history, never shown to the member
    print(
        f"chat, {cell}: {len(acknowledged)} sent; history {figures}; {follower.summary()}, {missed} missed; "
        f"{failed} failed attempts"
    )
    assert missed == 0
    return {**figures, "member gaps": len(follower.gaps), "disconnects": follower.disconnects}


@pytest.mark.slow
def test_sentinel_failover_under_load(fresh_sentinel_set: SentinelSet) -> None:
    topology = fresh_sentinel_set
    publisher = topology.primary_client()
    member = topology.primary_client()

    figures = _failover_cell(publisher, member, topology.kill_primary, "Sentinel failover mid-run")
    assert figures["duplicated"] == 0 and figures["lost"] <= 1  # only a send in flight at the kill can be lost
    publisher.close()
    member.close()


@pytest.mark.slow
def test_cluster_failover_under_load(stable_cluster: Cluster) -> None:
    publisher, member = stable_cluster.client(), stable_cluster.client()
    history = Chat(publisher, namespace="ops").keys.history(ROOM)
    fault = failover_of_slot(stable_cluster, publisher.keyslot(history))
    figures = _failover_cell(publisher, member, fault, "CLUSTER FAILOVER mid-run")
    assert (figures["lost"], figures["duplicated"], figures["chain breaks"]) == (0, 0, 0)
    publisher.close()
    member.close()


def _rejoin(client: redis.Redis, last_id: str) -> str:
    """A member that saw ``last_id`` comes back, and one more message is sent: what it is told."""
    chat = Chat(client, namespace="ops")
    with chat.feed(ROOM, since=last_id) as feed:
        caught_up = feed.open()
        sent = f"a new message {write_after(lambda: chat.send(ROOM, 'ana', 'late'), 'accepted')}"
        events = [*caught_up]
        wait_for_late = time.monotonic() + 5
        while sent.endswith("accepted") and not any(isinstance(e, ChatMessage) for e in events):
            assert time.monotonic() < wait_for_late, f"the late message never arrived: {events}"
            events += feed.poll(0.2)
    gaps = [f"gap ({e.reason})" for e in events if isinstance(e, Gap)]
    return f"{sent}; the member coming back is told: {', '.join(gaps) or 'no gap'}"


@pytest.mark.parametrize("policy", ["noeviction", "allkeys-lru"])
@pytest.mark.slow
def test_eviction(spawn_server: Callable[..., RedisServer], policy: str) -> None:
    client = spawn_server({"maxmemory-policy": policy}).client()
    acknowledged, last_id = _sent(client)
    fill_up(client)
    figures = _history_check(Chat(client, namespace="ops"), acknowledged)
    told = _rejoin(client, last_id)
    print(f"chat, {policy}: 200 messages; after filling: history {figures}; {told}")
    if policy == "noeviction":
        assert figures["lost"] == 0 and told.startswith("a new message refused with OOM")
    else:
        assert figures["lost"] == 200 and told.endswith("gap (reset)")
    client.close()


@pytest.mark.parametrize("persistence", PERSISTENCE)
@pytest.mark.slow
def test_restart(spawn_server: Callable[..., RedisServer], persistence: str) -> None:
    def after(client: redis.Redis, sent: tuple[list[str], str]) -> tuple[dict[str, int], str]:
        acknowledged, last_id = sent
        return _history_check(Chat(client, namespace="ops"), acknowledged), _rejoin(client, last_id)

    figures, told = killed_and_restarted(spawn_server(PERSISTENCE[persistence]), _sent, after)
    print(f"chat, kill -9 with {persistence}: 200 messages; after restart: history {figures}; {told}")
    if persistence == "none":
        assert figures["lost"] == 200 and told.endswith("gap (reset)")
    else:
        assert figures["lost"] == 0 and told.endswith("no gap")
