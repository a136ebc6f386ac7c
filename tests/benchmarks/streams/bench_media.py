"""Streams benchmarks: the media pipeline end to end, batching, its cost over raw commands, and reclaim.

Run: python -m pytest tests/benchmarks/streams/bench_media.py -o python_files='bench_*.py' --benchmark-only -s

Every round starts a fresh pipeline, one producer thread submitting JOBS jobs (pipelined, 100 per
round trip) and WORKERS worker threads with a no-op handler, and ends when every job has been
acknowledged.  The figure is the time of the round until the last job is acknowledged (the workers are stopped
outside the clock); ``extra_info["jobs_per_s"]`` has the rate.

* batch 1 vs batch 100 (goal: batching at least 10x faster), end to end and, with the jobs
  submitted before the clock starts, for the workers alone;
* the pipeline (apply-and-ack script with its idempotency marker) vs the same XADD + XREADGROUP +
  XACK calls made raw (goal: within 20%);
* 10,000 jobs left pending by a killed consumer: worker threads reclaim them (XAUTOCLAIM, following
  the cursor) and finish them, vs a raw XAUTOCLAIM + XACK loop;
* the split of ``submit`` and ``submit_many`` of 100 (round trip, server, client; see ``measure.py``)
  and the memory of 100,000 queued jobs (submitted, not yet read) on a fresh server.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import redis

from redisbehaviors.media import MediaPipeline, Worker
from redisbehaviors.media.handlers import noop
from redisbehaviors.media.pipeline import stream_entries
from redisbehaviors.testing import wait_until
from redisbehaviors.testing.plugin import RedisTarget
from tests.benchmarks.measure import ENTITIES, memory_per_entity, split_call

JOBS = 3000
WORKERS = 4
RECLAIM_JOBS = 10_000
ROUNDS = 5
CHUNK = 100


def _role(benchmark: Any, role: str, goal: str) -> None:
    benchmark.extra_info.update(role=role, goal=goal)


def _rate(benchmark: Any, jobs: int) -> None:
    benchmark.extra_info["jobs_per_s"] = round(jobs / benchmark.stats.stats.median)
    benchmark.extra_info["operations_per_call"] = jobs  # jobs per timed round


def _pipeline(client: redis.Redis, **options: Any) -> MediaPipeline:
    media = MediaPipeline(client, namespace="bench", pipeline=uuid.uuid4().hex[:10], **options)
    media.ensure_group()
    return media


def _cleanup(client: redis.Redis, media: MediaPipeline) -> None:
    for name in client.scan_iter(match=f"bench:{{{media.keys.pipeline}}}:*", count=5000):
        client.delete(name)


def _produce(media: MediaPipeline, jobs: int) -> None:
    for start in range(0, jobs, CHUNK):
        media.submit_many([("tag", {"n": i}, None) for i in range(start, min(start + CHUNK, jobs))])


def _run_pipeline(media: MediaPipeline, jobs: int, batch: int, produce: bool = True) -> Callable[[], None]:
    """Start the workers, produce, return once every job is done: with the call that stops the workers."""
    workers = [Worker(media, f"w{i}", noop, batch_size=batch, block_ms=20) for i in range(WORKERS)]
    threads = [threading.Thread(target=w.run, daemon=True) for w in workers]
    for thread in threads:
        thread.start()
    if produce:
        _produce(media, jobs)
    wait_until(lambda: sum(w.stats.finished for w in workers) >= jobs, 300, interval=0.001, what="all jobs done")
    return lambda: _stop(workers, threads)


def _stop(workers: list[Any], threads: list[threading.Thread]) -> None:
    for worker in workers:
        worker.stop()
    for thread in threads:
        thread.join(10)


def _timed_rounds(benchmark: Any, run: Callable[..., Callable[[], None] | None], setup: Callable[[], Any]) -> None:
    """``benchmark.pedantic(run, setup=setup)`` for rounds that end when the last job is acknowledged.

    ``run`` may return the call that stops what it started (workers blocked up to ``block_ms`` in
    ``XREADGROUP`` by then): it runs outside the clock, before the next round's setup and after the
    last round, so a round's figure is the time to process its jobs, for the raw loop and the pipeline alike.
    """
    leftover: list[Callable[[], None]] = []

    def settle() -> None:
        while leftover:
            leftover.pop()()

    def untimed_setup() -> Any:
        settle()
        return setup()

    def timed(*args: Any) -> None:
        stop = run(*args)
        if stop is not None:
            leftover.append(stop)

    benchmark.pedantic(timed, setup=untimed_setup, rounds=ROUNDS, iterations=1)
    settle()


def _bench_pipeline(benchmark: Any, redis_target: RedisTarget, batch: int, prefilled: bool = False) -> None:
    client = redis_target.client()
    made: list[MediaPipeline] = []

    def setup() -> tuple[tuple[MediaPipeline], dict[str, Any]]:
        made.append(_pipeline(client, maxlen=100_000))
        if prefilled:
            _produce(made[-1], JOBS)
        return (made[-1],), {}

    _timed_rounds(benchmark, lambda media: _run_pipeline(media, JOBS, batch, produce=not prefilled), setup)
    _rate(benchmark, JOBS)
    for media in made:
        _cleanup(client, media)
    client.close()


# ---------------------------------------------------------------------------------- batching


@pytest.mark.benchmark(group=f"streams: {JOBS} jobs end to end, {WORKERS} workers, by batch size")
def test_pipeline_batch_1(benchmark: Any, redis_target: RedisTarget) -> None:
    _role(benchmark, "baseline", "")
    _bench_pipeline(benchmark, redis_target, batch=1)


@pytest.mark.benchmark(group=f"streams: {JOBS} jobs end to end, {WORKERS} workers, by batch size")
def test_pipeline_batch_100(benchmark: Any, redis_target: RedisTarget) -> None:
    _role(benchmark, "subject", "ratio <= 0.10")
    _bench_pipeline(benchmark, redis_target, batch=100)


# The end-to-end rounds above are bound by the single producer once workers read in batches: a
# worker's XREADGROUP returns whatever arrived since its last read, so batches stay small.  These
# rounds take the producer out (the jobs are submitted before the clock starts) to show what
# batching does for the workers themselves.


@pytest.mark.benchmark(group=f"streams: {JOBS} pre-submitted jobs drained by {WORKERS} workers, by batch size")
def test_drain_batch_1(benchmark: Any, redis_target: RedisTarget) -> None:
    _role(benchmark, "baseline", "")
    _bench_pipeline(benchmark, redis_target, batch=1, prefilled=True)


@pytest.mark.benchmark(group=f"streams: {JOBS} pre-submitted jobs drained by {WORKERS} workers, by batch size")
def test_drain_batch_100(benchmark: Any, redis_target: RedisTarget) -> None:
    _role(benchmark, "subject", "ratio <= 0.10")
    _bench_pipeline(benchmark, redis_target, batch=100, prefilled=True)


# ---------------------------------------------------------------------------------- vs raw commands


def _run_raw(client: redis.Redis, stream: str, jobs: int, batch: int) -> Callable[[], None]:
    done = [0]
    lock = threading.Lock()
    stop = threading.Event()

    def worker(name: str) -> None:
        local = redis.Redis(connection_pool=client.connection_pool)
        while not stop.is_set():
            reply = local.xreadgroup("g", name, {stream: ">"}, count=batch, block=20)
            entries = stream_entries(reply)
            if entries:
                local.xack(stream, "g", *[entry_id for entry_id, _ in entries])
                with lock:
                    done[0] += len(entries)

    threads = [threading.Thread(target=worker, args=(f"w{i}",), daemon=True) for i in range(WORKERS)]
    for thread in threads:
        thread.start()
    for start in range(0, jobs, CHUNK):
        pipe = client.pipeline(transaction=False)
        for i in range(start, min(start + CHUNK, jobs)):
            pipe.xadd(stream, {"job": uuid.uuid4().hex, "kind": "tag", "payload": f'{{"n":{i}}}'}, maxlen=100_000)
        pipe.execute()
    wait_until(lambda: done[0] >= jobs, 300, interval=0.001, what="all raw jobs acknowledged")

    def stop_all() -> None:
        stop.set()
        for thread in threads:
            thread.join(10)

    return stop_all


@pytest.mark.benchmark(group=f"streams: {JOBS} jobs end to end, batch 100, pipeline vs raw commands")
def test_raw_xadd_xreadgroup_xack_batch_100(benchmark: Any, redis_target: RedisTarget) -> None:
    _role(benchmark, "baseline", "")
    client = redis_target.client()
    streams: list[str] = []

    def setup() -> tuple[tuple[str], dict[str, Any]]:
        streams.append(f"bench:{{{uuid.uuid4().hex[:10]}}}:raw")
        client.xgroup_create(streams[-1], "g", id="0", mkstream=True)
        return (streams[-1],), {}

    _timed_rounds(benchmark, lambda stream: _run_raw(client, stream, JOBS, 100), setup)
    _rate(benchmark, JOBS)
    client.delete(*streams)
    client.close()


@pytest.mark.benchmark(group=f"streams: {JOBS} jobs end to end, batch 100, pipeline vs raw commands")
def test_pipeline_batch_100_vs_raw(benchmark: Any, redis_target: RedisTarget) -> None:
    _role(benchmark, "subject", "ratio <= 1.20")
    _bench_pipeline(benchmark, redis_target, batch=100)


# ---------------------------------------------------------------------------------- reclaim


def _left_by_a_killed_worker(client: redis.Redis, lease_ms: int) -> MediaPipeline:
    """10,000 jobs read by consumer "killed" and never acknowledged, idle longer than the lease."""
    media = _pipeline(client, maxlen=None, lease_ms=lease_ms)
    _produce(media, RECLAIM_JOBS)
    assert len(media.read_new("killed", count=1000)) == 1000
    while client.xpending(media.keys.jobs, media.group)["pending"] < RECLAIM_JOBS:
        media.read_new("killed", count=1000)
    newest = client.xpending(media.keys.jobs, media.group)["max"]  # read last: the least idle
    wait_until(
        lambda: client.xpending_range(media.keys.jobs, media.group, newest, newest, 1, idle=lease_ms),
        30,
        what="the killed worker's jobs to be idle longer than the lease",
    )
    return media


def _bench_reclaim(
    benchmark: Any, redis_target: RedisTarget, run: Callable[[MediaPipeline], Callable[[], None] | None]
) -> None:
    client = redis_target.client()
    made: list[MediaPipeline] = []

    def setup() -> tuple[tuple[MediaPipeline], dict[str, Any]]:
        made.append(_left_by_a_killed_worker(client, lease_ms=200))
        return (made[-1],), {}

    _timed_rounds(benchmark, run, setup)
    _rate(benchmark, RECLAIM_JOBS)
    for media in made:
        assert client.xpending(media.keys.jobs, media.group)["pending"] == 0
        _cleanup(client, media)
    client.close()


@pytest.mark.benchmark(group=f"streams: reclaim and finish {RECLAIM_JOBS} jobs left by a killed worker")
def test_raw_xautoclaim_xack_loop(benchmark: Any, redis_target: RedisTarget) -> None:
    _role(benchmark, "baseline", "")

    def run(media: MediaPipeline) -> None:
        client, cursor = media.client, "0-0"
        while True:
            cursor, entries, _deleted = client.xautoclaim(
                media.keys.jobs, media.group, "raw", media.lease_ms, start_id=cursor, count=100
            )
            if entries:
                client.xack(media.keys.jobs, media.group, *[entry_id for entry_id, _ in entries])
            if cursor == "0-0":
                break

    _bench_reclaim(benchmark, redis_target, run)


@pytest.mark.benchmark(group=f"streams: reclaim and finish {RECLAIM_JOBS} jobs left by a killed worker")
def test_pipeline_workers_reclaim(benchmark: Any, redis_target: RedisTarget) -> None:
    _role(benchmark, "subject", "")
    _bench_reclaim(benchmark, redis_target, lambda media: _run_pipeline(media, RECLAIM_JOBS, 100, produce=False))


@pytest.mark.benchmark(group=f"streams: reclaim and finish {RECLAIM_JOBS} jobs left by a killed worker")
def test_one_pipeline_worker_reclaims(benchmark: Any, redis_target: RedisTarget) -> None:
    _role(benchmark, "subject", "")

    def run(media: MediaPipeline) -> None:
        worker = Worker(media, "heir", noop, batch_size=100, block_ms=20)
        while worker.stats.finished < RECLAIM_JOBS:
            worker.step()

    _bench_reclaim(benchmark, redis_target, run)


# ---------------------------------------------------------------------------------- split, memory


@pytest.mark.parametrize("call", ["submit", "submit_many of 100"])
def test_where_the_time_goes(benchmark: Any, metered: tuple[redis.Redis, redis.Redis], call: str) -> None:
    client, admin = metered
    media = _pipeline(client, maxlen=10_000)
    batch = [("tag", {"n": i}, None) for i in range(CHUNK)]
    calls = {"submit": lambda: media.submit("tag", {"n": 1}), "submit_many of 100": lambda: media.submit_many(batch)}
    result = benchmark.pedantic(split_call, args=("media", call, calls[call], client, admin), rounds=1, iterations=1)
    if call != "submit":
        benchmark.extra_info["operations_per_call"] = CHUNK
    benchmark.extra_info.update(result)
    _cleanup(client, media)


def test_memory_per_queued_job(benchmark: Any, fresh_server: tuple[str, redis.Redis]) -> None:
    url, admin = fresh_server
    client = redis.Redis.from_url(url, decode_responses=True)
    media = _pipeline(client, maxlen=None)

    def fill(start: int, stop: int) -> None:
        for first in range(start, stop, CHUNK):
            media.submit_many([("tag", {"n": i}, None) for i in range(first, min(first + CHUNK, stop))])

    note = "submitted, not read: a stream entry (job id, kind, payload {'n': i}), no idempotency key"
    result = benchmark.pedantic(memory_per_entity, args=(admin, "media", "queued job", fill, ENTITIES, note), rounds=1)
    benchmark.extra_info.update(kind="memory", memory=[result])
    client.close()
