"""Steps of features/operations/eviction.feature: maxmemory on the run's own server.

The limit is set with ``server_config`` (restored after the scenario, owned servers only). A limit of
1 byte is always exceeded, so every policy shows at once what it may evict and what it refuses; a limit
some kilobytes below the memory in use makes a policy evict only part of the keys, in its own order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import redis
from pytest_bdd import given, parsers, then, when

from tests.steps.redis_commands import RawCommands, slot_owner_url

SetConfig = Callable[[str, str], None]


@dataclass
class Memory:
    """The server's memory settings of one scenario and the eviction count when the limit was set."""

    config: SetConfig
    target: Any
    ns: str
    evicted_before: int = 0

    def info(self, section: str) -> dict[str, Any]:
        if self.target.mode == "cluster":  # the node that holds the scenario's keys (see the raw fixture)
            with redis.Redis.from_url(slot_owner_url(self.target, self.ns), decode_responses=True) as node:
                return node.info(section)
        with self.target.client() as client:
            return client.info(section)


@pytest.fixture
def memory(server_config: SetConfig, redis_target: Any, ns: str) -> Memory:
    return Memory(server_config, redis_target, ns)


@given(parsers.parse('the memory policy is "{policy}"'))
def memory_policy(memory: Memory, policy: str) -> None:
    memory.config("maxmemory-policy", policy)
    # Sample every candidate: with a handful of keys the approximated LRU/LFU/TTL order is then exact.
    memory.config("maxmemory-samples", "10")


@given(parsers.parse('the server setting "{name}" is "{value}"'))
def server_setting(memory: Memory, name: str, value: str) -> None:
    memory.config(name, value)


def _limit(memory: Memory, limit: int) -> None:
    memory.evicted_before = int(memory.info("stats")["evicted_keys"])
    memory.config("maxmemory", str(limit))


@given("the memory limit is 1 byte")
def limit_one_byte(memory: Memory) -> None:
    _limit(memory, 1)


@given(parsers.parse("the memory limit is {kb:d} kB below what the server uses"))
def limit_below_use(memory: Memory, kb: int) -> None:
    _limit(memory, int(memory.info("memory")["used_memory"]) - kb * 1024)


def _payload(kb: int) -> str:
    return "x" * (kb * 1024)


@given(parsers.re(r'the key "(?P<name>[^"]+)" holds (?P<kb>\d+) kB(?P<extra>.*)'))
def big_key(raw: RawCommands, memory: Memory, name: str, kb: str, extra: str) -> None:
    """``… and expires in 100 seconds``, ``… and has been idle for 1000 seconds``,
    ``… and has an access frequency of 200`` (the last two through RESTORE IDLETIME / FREQ)."""
    key = raw.prefix + name
    with memory.target.client(decode_responses=False) as client:
        client.set(key, _payload(int(kb)))
        words = extra.split()
        if extra.startswith(" and expires in"):
            client.expire(key, int(words[3]))
        elif extra.startswith(" and has been idle for"):
            _restore(client, key, "IDLETIME", words[5])
        elif extra.startswith(" and has an access frequency of"):
            _restore(client, key, "FREQ", words[6])
        else:
            assert not extra, f"unknown key option {extra!r}"


def _restore(client: Any, key: str, option: str, value: str) -> None:
    """RESTORE sets the idle time (LRU) or the frequency counter (LFU) of the policy in force."""
    payload = client.dump(key)
    client.delete(key)
    client.execute_command("RESTORE", key, 0, payload, option, value)


@when("the client runs the script:")
def run_script(raw: RawCommands, docstring: str) -> None:
    raw.execute(["EVAL", docstring, 0])


@when(parsers.parse('the client runs the script with the key "{name}":'))
def run_script_with_key(raw: RawCommands, name: str, docstring: str) -> None:
    raw.execute(["EVAL", docstring, 1, name])


@then(parsers.parse("the server has evicted {count:d} keys since the limit was set"))
def evicted(memory: Memory, count: int) -> None:
    assert int(memory.info("stats")["evicted_keys"]) - memory.evicted_before == count


@given(parsers.re(r'the client has sent "(?P<command>[^"]+)" (?P<times>\d+) times'))
def sent_repeatedly(raw: RawCommands, command: str, times: str) -> None:
    for _ in range(int(times)):
        raw.must(command)
