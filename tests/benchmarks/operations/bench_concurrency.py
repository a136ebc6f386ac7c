"""Under concurrency: 50 asyncio tasks on one process, one client, calls per second.

Run: python -m pytest tests/benchmarks/operations/bench_concurrency.py -o python_files='bench_*.py' --benchmark-only

Every asyncio API of the components (rate limiters, sessions, catalog, locks) and a raw ``INCR`` on
the same ``redis.asyncio`` client run as 50 tasks on one event loop, in rounds that rotate the
order (``limits_peer.measure_concurrent``).  `limits`' asyncio strategies (redis-py implementation,
its own environment; see ``tests/benchmarks/ttl_locks/peers_ratelimit/``) run the same loop against
the same server in turns that alternate with ours (each figure is the median of its turns), so that
load drift hits both sides alike; ``redis-benchmark -c 50 -t incr`` gives the server's own rate.
The table shows each as wall µs per call (1 / rate); ratios below 1 are faster.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio

from redisbehaviors.catalog import AsyncCatalog
from redisbehaviors.locks import AsyncFencedLock
from redisbehaviors.ratelimit import Limit
from redisbehaviors.ratelimit.aio import (
    AsyncFixedWindowLimiter,
    AsyncSlidingLogLimiter,
    AsyncSlidingWindowCounterLimiter,
    AsyncTokenBucketLimiter,
)
from redisbehaviors.reports.bench import parse_csv
from redisbehaviors.sessions import AsyncSessionStore
from tests.benchmarks.measure import interleaved_table

PEERS = Path(__file__).parents[1] / "ttl_locks" / "peers_ratelimit" / "limits_peer.py"
TASKS = 50
#: Turns of ours then theirs, each of a few rounds per candidate (the rate of a turn is its median round).
ALTERNATIONS, ROUNDS_PER_TURN = 6, 3
LIMITERS = {
    "fixed window": AsyncFixedWindowLimiter,
    "sliding log": AsyncSlidingLogLimiter,
    "sliding window counter": AsyncSlidingWindowCounterLimiter,
    "token bucket": AsyncTokenBucketLimiter,
}
Decide = Callable[[str], Awaitable[object]]


def _peer_module() -> Any:
    spec = importlib.util.spec_from_file_location("limits_peer", PEERS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _redis_benchmark(url: str) -> float | None:
    """``redis-benchmark -c 50 -t incr`` requests per second, None without the tool."""
    binary = shutil.which("redis-benchmark")
    if binary is None:
        return None
    host, port = url.split("//", 1)[1].split("/")[0].rsplit(":", 1)
    done = subprocess.run(
        [binary, "-h", host, "-p", port, "-c", str(TASKS), "-n", "100000", "-t", "incr", "--csv"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return float(parse_csv(done.stdout, TASKS)[0]["rps"])


async def _prepared(client: redis.asyncio.Redis, ns: str, subjects: list[str]) -> dict[str, Decide]:
    """The candidates, each a coroutine function of one subject, with what they read made beforehand."""
    candidates: dict[str, Decide] = {"raw INCR": lambda who: client.incr(f"{ns}:raw:{who}")}
    for name, kind in LIMITERS.items():
        limiter = kind(client, Limit(100, 60_000), namespace=ns)
        candidates[f"ratelimit · {name}"] = lambda who, limiter=limiter: limiter.hit(who, "login")
    catalog = AsyncCatalog(client, namespace=ns)
    for index in range(TASKS):
        await catalog.put_product(f"p{index}", {"name": f"Product {index}", "price": index})
    products = {who: f"p{index % TASKS}" for index, who in enumerate(subjects)}
    candidates["catalog · record_view"] = lambda who: catalog.record_view(products[who], user_id="u" + who)
    sessions = AsyncSessionStore(client, namespace=ns)
    tokens = {who: await sessions.create(f"user-{index % 1000}", {"name": "Ana"}) for index, who in enumerate(subjects)}
    candidates["sessions · get"] = lambda who: sessions.get(tokens[who])
    locks = {who: AsyncFencedLock(client, f"doc-{who}", namespace=ns) for who in subjects}

    async def lock_round(who: str) -> None:
        lease = await locks[who].try_acquire()
        assert lease is not None
        await lease.release()

    candidates["locks · try_acquire + release"] = lock_round
    return candidates


def _concurrency(url: str, ns: str, peer_python: str | None) -> tuple[dict[str, float], str]:
    """Calls per second of every candidate: medians over ``ALTERNATIONS`` turns of ours (this process)
    then `limits`' (its process), so that load drift between the two processes hits both alike."""
    peer = _peer_module()
    subjects = [f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}" for i in range(peer.SUBJECTS)]

    async def setup() -> tuple[redis.asyncio.Redis, dict[str, Decide]]:
        client = redis.asyncio.Redis.from_url(url, decode_responses=True, max_connections=TASKS + 10)
        return client, await _prepared(client, ns, subjects)

    turns: dict[str, list[float]] = {}
    versions: dict[str, str] = {}
    loop = asyncio.new_event_loop()
    try:
        client, candidates = loop.run_until_complete(setup())
        for _ in range(ALTERNATIONS):
            ours = peer.measure_concurrent(candidates, tasks=TASKS, rounds=ROUNDS_PER_TURN, loop=loop)
            for name, rate in ours.items():
                turns.setdefault(f"redisbehaviors · {name}", []).append(rate)
            if peer_python is None:
                continue
            command = [peer_python, str(PEERS), "concurrent", url, str(TASKS), str(ROUNDS_PER_TURN)]
            done = subprocess.run(command, capture_output=True, text=True, timeout=900)
            assert done.returncode == 0, done.stderr
            theirs = json.loads(done.stdout)
            versions = theirs.pop("_versions")
            for name, rate in theirs.items():
                turns.setdefault(f"limits · {name}", []).append(rate)
        loop.run_until_complete(client.aclose())
    finally:
        loop.close()
    rates = {name: statistics.median(values) for name, values in turns.items()}
    note = f"ours: redis-py {redis.__version__}"
    if versions:
        note += f"; limits {versions['limits']}: redis-py {versions['redis']} (its own venv)"
    server = _redis_benchmark(url)
    if server is not None:
        rates["redis-benchmark -c 50 INCR"] = server
    note += f"; {TASKS} tasks on one event loop, one client; {ALTERNATIONS} alternating turns; µs = 1 / rate"
    return rates, note


