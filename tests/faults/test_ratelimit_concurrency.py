"""Rate limits under concurrency: 8 clients, each on its own connection, never get more than a limit.

Two kinds of check, for every algorithm:

* **Exact count in one window.**  8 threads fire a burst of 80 requests at a limit of 25 inside one
  window (the test waits for the start of a fresh window on the server's clock, and retries the
  round if the burst happened to straddle a window edge or outlast the span it must fit in).
  Exactly 25 are admitted: never more (no race lets two clients spend one unit), never fewer.
* **Never over in any window, sustained.**  8 threads hammer a short limit (10 per 500 ms) for
  about two seconds.  Each request is bracketed by the server's TIME before and after, so each
  admission is known to lie in an interval; the check counts only admissions *certainly* inside
  a window and must find none over the algorithm's bound: per aligned window for the fixed window
  and the sliding-window counter, per any span shorter than the window for the sliding log, and
  ``amount + span / (window / amount)`` for the token bucket.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
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
from redisbehaviors.testing import wait_until
from redisbehaviors.testing.plugin import RedisTarget
from tests.support import in_threads

CLIENTS = 8


def server_us(client: redis.Redis) -> int:
    seconds, micros = client.time()
    return int(seconds) * 1_000_000 + int(micros)


def run_clients(target: RedisTarget, work: Callable[[redis.Redis, threading.Barrier], Any]) -> list[Any]:
    """Run ``work`` in CLIENTS threads, each with its own single connection, started together."""
    barrier = threading.Barrier(CLIENTS)
    results: list[Any] = [None] * CLIENTS
    errors: list[BaseException] = []

    def thread(index: int) -> None:
        client = target.client(single_connection_client=True)
        try:
            results[index] = work(client, barrier)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
            barrier.abort()
        finally:
            client.close()

    in_threads(thread, CLIENTS)
    assert not errors, errors
    return results


# ------------------------------------------------------------------------------------------------ exact burst

# (limiter, limit, whether the burst must sit inside one aligned window, the span it must fit in, ms)
BURSTS = [
    (FixedWindowLimiter, Limit(25, 2000), True, 2000),
    (SlidingWindowCounterLimiter, Limit(25, 2000), True, 2000),
    (SlidingLogLimiter, Limit(25, 5000), False, 5000),
    (TokenBucketLimiter, Limit(25, 120_000), False, 4800),  # one token refills every 4.8 s
]


@pytest.mark.parametrize(
    ("limiter_class", "limit", "aligned", "span_ms"), BURSTS, ids=lambda v: getattr(v, "__name__", None)
)
def test_a_burst_of_8_clients_gets_exactly_the_limit(
    redis_target: RedisTarget,
    r: redis.Redis,
    ns: str,
    limiter_class: type[RateLimiter],
    limit: Limit,
    aligned: bool,
    span_ms: int,
) -> None:
    for attempt in range(4):
        who = f"burst-{attempt}"
        if aligned:  # start in the first 300 ms of a window, so the burst has the rest of it
            wait_until(
                lambda: server_us(r) // 1000 % limit.window_ms < 300, timeout=limit.window_ms / 1000 + 5, interval=0.002
            )
        start = server_us(r)

        def burst(client: redis.Redis, barrier: threading.Barrier, who: str = who) -> int:
            limiter = limiter_class(client, limit, namespace=ns)
            limiter.peek(who)  # load the script before the start line
            barrier.wait()
            return sum(limiter.hit(who).allowed for _ in range(10))

        admitted = sum(run_clients(redis_target, burst))
        end = server_us(r)
        one_window = start // 1000 // limit.window_ms == end // 1000 // limit.window_ms
        if (end - start) // 1000 < span_ms and (one_window or not aligned):
            assert admitted == limit.amount, f"{admitted} admitted against a limit of {limit.amount}"
            return
    pytest.fail("the machine was too slow to fit a burst of 80 requests in one window four times")


def test_a_burst_refused_by_one_limit_is_not_charged_to_the_other(
    redis_target: RedisTarget, r: redis.Redis, ns: str
) -> None:
    limits = [Limit(5, 1000), Limit(8, 60_000)]

    def burst(client: redis.Redis, barrier: threading.Barrier) -> int:
        limiter = SlidingLogLimiter(client, limits, namespace=ns)
        limiter.peek("multi")
        barrier.wait()
        return sum(limiter.hit("multi").allowed for _ in range(10))

    assert sum(run_clients(redis_target, burst)) == 5  # the per-second limit: 75 refusals charged nowhere
    start = server_us(r)
    wait_until(lambda: server_us(r) >= start + 1_000_000, timeout=10, interval=0.005)
    assert sum(run_clients(redis_target, burst)) == 3  # what is left of the per-minute limit: 8 - 5


# ------------------------------------------------------------------------------------------------ sustained

WINDOW_MS, AMOUNT, SECONDS = 500, 10, 2.0


def hammer(
    limiter_class: type[RateLimiter], ns: str
) -> Callable[[redis.Redis, threading.Barrier], list[tuple[int, int]]]:
    """Each client: hit for SECONDS, returning the [before, after] server-time bracket of each admission."""

    def work(client: redis.Redis, barrier: threading.Barrier) -> list[tuple[int, int]]:
        limiter = limiter_class(client, Limit(AMOUNT, WINDOW_MS), namespace=ns)
        limiter.peek("hammer")
        admitted: list[tuple[int, int]] = []
        barrier.wait()
        stop = time.monotonic() + SECONDS
        for _ in range(20_000):
            if time.monotonic() >= stop:
                break
            before = server_us(client)
            decision = limiter.hit("hammer")
            if decision.allowed:
                admitted.append((before, server_us(client)))
        return admitted

    return work


def worst_aligned_window(admissions: list[tuple[int, int]], window_us: int) -> int:
    certain = Counter(b // window_us for b, a in admissions if b // window_us == a // window_us)
    return max(certain.values(), default=0)


def worst_span(admissions: list[tuple[int, int]], allowed: Callable[[int], float]) -> float:
    """max over spans [b_i, a_j] of (admissions certainly inside) - (what the algorithm allows there)."""
    ordered = sorted(admissions)
    worst = float("-inf")
    for i, (start, _) in enumerate(ordered):
        ends = sorted(a for b, a in ordered[i:] if b >= start)
        for count, end in enumerate(ends, start=1):
            worst = max(worst, count - allowed(end - start))
    return worst


@pytest.mark.parametrize(
    "limiter_class",
    [FixedWindowLimiter, SlidingWindowCounterLimiter, SlidingLogLimiter, TokenBucketLimiter],
    ids=lambda c: c.__name__,
)
def test_8_clients_hammering_never_get_more_than_the_limit_in_any_window(
    redis_target: RedisTarget, ns: str, limiter_class: type[RateLimiter]
) -> None:
    admissions = [x for per_client in run_clients(redis_target, hammer(limiter_class, ns)) for x in per_client]
    window_us = WINDOW_MS * 1000
    assert len(admissions) >= AMOUNT * 2, f"only {len(admissions)} admissions: the load did not saturate"
    if limiter_class in (FixedWindowLimiter, SlidingWindowCounterLimiter):
        assert worst_aligned_window(admissions, window_us) <= AMOUNT
    elif limiter_class is SlidingLogLimiter:
        # any admissions spread over less than one window: at most AMOUNT of them
        excess = worst_span(admissions, lambda span: AMOUNT if span < window_us else float("inf"))
        assert excess <= 0, f"{excess} too many in some span shorter than the window"
    else:
        interval_us = window_us / AMOUNT
        excess = worst_span(admissions, lambda span: AMOUNT + span // interval_us)
        assert excess <= 0, f"{excess} more than burst + refill in some span"
