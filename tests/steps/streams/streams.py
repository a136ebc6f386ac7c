"""Raw Streams steps: stream-shaped replies, the pending entries list, and blocked reads.

Raw stream commands go through the shared vocabulary (``tests/steps/redis_commands.py``).  Two
reply shapes need help to read the same under RESP2 and RESP3:

* ``XREAD``/``XREADGROUP`` answer ``[[stream, entries]]`` in RESP2 but ``{stream: entries}`` in
  RESP3, so ``the stream read delivers …`` checks that the reply names one stream, the one read,
  and compares its entries;
* ``XPENDING`` rows carry an idle time that changes with every millisecond, so ``the pending
  entries of group …`` compares ``[id, consumer, deliveries]`` and idle times are checked
  against bounds.

Reads left blocked in the background are this module's typed world: the ``blocked_reads``
fixture, one :class:`BackgroundRead` per client name.
"""

from __future__ import annotations

import itertools
import shlex
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import redis
from pytest_bdd import given, parsers, then, when

from redisbehaviors.testing import server_ms, wait_until
from tests.steps.redis_commands import RawCommands, expected, normalize, show

WAIT = 10.0  # seconds: generous bound for anything polled on a loaded machine

# ------------------------------------------------------------------------------------------------ raw replies


def _read_entries(reply: Any, stream: str) -> Any:
    """Entries of a one-stream XREAD/XREADGROUP reply, which must name ``stream`` (None when nil)."""
    if reply is None:
        return None
    streams = list(reply.items()) if isinstance(reply, dict) else [(name, entries) for name, entries in reply]
    names = [name for name, _ in streams]
    assert names == [stream], f"expected a reply for the stream {stream!r} only, it names {show(names)}"
    return streams[0][1]


def _peek(raw: RawCommands, command: str) -> Any:
    """Send a command for a check without replacing the reply the scenario is looking at."""
    last, error = raw.last, raw.error
    try:
        return normalize(raw.must(command))
    finally:
        raw.last, raw.error = last, error


def _scenario_stream(raw: RawCommands) -> str:
    """The one stream of the scenario: what ``the stream read …`` steps mean by "the stream"."""
    cursor, names = "0", []
    while True:
        cursor, batch = _peek(raw, f"SCAN {cursor} MATCH {raw.prefix}* TYPE stream COUNT 1000")
        names += batch
        if cursor == "0":
            break
    assert len(names) == 1, f"'the stream read' needs the scenario to hold one stream, it holds {show(names)}"
    return names[0]


def _pairs(flat: list[Any]) -> dict[str, Any]:
    return dict(zip(flat[::2], flat[1::2], strict=True))


@given(parsers.re(r'the stream "(?P<stream>[^"]+)" has the entries (?P<first>\d+)-0 to (?P<last>\d+)-0'))
def stream_with_entries(raw: RawCommands, stream: str, first: str, last: str) -> None:
    client = raw.client("setup")
    pipe = client.pipeline(transaction=False)
    name = raw.prefix + stream
    for ms in range(int(first), int(last) + 1):
        pipe.execute_command("XADD", name, f"{ms}-0", "n", str(ms))
    pipe.execute()


@given(parsers.parse("the server keeps at most {count:d} entries per stream node"))
def stream_node_size(raw: RawCommands, count: int) -> None:
    reply = _peek(raw, "CONFIG GET stream-node-max-entries")
    assert reply == ["stream-node-max-entries", str(count)], f"CONFIG GET stream-node-max-entries: {show(reply)}"


@then(parsers.re(r"the stream read delivers the ids (?P<value>\[.*\])"))
def read_delivers_ids(raw: RawCommands, value: str) -> None:
    assert raw.error is None, f"Redis replied the error {raw.error!s}"
    entries = normalize(_read_entries(raw.last, _scenario_stream(raw)))
    assert entries is not None, f"expected the ids {value}, Redis replied nil"
    got = [entry[0] for entry in entries]
    assert got == expected(value), f"expected the ids {value}, got {show(got)}"


