"""Shared vocabulary: send raw Redis commands and check raw replies.

Every topic's feature files can say, in plain Redis::

    Given the client has sent "SET counter 10"
    When the client sends "INCR counter"
    Then the reply is 11
    And "GET counter" replies "11"

Key names are moved into the scenario's own namespace: the server itself says which arguments
are keys (``COMMAND GETKEYS``), those are prefixed with the scenario's hash tag, and the prefix
is stripped from replies again.  So the text reads as plain Redis, the scenario is isolated
on a shared server, and all its keys share one cluster slot.

Replies are compared in one shape whatever the protocol: RESP3 maps become flat lists,
doubles become the strings RESP2 would send, ``nil`` is a null reply, and errors are matched
by the text they contain.
"""

from __future__ import annotations

import json
import re
import shlex
import time
from collections.abc import Callable
from typing import Any

import pytest
import redis
from pytest_bdd import parsers, step, then

Reply = Any


class RawCommands:
    """Named raw connections of one scenario, with the namespace rewriting described above."""

    def __init__(self, factory: Callable[..., Any], ns: str) -> None:
        self._factory = factory
        self._clients: dict[str, Any] = {}
        self.prefix = f"{{{ns}}}:"
        self.last: Reply = None
        self.error: redis.RedisError | None = None

    def client(self, name: str = "default") -> Any:
        if name not in self._clients:
            client = self._factory(single_connection_client=True)  # MULTI … EXEC needs one connection
            client.response_callbacks.clear()  # raw replies: what the server sent
            self._clients[name] = client
        return self._clients[name]

    def namespaced(self, args: list[str]) -> list[str]:
        try:
            # Asked on a connection of its own: on the scenario's connection it would be queued by MULTI.
            keys = self.client("_keys").execute_command("COMMAND", "GETKEYS", *args)
        except redis.ResponseError:
            return args  # the command takes no keys (or is malformed: the server will say so)
        out, position = list(args), 1
        for name in keys:
            while position < len(out) and out[position] != name:
                position += 1
            if position < len(out):
                out[position] = self.prefix + name
                position += 1
        return out

    def strip(self, reply: Reply) -> Reply:
        if isinstance(reply, str):
            return reply.replace(self.prefix, "")
        if isinstance(reply, list | tuple):
            return [self.strip(item) for item in reply]
        if isinstance(reply, dict):
            return {self.strip(k): self.strip(v) for k, v in reply.items()}
        if isinstance(reply, set):
            return {self.strip(item) for item in reply}
        return reply

    def send(self, command: str, who: str = "default") -> Reply:
        """Send one command; remember its reply or its error (which is not raised)."""
        args = self.namespaced(shlex.split(command))
        try:
            self.last, self.error = self.strip(self.client(who).execute_command(*args)), None
        except redis.ResponseError as exc:
            self.last, self.error = None, exc
        return self.last

    def must(self, command: str, who: str = "default") -> Reply:
        reply = self.send(command, who)
        if self.error is not None:
            raise AssertionError(f"{command!r} failed: {self.error}")
        return reply

    def close(self) -> None:
        for client in self._clients.values():
            client.close()


def normalize(reply: Reply) -> Reply:
    """One shape for RESP2 and RESP3 replies (see the module docstring)."""
    if isinstance(reply, bool):
        return int(reply)
    if isinstance(reply, redis.RedisError):  # an error inside an EXEC reply
        return f"error: {reply}"
    if isinstance(reply, float):
        return str(int(reply)) if reply.is_integer() and abs(reply) < 2**63 else repr(reply)
    if isinstance(reply, dict):
        return [normalize(x) for pair in reply.items() for x in pair]
    if isinstance(reply, set | frozenset):
        return sorted(normalize(x) for x in reply)
    if isinstance(reply, list | tuple):
        items = list(reply)
        # RESP3 sends scored replies (ZRANGE … WITHSCORES, ZPOPMIN, …) as [member, double] pairs;
        # RESP2 sends them flat.  Doubles never appear in RESP2, so this only touches RESP3.
        if items and all(isinstance(i, list) and len(i) == 2 and isinstance(i[1], float) for i in items):
            return [normalize(x) for pair in items for x in pair]
        return [normalize(x) for x in items]
    return reply


