"""TTL & locks benchmarks: FencedLock against the raw SET NX PX + compare-and-delete pair, and peers.

Three groups, on the run's own server:

- uncontended acquire + release against the raw pair: ``SET key <128-bit token> NX PX 30000``
  then a compare-and-delete ``EVALSHA`` (the baseline; FencedLock's goal: within 10 %);
- the same cycle against the peers, FencedLock as the baseline: redis-py's ``Lock``,
  python-redis-lock's ``Lock`` and pottery's ``Redlock`` (one master); goal: each peer slower;
- hand-off: a holder releases while another thread is blocked in acquire; the time until that
  waiter has taken (and released) the lock.  This is where waiting without polling shows.

The peers are optional: each entry is skipped when its package is missing.  They install beside
redis-py 8, so one environment holds all of them, e.g. ``/tmp/peers-venv`` made with
``python -m venv --system-site-packages /tmp/peers-venv && /tmp/peers-venv/bin/pip install
pottery==3.0.1 python-redis-lock==4.0.1`` (see tests/benchmarks/ttl_locks/peers_locks/README.md).

A fourth entry measures every subject one cycle at a time, in shuffled turns, and prints the
median ratios: on a loaded machine those are the ratios to quote (the groups above run one after
the other, so load drifts between them); a fifth does the same for the hand-off, one round of
each lock in turn.

Also: the split of one acquire + release cycle (round trip, server, client; see ``measure.py``) and
the memory of 100,000 held locks on a fresh server.

Run: python -m pytest tests/benchmarks/ttl_locks/bench_locks.py -o python_files='bench_*.py' --benchmark-only -s
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
import redis

from redisbehaviors.locks import FencedLock
from tests.benchmarks.measure import (
    ENTITIES,
    INTERLEAVED_GOAL,
    interleaved_medians,
    interleaved_table,
    memory_per_entity,
    split_call,
)

RAW = "ttl_locks: acquire + release vs the raw SET NX PX + compare-and-delete pair"
PEERS = "ttl_locks: acquire + release vs lock libraries"
HANDOFF = "ttl_locks: hand-off from a releasing holder to a blocked waiter"
TTL_MS = 30_000
HANDOFF_ROUNDS = 40
COMPARE_AND_DELETE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

Release = Callable[[], object]


def _role(benchmark: Any, role: str, goal: str) -> None:
    benchmark.extra_info.update(role=role, goal=goal)


# ------------------------------------------------------------------------------------------------ adapters
# Each lock under test as two functions: take it now (or fail), and take it waiting up to 10 s;
# both return the release function.


def _fenced(r: redis.Redis, ns: str) -> tuple[Callable[[], Release], Callable[[], Release]]:
    lock = FencedLock(r, "profile-42", namespace=ns, ttl_ms=TTL_MS)

    def now() -> Release:
        lease = lock.try_acquire()
        assert lease is not None
        return lease.release

    return now, lambda: lock.acquire(timeout=10).release


def _redis_py(r: redis.Redis, name: str) -> tuple[Callable[[], Release], Callable[[], Release]]:
    def take(blocking: bool) -> Release:
        lock = r.lock(name, timeout=TTL_MS / 1000, blocking_timeout=10)
        assert lock.acquire(blocking=blocking)
        return lock.release

    return lambda: take(False), lambda: take(True)


def _python_redis_lock(r: redis.Redis, name: str) -> tuple[Callable[[], Release], Callable[[], Release]]:
    redis_lock = pytest.importorskip("redis_lock")

    def take(blocking: bool) -> Release:
        lock = redis_lock.Lock(r, name, expire=TTL_MS // 1000)
        assert lock.acquire(blocking=blocking, timeout=10 if blocking else None)
        return lock.release

    return lambda: take(False), lambda: take(True)


def _pottery(r: redis.Redis, name: str) -> tuple[Callable[[], Release], Callable[[], Release]]:
    pottery = pytest.importorskip("pottery")

    def take(blocking: bool) -> Release:
        lock = pottery.Redlock(key=name, masters={r}, auto_release_time=TTL_MS / 1000)
        assert lock.acquire(blocking=blocking, timeout=10 if blocking else -1)
        return lock.release

    return lambda: take(False), lambda: take(True)


PEER_ADAPTERS = {"redis-py Lock": _redis_py, "python-redis-lock": _python_redis_lock, "pottery Redlock": _pottery}


# ------------------------------------------------------------------------------------------------ uncontended


@pytest.mark.benchmark(group=RAW)
def test_raw_set_nx_px_and_compare_and_delete(benchmark: Any, r: redis.Redis, key: Any) -> None:
    _role(benchmark, "baseline", "")
    name = key("lock")
    release = r.register_script(COMPARE_AND_DELETE)

    def cycle() -> int:
        token = secrets.token_urlsafe(16)
        assert r.set(name, token, nx=True, px=TTL_MS)
        return int(release(keys=[name], args=[token]))

    assert benchmark(cycle) == 1


@pytest.mark.parametrize("group", [RAW, PEERS], ids=["vs-raw-pair", "vs-peers"])
def test_fenced_lock(benchmark: Any, r: redis.Redis, ns: str, group: str) -> None:
    benchmark.group = group
    if group == RAW:
        _role(benchmark, "subject", INTERLEAVED_GOAL)  # the goal (<= 1.10) is on the interleaved table
    else:
        _role(benchmark, "baseline", "")
    now, _ = _fenced(r, ns)
    benchmark(lambda: now()())
    assert FencedLock(r, "profile-42", namespace=ns).last_fence() > 1


@pytest.mark.benchmark(group=PEERS)
@pytest.mark.parametrize("peer", list(PEER_ADAPTERS))
def test_peer_lock(benchmark: Any, r: redis.Redis, key: Any, peer: str) -> None:
    now, _ = PEER_ADAPTERS[peer](r, key(peer.replace(" ", "-")))
    _role(benchmark, "peer", "ratio > 1.00")
    benchmark(lambda: now()())


# ------------------------------------------------------------------------------------------------ hand-off


Waiting = tuple[Release, threading.Thread]


def _waiting(now: Callable[[], Release], blocking: Callable[[], Release]) -> Waiting:
    """A hand-off's untimed setup: hold the lock, start a thread blocked in acquire, let it settle."""
    release = now()
    waiter = threading.Thread(target=lambda: blocking()())
    waiter.start()
    time.sleep(0.03)  # let the waiter reach its wait (a benchmark setup, not a test assertion)
    return release, waiter


