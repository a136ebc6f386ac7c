"""Back-pressure steps: a publisher floods a channel until the server drops the slow subscriber.

The flood's figures (how many messages were published, how many the fast subscriber read) are
the typed result of the ``When`` step, handed to the checks as the ``flood`` fixture.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pytest
import redis
from pytest_bdd import parsers, then, when

from redisbehaviors.testing import wait_until
from tests.steps.pubsub.subscribers import WAIT, Subscriber, Subscribers
from tests.steps.redis_commands import RawCommands, slot_owner_url

MAX_PUBLISHES = 4000  # bound of the flood: the output buffer limit must bite well before


@dataclass
class Flood:
    """What one flood did: messages published, and messages the subscriber that kept reading got."""

    reader: str
    published: int = 0
    received: int = 0


def _drain(reader: Subscriber) -> int:
    """Read every message already buffered for ``reader``, without waiting."""
    count = 0
    while reader.connection.can_read(timeout=0):
        frame = reader.frame()
        assert frame[0] == "message", frame
        count += 1
    return count


@when(
    parsers.re(
        r'the publisher floods "(?P<channel>[^"]+)" with (?P<kb>\d+) kB messages, '
        r'while subscriber "(?P<fast>[^"]+)" keeps reading, '
        r"until only (?P<left>\d+) subscribers? receives? them"
    ),
    target_fixture="flood",
)
def flood_channel(
    raw: RawCommands, subscribers: Subscribers, ns: str, channel: str, kb: str, fast: str, left: str
) -> Flood:
    """Publish big messages until PUBLISH counts ``left`` receivers (bounded: MAX_PUBLISHES)."""
    reader = subscribers[fast]
    payload = "x" * (int(kb) * 1024)
    client = raw.client("publisher")
    flood = Flood(reader=fast)
    for _ in range(MAX_PUBLISHES):
        receivers = client.execute_command("PUBLISH", reader.channel(channel), payload)
        flood.published += 1
        flood.received += _drain(reader)
        if receivers == int(left):
            break
    else:
        raise AssertionError(f"PUBLISH counted more than {left} receivers for {flood.published} publishes")
    deadline = time.monotonic() + WAIT
    while flood.received < flood.published and time.monotonic() < deadline:
        if reader.connection.can_read(timeout=0.5):
            flood.received += _drain(reader)
    return flood


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
def fast_got_all(flood: Flood, who: str) -> None:
    assert flood.reader == who, f"the flood was read by subscriber {flood.reader!r}, not {who!r}"
    assert flood.received == flood.published, flood


@then(parsers.re(r'the server log says "(?P<text>[^"]+)"'))
def server_log(redis_target: Any, ns: str, text: str) -> None:
    server = redis_target.server
    if redis_target.cluster is not None:  # the node the scenario's subscribers were connected to
        port = int(slot_owner_url(redis_target, ns).rsplit(":", 1)[1])
        server = next(node for node in redis_target.cluster.nodes if node.port == port)
    if server is None:
        pytest.skip("the server's log is only readable when the suite started it")
    wait_until(lambda: text in server.log_path.read_text(errors="replace"), 5, what=f"{text!r} in the log")
