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

Replies are compared in one shape whatever the protocol: RESP3 maps become flat lists, ``nil`` is
a null reply, and a RESP3 double is compared by the text the server sent for it (``,0.1`` reads
``"0.1"``), which is the bulk string RESP2 sends for the same reply (checked on 6.2, 7.0 and 8.2).
Errors are compared by their whole text, error code included: ``ERR wrong number of arguments …``.

The public API other topics build on: :class:`RawCommands` (the ``raw`` fixture), :func:`assert_reply`,
:func:`reply_matches`, :class:`ErrorPattern`, :func:`expected`, :func:`normalize`, :func:`show` and :func:`error_text`.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
import redis
from pytest_bdd import parsers, step, then

# redis-py's own RESP3 parser, extended below; the import is private API, pinned by the test extra's redis.
from redis._parsers.resp3 import _RESP3Parser
from redis.utils import SENTINEL

from redisbehaviors.testing import wait_until

Reply = Any


# ------------------------------------------------------------------------------------------------ replies


class Double(float):
    """A RESP3 double that remembers the text the server sent (redis-py would keep only the float)."""

    text: str

    def __new__(cls, text: str) -> Double:
        value = super().__new__(cls, float(text))
        value.text = text
        return value


class DoubleTextParser(_RESP3Parser):
    """RESP3 parser whose doubles are :class:`Double`: the server's formatting stays checkable."""

    def _read_response(
        self, disable_decoding: bool = False, push_request: bool = False, timeout: Any = SENTINEL
    ) -> Any:
        start = self._buffer.get_pos()
        line = self._buffer.readline(timeout=timeout)
        if line[:1] == b",":
            return Double(line[1:].decode())
        self._buffer.rewind(start)  # anything else: redis-py's parser reads it from the start
        return super()._read_response(disable_decoding=disable_decoding, push_request=push_request, timeout=timeout)


def error_text(error: BaseException) -> str:
    """The whole error line the server sent, code included (redis-py strips codes it maps to a class)."""
    code = getattr(error, "status_code", None)
    return f"{code} {error}" if code else str(error)


class RawCommands:
    """Named raw connections of one scenario, with the namespace rewriting described above.

    ``last`` and ``error`` are the outcome of the latest command: its reply (prefix stripped), or
    the Redis error it got instead (which is not raised).  Steps of any topic that run a command
    some other way report it here with :meth:`record`, so the shared ``the reply is …`` steps check it.
    """

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

    def namespaced(self, args: Sequence[object]) -> list[str]:
        """The arguments with every key name moved into the scenario's namespace."""
        out = [str(a) for a in args]
        try:
            # Asked on a connection of its own: on the scenario's connection it would be queued by MULTI.
            keys = self.client("_keys").execute_command("COMMAND", "GETKEYS", *out)
        except redis.ResponseError:
            return out  # the command takes no keys (or is malformed: the server will say so)
        position = 1
        for name in keys:
            while position < len(out) and out[position] != name:
                position += 1
            if position >= len(out):  # Redis 6.2 lists some keys out of order (ZUNIONSTORE's destination last)
                position = next((i for i in range(1, len(out)) if out[i] == name), len(out))
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

    @property
    def error_line(self) -> str | None:
        """The whole line of the latest error, code included, key names as the scenario wrote them."""
        return None if self.error is None else self.strip(error_text(self.error))

    def record(self, call: Callable[[], Reply]) -> Reply:
        """Run ``call`` (one command, sent any way) and remember its reply or its Redis error."""
        try:
            self.last, self.error = self.strip(call()), None
        except redis.ResponseError as exc:
            self.last, self.error = None, exc
        return self.last

    def execute(self, args: Sequence[object], who: str = "default") -> Reply:
        """Send one command given as arguments (a script body stays one argument); see :meth:`send`."""
        namespaced = self.namespaced(args)
        return self.record(lambda: self.client(who).execute_command(*namespaced))

    def send(self, command: str, who: str = "default") -> Reply:
        """Send one command line; remember its reply or its error (which is not raised)."""
        return self.execute(shlex.split(command), who)

    def must(self, command: str, who: str = "default") -> Reply:
        reply = self.send(command, who)
        if self.error is not None:
            raise AssertionError(f"{command!r} failed: {error_text(self.error)}")
        return reply

    def close(self) -> None:
        for client in self._clients.values():
            client.close()