def _hand_off(waiting: Waiting) -> None:
    """The timed part: release, then wait until the waiter has acquired and released."""
    release, waiter = waiting
    release()
    waiter.join(timeout=30)
    assert not waiter.is_alive()


def _handoff(benchmark: Any, now: Callable[[], Release], blocking: Callable[[], Release]) -> None:
    benchmark.pedantic(_hand_off, setup=lambda: ((_waiting(now, blocking),), {}), rounds=HANDOFF_ROUNDS)


@pytest.mark.benchmark(group=HANDOFF)
def test_handoff_fenced_lock(benchmark: Any, r: redis.Redis, ns: str) -> None:
    _role(benchmark, "baseline", "")
    _handoff(benchmark, *_fenced(r, ns))


@pytest.mark.benchmark(group=HANDOFF)
@pytest.mark.parametrize("peer", list(PEER_ADAPTERS))
def test_handoff_peer_lock(benchmark: Any, r: redis.Redis, key: Any, peer: str) -> None:
    adapters = PEER_ADAPTERS[peer](r, key(peer.replace(" ", "-")))
    _role(benchmark, "peer", "ratio > 1.00")
    _handoff(benchmark, *adapters)


# ------------------------------------------------------------------------------------------------ interleaved
# On a loaded machine the groups above drift: each entry runs at a different moment. Here every
# subject runs one cycle in turn, in a shuffled order, thousands of times, so load hits them all
# alike; the medians of these per-cycle times give the ratios to quote. Run with -s to see them.

INTERLEAVED = "ttl_locks: interleaved acquire + release (one cycle each in turn)"
INTERLEAVED_ROTATIONS = 3000


