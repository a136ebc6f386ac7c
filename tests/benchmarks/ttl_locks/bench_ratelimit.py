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
  Skipped when that environment is missing.  Its entry carries the interleaved table the report
  shows: each algorithm against raw INCR, ours against limits' same algorithm (goal: faster), and our
  token bucket against our fixed window (goal: at least as fast).
- The split of each algorithm's ``hit`` (round trip, server, client; see ``measure.py``).
- Memory per subject and algorithm at 100,000 subjects (one hit each), and the sliding log after 10
  hits at 10,000 subjects, side by side with limits' strategies on a fresh server of their own.
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
    Limit,
    RateLimiter,
)
from tests.benchmarks.measure import ENTITIES, INTERLEAVED_GOAL, interleaved_table, memory_per_entity, split_call
from tests.support import ALGORITHMS

PEER_SCRIPT = Path(__file__).parent / "peers_ratelimit" / "limits_peer.py"
SUBJECTS = [f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}" for i in range(10_000)]
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
    _role(benchmark, "subject", INTERLEAVED_GOAL)  # the goal (<= 1.15) is on the interleaved table
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


def _peer_module() -> Any:
    spec = importlib.util.spec_from_file_location("limits_peer", PEER_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def side_by_side(url: str, ns: str, peer_python: str) -> tuple[dict[str, float], dict[str, Any], str]:
    """Both sides in one interleaved loop: our candidates run here, limits' in its own environment
    (``limits_peer.py serve``), one batch each in turn, so a drift of the machine hits both alike."""
    peer_module = _peer_module()
    client = redis.Redis.from_url(url, decode_responses=True)
    batches = {"ours · raw INCR": peer_module.batch_timer(lambda who: client.incr(f"{ns}:raw:{who}"))}
    for name, limiter_class in ALGORITHMS.items():
        limiter = limiter_class(client, Limit(100, 60_000), namespace=ns)
        batches[f"ours · {name}"] = peer_module.batch_timer(lambda who, limiter=limiter: limiter.hit(who, "login"))
    with subprocess.Popen(
        [peer_python, str(PEER_SCRIPT), "serve", url], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as peer:
        assert peer.stdin is not None and peer.stdout is not None
        hello = json.loads(peer.stdout.readline())

        def remote(name: str) -> Any:
            def run(offset: int) -> float:
                peer.stdin.write(f"{offset} {name}\n")  # type: ignore[union-attr]
                peer.stdin.flush()  # type: ignore[union-attr]
                return float(peer.stdout.readline())  # type: ignore[union-attr]

            return run

        batches |= {f"theirs · {name}": remote(name) for name in hello["candidates"]}
        medians = peer_module.measure_batches(batches)
        peer.stdin.close()
        assert peer.wait(timeout=60) == 0
    client.close()
    ours = {name.removeprefix("ours · "): us for name, us in medians.items() if name.startswith("ours · ")}
    theirs = {name.removeprefix("theirs · "): us for name, us in medians.items() if name.startswith("theirs · ")}
    versions = hello["_versions"]
    note = (
        f"ours: redis-py {redis.__version__}; limits {versions['limits']}: redis-py {versions['redis']} "
        "(its own venv, a process of its own); both with hiredis, same server, one loop interleaving "
        "a batch of each side in turn"
    )
    return ours, theirs, note


def _side_by_side_table(ours: dict[str, float], theirs: dict[str, float], note: str) -> dict[str, Any]:
    medians = {f"redisbehaviors · {name}": us / 1e6 for name, us in ours.items()}
    medians |= {f"limits · {name}": us / 1e6 for name, us in theirs.items()}
    comparisons = [(f"redisbehaviors · {name}", "redisbehaviors · raw INCR", "ratio <= 1.15") for name in ALGORITHMS]
    comparisons += [(f"limits · {name}", "limits · raw INCR", "") for name in ALGORITHMS if name in theirs]
    comparisons += [
        (f"redisbehaviors · {name}", f"limits · {name}", "ratio < 1.00") for name in ALGORITHMS if name in theirs
    ]
    comparisons.append(("redisbehaviors · token bucket", "redisbehaviors · fixed window", "ratio <= 1.00"))
    return interleaved_table("ratelimit: one decision, side by side with limits", medians, comparisons, note)


def test_side_by_side_with_limits(
    benchmark: Any, redis_target: Any, ns: str, capsys: pytest.CaptureFixture[str]
) -> None:
    peer_python = _peer_python()
    if peer_python is None:
        pytest.skip("no limits environment: run tests/benchmarks/ttl_locks/peers_ratelimit/make_venv.sh")
    benchmark.group = "ratelimit: side by side with limits (table)"
    ours, theirs, note = benchmark.pedantic(
        side_by_side, args=(redis_target.url, ns, peer_python), rounds=1, iterations=1
    )
    benchmark.extra_info.update(_side_by_side_table(ours, theirs, note))
    with capsys.disabled():
        print(f"\n{note}\n{'algorithm':<24}{'redisbehaviors µs':>20}{'limits µs':>12}")
        for name in ["raw INCR", *ALGORITHMS]:
            print(f"{name:<24}{ours[name]:>20.1f}{theirs.get(name, float('nan')):>12.1f}")


# ------------------------------------------------------------------------------------------------ the split


@pytest.mark.parametrize("algorithm", list(ALGORITHMS))
def test_where_the_time_goes(benchmark: Any, metered: tuple[redis.Redis, redis.Redis], ns: str, algorithm: str) -> None:
    client, admin = metered
    limiter = ALGORITHMS[algorithm](client, Limit(100, 60_000), namespace=ns)
    subject = _cycling()
    result = benchmark.pedantic(
        split_call,
        args=("ratelimit", f"hit ({algorithm})", lambda: limiter.hit(subject(), "login"), client, admin),
        rounds=1,
        iterations=1,
    )
    benchmark.extra_info.update(result)


# ------------------------------------------------------------------------------------------------ memory


def _subject(n: int) -> str:
    return f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"


def _our_memory(url: str, admin: redis.Redis) -> list[dict[str, Any]]:
    client = redis.Redis.from_url(url, decode_responses=True)
    records = []
    runs = [(name, ENTITIES, 1) for name in ALGORITHMS] + [("sliding log", ENTITIES // 10, 10)]
    for name, subjects, hits in runs:
        admin.flushall()
        # 100 a day: no key expires while the server fills (a token bucket's key lives only until the
        # bucket is full again, which at 100 per 10 minutes is 6 s after one hit)
        limiter = ALGORITHMS[name](client, Limit(100, 86_400_000), namespace="mem")

        def fill(start: int, stop: int, limiter: RateLimiter = limiter, hits: int = hits) -> None:
            for n in range(start, stop):
                for _ in range(hits):
                    limiter.hit(_subject(n), "login")

        entity = f"rate-limit subject: {name}, {hits} hit{'s' if hits > 1 else ''}"
        records.append(memory_per_entity(admin, "ratelimit", entity, fill, subjects, note="limit 100 / day"))
    client.close()
    return records


def _limits_memory(url: str, peer_python: str | None) -> list[dict[str, Any]]:
    if peer_python is None:
        return []
    done = subprocess.run(
        [peer_python, str(PEER_SCRIPT), "memory", url, str(ENTITIES)], capture_output=True, text=True, timeout=1800
    )
    assert done.returncode == 0, done.stderr
    return [
        {"component": "limits (peer)", "entity": f"rate-limit subject: {name}", "keys_per_entity": None, **figures}
        for name, figures in json.loads(done.stdout).items()
    ]


def test_memory_per_subject(benchmark: Any, fresh_server: tuple[str, redis.Redis]) -> None:
    url, admin = fresh_server

    def both() -> list[dict[str, Any]]:
        return _our_memory(url, admin) + _limits_memory(url, _peer_python())

    benchmark.extra_info.update(kind="memory", memory=benchmark.pedantic(both, rounds=1, iterations=1))