def normalize(reply: Reply) -> Reply:
    """One shape for RESP2 and RESP3 replies (see the module docstring)."""
    if isinstance(reply, bool):
        return int(reply)
    if isinstance(reply, redis.RedisError):  # an error inside an EXEC reply
        return f"error: {error_text(reply)}"
    if isinstance(reply, Double):
        return reply.text
    if isinstance(reply, float):  # a double from a client without DoubleTextParser: the closest text
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


def reply_matches(actual: Reply, text: str, *, any_order: bool = False) -> bool:
    got, want = normalize(actual), expected(text)
    if any_order:
        got, want = sorted(got, key=show), sorted(want, key=show)
    return bool(got == want)


def assert_reply(actual: Reply, text: str, *, any_order: bool = False) -> None:
    assert reply_matches(actual, text, any_order=any_order), (
        f"expected {show(expected(text))}, Redis replied {show(normalize(actual))}"
    )


def raw_client_options(redis_target: Any) -> dict[str, Any]:
    """Options for raw connections: under RESP3 keep the text of doubles (standalone only: the
    cluster client does not pass a parser to its nodes, so its doubles keep redis-py's float)."""
    if redis_target.protocol == 3 and redis_target.mode == "standalone":
        return {"parser_class": DoubleTextParser}
    return {}


def slot_owner_url(redis_target: Any, ns: str) -> str:
    """The URL of the cluster primary that owns the slot of the scenario's hash tag ``{<ns>}``."""
    with redis_target.client() as cluster:
        node = cluster.get_node_from_key(f"{{{ns}}}:")
    return f"redis://{node.host}:{node.port}"


@pytest.fixture
def raw(client_factory: Callable[..., Any], ns: str, redis_target: Any) -> Iterator[RawCommands]:
    """Raw connections of one scenario.  On a cluster they are plain connections to the primary that owns
    the slot of ``{<ns>}``: every key a scenario names lives in that slot, so MULTI … EXEC, scripts, the
    script cache and keyspace-wide commands (DBSIZE, KEYS, SCAN) see one node as a standalone server would."""
    if redis_target.mode != "cluster":
        options = raw_client_options(redis_target)
        commands = RawCommands(lambda **kw: client_factory(**options, **kw), ns)
    else:
        url, options = slot_owner_url(redis_target, ns), {"decode_responses": True, "protocol": redis_target.protocol}
        if redis_target.protocol == 3:
            options["parser_class"] = DoubleTextParser
        commands = RawCommands(lambda **kw: redis.Redis.from_url(url, **options, **kw), ns)
    yield commands
    commands.close()


# ------------------------------------------------------------------------------------------------ sending

COMMAND = r'"(?P<command>[^"]+)"'
# The literal a reply is compared with (see ``expected``): nil, a number, a "string" or a [list].
# Precise on purpose, so "the reply is an error saying …" or "… replies in any order …" never match it.
LITERAL = r'(?P<value>nil|-?\d[\d.e+-]*|".*"|\[.*\])'
# What a step says of an error line: all of it, or how it starts (and ends) around a part that legitimately
# varies, such as the SHA-1 a script error names.  See ``ErrorPattern``.
ERROR = r'an error (?:saying "(?P<saying>.*)"|starting with "(?P<start>.*?)"(?: and ending with "(?P<end>.*)")?)'


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