@pytest.mark.benchmark(group=INTERLEAVED)
def test_interleaved_ratio_table(benchmark: Any, r: redis.Redis, ns: str, key: Any) -> None:
    release = r.register_script(COMPARE_AND_DELETE)
    raw_name = key("raw")

    def raw() -> None:
        token = secrets.token_urlsafe(16)
        assert r.set(raw_name, token, nx=True, px=TTL_MS)
        assert release(keys=[raw_name], args=[token]) == 1

    fenced_now, _ = _fenced(r, ns)
    cycles: dict[str, Callable[[], object]] = {"raw SET NX PX + CAD": raw, "FencedLock": lambda: fenced_now()()}
    for peer, adapter in PEER_ADAPTERS.items():
        try:
            now, _ = adapter(r, key(peer.replace(" ", "-")))
        except pytest.skip.Exception:
            continue
        cycles[peer] = lambda now=now: now()()

    medians = benchmark.pedantic(interleaved_medians, args=(cycles, INTERLEAVED_ROTATIONS), rounds=1)
    comparisons = [("FencedLock", "raw SET NX PX + CAD", "ratio <= 1.10")]
    comparisons += [(peer, "FencedLock", "ratio > 1.00") for peer in cycles if peer in PEER_ADAPTERS]
    benchmark.extra_info.update(interleaved_table(INTERLEAVED, medians, comparisons))
    base, ours = medians["raw SET NX PX + CAD"], medians["FencedLock"]
    lines = [f"{'subject':<22} {'median':>10} {'vs raw':>8} {'vs FencedLock':>14}"]
    for name, value in sorted(medians.items(), key=lambda item: item[1]):
        lines.append(f"{name:<22} {value * 1e6:>8.0f}µs {value / base:>7.2f}× {value / ours:>13.2f}×")
    print("\n" + "\n".join(lines))


INTERLEAVED_HANDOFF = "ttl_locks: interleaved hand-off (one round of each lock in turn)"


@pytest.mark.benchmark(group=INTERLEAVED_HANDOFF)
def test_interleaved_handoff_table(benchmark: Any, r: redis.Redis, ns: str, key: Any) -> None:
    subjects: dict[str, tuple[Callable[[], Release], Callable[[], Release]]] = {"FencedLock": _fenced(r, ns)}
    for peer, adapter in PEER_ADAPTERS.items():
        try:
            subjects[peer] = adapter(r, key(f"handoff-{peer.replace(' ', '-')}"))
        except pytest.skip.Exception:
            continue

    setups = {name: partial(_waiting, *adapters) for name, adapters in subjects.items()}
    candidates = dict.fromkeys(subjects, _hand_off)
    medians = benchmark.pedantic(
        interleaved_medians, args=(candidates, HANDOFF_ROUNDS), kwargs={"setups": setups}, rounds=1, iterations=1
    )
    comparisons = [(peer, "FencedLock", "ratio > 1.00") for peer in subjects if peer != "FencedLock"]
    note = "timed from the holder's release until the blocked waiter has acquired and released"
    benchmark.extra_info.update(interleaved_table(INTERLEAVED_HANDOFF, medians, comparisons, note))


# ------------------------------------------------------------------------------------------------ split, memory


def test_where_the_time_goes(benchmark: Any, metered: tuple[redis.Redis, redis.Redis], ns: str) -> None:
    client, admin = metered
    now, _ = _fenced(client, ns)
    result = benchmark.pedantic(
        split_call, args=("locks", "try_acquire + release", lambda: now()(), client, admin), rounds=1, iterations=1
    )
    benchmark.extra_info.update(result)


def test_memory_per_lock(benchmark: Any, fresh_server: tuple[str, redis.Redis]) -> None:
    url, admin = fresh_server
    client = redis.Redis.from_url(url, decode_responses=True)
    held = []

    def fill(start: int, stop: int) -> None:
        for n in range(start, stop):
            held.append(FencedLock(client, f"resource-{n}", namespace="mem", ttl_ms=3_600_000).try_acquire())

    note = "held (not released): the lock's token and its fence counter"
    result = benchmark.pedantic(memory_per_entity, args=(admin, "locks", "held lock", fill, ENTITIES, note), rounds=1)
    assert all(held)
    benchmark.extra_info.update(kind="memory", memory=[result])
    client.close()
