"""The server's CPU instructions per call, counted by callgrind: where a script's server time goes.

Wall time on a shared 2-vCPU machine drifts by more than the differences between two scripts, and
``INFO commandstats`` ``usec_per_call`` of one script read 11 to 20 µs in runs minutes apart.  An
instruction count does not drift: this runs ``redis-server`` under valgrind's callgrind, zeroes its
counters, makes N calls, dumps them, and divides by N (runs repeat to within about 1 %).  It is a
separate command, not part of the test suite (valgrind is ``apt-get install valgrind``):

    python -m tests.benchmarks.server_instructions [--calls N] [--only SUBSTRING]

It prints two tables in markdown:

- **pieces**: what one piece of a script costs, as the instructions of ``EVALSHA`` of ``<piece>``
  followed by ``return {1,1,1,1,1}`` minus those of ``return {1,1,1,1,1}`` alone (a five-integer reply,
  as the rate limiter's), per copy where a piece that runs only Lua is repeated 20 times: a
  ``redis.call`` of ``TIME``, ``GET`` of a missing key, ``SET`` of a new key with and without ``PX``,
  ``INCRBY`` + ``EXPIRE``, a ``local function`` (a closure made per call), a table,
  ``string.format('%d')``, ``tonumber`` of a string;
- **calls**: the server's instructions for one component call (everything it sent, on a fresh
  subject or order each time, as the benchmarks do), beside raw commands, and beside `limits`' Redis
  scripts with the arguments `limits` 5.8 sends when its venv exists
  (``tests/benchmarks/ttl_locks/peers_ratelimit/make_venv.sh``; the scripts are read from there).

Every server it starts listens on loopback only and is stopped at the end.
"""

from __future__ import annotations

import argparse
import glob
import itertools
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis

from redisbehaviors.catalog import Catalog
from redisbehaviors.chat import Chat
from redisbehaviors.locks import FencedLock
from redisbehaviors.ratelimit import (
    FixedWindowLimiter,
    Limit,
    SlidingLogLimiter,
    SlidingWindowCounterLimiter,
    TokenBucketLimiter,
)
from redisbehaviors.reservations import Reservations
from redisbehaviors.testing.polling import wait_until
from redisbehaviors.testing.server import find_binary, free_port

REPLY = "return {1,1,1,1,1}"
#: A piece of a script, and how many copies of it are timed (``{j}`` numbers a copy): a piece that only
#: runs Lua is repeated, so that it stands well above the count's noise (about 0.5k per call).
PIECES = {
    "TIME": ("redis.call('TIME')", 1),
    "GET of a missing key": ("redis.call('GET', KEYS[1])", 1),
    "SET of a new key": ("redis.call('SET', KEYS[1], '29412345 1 0123456789abcdef')", 1),
    "SET of a new key, PX": ("redis.call('SET', KEYS[1], '29412345 1 0123456789abcdef', 'PX', '60000')", 1),
    "INCRBY + EXPIRE of a new key": ("redis.call('INCRBY', KEYS[1], '1') redis.call('EXPIRE', KEYS[1], '60')", 1),
    "a local function (a closure made per call)": ("local function f{j}(x) return x end", 20),
    "a table with one element": ("local t{j} = {{}} t{j}[1] = 5", 20),
    "string.format('%d', n)": ("local s{j} = string.format('%d', 1764712345678 + {j})", 20),
    "tonumber of a string": ("local n{j} = tonumber('17647123{j}')", 20),
}
LIMITS_SCRIPTS = "/tmp/limits-venv/lib/python*/site-packages/limits/resources/redis/lua_scripts"

#: A case: given a client, returns ``call(i)``, which makes the i-th call (fresh keys for each i).
Case = Callable[[redis.Redis], Callable[[int], Any]]


def raw(command: str) -> Case:
    return lambda r: lambda i: r.execute_command(command, f"raw:{i}")


def script(text: str, numkeys: int = 1) -> Case:
    def setup(r: redis.Redis) -> Callable[[int], Any]:
        sha = r.script_load(text)
        return lambda i: r.evalsha(sha, numkeys, *(f"k:{{{i}}}:{n}" for n in range(numkeys)))

    return setup