def expected(text: str) -> Reply:
    """Parse the literal a feature writes: 11, "OK", nil, ["a", "b"], [["a", 1]]."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return json.loads(re.sub(r"\bnil\b", "null", text))


def show(value: Reply) -> str:
    return json.dumps(value).replace("null", "nil")


def assert_reply(actual: Reply, text: str, *, any_order: bool = False) -> None:
    got, want = normalize(actual), expected(text)
    if any_order:
        got, want = sorted(got, key=show), sorted(want, key=show)
    assert got == want, f"expected {show(want)}, Redis replied {show(got)}"


@pytest.fixture
def raw(client_factory: Callable[..., Any], ns: str) -> Any:
    commands = RawCommands(client_factory, ns)
    yield commands
    commands.close()


# ------------------------------------------------------------------------------------------------ sending

COMMAND = r'"(?P<command>[^"]+)"'


@step(parsers.re(rf"the client (?:sends|sent|has sent) {COMMAND}"))
def send(raw: RawCommands, command: str) -> None:
    raw.send(command)


@step(parsers.re(rf'client "(?P<who>[^"]+)" (?:sends|sent|has sent) {COMMAND}'))
def send_as(raw: RawCommands, who: str, command: str) -> None:
    raw.send(command, who)


@step("the client has sent:")
def send_many(raw: RawCommands, docstring: str) -> None:
    for line in docstring.splitlines():
        if line.strip():
            raw.must(line.strip())


# ------------------------------------------------------------------------------------------------ checking


@then(parsers.re(r"the reply is an error saying \"(?P<text>.+)\""))
def reply_is_error(raw: RawCommands, text: str) -> None:
    assert raw.error is not None, f"expected an error saying {text!r}, Redis replied {show(normalize(raw.last))}"
    assert text in str(raw.error), f"expected an error saying {text!r}, got {raw.error!s}"


@then(parsers.re(r"the reply is (?P<value>(?!an error)(?!a number).+)"))
def reply_is(raw: RawCommands, value: str) -> None:
    assert raw.error is None, f"expected {value}, Redis replied the error {raw.error!s}"
    assert_reply(raw.last, value)


@then(parsers.re(r"the reply in any order is (?P<value>.+)"))
def reply_in_any_order(raw: RawCommands, value: str) -> None:
    assert raw.error is None, f"expected {value}, Redis replied the error {raw.error!s}"
    assert_reply(raw.last, value, any_order=True)


@then(parsers.re(r"the reply is a number from (?P<low>-?[\d.]+) to (?P<high>-?[\d.]+)"))
def reply_in_range(raw: RawCommands, low: str, high: str) -> None:
    assert raw.error is None, f"Redis replied the error {raw.error!s}"
    assert float(low) <= float(raw.last) <= float(high), f"expected {low}..{high}, got {raw.last!r}"


@then(parsers.re(rf"{COMMAND} replies an error saying \"(?P<text>.+)\""))
def command_replies_error(raw: RawCommands, command: str, text: str) -> None:
    raw.send(command)
    reply_is_error(raw, text)


@then(parsers.re(rf"{COMMAND} replies a number from (?P<low>-?[\d.]+) to (?P<high>-?[\d.]+)"))
def command_replies_range(raw: RawCommands, command: str, low: str, high: str) -> None:
    raw.send(command)
    reply_in_range(raw, low, high)


@then(parsers.re(rf"{COMMAND} replies in any order (?P<value>.+)"))
def command_replies_any_order(raw: RawCommands, command: str, value: str) -> None:
    raw.send(command)
    reply_in_any_order(raw, value)


@then(parsers.re(rf"{COMMAND} replies (?P<value>(?!an error)(?!a number)(?!in any order).+)"))
def command_replies(raw: RawCommands, command: str, value: str) -> None:
    raw.send(command)
    reply_is(raw, value)


@then(parsers.re(rf"within (?P<seconds>[\d.]+) seconds? {COMMAND} replies (?P<value>.+)"))
def eventually_replies(raw: RawCommands, seconds: str, command: str, value: str) -> None:
    """Poll with a deadline instead of sleeping: the behaviour must show up within the bound."""
    deadline = time.monotonic() + float(seconds)
    while True:
        raw.send(command)
        if raw.error is None and normalize(raw.last) == expected(value):
            return
        if time.monotonic() > deadline:
            reply_is(raw, value)  # fails with the last reply in the message
        time.sleep(0.01)
