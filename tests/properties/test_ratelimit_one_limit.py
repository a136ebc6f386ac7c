"""The one-limit fixed window (``fixed_window_one.lua``) decides and writes exactly what the general
script (``fixed_window.lua``) does for a policy of one limit, on the real server.

Each example is a sequence of requests (hit or peek, a cost, a fresh or an earlier operation id, so
that some are retries of an admitted hit) sent to two limiters of the same policy, one per script, on
subjects of their own.  After every request the replies must agree, and so must the stored values
(window index, count and the kept operation ids) and their deadlines.  The window is an hour, so both runs of a request
fall in the same window; the times left (``reset_after``, ``retry_after``) are read a moment apart, so
they are compared to the millisecond plus the time between the two runs.
"""

from __future__ import annotations

import time
from typing import Any

import redis
from hypothesis import given
from hypothesis import strategies as st

from redisbehaviors.evalsha import Evalsha
from redisbehaviors.ratelimit import FixedWindowLimiter, Limit
from redisbehaviors.scripts import script_source

HOUR_MS = 3_600_000

requests = st.lists(
    st.tuples(st.sampled_from(["hit", "peek"]), st.integers(1, 3), st.integers(0, 4)), min_size=1, max_size=25
)


def stored(limiter: FixedWindowLimiter, r: redis.Redis, who: str) -> tuple[str | None, int]:
    """The subject's stored value, and its time to live in ms (-2 when there is no key)."""
    key = limiter._reset_keys(who, "any")[0]
    return r.get(key), r.pttl(key)


@given(amount=st.integers(3, 6), steps=requests)
def test_the_one_limit_script_answers_and_writes_as_the_general_one(
    r: redis.Redis, ns: str, amount: int, steps: list[tuple[str, int, int]]
) -> None:
    limit = Limit(amount, HOUR_MS)
    one = FixedWindowLimiter(r, limit, namespace=f"{ns}-one")
    general = FixedWindowLimiter(r, limit, namespace=f"{ns}-all")
    general._script = Evalsha(r, script_source("redisbehaviors.ratelimit", "fixed_window", preludes=("_common",)))
    assert one._script.sha != general._script.sha  # the limiter of one limit runs fixed_window_one.lua
    who = f"u{time.monotonic_ns()}"
    ops: list[str] = []
    for mode, cost, reuse in steps:
        if mode == "hit":
            op = ops[reuse % len(ops)] if reuse and ops else f"{len(ops):016x}"  # an earlier id: a retry
            ops.append(op)
            started = time.monotonic()
            decisions: list[Any] = [
                one.hit(who, cost=cost, operation_id=op),
                general.hit(who, cost=cost, operation_id=op),
            ]
        else:
            started = time.monotonic()
            decisions = [one.peek(who, cost=cost), general.peek(who, cost=cost)]
        apart = time.monotonic() - started + 0.002
        a, b = decisions
        assert (a.allowed, a.remaining, a.limit) == (b.allowed, b.remaining, b.limit), (mode, cost, a, b)
        assert abs(a.reset_after - b.reset_after) <= apart and abs(a.retry_after - b.retry_after) <= apart, (a, b)
        assert (a.retry_after == 0) == (b.retry_after == 0)
        (value_a, ttl_a), (value_b, ttl_b) = stored(one, r, who), stored(general, r, who)
        assert value_a == value_b
        assert abs(ttl_a - ttl_b) <= 50, (ttl_a, ttl_b)  # the same deadline, read a moment apart