def limiter(cls: type) -> Case:
    def setup(r: redis.Redis) -> Callable[[int], Any]:
        limit = cls(r, Limit(1000, 60), namespace=f"rl-{cls.algorithm}")
        return lambda i: limit.hit(f"10.0.{i // 256 % 256}.{i % 256}", route=str(i // 65536))

    return setup


def limits_script(name: str, keys: Callable[[int], list[str]], args: Callable[[int], list[Any]]) -> Case | None:
    """One of `limits`' scripts, called as `limits` 5.8 calls it for a 1000/minute limit."""
    found = glob.glob(f"{LIMITS_SCRIPTS}/{name}")
    if not found:
        return None
    text = Path(found[0]).read_text()

    def setup(r: redis.Redis) -> Callable[[int], Any]:
        sha = r.script_load(text)
        return lambda i: r.evalsha(sha, len(keys(i)), *keys(i), *args(i))

    return setup


def reserve(r: redis.Redis) -> Callable[[int], Any]:
    service = Reservations(r, namespace="ins")
    for sku in "ABC":
        service.set_stock(sku, 10**9)
    return lambda i: service.reserve(f"order-{i}", {"A": 1, "B": 2, "C": 1}, 600_000)


def adjust_stock(r: redis.Redis) -> Callable[[int], Any]:
    catalog = Catalog(r, namespace="ins")
    catalog.put_product("p1", {"name": "Product 1", "price": 1.5, "stock": 10})
    return lambda i: catalog.adjust_stock("p1", 1)


def chat_send(exact: bool) -> Case:
    """A send to a room whose history is full (the default bound of 1,000 reached), so every send trims."""

    def setup(r: redis.Redis) -> Callable[[int], Any]:
        chat = Chat(r, namespace=f"ins-{exact}", exact_history=exact)
        for _ in range(chat.history_limit):
            chat.send("lobby", "pub", "hello")
        return lambda i: chat.send("lobby", "pub", "hello")

    return setup


def lock_pair(r: redis.Redis) -> Callable[[int], Any]:
    lock = FencedLock(r, "profile-1", ttl_ms=10_000)
    return lambda i: lock.acquire(timeout=0).release()


def calls() -> dict[str, Case | None]:
    return {
        "raw INCR": raw("INCR"),
        "EVALSHA of `return 1`": script("return 1"),
        "rate limit, fixed window": limiter(FixedWindowLimiter),
        "limits, fixed window": limits_script("incr_expire.lua", lambda i: [f"LIMITS:f{i}"], lambda i: [60, 1]),
        "rate limit, sliding window counter": limiter(SlidingWindowCounterLimiter),
        "limits, sliding window counter": limits_script(
            "acquire_sliding_window.lua",
            lambda i: [f"LIMITS:{{f{i}}}/p", f"LIMITS:{{f{i}}}/c"],
            lambda i: [1000, 60, 1],
        ),
        "rate limit, sliding log": limiter(SlidingLogLimiter),
        "limits, moving window": limits_script(
            "acquire_moving_window.lua", lambda i: [f"LIMITS:m{i}"], lambda i: [time.time(), 1000, 60, 1]
        ),
        "rate limit, token bucket": limiter(TokenBucketLimiter),
        "catalog adjust_stock": adjust_stock,
        "reserve (3 lines)": reserve,
        "chat send": chat_send(exact=False),
        "chat send, exact history": chat_send(exact=True),
        "lock acquire + release": lock_pair,
    }


class CountedServer:
    """A loopback ``redis-server`` under callgrind; :meth:`count` is its instructions for a piece of work."""

    def __init__(self, server_bin: str) -> None:
        self.dir = tempfile.mkdtemp(prefix="redisbehaviors-callgrind-")
        self.port = free_port()
        command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={self.dir}/cg.%p", server_bin]
        command += ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.client = redis.Redis(port=self.port, decode_responses=True)
        wait_until(self._answers, 60, interval=0.1, what="redis-server under valgrind to answer")

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"redis-server under valgrind exited with {self.process.returncode}")
        try:
            return bool(self.client.ping())
        except redis.ConnectionError:
            return False

    def _control(self, flag: str) -> None:
        subprocess.run(["callgrind_control", flag, str(self.process.pid)], capture_output=True, check=True)

    def count(self, work: Callable[[], Any]) -> int:
        """The server's instructions from zeroing its counters to the dump after ``work`` and a PING."""
        self._control("-z")
        work()
        self.client.ping()
        self._control("-d")
        newest = max(glob.glob(f"{self.dir}/cg.*"), key=lambda p: Path(p).stat().st_mtime_ns)
        found = re.search(r"^(?:summary|totals): (\d+)", Path(newest).read_text(), re.M)
        assert found, f"no instruction total in {newest}"
        return int(found.group(1))

    def per_call(self, case: Case, calls: int) -> float:
        """Instructions per call of ``case`` on a flushed server, less a run of no calls."""
        self.client.flushall()
        call = case(self.client)
        for i in range(10**8, 10**8 + 20):  # warm: scripts loaded, first allocations made
            call(i)
        counter = itertools.count()
        empty = self.count(lambda: None)
        total = self.count(lambda: [call(next(counter)) for _ in range(calls)])
        return (total - empty) / calls

    def stop(self) -> None:
        self.client.shutdown(nosave=True)
        self.process.wait(timeout=60)
        shutil.rmtree(self.dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000, help="calls per case (default 1000)")
    parser.add_argument("--only", default="", help="only the cases whose name contains this")
    options = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("needs valgrind: apt-get install valgrind", file=sys.stderr)
        return 2
    binary = find_binary()
    if binary is None:
        print("needs redis-server on PATH or in REDIS_SERVER_BIN", file=sys.stderr)
        return 2
    server = CountedServer(binary)
    try:
        version = server.client.info("server")["redis_version"]
        print(f"Redis {version}, instructions per call (thousands), {options.calls} calls each\n")
        base = server.per_call(script(REPLY), options.calls)
        print("| piece of a script | instructions |\n|---|---|")
        for name, (piece, copies) in PIECES.items():
            if options.only in name:
                text = "\n".join(piece.format(j=j) for j in range(copies))
                cost = (server.per_call(script(f"{text}\n{REPLY}"), options.calls) - base) / copies
                print(f"| {name} | {cost / 1000:.2f}k |", flush=True)
        print("\n| call | server instructions | × raw INCR |\n|---|---|---|")
        incr = None
        for name, case in calls().items():
            if case is None or (options.only not in name and name != "raw INCR"):
                continue
            cost = server.per_call(case, options.calls)
            incr = incr or cost
            print(f"| {name} | {cost / 1000:.1f}k | {cost / incr:.2f} |", flush=True)
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