@then(parsers.re(r"the stream read delivers (?P<value>(?!the ids).+)"))
def read_delivers(raw: RawCommands, value: str) -> None:
    assert raw.error is None, f"Redis replied the error {raw.error!s}"
    got = normalize(_read_entries(raw.last, _scenario_stream(raw)))
    assert got == expected(value), f"expected {value}, Redis delivered {show(got)}"


@then(parsers.re(r"the entries in the reply have the ids (?P<value>\[.*\])"))
def reply_entry_ids(raw: RawCommands, value: str) -> None:
    assert raw.error is None, f"Redis replied the error {raw.error!s}"
    got = [entry[0] for entry in normalize(raw.last)]
    assert got == expected(value), f"expected the ids {value}, got {show(got)}"


@then(parsers.parse("the reply holds {count:d} strictly increasing stream ids"))
def reply_increasing_ids(raw: RawCommands, count: int) -> None:
    ids = normalize(raw.last)
    assert len(ids) == count, f"expected {count} ids, got {show(ids)}"
    keys = [tuple(int(part) for part in i.split("-")) for i in ids]
    assert all(a < b for a, b in itertools.pairwise(keys)), f"ids do not increase: {show(ids)}"


@then(parsers.re(r'the stream "(?P<stream>[^"]+)" holds the ids (?P<value>\[.*\])'))
def stream_holds_ids(raw: RawCommands, stream: str, value: str) -> None:
    got = [entry[0] for entry in _peek(raw, f"XRANGE {stream} - +")]
    assert got == expected(value), f"expected {stream} to hold {value}, it holds {show(got)}"


@then(parsers.re(r'the pending entries of group "(?P<group>[^"]+)" on "(?P<stream>[^"]+)" are (?P<value>\[.*\])'))
def pending_entries(raw: RawCommands, group: str, stream: str, value: str) -> None:
    rows = _peek(raw, f"XPENDING {stream} {group} - + 1000")
    got = [[entry_id, consumer, deliveries] for entry_id, consumer, _idle, deliveries in rows]
    assert got == expected(value), f"expected pending [id, consumer, deliveries] {value}, got {show(got)}"


@then(parsers.re(r'the XPENDING reply is one row, for "(?P<entry>[^"]+)" owned by "(?P<consumer>[^"]+)"'))
def one_pending_row(raw: RawCommands, entry: str, consumer: str) -> None:
    assert raw.error is None, f"Redis replied the error {raw.error!s}"
    rows = normalize(raw.last)
    assert len(rows) == 1 and rows[0][:2] == [entry, consumer], f"XPENDING rows: {show(rows)}"
    assert rows[0][3] == 1 and isinstance(rows[0][2], int), f"XPENDING row: {show(rows[0])}"


@then(
    parsers.re(
        r'entry "(?P<entry>[^"]+)" of group "(?P<group>[^"]+)" on "(?P<stream>[^"]+)" has been idle '
        r"(?P<how>at least|less than) (?P<ms>\d+) ms"
    )
)
def entry_idle(raw: RawCommands, entry: str, group: str, stream: str, how: str, ms: str) -> None:
    rows = _peek(raw, f"XPENDING {stream} {group} {entry} {entry} 1")
    assert rows, f"{entry} is not pending in group {group}"
    idle = rows[0][2]
    if how == "at least":
        assert idle >= int(ms), f"{entry} has been idle {idle} ms, expected at least {ms}"
    else:
        assert idle < int(ms), f"{entry} has been idle {idle} ms, expected less than {ms}"


@then(
    parsers.re(
        r'group "(?P<group>[^"]+)" on "(?P<stream>[^"]+)" reports '
        r'(?P<name>[\w-]+) (?P<value>nil|-?\d+|"[^"]*")'
    )
)
def group_reports(raw: RawCommands, group: str, stream: str, name: str, value: str) -> None:
    groups = [_pairs(row) for row in _peek(raw, f"XINFO GROUPS {stream}")]
    info = next((g for g in groups if g["name"] == group), None)
    assert info is not None, f"no group {group!r} on {stream!r}: {show(groups)}"
    # A field the server does not send is not a nil field: "lag nil" must not pass on a server without lag.
    assert name in info, f"XINFO GROUPS has no field {name!r} for group {group!r}: {show(info)}"
    assert info[name] == expected(value), f"XINFO GROUPS {name}: expected {value}, got {show(info[name])}"


