"""The `limits` side of the rate-limit benchmark, run in its own environment.

limits 5.8 needs redis-py < 8, so it cannot share the project's environment (redis-py 8.1).
``make_venv.sh`` builds ``/tmp/limits-venv`` with limits[redis]==5.8.0 and hiredis; the project's
benchmark (tests/benchmarks/ttl_locks/bench_ratelimit.py) runs this script there, against the same
server, and prints both sides in one table.  It can also be run by hand:

    /tmp/limits-venv/bin/python tests/benchmarks/ttl_locks/peers_ratelimit/limits_peer.py redis://127.0.0.1:PORT/0

It prints one JSON object: median µs per decision for a raw INCR (this environment's baseline)
and for each of limits' Redis strategies, measured with :func:`measure`.

``limits_peer.py serve URL`` times batches on request instead (:func:`serve`): the benchmark runs
it beside its own candidates and interleaves both sides' batches in one loop
(:func:`measure_batches`), so both sides are timed at the same moments.

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


def batch_timer(decide: Callable[[str], object]) -> Callable[[int], float]:
    """``run(offset)``: µs per call of one batch of ``decide`` over ``BATCH`` subjects from ``offset``."""
    subjects = [f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}" for i in range(SUBJECTS)]

    def run(offset: int) -> float:
        start = time.perf_counter()
        for i in range(offset, offset + BATCH):
            decide(subjects[i % SUBJECTS])
        return (time.perf_counter() - start) / BATCH * 1e6

    return run


def measure_batches(batches: dict[str, Callable[[int], float]]) -> dict[str, float]:
    """Median µs per call of each candidate, measured in interleaved batches.

    The machine is shared: its load drifts over seconds.  Each round times one batch of every
    candidate, in a rotating order, so drift hits all candidates alike and the ratios stay honest.
    A candidate may run in another process (``serve``): its batch is timed there, the same way.
    """
    for run in batches.values():  # warm-up: connections made, scripts loaded
        run(0)
    names = list(batches)
    samples: dict[str, list[float]] = {name: [] for name in names}
    offset = WARMUP
    for round_ in range(ROUNDS):
        for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
            samples[name].append(batches[name](offset))
        offset += BATCH
    return {name: statistics.median(values) for name, values in samples.items()}


def measure(candidates: dict[str, Callable[[str], object]]) -> dict[str, float]:
    """Median µs per call of each ``decide(subject)`` (:func:`measure_batches` of each one)."""
    return measure_batches({name: batch_timer(decide) for name, decide in candidates.items()})


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


def _candidates(url: str) -> dict[str, Callable[[str], object]]:
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
    return candidates


def _versions() -> dict[str, str]:
    import limits
    import redis

    return {"limits": limits.__version__, "redis": redis.__version__}


def main(url: str) -> dict[str, object]:
    """This side alone: every candidate's median µs per decision, and the versions."""
    figures: dict[str, object] = dict(measure(_candidates(url)))
    figures["_versions"] = _versions()
    return figures


def serve(url: str) -> None:
    """Batches on request, for a loop in another process that interleaves them with its own:
    prints one JSON line (the candidates and the versions), then, for each line ``<offset> <name>``
    read from stdin, the µs per call of one batch of that candidate, until stdin closes."""
    timers = {name: batch_timer(decide) for name, decide in _candidates(url).items()}
    print(json.dumps({"candidates": list(timers), "_versions": _versions()}), flush=True)
    for line in sys.stdin:
        offset, name = line.rstrip("\n").split(" ", 1)
        print(timers[name](int(offset)), flush=True)


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
    elif sys.argv[1] == "serve":
        serve(sys.argv[2])
    elif sys.argv[1] == "concurrent":
        print(json.dumps(concurrent(sys.argv[2], int(sys.argv[3]), *map(int, sys.argv[4:5]))))
    else:
        print(json.dumps(main(sys.argv[1])))
