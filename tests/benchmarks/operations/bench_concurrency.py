"""Under concurrency: 50 asyncio tasks on one process, one client, decisions per second.

Run: python -m pytest tests/benchmarks/operations/bench_concurrency.py -o python_files='bench_*.py' --benchmark-only

Every asyncio API of the components (rate limiters, sessions, catalog, locks) and a raw ``INCR`` on
the same ``redis.asyncio`` client run as 50 tasks on one event loop, in rounds that rotate the
order, so that load drift on a shared machine hits every candidate alike
(``limits_peer.measure_concurrent``).  `limits`' asyncio strategies (redis-py implementation, its
own environment; see ``tests/benchmarks/ttl_locks/peers_ratelimit/``) run the same loop against the
same server, and ``redis-benchmark -c 50 -t incr`` gives the server's own rate with 50 clients.
The table shows each as wall µs per call (1 / rate); ratios below 1 are faster.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import shutil
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
    peer = _peer_module()
    subjects = [f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}" for i in range(peer.SUBJECTS)]

    async def setup() -> tuple[redis.asyncio.Redis, dict[str, Decide]]:
        client = redis.asyncio.Redis.from_url(url, decode_responses=True, max_connections=TASKS + 10)
        return client, await _prepared(client, ns, subjects)

    loop = asyncio.new_event_loop()
    try:
        client, candidates = loop.run_until_complete(setup())
        ours = peer.measure_concurrent(candidates, tasks=TASKS, loop=loop)
        loop.run_until_complete(client.aclose())
    finally:
        loop.close()
    rates = {f"redisbehaviors · {name}": rate for name, rate in ours.items()}
    note = f"ours: redis-py {redis.__version__}"
    if peer_python is not None:
        done = subprocess.run(
            [peer_python, str(PEERS), "concurrent", url, str(TASKS)], capture_output=True, text=True, timeout=900
        )
        assert done.returncode == 0, done.stderr
        theirs = json.loads(done.stdout)
        versions = theirs.pop("_versions")
        rates |= {f"limits · {name}": rate for name, rate in theirs.items()}
        note += f"; limits {versions['limits']}: redis-py {versions['redis']} (its own venv)"
    server = _redis_benchmark(url)
    if server is not None:
        rates["redis-benchmark -c 50 INCR"] = server
    return rates, note + f"; {TASKS} tasks on one event loop, one client; µs = 1 / rate"


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