@then(
    parsers.re(
        r'the consumers of group "(?P<group>[^"]+)" on "(?P<stream>[^"]+)" and their pending counts are '
        r"(?P<value>\[.*\])"
    )
)
def consumers_pending(raw: RawCommands, group: str, stream: str, value: str) -> None:
    rows = [_pairs(row) for row in _peek(raw, f"XINFO CONSUMERS {stream} {group}")]
    got = [[row["name"], row["pending"]] for row in rows]
    assert got == expected(value), f"expected consumers {value}, got {show(got)}"


CONSUMER = r'consumer "(?P<consumer>[^"]+)" of group "(?P<group>[^"]+)" on "(?P<stream>[^"]+)"'


def _consumer_info(raw: RawCommands, consumer: str, group: str, stream: str) -> dict[str, Any]:
    rows = [_pairs(row) for row in _peek(raw, f"XINFO CONSUMERS {stream} {group}")]
    info = next((row for row in rows if row["name"] == consumer), None)
    assert info is not None, f"no consumer {consumer!r} in group {group!r} on {stream!r}: {show(rows)}"
    return info


@then(parsers.re(rf"{CONSUMER} reports (?P<name>[\w-]+) (?P<value>-?\d+|\"[^\"]*\")$"))
def consumer_reports(raw: RawCommands, consumer: str, group: str, stream: str, name: str, value: str) -> None:
    info = _consumer_info(raw, consumer, group, stream)
    assert name in info, f"XINFO CONSUMERS has no field {name!r} for consumer {consumer!r}: {show(info)}"
    assert info[name] == expected(value), f"XINFO CONSUMERS {name}: expected {value}, got {show(info[name])}"


@then(parsers.re(rf"{CONSUMER} reports no (?P<name>[\w-]+) field$"))
def consumer_lacks(raw: RawCommands, consumer: str, group: str, stream: str, name: str) -> None:
    info = _consumer_info(raw, consumer, group, stream)
    assert name not in info, f"XINFO CONSUMERS reports {name} {show(info[name])} for consumer {consumer!r}"


@then(parsers.re(rf"{CONSUMER} has been (?P<name>idle|inactive) (?P<how>at least|less than) (?P<ms>\d+) ms$"))
def consumer_idle(raw: RawCommands, consumer: str, group: str, stream: str, name: str, how: str, ms: str) -> None:
    info = _consumer_info(raw, consumer, group, stream)
    assert name in info, f"XINFO CONSUMERS has no field {name!r} for consumer {consumer!r}: {show(info)}"
    value = info[name]
    if how == "at least":
        assert value >= int(ms), f"consumer {consumer} reports {name} {value} ms, expected at least {ms}"
    else:
        assert 0 <= value < int(ms), f"consumer {consumer} reports {name} {value} ms, expected less than {ms}"


@given(parsers.parse("{ms:d} ms have passed on the server's clock"))
def time_passes(raw: RawCommands, ms: int) -> None:
    """Idle times are the server's: wait for its clock, polled, instead of sleeping on the client's."""
    clock = raw.client("clock")
    deadline = server_ms(clock) + ms
    wait_until(lambda: server_ms(clock) >= deadline, WAIT, what=f"{ms} ms to pass on the server's clock")


# ------------------------------------------------------------------------------------------------ blocking


@dataclass
class BackgroundRead:
    """A blocking XREAD/XREADGROUP of one stream, running on its own thread, and what it got."""

    stream: str
    thread: threading.Thread = field(init=False)
    reply: Any = None
    error: BaseException | None = None

    def start(self, call: Callable[[], Any]) -> None:
        self.thread = threading.Thread(target=self._run, args=(call,), daemon=True)
        self.thread.start()

    def _run(self, call: Callable[[], Any]) -> None:
        try:
            self.reply = call()
        except redis.RedisError as exc:  # also the end of a read still blocked when the scenario closes
            self.error = exc


@dataclass
class BlockedReads:
    """The reads of one scenario left blocked in the background, by client name."""

    by_client: dict[str, BackgroundRead] = field(default_factory=dict)


