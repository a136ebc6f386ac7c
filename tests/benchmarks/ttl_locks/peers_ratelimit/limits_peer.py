"""The `limits` side of the rate-limit benchmark, run in its own environment.

limits 5.8 needs redis-py < 8, so it cannot share the project's environment (redis-py 8.1).
``make_venv.sh`` builds ``/tmp/limits-venv`` with limits[redis]==5.8.0 and hiredis; the project's
benchmark (tests/benchmarks/ttl_locks/bench_ratelimit.py) runs this script there, against the same
server, and prints both sides in one table.  It can also be run by hand:

    /tmp/limits-venv/bin/python tests/benchmarks/ttl_locks/peers_ratelimit/limits_peer.py redis://127.0.0.1:PORT/0

It prints one JSON object: median µs per decision for a raw INCR (this environment's baseline)
and for each of limits' Redis strategies, measured with :func:`measure` (also used for our side).

``limits_peer.py concurrent URL TASKS [ROUNDS]`` measures limits' asyncio strategies (redis-py implementation)
with TASKS tasks on one event loop, decisions per second (:func:`measure_concurrent`).

``limits_peer.py memory URL COUNT`` instead fills that (fresh, benchmark-owned) server with COUNT
subjects per strategy, flushing it between strategies, and prints the bytes per subject
(``INFO memory`` ``used_memory`` delta) and the ``OBJECT ENCODING`` of each kind of key.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

SUBJECTS = 10_000  # distinct clients, cycled: every decision is an admitted one, as in steady traffic
BATCH, ROUNDS, WARMUP = 400, 25, 300


def measure(candidates: dict[str, Callable[[str], object]]) -> dict[str, float]:
    """Median µs per call of each ``decide(subject)``, measured in interleaved batches.

    The machine is shared: its load drifts over seconds.  Each round times one batch of every
    candidate, in a rotating order, so drift hits all candidates alike and the ratios stay honest.
    """
    subjects = [f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}" for i in range(SUBJECTS)]
    for decide in candidates.values():
        for i in range(WARMUP):
            decide(subjects[i % SUBJECTS])
    names = list(candidates)
    samples: dict[str, list[float]] = {name: [] for name in names}
    offset = WARMUP
    for round_ in range(ROUNDS):
        for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
            decide = candidates[name]
            start = time.perf_counter()
            for i in range(offset, offset + BATCH):
                decide(subjects[i % SUBJECTS])
            samples[name].append((time.perf_counter() - start) / BATCH * 1e6)
        offset += BATCH
    return {name: statistics.median(values) for name, values in samples.items()}


def measure_concurrent(
    candidates: dict[str, Callable[[str], Awaitable[object]]],
    tasks: int = 50,
    calls: int = 40,
    rounds: int = 15,
    loop: Any = None,
) -> dict[str, float]:
    """Median decisions per second of each ``async decide(subject)`` with ``tasks`` tasks on one loop.

    ``loop``: the event loop the candidates' clients were made on (default: a new one).
    A round runs every candidate once, in a rotating order (drift hits them alike): ``tasks`` tasks
    each make ``calls`` calls on distinct subjects; the round's rate is calls made / wall time.
    """
    import asyncio

    subjects = [f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}" for i in range(SUBJECTS)]

    async def one_round(decide: Callable[[str], Awaitable[object]], offset: int) -> float:
        async def task(index: int) -> None:
            for call in range(calls):
                await decide(subjects[(offset + index * calls + call) % SUBJECTS])

        start = time.perf_counter()
        await asyncio.gather(*(task(i) for i in range(tasks)))
        return tasks * calls / (time.perf_counter() - start)

    async def run() -> dict[str, float]:
        names = list(candidates)
        for name in names:  # warm-up: every connection of the pool made, every script loaded
            await one_round(candidates[name], 0)
        rates: dict[str, list[float]] = {name: [] for name in names}
        for round_ in range(rounds):
            for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
                rates[name].append(await one_round(candidates[name], round_ * tasks * calls))
        return {name: statistics.median(values) for name, values in rates.items()}

    return asyncio.run(run()) if loop is None else loop.run_until_complete(run())


STRATEGIES = {
    "fixed window": "FixedWindowRateLimiter",
    "sliding log": "MovingWindowRateLimiter",
    "sliding window counter": "SlidingWindowCounterRateLimiter",
}


def _encodings(client: object, sample: int = 3000) -> dict[str, dict[str, int]]:
    """``{key shape: {"type/encoding": n}}`` (the same summary as tests/benchmarks/measure.py)."""
    found: dict[str, dict[str, int]] = {}
    for index, key in enumerate(client.scan_iter(count=1000)):  # type: ignore[attr-defined]
        if index >= sample:
            break
        kind = f"{client.type(key).decode()}/{client.object('encoding', key).decode()}"  # type: ignore[attr-defined]
        shape = ":".join(part if part.isalpha() else "*" for part in key.decode().split(":"))
        found.setdefault(shape, {}).setdefault(kind, 0)
        found[shape][kind] += 1
    return found


def memory(url: str, count: int) -> dict[str, object]:
    """Bytes per subject of each strategy after ``hits`` admitted hits per subject."""
    import redis
    from limits import parse, storage, strategies

    client = redis.Redis.from_url(url)
    limit = parse("100/day")  # long enough that nothing expires while the server fills
    figures: dict[str, object] = {}
    runs = [(name, cls, count, 1) for name, cls in STRATEGIES.items()] + [
        ("sliding log", STRATEGIES["sliding log"], count // 10, 10)
    ]
    for name, class_name, subjects, hits in runs:
        client.flushall()
        limiter = getattr(strategies, class_name)(storage.RedisStorage(url))
        limiter.hit(limit, "warm-up")
        before = int(client.info("memory")["used_memory"])
        for n in range(subjects):
            for _ in range(hits):
                limiter.hit(limit, f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}")
        after = int(client.info("memory")["used_memory"])
        figures[f"{name}, {hits} hit{'s' if hits > 1 else ''}"] = {
            "count": subjects,
            "bytes_per_entity": round((after - before) / subjects, 1),
            "encodings": _encodings(client),
        }
    return figures


def main(url: str) -> dict[str, object]:
    import redis
    from limits import parse, storage, strategies

    client = redis.Redis.from_url(url)
    store = storage.RedisStorage(url)
    limit = parse("100/minute")
    candidates: dict[str, Callable[[str], object]] = {"raw INCR": lambda who: client.incr(f"peer-raw:{who}")}
    for name, class_name in STRATEGIES.items():
        limiter = getattr(strategies, class_name)(store)
        # limits names a limit's key after the limit and the identifiers only, whatever the strategy:
        # a distinct identifier per strategy keeps their keys (string, list, …) apart
        tag = name.replace(" ", "-")
        candidates[name] = lambda who, limiter=limiter, tag=tag: limiter.hit(limit, who, tag)
    figures: dict[str, object] = dict(measure(candidates))
    import limits as package

    figures["_versions"] = {"limits": package.__version__, "redis": redis.__version__}
    return figures


def concurrent(url: str, tasks: int, rounds: int = 15) -> dict[str, object]:
    """Decisions per second of limits' asyncio strategies (redis-py implementation), ``tasks`` at once."""
    import redis.asyncio
    from limits import parse
    from limits.aio import storage, strategies

    client = redis.asyncio.Redis.from_url(url, max_connections=tasks + 10)
    store = storage.RedisStorage(f"async+{url}", implementation="redispy", max_connections=tasks + 10)
    limit = parse("100/minute")
    candidates: dict[str, Callable[[str], Awaitable[object]]] = {
        "raw INCR": lambda who: client.incr(f"peer-araw:{who}")
    }
    for name, class_name in STRATEGIES.items():
        limiter = getattr(strategies, class_name)(store)
        tag = "async-" + name.replace(" ", "-")
        candidates[name] = lambda who, limiter=limiter, tag=tag: limiter.hit(limit, who, tag)
    figures: dict[str, object] = dict(measure_concurrent(candidates, tasks=tasks, rounds=rounds))
    figures["_versions"] = {"limits": __import__("limits").__version__, "redis": redis.__version__}
    return figures


if __name__ == "__main__":
    if sys.argv[1] == "memory":
        print(json.dumps(memory(sys.argv[2], int(sys.argv[3]))))
    elif sys.argv[1] == "concurrent":
        print(json.dumps(concurrent(sys.argv[2], int(sys.argv[3]), *map(int, sys.argv[4:5]))))
    else:
        print(json.dumps(main(sys.argv[1])))