def test_fifty_tasks_on_one_event_loop(benchmark: Any, redis_target: Any, ns: str, capsys: Any) -> None:
    if redis_target.mode != "standalone":
        pytest.skip("one standalone server: the peers and redis-benchmark talk to one node")
    peer_python = _peer_python()
    benchmark.group = "under concurrency: 50 asyncio tasks (table)"
    rates, note = benchmark.pedantic(_concurrency, args=(redis_target.url, ns, peer_python), rounds=1, iterations=1)
    ours = [name for name in rates if name.startswith("redisbehaviors · ") and name != "redisbehaviors · raw INCR"]
    comparisons = [(name, "redisbehaviors · raw INCR", "") for name in ours]
    for name in LIMITERS:
        if f"limits · {name}" in rates:
            comparisons.append((f"redisbehaviors · ratelimit · {name}", f"limits · {name}", "ratio < 1.00"))
    if "limits · raw INCR" in rates:
        comparisons.append(("redisbehaviors · raw INCR", "limits · raw INCR", ""))
    if "redis-benchmark -c 50 INCR" in rates:
        comparisons += [(name, "redis-benchmark -c 50 INCR", "") for name in ours]
    medians = {name: 1 / rate for name, rate in rates.items()}
    benchmark.extra_info.update(interleaved_table("under concurrency: 50 asyncio tasks", medians, comparisons, note))
    with capsys.disabled():
        print(f"\n{note}")
        for name, rate in rates.items():
            print(f"{name:<52}{rate:>10,.0f} calls/s")


def _peer_python() -> str | None:
    candidate = os.environ.get("LIMITS_PEER_PYTHON", "/tmp/limits-venv/bin/python")
    return candidate if Path(candidate).exists() else None
