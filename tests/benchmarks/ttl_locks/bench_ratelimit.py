"""Rate-limit benchmarks: each decision against a raw INCR, and side by side with `limits`.

Run: python -m pytest tests/benchmarks/ttl_locks/bench_ratelimit.py -o python_files='bench_*.py' --benchmark-only

- Group "ratelimit: one decision vs raw INCR": a raw ``INCR`` (baseline) against one ``hit`` of
  each limiter with one limit; goal: within 15% (one round trip each).  Subjects cycle over
  10 000 client addresses, so every decision is an admitted one, as in steady traffic.
- Group "ratelimit: two limits vs raw INCR": the same with a policy of two limits (10/s, 100/min)
  checked together; informational.
- ``test_side_by_side_with_limits``: limits 5.8 needs redis-py < 8, so its side runs in its own
  environment (``tests/benchmarks/ttl_locks/peers_ratelimit/make_venv.sh``, default ``/tmp/limits-venv``, or
  ``LIMITS_PEER_PYTHON``) against the same server; both sides are timed by the same loop and
  shown as µs per decision and as a ratio to a raw INCR measured in the same environment.
  Skipped when that environment is missing.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import redis

from redisbehaviors.ratelimit import (
    FixedWindowLimiter,
    Limit,
    RateLimiter,
    SlidingLogLimiter,
    SlidingWindowCounterLimiter,
    TokenBucketLimiter,
)

PEER_SCRIPT = Path(__file__).parent / "peers_ratelimit" / "limits_peer.py"
SUBJECTS = [f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}" for i in range(10_000)]
ALGORITHMS: dict[str, type[RateLimiter]] = {
    "fixed window": FixedWindowLimiter,
    "sliding log": SlidingLogLimiter,
    "sliding window counter": SlidingWindowCounterLimiter,
    "token bucket": TokenBucketLimiter,
}
ONE, TWO = "ratelimit: one decision vs raw INCR", "ratelimit: two limits vs raw INCR"


def _role(benchmark: Any, role: str, goal: str) -> None:
    benchmark.extra_info.update(role=role, goal=goal)


def _cycling() -> Any:
    return itertools.cycle(SUBJECTS).__next__


@pytest.mark.parametrize("group", [ONE, TWO])
def test_raw_incr(benchmark: Any, r: redis.Redis, ns: str, group: str) -> None:
    benchmark.group = group
    _role(benchmark, "baseline", "")
    subject = _cycling()
    benchmark(lambda: r.incr(f"{ns}:raw:{subject()}"))


@pytest.mark.parametrize("algorithm", list(ALGORITHMS))
def test_one_decision(benchmark: Any, r: redis.Redis, ns: str, algorithm: str) -> None:
    benchmark.group = ONE
    _role(benchmark, "subject", "ratio <= 1.15")
    limiter = ALGORITHMS[algorithm](r, Limit(100, 60_000), namespace=ns)
    subject = _cycling()
    assert benchmark(lambda: limiter.hit(subject(), "login")).allowed


@pytest.mark.parametrize("algorithm", list(ALGORITHMS))
def test_two_limits_at_once(benchmark: Any, r: redis.Redis, ns: str, algorithm: str) -> None:
    benchmark.group = TWO
    _role(benchmark, "subject", "informational")
    limiter = ALGORITHMS[algorithm](r, [Limit(10, 1000), Limit(100, 60_000)], namespace=ns)
    subject = _cycling()
    assert benchmark(lambda: limiter.hit(subject(), "login")).allowed


# ------------------------------------------------------------------------------------------------ limits


def _peer_python() -> str | None:
    candidate = os.environ.get("LIMITS_PEER_PYTHON", "/tmp/limits-venv/bin/python")
    return candidate if Path(candidate).exists() else None


def _measure() -> Any:
    spec = importlib.util.spec_from_file_location("limits_peer", PEER_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.measure


def side_by_side(url: str, ns: str, peer_python: str) -> tuple[dict[str, float], dict[str, Any], str]:
    measure = _measure()
    client = redis.Redis.from_url(url, decode_responses=True)
    candidates = {"raw INCR": lambda who: client.incr(f"{ns}:raw:{who}")}
    for name, limiter_class in ALGORITHMS.items():
        limiter = limiter_class(client, Limit(100, 60_000), namespace=ns)
        candidates[name] = lambda who, limiter=limiter: limiter.hit(who, "login")
    ours = measure(candidates)
    client.close()
    peer = subprocess.run([peer_python, str(PEER_SCRIPT), url], capture_output=True, text=True, timeout=600)
    assert peer.returncode == 0, peer.stderr
    theirs = json.loads(peer.stdout)
    versions = theirs.pop("_versions")
    lines = [
        f"rate-limit decision, µs (ratio to raw INCR in the same environment); ours: redis-py {redis.__version__}, "
        f"limits {versions['limits']}: redis-py {versions['redis']}; both with hiredis, same server",
        f"{'algorithm':<24}{'redisbehaviors':>26}{'limits':>26}",
    ]
    for name in ["raw INCR", *ALGORITHMS]:
        mine = f"{ours[name]:.1f} ({ours[name] / ours['raw INCR']:.2f}x)"
        other = f"{theirs[name]:.1f} ({theirs[name] / theirs['raw INCR']:.2f}x)" if name in theirs else "n/a"
        lines.append(f"{name:<24}{mine:>26}{other:>26}")
    return ours, theirs, "\n".join(lines)


def test_side_by_side_with_limits(
    benchmark: Any, redis_target: Any, ns: str, capsys: pytest.CaptureFixture[str]
) -> None:
    peer_python = _peer_python()
    if peer_python is None:
        pytest.skip("no limits environment: run tests/benchmarks/ttl_locks/peers_ratelimit/make_venv.sh")
    benchmark.group = "ratelimit: side by side with limits (table)"
    _role(benchmark, "baseline", "")
    ours, theirs, table = benchmark.pedantic(
        side_by_side, args=(redis_target.url, ns, peer_python), rounds=1, iterations=1
    )
    benchmark.extra_info.update(ours_us=ours, limits_us=theirs, table=table)
    with capsys.disabled():
        print("\n" + table)
