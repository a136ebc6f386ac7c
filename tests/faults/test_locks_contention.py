"""Lock safety under contention: threads and processes fight for one FencedLock.

Every worker (a thread in this process, or a separate process with its own client) loops:
acquire, read a counter from the fenced profile, write counter + 1 with the lease's fencing token,
release.  Some acquisitions are deliberately *overstayed*: the worker takes a short TTL and
pauses until its lease has expired before it writes and releases, like a holder stuck in a GC
pause.  The checks:

* fencing tokens are unique and strictly increasing: one per acquisition, no gaps;
* the fenced profile never accepts a write out of order (its log of accepted tokens never goes
  down), and no update is lost: the counter equals the number of accepted writes;
* every late release and every late write of an overstayed lease that was overtaken is refused;
* while no holder overstays, no two holders overlap: each well-behaved holder increments an
  "inside" marker right after acquiring and decrements it right before releasing, and must
  always see 1.  (Overstaying holders do not touch the marker: overlapping them is expected and
  is exactly what the fencing tokens are for.)
"""

from __future__ import annotations

import itertools
import multiprocessing
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest
import redis

from redisbehaviors.locks import FencedLock, FencedResource, LockNotHeld, StaleFencingToken
from redisbehaviors.testing import wait_until
from redisbehaviors.testing.plugin import RedisTarget
from tests.support import in_threads

LOCK = "profile-42"
SHORT_TTL_MS = 60  # an overstaying holder's lease
LONG_TTL_MS = 15_000  # a well-behaved holder's lease: far longer than any critical section


@dataclass
class Tally:
    acquisitions: int = 0
    fences: list[int] = field(default_factory=list)
    overstays: int = 0
    accepted: int = 0
    refused_writes: int = 0
    refused_releases: int = 0
    overlaps: int = 0
    unexpected_losses: int = 0

    def add(self, other: Tally) -> None:
        for name, value in vars(other).items():
            setattr(self, name, getattr(self, name) + value)


def contend(url: str, protocol: int, ns: str, worker: int, rounds: int, overstay_every: int) -> Tally:
    """One contender: ``rounds`` acquisitions, every ``overstay_every``-th one overstayed (0: never)."""
    client = redis.Redis.from_url(url, decode_responses=True, protocol=protocol)
    lock = FencedLock(client, LOCK, namespace=ns, ttl_ms=LONG_TTL_MS, max_wait=1.0)
    profile = FencedResource(client, LOCK, namespace=ns, log_length=1_000_000)
    inside = f"{ns}:{{{LOCK}}}:inside"
    tally = Tally()
    try:
        for turn in range(rounds):
            overstay = overstay_every > 0 and (turn + worker) % overstay_every == overstay_every - 1
            lease = lock.acquire(timeout=60, ttl_ms=SHORT_TTL_MS if overstay else LONG_TTL_MS)
            tally.acquisitions += 1
            tally.fences.append(lease.fence)
            if not overstay and client.incr(inside) != 1:
                tally.overlaps += 1
            counter = int(client.hget(profile.keys.resource, "counter") or 0)
            if overstay:
                tally.overstays += 1
                wait_until(lambda lease=lease: not lease.is_held(), timeout=30, what="the lease to expire")
            try:
                profile.write(lease.fence, {"counter": counter + 1})
                tally.accepted += 1
            except StaleFencingToken:
                tally.refused_writes += 1
            if not overstay:
                client.decr(inside)
            try:
                lease.release()
            except LockNotHeld:
                if overstay:
                    tally.refused_releases += 1
                else:
                    tally.unexpected_losses += 1
    finally:
        client.close()
    return tally


def run_contention(
    target: RedisTarget, ns: str, *, threads: int, processes: int, rounds: int, overstay_every: int
) -> tuple[Tally, float]:
    args = (target.url, target.protocol, ns)
    started = time.monotonic()
    results: list[Tally] = []
    errors: list[BaseException] = []

    def in_thread(worker: int) -> None:
        try:
            results.append(contend(*args, worker, rounds, overstay_every))
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    spawn = multiprocessing.get_context("spawn")
    with spawn.Pool(processes) as pool:
        pending = [pool.apply_async(contend, (*args, threads + p, rounds, overstay_every)) for p in range(processes)]
        in_threads(in_thread, threads, timeout=None)
        results += [p.get(timeout=300) for p in pending]
    assert not errors, errors
    total = Tally()
    for tally in results:
        total.add(tally)
    return total, time.monotonic() - started


def check(r: redis.Redis, ns: str, total: Tally, expected_acquisitions: int) -> None:
    profile = FencedResource(r, LOCK, namespace=ns)
    log = profile.accepted_log()
    assert total.acquisitions == expected_acquisitions
    # One fencing token per acquisition, strictly increasing with no gap or repeat.
    assert sorted(total.fences) == list(range(1, expected_acquisitions + 1))
    assert [n for n, c in Counter(total.fences).items() if c > 1] == []
    # The profile never accepted a write out of order, and lost no update.
    assert len(log) == total.accepted
    assert all(a <= b for a, b in itertools.pairwise(log)), "a write was accepted out of order"
    assert int(profile.read().get("counter", 0)) == total.accepted
    # Well-behaved holders never overlapped and never lost their lease.
    assert total.unexpected_losses == 0
    assert total.overlaps == 0
    assert total.accepted + total.refused_writes == expected_acquisitions
    assert total.refused_releases == total.overstays  # an expired lease can never be released


def report(total: Tally, seconds: float) -> str:
    return (
        f"{total.acquisitions} contended acquisitions in {seconds:.1f} s: "
        f"{total.overstays} overstayed, {total.refused_releases} late releases refused, "
        f"{total.refused_writes} stale writes refused, {total.accepted} writes accepted in order, "
        f"{total.overlaps} overlaps"
    )


@pytest.mark.standalone_only
def test_contended_lock_never_accepts_a_stale_write_nor_overlaps(
    redis_target: RedisTarget, r: redis.Redis, ns: str
) -> None:
    threads, processes, rounds = 6, 2, 50
    total, seconds = run_contention(
        redis_target, ns, threads=threads, processes=processes, rounds=rounds, overstay_every=8
    )
    print(report(total, seconds))
    check(r, ns, total, (threads + processes) * rounds)
    assert total.overstays > 0 and total.refused_writes > 0  # the failure mode was exercised


@pytest.mark.slow
@pytest.mark.standalone_only
def test_contended_lock_soak(redis_target: RedisTarget, r: redis.Redis, ns: str) -> None:
    threads, processes, rounds = 8, 4, 400
    total, seconds = run_contention(
        redis_target, ns, threads=threads, processes=processes, rounds=rounds, overstay_every=25
    )
    print(report(total, seconds))
    check(r, ns, total, (threads + processes) * rounds)