@dataclass(frozen=True)
class ErrorPattern:
    """The error line a feature expects: ``saying`` the whole of it, or ``start`` (and ``end``) of it.

    The line is the one the server sent, code included (``ERR …``, ``WRONGTYPE …``), with key names
    as the scenario wrote them.
    """

    saying: str | None = None
    start: str | None = None
    end: str | None = None

    def matches(self, line: str | None) -> bool:
        if line is None:
            return False
        if self.saying is not None:
            return line == self.saying
        return line.startswith(self.start or "") and line.endswith(self.end or "")

    def __str__(self) -> str:
        if self.saying is not None:
            return f"saying {self.saying!r}"
        return f"starting with {self.start!r}" + (f" and ending with {self.end!r}" if self.end else "")


def assert_error(raw: RawCommands, pattern: ErrorPattern) -> None:
    assert raw.error is not None, f"expected an error {pattern}, Redis replied {show(normalize(raw.last))}"
    assert pattern.matches(raw.error_line), f"expected an error {pattern}, got {raw.error_line!r}"


def assert_no_error(raw: RawCommands, value: str) -> None:
    assert raw.error is None, f"expected {value}, Redis replied the error {raw.error_line!r}"


@then(parsers.re(rf"the reply is {ERROR}"))
def reply_is_error(raw: RawCommands, saying: str | None, start: str | None, end: str | None) -> None:
    """``saying``: the whole error line the server sent, code included (``ERR wrong number of arguments
    for 'hset' command``, ``WRONGTYPE Operation against …``).  ``starting with`` (``and ending with``)
    is for a line with a part that legitimately varies, such as the SHA-1 a script error names."""
    assert_error(raw, ErrorPattern(saying, start, end))


@then(parsers.re(rf"the reply is {LITERAL}"))
def reply_is(raw: RawCommands, value: str) -> None:
    assert_no_error(raw, value)
    assert_reply(raw.last, value)


@then(parsers.re(r"the reply in any order is (?P<value>.+)"))
def reply_in_any_order(raw: RawCommands, value: str) -> None:
    assert_no_error(raw, value)
    assert_reply(raw.last, value, any_order=True)


@then(parsers.re(r"the reply is a number from (?P<low>-?[\d.]+) to (?P<high>-?[\d.]+)"))
def reply_in_range(raw: RawCommands, low: str, high: str) -> None:
    assert_no_error(raw, f"a number from {low} to {high}")
    assert float(low) <= float(raw.last) <= float(high), f"expected {low}..{high}, got {raw.last!r}"


@then(parsers.re(rf"{COMMAND} replies {ERROR}"))
def command_replies_error(
    raw: RawCommands, command: str, saying: str | None, start: str | None, end: str | None
) -> None:
    """As ``the reply is an error saying …``, for the reply to ``command``."""
    raw.send(command)
    assert_error(raw, ErrorPattern(saying, start, end))


@then(parsers.re(rf"{COMMAND} replies a number from (?P<low>-?[\d.]+) to (?P<high>-?[\d.]+)"))
def command_replies_range(raw: RawCommands, command: str, low: str, high: str) -> None:
    raw.send(command)
    reply_in_range(raw, low, high)


@then(parsers.re(rf"{COMMAND} replies in any order (?P<value>.+)"))
def command_replies_any_order(raw: RawCommands, command: str, value: str) -> None:
    raw.send(command)
    reply_in_any_order(raw, value)


@then(parsers.re(rf"{COMMAND} replies {LITERAL}"))
def command_replies(raw: RawCommands, command: str, value: str) -> None:
    raw.send(command)
    reply_is(raw, value)


@then(parsers.re(rf"within (?P<seconds>[\d.]+) seconds? {COMMAND} replies {LITERAL}"))
def eventually_replies(raw: RawCommands, seconds: str, command: str, value: str) -> None:
    """Poll with a deadline instead of sleeping: the behaviour must show up within the bound."""

    def seen() -> bool:
        raw.send(command)
        return raw.error is None and reply_matches(raw.last, value)

    try:
        wait_until(seen, float(seconds), interval=0.01, what=f"{command!r} to reply {value}")
    except TimeoutError:
        reply_is(raw, value)  # fails with the last reply in the message
        raise
