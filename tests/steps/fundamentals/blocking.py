"""Raw-Redis steps of features/fundamentals/list_commands.feature for a list pop left blocked in the
background: proving that it is still blocked once its timeout has passed on the server's clock, and
what it replies when another client pushes.

The scenario's :class:`BlockedPops` holds each background pop by client name.
"""

from __future__ import annotations

import shlex
import threading
from dataclasses import dataclass, field
from typing import Any

import pytest
import redis
from pytest_bdd import parsers, then, when

from redisbehaviors.testing import server_ms, wait_until
from tests.steps.redis_commands import RawCommands, normalize, reply_matches, show

WAIT = 10.0  # seconds: generous bound for anything polled on a loaded machine


@dataclass
class BlockedPop:
    """One blocking command sent from a thread, and how it ended."""

    client_id: int
    thread: threading.Thread | None = None
    reply: Any = None
    error: BaseException | None = None


@dataclass
class BlockedPops:
    by_client: dict[str, BlockedPop] = field(default_factory=dict)


@pytest.fixture
def blocked_pops() -> BlockedPops:
    return BlockedPops()


def _is_blocked(raw: RawCommands, client_id: int) -> bool:
    listed = raw.client("watcher").execute_command("CLIENT", "LIST", "ID", client_id)
    return f"id={client_id} " in listed and "flags=b" in listed


@when(parsers.re(r'client "(?P<who>[^"]+)" is blocked in "(?P<command>[^"]+)"'))
def client_blocked(raw: RawCommands, blocked_pops: BlockedPops, who: str, command: str) -> None:
    client = raw.client(who)
    pop = BlockedPop(client_id=client.client_id())
    args = raw.namespaced(shlex.split(command))

    def run() -> None:
        try:
            pop.reply = raw.strip(client.execute_command(*args))
        except redis.RedisError as exc:  # also the end of a pop still blocked when the scenario closes
            pop.error = exc

    pop.thread = threading.Thread(target=run, daemon=True)
    pop.thread.start()
    blocked_pops.by_client[who] = pop
    wait_until(lambda: _is_blocked(raw, pop.client_id), WAIT, what=f"client {who} to be blocked")


@then(parsers.parse('client "{who}" is still blocked once {ms:d} ms have passed on the server\'s clock'))
def still_blocked(raw: RawCommands, blocked_pops: BlockedPops, who: str, ms: int) -> None:
    clock = raw.client("clock")
    deadline = server_ms(clock) + ms
    wait_until(lambda: server_ms(clock) >= deadline, WAIT, what=f"{ms} ms to pass on the server's clock")
    pop = blocked_pops.by_client[who]
    assert pop.thread is not None and pop.thread.is_alive(), f"client {who} was answered {show(normalize(pop.reply))}"
    assert _is_blocked(raw, pop.client_id), f"client {who} is no longer blocked"


@then(parsers.parse('client "{who}" is woken with {value}'))
def client_woken(blocked_pops: BlockedPops, who: str, value: str) -> None:
    pop = blocked_pops.by_client[who]
    assert pop.thread is not None
    pop.thread.join(WAIT)
    assert not pop.thread.is_alive(), f"client {who} is still blocked after {WAIT} s"
    assert pop.error is None, f"client {who} got an error: {pop.error}"
    assert reply_matches(pop.reply, value), f"client {who} got {show(normalize(pop.reply))}, expected {value}"
