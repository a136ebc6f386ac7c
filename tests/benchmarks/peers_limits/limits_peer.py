"""The `limits` side of the rate-limit benchmark, run in its own environment.

limits 5.8 needs redis-py < 8, so it cannot share the project's environment (redis-py 8.1).
``make_venv.sh`` builds ``/tmp/limits-venv`` with limits[redis]==5.8.0 and hiredis; the project's
benchmark (tests/benchmarks/bench_ttl_locks_limits.py) runs this script there, against the same
server, and prints both sides in one table.  It can also be run by hand:

    /tmp/limits-venv/bin/python tests/benchmarks/peers_limits/limits_peer.py redis://127.0.0.1:PORT/0

It prints one JSON object: median µs per decision for a raw INCR (this environment's baseline)
and for each of limits' Redis strategies, measured with :func:`measure` (also used for our side).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable

SUBJECTS = 10_000  # distinct clients, cycled: every decision is an admitted one, as in steady traffic
OPS, ROUNDS, WARMUP = 3000, 7, 500


def measure(decide: Callable[[str], object], ops: int = OPS, rounds: int = ROUNDS) -> float:
    """Median over ``rounds`` of the mean µs per call of ``decide(subject)``, subjects cycled."""
    subjects = [f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}" for i in range(SUBJECTS)]
    for i in range(WARMUP):
        decide(subjects[i % SUBJECTS])
    results, offset = [], WARMUP
    for _ in range(rounds):
        start = time.perf_counter()
        for i in range(offset, offset + ops):
            decide(subjects[i % SUBJECTS])
        results.append((time.perf_counter() - start) / ops * 1e6)
        offset += ops
    return statistics.median(results)


def main(url: str) -> dict[str, float]:
    import redis
    from limits import parse, storage, strategies

    client = redis.Redis.from_url(url)
    store = storage.RedisStorage(url)
    limit = parse("100/minute")
    figures = {"raw INCR": measure(lambda who: client.incr(f"peer-raw:{who}"))}
    for name, strategy in (
        ("fixed window", strategies.FixedWindowRateLimiter),
        ("sliding log", strategies.MovingWindowRateLimiter),
        ("sliding window counter", strategies.SlidingWindowCounterRateLimiter),
    ):
        limiter = strategy(store)
        figures[name] = measure(lambda who, limiter=limiter: limiter.hit(limit, who, "login"))
    import limits as package

    figures["_versions"] = {"limits": package.__version__, "redis": redis.__version__}  # type: ignore[assignment]
    return figures


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