@pytest.fixture
def blocked_reads() -> BlockedReads:
    return BlockedReads()


def _stream_read(args: list[str]) -> str:
    """The one stream a blocking read names after STREAMS (keys first, then as many ids)."""
    after = args[[a.upper() for a in args].index("STREAMS") + 1 :]
    assert len(after) == 2, f"a blocked read of one stream is expected, got STREAMS {' '.join(after)}"
    return after[0]


@when(parsers.re(r'client "(?P<who>[^"]+)" is blocked in "(?P<command>[^"]+)"'))
def client_blocked(raw: RawCommands, blocked_reads: BlockedReads, who: str, command: str) -> None:
    args = shlex.split(command)
    client = raw.client(who)
    client_id = client.client_id()
    namespaced = raw.namespaced(args)
    background = BackgroundRead(stream=_stream_read(args))
    background.start(lambda: raw.strip(client.execute_command(*namespaced)))
    blocked_reads.by_client[who] = background
    watcher = raw.client("watcher")

    def blocked() -> bool:
        listed = watcher.execute_command("CLIENT", "LIST", "ID", client_id)
        return f"id={client_id} " in listed and "flags=b" in listed

    wait_until(blocked, WAIT, what=f"client {who} to be blocked")


@then(parsers.re(r'client "(?P<who>[^"]+)" is woken with the ids (?P<value>\[.*\])'))
def client_woken(blocked_reads: BlockedReads, who: str, value: str) -> None:
    background = blocked_reads.by_client[who]
    background.thread.join(WAIT)
    assert not background.thread.is_alive(), f"client {who} is still blocked after {WAIT} s"
    assert background.error is None, f"client {who} got an error: {background.error}"
    got = [entry[0] for entry in normalize(_read_entries(background.reply, background.stream))]
    assert got == expected(value), f"client {who} got the ids {show(got)}, expected {value}"


# ------------------------------------------------------------------------------------------------ timeouts


@dataclass
class TimedCalls:
    """Wall-clock milliseconds of blocking calls that timed out, by the server's ``hz``."""

    by_hz: dict[int, list[float]] = field(default_factory=dict)


@pytest.fixture
def timed_calls() -> TimedCalls:
    return TimedCalls()


@when(parsers.re(r'the client times (?P<count>\d+) calls of "(?P<command>[^"]+)" in a row at hz (?P<hzs>[\d ,and]+)$'))
def time_calls(
    raw: RawCommands,
    server_config: Callable[[str, str], None],
    timed_calls: TimedCalls,
    count: str,
    command: str,
    hzs: str,
) -> None:
    """Each call starts as the previous one ends: after the first, each starts just after a server wake-up."""
    for hz in (int(h) for h in hzs.replace("and", ",").split(",")):
        server_config("hz", str(hz))
        raw.must("PING")  # the setting is in force, and the server is idle again
        times = []
        for _ in range(int(count)):
            started = time.perf_counter()
            assert raw.must(command) is None, f"{command!r} got entries: nothing was expected"
            times.append((time.perf_counter() - started) * 1000)
        timed_calls.by_hz[hz] = times


@then(parsers.parse("every call at hz {hz:d} but the first took at least {ms:d} ms"))
def calls_took_at_least(timed_calls: TimedCalls, hz: int, ms: int) -> None:
    times = timed_calls.by_hz[hz]
    assert min(times[1:]) >= ms, f"the calls took {[round(t, 1) for t in times]} ms"


@then(parsers.parse("the median call at hz {fast:d} is at least {factor:d} times shorter than at hz {slow:d}"))
def median_shorter(timed_calls: TimedCalls, fast: int, factor: int, slow: int) -> None:
    quick, slow_times = statistics.median(timed_calls.by_hz[fast]), statistics.median(timed_calls.by_hz[slow])
    assert quick * factor <= slow_times, (
        f"median {quick:.1f} ms at hz {fast} against {slow_times:.1f} ms at hz {slow}: "
        f"{timed_calls.by_hz[fast]} / {timed_calls.by_hz[slow]}"
    )
